"""Queries on accounts people made for themselves, and the ones waiting for an admin."""

from typing import Any


async def insert_user(
    conn: Any,
    actor_id: int,
    password_hash: str,
    *,
    email: str | None,
    locale: str | None,
    reason: str | None,
    approved: bool,
    invitation_id: int | None,
) -> None:
    await conn.execute(
        "INSERT INTO users (actor_id, password_hash, is_admin, email, locale, sign_up_reason,"
        " approved_at, invitation_id)"
        " VALUES ($1, $2, false, $3, $4, $5, CASE WHEN $6 THEN now() END, $7)",
        actor_id,
        password_hash,
        email,
        locale,
        reason,
        approved,
        invitation_id,
    )


async def email_taken(conn: Any, email: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM users WHERE lower(email) = lower($1)", email))


async def is_approved(conn: Any, actor_id: int) -> bool:
    """Whether the account may sign in: approved, or made before approvals existed."""
    return bool(
        await conn.fetchval(
            "SELECT approved_at IS NOT NULL FROM users WHERE actor_id = $1", actor_id
        )
    )


async def approve(conn: Any, actor_id: int) -> bool:
    """Let a waiting account sign in; False if it was not waiting."""
    status = await conn.execute(
        "UPDATE users SET approved_at = now() WHERE actor_id = $1 AND approved_at IS NULL",
        actor_id,
    )
    return bool(status.endswith(" 1"))


async def delete_waiting(conn: Any, actor_id: int) -> bool:
    """Remove a refused sign-up whole (its actor, and with it the user row); False if it was
    not waiting. It never signed in, so nothing it made is lost."""
    status = await conn.execute(
        "DELETE FROM actors WHERE id = $1 AND local"
        " AND id IN (SELECT actor_id FROM users WHERE approved_at IS NULL)",
        actor_id,
    )
    return bool(status.endswith(" 1"))
