"""Signing up: who may, by which registration mode; invitations; approving the ones who wait.

closed: nobody signs up. invite: only with a usable invitation. approval: anyone may ask, and
an admin approves the account before it can sign in (a usable invitation skips the wait, as in
Mastodon). open: anyone, at once. Closed means closed: invitations open nothing then.
"""

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fedi.config import Settings
from fedi.db import invitations as invitations_db
from fedi.db import sign_ups as sign_ups_db
from fedi.db.actors import Actor
from fedi.db.invitations import Invitation
from fedi.db.paging import IdWindow
from fedi.domain import audit, instance_profile
from fedi.domain.accounts import (
    RESERVED_USERNAMES,
    USERNAME,
    UsernameTaken,
    create_local_actor,
)
from fedi.domain.oauth import MAX_PASSWORD_LENGTH
from fedi.domain.passwords import hash_password
from fedi.errors import FediError, Forbidden, InvalidInput
from fedi.urls import Urls

MIN_PASSWORD_LENGTH = 8
MAX_EMAIL_LENGTH = 254
MAX_REASON_LENGTH = 1_000
MAX_INVITE_USES = 1_000
MIN_INVITE_SECONDS = 60
MAX_INVITE_SECONDS = 366 * 24 * 3600
MAX_CODE_LENGTH = 64
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Fixed sentences, so the sign-up page can show each in the reader's language.
CLOSED = "Registrations are closed."
INVITATION_NEEDED = "An invitation is needed to sign up here."
INVITATION_UNUSABLE = "This invitation has expired, been used up or been revoked."
AGREEMENT_NEEDED = "You must accept the rules to sign up."
USERNAME_BLANK = "Choose a username."
USERNAME_FORM = "A username has 1 to 30 letters, digits or underscores."
USERNAME_UNAVAILABLE = "This username is not available."
PASSWORD_SHORT = "The password must be at least 8 characters long."  # noqa: S105 (a message)
PASSWORD_LONG = "The password must be at most 1024 characters long."  # noqa: S105 (a message)
EMAIL_INVALID = "This is not an e-mail address."
EMAIL_TAKEN = "This e-mail address is already used by another account."
REASON_LONG = "The reason must be at most 1000 characters long."
INVITE_USES = "An invitation can be used 1 to 1000 times."
INVITE_EXPIRY = "An invitation lasts between a minute and a year."
NOT_WAITING = "This account is not waiting for approval."
MESSAGES = (
    CLOSED,
    INVITATION_NEEDED,
    INVITATION_UNUSABLE,
    AGREEMENT_NEEDED,
    USERNAME_BLANK,
    USERNAME_FORM,
    USERNAME_UNAVAILABLE,
    PASSWORD_SHORT,
    PASSWORD_LONG,
    EMAIL_INVALID,
    EMAIL_TAKEN,
    REASON_LONG,
    INVITE_USES,
    INVITE_EXPIRY,
    NOT_WAITING,
)


class SignUpRefused(FediError):
    """A sign-up that cannot go on. `field` and `code` are Mastodon's error details."""

    def __init__(
        self, message: str, *, status: int = 422, field: str | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.code = code


@dataclass(frozen=True)
class SignUp:
    """What a person sends to make an account."""

    username: str
    password: str
    agreement: bool
    email: str | None = None
    locale: str | None = None
    reason: str | None = None
    invite_code: str | None = None


@dataclass(frozen=True)
class Registered:
    actor: Actor
    # False: the account waits for an admin and cannot sign in yet.
    approved: bool


def _check_username(username: str) -> str:
    username = username.strip().removeprefix("@")
    if not username:
        raise SignUpRefused(USERNAME_BLANK, field="username", code="ERR_BLANK")
    if not USERNAME.match(username):
        raise SignUpRefused(USERNAME_FORM, field="username", code="ERR_INVALID")
    # A reserved name answers as a taken one: neither says more than "not available".
    if username.lower() in RESERVED_USERNAMES:
        raise SignUpRefused(USERNAME_UNAVAILABLE, field="username", code="ERR_RESERVED")
    return username


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SignUpRefused(PASSWORD_SHORT, field="password", code="ERR_TOO_SHORT")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise SignUpRefused(PASSWORD_LONG, field="password", code="ERR_TOO_LONG")


def _check_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise SignUpRefused(EMAIL_INVALID, field="email", code="ERR_INVALID")
    return email


def _check_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise SignUpRefused(REASON_LONG, field="reason", code="ERR_TOO_LONG")
    return reason or None


def _locale(locale: str | None) -> str | None:
    """The interface language asked for; one we cannot read is left out rather than refused."""
    try:
        return instance_profile.language_tag(locale) if locale else None
    except InvalidInput:
        return None


def clean_code(code: str | None) -> str | None:
    code = (code or "").strip()
    return code if code and len(code) <= MAX_CODE_LENGTH else None


async def sign_up(conn: Any, settings: Settings, urls: Urls, request: SignUp) -> Registered:
    """Make the account if the registration mode lets this request in. Call it in a
    transaction: the invitation's use and the account stand or fall together."""
    mode = (await instance_profile.effective(conn, settings)).registrations
    if mode == "closed":
        raise SignUpRefused(CLOSED, status=403)
    code = clean_code(request.invite_code)
    if mode == "invite" and code is None:
        raise SignUpRefused(INVITATION_NEEDED, status=403, field="invite_code", code="ERR_BLANK")
    username = _check_username(request.username)
    _check_password(request.password)
    email = _check_email(request.email)
    reason = _check_reason(request.reason)
    if not request.agreement:
        raise SignUpRefused(AGREEMENT_NEEDED, field="agreement", code="ERR_ACCEPTED")
    if email is not None and await sign_ups_db.email_taken(conn, email):
        raise SignUpRefused(EMAIL_TAKEN, field="email", code="ERR_TAKEN")
    invitation_id = None
    if code is not None:
        invitation_id = await invitations_db.take_use(conn, code)
        if invitation_id is None:
            raise SignUpRefused(INVITATION_UNUSABLE, field="invite_code", code="ERR_INVALID")
    password_hash = await asyncio.to_thread(hash_password, request.password)
    try:
        actor = await create_local_actor(
            conn,
            urls,
            settings.domain,
            actor_type="Person",
            username=username,
            display_name=username,
        )
    except UsernameTaken:
        raise SignUpRefused(USERNAME_UNAVAILABLE, field="username", code="ERR_TAKEN") from None
    approved = mode != "approval" or invitation_id is not None
    await sign_ups_db.insert_user(
        conn,
        actor.id,
        password_hash,
        email=email,
        locale=_locale(request.locale),
        reason=reason,
        approved=approved,
        invitation_id=invitation_id,
    )
    return Registered(actor, approved)


async def invitation_usable(conn: Any, code: str | None) -> bool:
    """Whether a sign-up with this code would be let in by it (the page says so up front)."""
    cleaned = clean_code(code)
    found = await invitations_db.by_code(conn, cleaned) if cleaned else None
    return found is not None and found.usable


# --- invitations ----------------------------------------------------------------------------


def new_code() -> str:
    """96 random bits: a link is a key to the node, so it must not be guessed."""
    return secrets.token_urlsafe(12)


async def create_invitation(
    conn: Any, *, max_uses: int | None, expires_in: int | None, by_actor_id: int | None
) -> Invitation:
    if max_uses is not None and not 1 <= max_uses <= MAX_INVITE_USES:
        raise InvalidInput(INVITE_USES)
    if expires_in is not None and not MIN_INVITE_SECONDS <= expires_in <= MAX_INVITE_SECONDS:
        raise InvalidInput(INVITE_EXPIRY)
    expires_at = None if expires_in is None else datetime.now(UTC) + timedelta(seconds=expires_in)
    invitation = await invitations_db.insert(conn, new_code(), max_uses, expires_at, by_actor_id)
    limits = f"uses: {max_uses or 'unlimited'}; expires: {expires_at or 'never'}"
    await audit.record(
        conn, by_actor_id, "invitation.create", "invitation", str(invitation.id), limits
    )
    return invitation


async def revoke_invitation(
    conn: Any, invitation_id: int, *, by_actor_id: int
) -> Invitation | None:
    """Revoke it and audit that once; None if there is no such invitation."""
    found = await invitations_db.by_id(conn, invitation_id)
    if found is None:
        return None
    if found.revoked_at is not None:
        return found
    revoked = await invitations_db.revoke(conn, invitation_id)
    await audit.record(conn, by_actor_id, "invitation.revoke", "invitation", str(invitation_id))
    return revoked


async def invitations(conn: Any, window: IdWindow) -> list[Invitation]:
    return await invitations_db.listing(conn, window)


# --- approving sign-ups ---------------------------------------------------------------------


async def approve(conn: Any, account: Actor, *, by_actor_id: int) -> None:
    """Let a waiting account sign in (caller's transaction, with its audit entry)."""
    if not await sign_ups_db.approve(conn, account.id):
        raise Forbidden(NOT_WAITING)
    await audit.record(conn, by_actor_id, "account.approve", "account", account.handle)


async def reject(conn: Any, account: Actor, *, by_actor_id: int) -> None:
    """Remove a waiting account, as Mastodon does: the name is free again."""
    if not await sign_ups_db.delete_waiting(conn, account.id):
        raise Forbidden(NOT_WAITING)
    await audit.record(conn, by_actor_id, "account.reject", "account", account.handle)
