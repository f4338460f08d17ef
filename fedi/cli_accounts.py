"""`fedi account ...`: suspend, silence or disable one account, and lift it again."""

from typing import Any

from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db.database import open_pool
from fedi.domain.account_moderation import MAX_TEXT, AccountAction
from fedi.errors import InvalidInput

# Each action, what it says in --help, and the word for its outcome.
ACTIONS = {
    "suspend": (
        "suspend an account: a local one vanishes for other servers and cannot sign in,"
        " a remote one's posts and follows here are removed",
        "suspended",
    ),
    "unsuspend": ("lift an account's suspension", "unsuspended"),
    "silence": ("hide an account from public timelines; its follows need approval", "silenced"),
    "unsilence": ("lift an account's silence", "unsilenced"),
    "disable": ("stop a local account from using its sign-in (its posts stay)", "disabled"),
    "enable": ("let a disabled local account sign in again", "enabled"),
}


def add_account_commands(commands: Any) -> None:
    """The `account` command and its actions, on the top-level subparsers."""
    account = commands.add_parser("account", help="moderate one account (suspend, silence...)")
    actions = account.add_subparsers(dest="account_command", required=True, metavar="ACTION")
    for name, (text, _) in ACTIONS.items():
        action = actions.add_parser(name, help=text)
        action.add_argument("name", help="a local username, or name@domain for a remote account")
        action.add_argument("--reason", default="", help="why, for the audit log")


async def run_account(settings: Settings, args: Any) -> int:
    """Run one `fedi account` action; a FediError raised here is printed by the caller."""
    from fedi.app import running_node

    kind: str = args.account_command
    reason = (args.reason or "").strip()
    if len(reason) > MAX_TEXT:
        raise InvalidInput(f"--reason is longer than {MAX_TEXT} characters")
    async with open_pool(settings, max_size=2) as pool, running_node(settings, pool) as node:
        async with pool.acquire() as conn:
            found = await moderation_db.by_name_or_handle(conn, args.name, settings.domain)
            target = None if found is None else await actors_db.by_id(conn, found)
        if target is None:
            raise InvalidInput(f"no account {args.name!r} is known on this node")
        # No moderator: the node itself acts, as the audit log records it.
        effects = await node.publisher.moderate_account(None, target, AccountAction(kind, reason))
    outcome = ACTIONS[kind][1]
    handle = f"@{target.username}@{target.domain}"
    if not effects.changed:
        print(f"{handle}: nothing to do (already {outcome})")
        return 0
    print(f"{outcome} {handle}")
    if effects.announce == "delete_actor":
        print("its followers' servers are told that it is gone")
    if effects.purged is not None:
        gone = effects.purged
        print(
            f"removed {gone.posts} post(s), {gone.boosts} boost(s), {gone.likes} like(s),"
            f" {gone.follows} follow(s) and {gone.media} media row(s)"
        )
    return 0
