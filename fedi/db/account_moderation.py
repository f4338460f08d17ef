"""Queries on a moderator's decisions about single accounts, and the admin list of accounts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedi.db.follows import Follow
from fedi.db.paging import IdWindow

# Accounts every public timeline leaves out: suspended ones and silenced (limited) ones.
HIDDEN_FROM_PUBLIC_SQL = (
    "SELECT actor_id FROM account_moderation"
    " WHERE suspended_at IS NOT NULL OR silenced_at IS NOT NULL"
)
# Accounts nobody here is shown: their content stays (a local suspension can be lifted) but is
# kept out of every timeline, stream and notification list.
SUSPENDED_SQL = "SELECT actor_id FROM account_moderation WHERE suspended_at IS NOT NULL"

# The four states, each a timestamp column: set when imposed, NULL when lifted.
STATES = {
    "suspended": "suspended_at",
    "silenced": "silenced_at",
    "sensitized": "sensitized_at",
    "disabled": "disabled_at",
}


@dataclass(frozen=True)
class Standing:
    """What moderators have imposed on an account; all None for one in good standing."""

    actor_id: int
    suspended_at: datetime | None = None
    silenced_at: datetime | None = None
    sensitized_at: datetime | None = None
    disabled_at: datetime | None = None

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def silenced(self) -> bool:
        return self.silenced_at is not None

    @property
    def sensitized(self) -> bool:
        return self.sensitized_at is not None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


_COLUMNS = "actor_id, suspended_at, silenced_at, sensitized_at, disabled_at"


async def standing(conn: Any, actor_id: int) -> Standing:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM account_moderation WHERE actor_id = $1", actor_id
    )
    return Standing(actor_id) if row is None else Standing(**dict(row))


async def standings(conn: Any, actor_ids: list[int]) -> dict[int, Standing]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM account_moderation WHERE actor_id = ANY($1)", actor_ids
    )
    found = {row["actor_id"]: Standing(**dict(row)) for row in rows}
    return {actor_id: found.get(actor_id, Standing(actor_id)) for actor_id in actor_ids}


async def set_state(conn: Any, actor_id: int, state: str, imposed: bool) -> bool:
    """Impose or lift one state; True when that changed anything.

    Imposing keeps the first timestamp, so repeating an action does not move when it began.
    """
    column = STATES[state]
    if imposed:
        changed = await conn.fetchval(
            f"INSERT INTO account_moderation (actor_id, {column}) VALUES ($1, now())"
            f" ON CONFLICT (actor_id) DO UPDATE SET {column} = now(), updated_at = now()"
            f" WHERE account_moderation.{column} IS NULL RETURNING true",
            actor_id,
        )
    else:
        changed = await conn.fetchval(
            f"UPDATE account_moderation SET {column} = NULL, updated_at = now()"
            f" WHERE actor_id = $1 AND {column} IS NOT NULL RETURNING true",
            actor_id,
        )
    return bool(changed)


async def is_suspended(conn: Any, actor_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM account_moderation WHERE actor_id = $1 AND suspended_at IS NOT NULL",
            actor_id,
        )
    )


async def local_suspended(conn: Any, username: str) -> bool:
    """Whether the local account with this username is suspended."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM actors a JOIN account_moderation m ON m.actor_id = a.id"
            " WHERE a.local AND lower(a.username) = lower($1) AND m.suspended_at IS NOT NULL",
            username,
        )
    )


async def login_refused(conn: Any, actor_id: int) -> bool:
    """Whether the account's tokens must be refused: it is suspended or disabled."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM account_moderation WHERE actor_id = $1"
            " AND (suspended_at IS NOT NULL OR disabled_at IS NOT NULL)",
            actor_id,
        )
    )


async def sensitized_among(conn: Any, actor_ids: list[int]) -> set[int]:
    rows = await conn.fetch(
        "SELECT actor_id FROM account_moderation"
        " WHERE actor_id = ANY($1) AND sensitized_at IS NOT NULL",
        actor_ids,
    )
    return {row["actor_id"] for row in rows}


async def is_silenced(conn: Any, actor_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM account_moderation WHERE actor_id = $1 AND silenced_at IS NOT NULL",
            actor_id,
        )
    )


async def is_admin(conn: Any, actor_id: int) -> bool:
    return bool(await conn.fetchval("SELECT is_admin FROM users WHERE actor_id = $1", actor_id))


async def has_user(conn: Any, actor_id: int) -> bool:
    """Whether the account signs in here (a local member, not a group or the instance)."""
    return bool(await conn.fetchval("SELECT 1 FROM users WHERE actor_id = $1", actor_id))


async def report_target(conn: Any, report_id: int) -> int | None:
    """The account a report is about, None when there is no such report."""
    value = await conn.fetchval("SELECT target_account_id FROM reports WHERE id = $1", report_id)
    return None if value is None else int(value)


async def unresolved_reports_about(conn: Any, actor_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM reports WHERE target_account_id = $1 AND action_taken_at IS NULL"
        " ORDER BY id",
        actor_id,
    )
    return [row["id"] for row in rows]


# --- A remote account's suspension: what this node holds of it goes. ---


async def follows_with_locals(conn: Any, actor_id: int) -> list[Follow]:
    """The account's follows of local accounts and local accounts' follows of it, pending too."""
    rows = await conn.fetch(
        "SELECT f.id, f.uri, f.follower_id, f.followee_id, f.accepted, f.created_at"
        " FROM follows f JOIN actors a"
        "   ON a.id = CASE WHEN f.follower_id = $1 THEN f.followee_id ELSE f.follower_id END"
        " WHERE (f.follower_id = $1 OR f.followee_id = $1) AND a.local ORDER BY f.id",
        actor_id,
    )
    return [Follow(**dict(row)) for row in rows]


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind a remote account's suspension removed."""

    posts: int
    boosts: int
    likes: int
    follows: int
    media: int
    notifications: int
    inbox_items: int


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def purge_remote(conn: Any, actor_id: int) -> Purged:
    """Remove a remote account's posts, boosts, likes, follows both ways, media rows and the
    notifications it caused, and refuse what it sent that is still waiting.

    No tombstones are kept: if the suspension is lifted, its posts may arrive again.
    """
    args = (actor_id,)
    notifications = _count(
        await conn.execute("DELETE FROM notifications WHERE from_actor_id = $1", *args)
    )
    media = _count(await conn.execute("DELETE FROM media_attachments WHERE actor_id = $1", *args))
    boosts = _count(await conn.execute("DELETE FROM boosts WHERE actor_id = $1", *args))
    likes = _count(await conn.execute("DELETE FROM likes WHERE actor_id = $1", *args))
    follows = _count(
        await conn.execute("DELETE FROM follows WHERE follower_id = $1 OR followee_id = $1", *args)
    )
    posts = _count(await conn.execute("DELETE FROM posts WHERE actor_id = $1", *args))
    items = _count(
        await conn.execute(
            "UPDATE inbox_items SET state = 'refused', finished_at = now(), lease_until = NULL,"
            " last_error = 'the sender is suspended here'"
            " WHERE signer_id = $1 AND state = 'pending'",
            *args,
        )
    )
    return Purged(posts, boosts, likes, follows, media, notifications, items)


# --- The admin list of accounts. ---


@dataclass(frozen=True)
class AccountFilter:
    """Which accounts the admin list shows; None leaves a criterion out.

    `origin` is local or remote; `status` one of STATUSES; text criteria match a prefix
    without case, `by_domain` the whole domain.
    """

    origin: str | None = None
    status: str | None = None
    staff: bool = False
    username: str | None = None
    display_name: str | None = None
    by_domain: str | None = None
    email: str | None = None
    # No sign-in addresses are recorded here, so an IP criterion matches nobody.
    ip: str | None = None


STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")
_STATUS_SQL = {
    "active": "m.suspended_at IS NULL",
    # Local accounts waiting for an admin to approve their sign-up.
    "pending": "u.actor_id IS NOT NULL AND u.approved_at IS NULL",
    "disabled": "m.disabled_at IS NOT NULL AND m.suspended_at IS NULL",
    "silenced": "m.silenced_at IS NOT NULL",
    "suspended": "m.suspended_at IS NOT NULL",
    "sensitized": "m.sensitized_at IS NOT NULL",
}


def _prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.lower() + "%"


async def listing(conn: Any, selection: AccountFilter, window: IdWindow) -> list[int]:
    """Ids of the accounts matching, newest first; the instance actor is never listed."""
    bounds, args = window.where("a.id", 2)
    conditions = ["a.actor_type <> 'Application'", bounds]
    values: list[Any] = [window.limit, *args]

    def arg(value: Any) -> str:
        values.append(value)
        return f"${len(values)}"

    if selection.origin == "local":
        conditions.append("a.local")
    elif selection.origin == "remote":
        conditions.append("NOT a.local")
    if selection.status is not None:
        conditions.append(_STATUS_SQL[selection.status])
    if selection.staff:
        conditions.append("coalesce(u.is_admin, false)")
    if selection.username:
        conditions.append(f"lower(a.username) LIKE {arg(_prefix(selection.username))}")
    if selection.display_name:
        conditions.append(f"lower(a.display_name) LIKE {arg(_prefix(selection.display_name))}")
    if selection.by_domain:
        conditions.append(f"a.domain = {arg(selection.by_domain)}")
    if selection.email:
        conditions.append(f"lower(u.email) LIKE {arg(_prefix(selection.email))}")
    if selection.ip:
        conditions.append("false")
    rows = await conn.fetch(
        "SELECT a.id FROM actors a"
        " LEFT JOIN users u ON u.actor_id = a.id"
        " LEFT JOIN account_moderation m ON m.actor_id = a.id"
        f" WHERE {' AND '.join(conditions)}"
        f" ORDER BY {window.order('a.id')} LIMIT $1",
        *values,
    )
    return window.arrange([row["id"] for row in rows])


@dataclass(frozen=True)
class UserFacts:
    """What a local account's sign-in row adds to the admin view."""

    email: str | None
    locale: str | None
    is_admin: bool
    approved: bool = True
    # What the person wrote when asking to sign up.
    sign_up_reason: str | None = None


async def user_facts(conn: Any, actor_ids: list[int]) -> dict[int, UserFacts]:
    rows = await conn.fetch(
        "SELECT actor_id, email, locale, is_admin, approved_at IS NOT NULL AS approved,"
        " sign_up_reason FROM users WHERE actor_id = ANY($1)",
        actor_ids,
    )
    return {
        row["actor_id"]: UserFacts(
            row["email"], row["locale"], row["is_admin"], row["approved"], row["sign_up_reason"]
        )
        for row in rows
    }


async def by_name_or_handle(conn: Any, name: str, local_domain: str) -> int | None:
    """The account a command line names: `name`, `@name`, `name@domain` or `@name@domain`."""
    username, _, domain = name.lstrip("@").partition("@")
    value = await conn.fetchval(
        "SELECT id FROM actors WHERE lower(username) = lower($1)"
        " AND CASE WHEN $2 = '' OR $2 = $3 THEN local ELSE domain = $2 AND NOT local END"
        " ORDER BY id LIMIT 1",
        username,
        domain.lower(),
        local_domain,
    )
    return None if value is None else int(value)
