"""`fedi domain ...`: block, allow and list whole domains, import and export block lists."""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fedi.config import Settings
from fedi.db.database import open_pool
from fedi.db.migrate import migrate
from fedi.domain import domain_lists, policy
from fedi.errors import InvalidInput

# A block list file larger than this is no block list (20,000 rows take about 2 MB).
MAX_LIST_BYTES = 10_000_000
MODES = ("open", "allowlist")


def add_domain_commands(commands: Any) -> None:
    """The `domain` command and its actions, on the top-level subparsers."""
    domain = commands.add_parser("domain", help="block or allow whole domains (instances)")
    actions = domain.add_subparsers(dest="domain_command", required=True, metavar="ACTION")

    block = actions.add_parser(
        "block",
        help="block a domain, or change its block",
        description="Block a domain and its subdomains, or restate an existing block: the"
        " severity and flags given replace the old ones; comments not given are kept.",
    )
    block.add_argument("domain", help="the domain, such as example.com (its subdomains too)")
    block.add_argument(
        "--severity",
        default="suspend",
        help="suspend (default: no contact at all), silence (hidden from public timelines)"
        " or noop (only the options below)",
    )
    block.add_argument("--reject-media", action="store_true", help="drop the domain's media")
    block.add_argument(
        "--reject-reports", action="store_true", help="ignore reports sent from the domain"
    )
    block.add_argument("--public-comment", help="the reason, shown on the public list")
    block.add_argument("--private-comment", help="a note for admins only")
    block.add_argument(
        "--obfuscate", action="store_true", help="star out part of the name on the public list"
    )

    unblock = actions.add_parser("unblock", help="lift a domain's block")
    unblock.add_argument("domain")
    allow = actions.add_parser("allow", help="add a domain to the allow list")
    allow.add_argument("domain")
    disallow = actions.add_parser("disallow", help="take a domain off the allow list")
    disallow.add_argument("domain")

    listing = actions.add_parser("list", help="show the blocked (or allowed) domains")
    listing.add_argument("--allows", action="store_true", help="show the allow list instead")

    importing = actions.add_parser(
        "import", help="apply a block list (Mastodon CSV, or one domain a line)"
    )
    importing.add_argument("file", help="the list to read")
    importing.add_argument(
        "--dry-run", action="store_true", help="show what would change; change nothing"
    )
    importing.add_argument(
        "--replace", action="store_true", help="also lift every block the list does not name"
    )

    export = actions.add_parser("export", help="write the blocks as Mastodon CSV")
    export.add_argument("file", nargs="?", help="where to write (standard output if omitted)")

    mode = actions.add_parser("mode", help="federate openly, or only with allowed domains")
    mode.add_argument("mode", help="open or allowlist")
    public = actions.add_parser(
        "public-list", help="show or hide the list at /api/v1/instance/domain_blocks"
    )
    public.add_argument("state", help="on or off")


async def run_domain(settings: Settings, args: Any) -> int:
    """Run one `fedi domain` action; a FediError raised here is printed by the caller."""
    handlers: dict[str, Callable[[Any, Any], Coroutine[Any, Any, int]]] = {
        "block": _block,
        "unblock": _unblock,
        "allow": _allow,
        "disallow": _disallow,
        "list": _list,
        "export": _export,
        "mode": _mode,
        "public-list": _public_list,
    }
    # Bad input is refused before the database (perhaps an embedded one) is even started.
    _check(args)
    text = _read_list(args.file) if args.domain_command == "import" else None
    async with open_pool(settings, max_size=2) as pool:
        await migrate(pool)
        async with pool.acquire() as conn:
            if text is not None:
                return await _import(conn, args, text)
            return await handlers[args.domain_command](conn, args)


def _check(args: Any) -> None:
    """Normalise and validate the arguments in place; InvalidInput names the first bad one."""
    if getattr(args, "domain", None) is not None:
        args.domain = domain_lists.normalize_domain(args.domain)
    if args.domain_command == "block":
        args.severity = args.severity.strip().lower()
        if args.severity not in domain_lists.SEVERITIES:
            raise InvalidInput(
                f"--severity must be one of {', '.join(domain_lists.SEVERITIES)},"
                f" not {args.severity!r}"
            )
    elif args.domain_command == "mode":
        args.mode = args.mode.strip().lower()
        if args.mode not in MODES:
            raise InvalidInput(f"mode must be open or allowlist, not {args.mode!r}")
    elif args.domain_command == "public-list":
        args.state = args.state.strip().lower()
        if args.state not in ("on", "off"):
            raise InvalidInput(f"public-list must be on or off, not {args.state!r}")


def _read_list(name: str) -> str:
    """The list's text, checked whole: a bad row is reported before anything starts."""
    path = Path(name)
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise InvalidInput(f"{name} is larger than {MAX_LIST_BYTES // 1_000_000} MB")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        domain_lists.parse_blocklist(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{name}: {exc}") from None
    return text


def _describe(block: Any) -> str:
    """A block or a list entry in a few words: `silence, reject media`."""
    parts = [block.severity]
    parts += ["reject media"] if block.reject_media else []
    parts += ["reject reports"] if block.reject_reports else []
    parts += ["obfuscated"] if block.obfuscate else []
    return ", ".join(parts)


async def _block(conn: Any, args: Any) -> int:
    async with conn.transaction():
        current = {b.domain: b for b in await policy.list_blocks(conn)}.get(args.domain)
        public_comment = args.public_comment
        if public_comment is None:
            public_comment = "" if current is None else current.public_comment
        entry = domain_lists.BlockEntry(
            domain=args.domain,
            severity=args.severity,
            reject_media=args.reject_media,
            reject_reports=args.reject_reports,
            public_comment=public_comment.strip(),
            obfuscate=args.obfuscate,
            private_comment=None if args.private_comment is None else args.private_comment.strip(),
        )
        parent = await domain_lists.milder_parent(conn, entry)
        block = await domain_lists.set_block(conn, entry)
    verb = "blocked" if current is None else "updated the block on"
    print(f"{verb} {block.domain} ({_describe(block)})")
    if parent is not None:
        print(
            f"note: this is milder than the block on {parent.domain} ({_describe(parent)}),"
            f" so {block.domain} is exempt from it"
        )
    return 0


async def _unblock(conn: Any, args: Any) -> int:
    domain = args.domain
    async with conn.transaction():
        removed = await policy.unblock_domain(conn, domain)
    if not removed:
        raise InvalidInput(f"{domain} is not blocked")
    print(f"unblocked {domain}")
    return 0


async def _allow(conn: Any, args: Any) -> int:
    domain = args.domain
    async with conn.transaction():
        await policy.allow_domain(conn, domain)
        mode = await policy.federation_mode(conn)
    note = "" if mode == "allowlist" else " (the list takes effect in allowlist mode; now open)"
    print(f"allowed {domain}{note}")
    return 0


async def _disallow(conn: Any, args: Any) -> int:
    domain = args.domain
    async with conn.transaction():
        removed = await policy.disallow_domain(conn, domain)
    if not removed:
        raise InvalidInput(f"{domain} is not on the allow list")
    print(f"removed {domain} from the allow list")
    return 0


async def _list(conn: Any, args: Any) -> int:
    if args.allows:
        allows = await policy.list_allows(conn)
        mode = await policy.federation_mode(conn)
        print(f"federation mode: {mode}; {len(allows)} allowed domain(s)")
        for domain in sorted(allows):
            print(domain)
        return 0
    blocks = await policy.list_blocks(conn)
    print(f"{len(blocks)} blocked domain(s)")
    for block in sorted(blocks, key=lambda b: b.domain):
        comment = f"  # {block.public_comment}" if block.public_comment else ""
        print(f"{block.domain}  {_describe(block)}{comment}")
    return 0


async def _import(conn: Any, args: Any, text: str) -> int:
    plan = await domain_lists.import_blocklist(
        conn,
        text,
        dry_run=args.dry_run,
        replace=args.replace,
        private_comment=f"imported from {Path(args.file).name}",
    )
    for entry in plan.added:
        print(f"+ {entry.domain} ({_describe(entry)})")
    for change in plan.updated:
        print(f"~ {change.after.domain} ({_describe(change.before)} -> {_describe(change.after)})")
    for domain in plan.removed:
        print(f"- {domain}")
    if args.dry_run:
        print(f"dry run, nothing changed: would be {plan.summary()}")
    else:
        print(f"imported {args.file}: {plan.summary()}")
    return 0


async def _export(conn: Any, args: Any) -> int:
    blocks = await policy.list_blocks(conn)
    text = domain_lists.blocklist_csv(blocks)
    if args.file is None:
        sys.stdout.write(text)
        return 0
    try:
        await asyncio.to_thread(Path(args.file).write_text, text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(f"exported {len(blocks)} domain block(s) to {args.file}")
    return 0


async def _mode(conn: Any, args: Any) -> int:
    mode = args.mode
    async with conn.transaction():
        await policy.set_federation_mode(conn, mode)
        allows = await policy.list_allows(conn)
    print(f"federation mode: {mode}")
    if mode == "allowlist" and not allows:
        print("warning: no domain is allowed yet, so this node federates with no one", flush=True)
    return 0


async def _public_list(conn: Any, args: Any) -> int:
    state = args.state
    await domain_lists.show_public_blocklist(conn, state == "on")
    where = "/api/v1/instance/domain_blocks"
    print(f"public domain block list: {state} ({where} {'answers' if state == 'on' else 'is 404'})")
    return 0
