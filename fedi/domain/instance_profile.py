"""The instance's profile: name, description, rules, registration mode and languages.

The settings file gives the defaults; admins change them at run time, and what they set wins.
Every change is checked here and written with its audit entry in one transaction.
"""

from dataclasses import dataclass, replace
from typing import Any

from babel import Locale, UnknownLocaleError

from fedi.config import REGISTRATION_MODES, Settings
from fedi.db import instance_settings as settings_db
from fedi.db.instance_settings import PROFILE_FIELDS, StoredProfile
from fedi.domain import audit
from fedi.errors import InvalidInput

MAX_NAME = 100
MAX_DESCRIPTION = 2_000
MAX_RULES = 20
MAX_RULE = 300
MAX_LANGUAGES = 30
MAX_LANGUAGE_TAG = 35

# The messages are fixed sentences (no values in them), so the pages can translate them.
NAME_LENGTH = "The name must be 1 to 100 characters long."
DESCRIPTION_LENGTH = "The description must be at most 2000 characters long."
TOO_MANY_RULES = "There can be at most 20 rules."
RULE_LENGTH = "Each rule must be at most 300 characters long."
NO_LANGUAGE = "Choose at least one language."
TOO_MANY_LANGUAGES = "Choose at most 30 languages."
UNKNOWN_MODE = "The registration mode must be closed, invite, approval or open."
MESSAGES = (
    NAME_LENGTH,
    DESCRIPTION_LENGTH,
    TOO_MANY_RULES,
    RULE_LENGTH,
    NO_LANGUAGE,
    TOO_MANY_LANGUAGES,
    UNKNOWN_MODE,
)


@dataclass(frozen=True)
class InstanceProfile:
    """The profile in effect: what admins set, else the settings file's values."""

    name: str
    description: str
    rules: tuple[str, ...]
    registrations: str
    languages: tuple[str, ...]


def defaults(settings: Settings) -> InstanceProfile:
    return InstanceProfile(
        name=settings.instance_name,
        description=settings.instance_description,
        rules=settings.rules,
        registrations=settings.registrations,
        languages=settings.languages,
    )


def _merged(stored: StoredProfile, settings: Settings) -> InstanceProfile:
    base = defaults(settings)
    return InstanceProfile(
        name=base.name if stored.name is None else stored.name,
        description=base.description if stored.description is None else stored.description,
        rules=base.rules if stored.rules is None else tuple(stored.rules),
        registrations=stored.registrations or base.registrations,
        languages=base.languages if not stored.languages else tuple(stored.languages),
    )


async def effective(conn: Any, settings: Settings) -> InstanceProfile:
    """One look-up of the single settings row."""
    return _merged(await settings_db.stored_profile(conn), settings)


async def effective_from_pool(pool: Any, settings: Settings) -> InstanceProfile:
    async with pool.acquire() as conn:
        return await effective(conn, settings)


# --- checking what an admin sends ----------------------------------------------------------


def check_name(text: str) -> str:
    name = text.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(NAME_LENGTH)
    return name


def check_description(text: str) -> str:
    description = text.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(DESCRIPTION_LENGTH)
    return description


def check_rules(items: list[str]) -> tuple[str, ...]:
    """One rule a line; blank ones are dropped, the rest keep their order (reports name a rule
    by its number)."""
    lines = [line.strip() for item in items for line in item.splitlines()]
    rules = tuple(line for line in lines if line)
    if len(rules) > MAX_RULES:
        raise InvalidInput(TOO_MANY_RULES)
    if any(len(rule) > MAX_RULE for rule in rules):
        raise InvalidInput(RULE_LENGTH)
    return rules


def check_mode(text: str) -> str:
    mode = text.strip().lower()
    if mode not in REGISTRATION_MODES:
        raise InvalidInput(UNKNOWN_MODE)
    return mode


def language_tag(text: str) -> str:
    """A BCP 47 tag Babel knows, written the usual way (`pt-BR`); InvalidInput names a bad one."""
    tag = text.strip().replace("_", "-")
    try:
        if not tag or len(tag) > MAX_LANGUAGE_TAG:
            raise ValueError(tag)
        locale = Locale.parse(tag, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        raise InvalidInput(f"{text.strip()[:MAX_LANGUAGE_TAG]!r} is not a language code") from None
    return str(locale).replace("_", "-")


def check_languages(items: list[str]) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(language_tag(item) for item in items if item.strip()))
    if not languages:
        raise InvalidInput(NO_LANGUAGE)
    if len(languages) > MAX_LANGUAGES:
        raise InvalidInput(TOO_MANY_LANGUAGES)
    return languages


# --- changing it ----------------------------------------------------------------------------

# A field to put back to the settings file's value.
RESET = object()


@dataclass(frozen=True)
class ProfileChange:
    """What an admin asked to change: a value, RESET, or None to leave the field as it is."""

    name: str | object | None = None
    description: str | object | None = None
    rules: list[str] | object | None = None
    registrations: str | object | None = None
    languages: list[str] | object | None = None


def _checked(field: str, value: Any) -> Any:
    """The stored form of one changed field (None for RESET)."""
    if value is RESET:
        return None
    if field == "name":
        return check_name(value)
    if field == "description":
        return check_description(value)
    if field == "rules":
        return list(check_rules(value))
    if field == "registrations":
        return check_mode(value)
    return list(check_languages(value))


def _summary(profile: InstanceProfile, changed: list[str]) -> str:
    """What the audit entry says of the new values: short ones in full, long ones by size."""
    parts = []
    for field in changed:
        if field == "name":
            parts.append(f"name: {profile.name}")
        elif field == "registrations":
            parts.append(f"registrations: {profile.registrations}")
        elif field == "languages":
            parts.append(f"languages: {', '.join(profile.languages)}")
        elif field == "rules":
            parts.append(f"rules: {len(profile.rules)}")
        else:
            parts.append(f"description: {len(profile.description)} characters")
    return "; ".join(parts)


async def change(
    conn: Any, settings: Settings, change: ProfileChange, *, by_actor_id: int | None
) -> InstanceProfile:
    """Check every field first (nothing is stored if one is wrong), store, and audit what
    actually changed. A value equal to the one in effect is no change: a field that follows
    the settings file keeps following it. Call it in a transaction."""
    requested = {
        field: getattr(change, field)
        for field in PROFILE_FIELDS
        if getattr(change, field) is not None
    }
    checked = {field: _checked(field, value) for field, value in requested.items()}
    stored = await settings_db.stored_profile(conn, for_update=True)
    before = _merged(stored, settings)
    updates = {
        field: value
        for field, value in checked.items()
        if value is None or _as_profile_value(value) != getattr(before, field)
    }
    updated = replace(stored, **updates)
    if updated == stored:
        return before
    await settings_db.set_profile(conn, updated)
    after = _merged(updated, settings)
    changed = [field for field in PROFILE_FIELDS if getattr(before, field) != getattr(after, field)]
    if changed:
        await audit.record(
            conn,
            by_actor_id,
            "instance.update",
            "instance",
            ", ".join(changed),
            _summary(after, changed),
        )
    return after


def _as_profile_value(value: Any) -> Any:
    """A stored value as InstanceProfile holds it (lists are tuples there)."""
    return tuple(value) if isinstance(value, list) else value
