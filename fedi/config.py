"""Settings from the environment and an optional TOML file, validated once at start-up."""

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activitypub.hosts import InvalidHost, normalize_host
from fedi.errors import ConfigError

REGISTRATION_MODES = ("closed", "invite", "approval", "open")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    domain: str
    scheme: str
    dev: bool
    data_dir: Path
    database_url: str | None
    instance_name: str
    instance_description: str
    languages: tuple[str, ...]
    registrations: str
    allow_private_addresses: bool
    authorized_fetch: bool
    # The server rules members agree to, shown by the client API's instance endpoints.
    rules: tuple[str, ...] = ()
    # Past this many unprocessed inbox items, inboxes answer 503 with Retry-After.
    inbox_max_backlog: int = 50_000

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def host(self) -> str:
        """The domain without its port: the username of the instance actor, as Mastodon does."""
        if self.domain.startswith("["):
            return self.domain[: self.domain.index("]") + 1]
        return self.domain.split(":", 1)[0]


def is_loopback_domain(domain: str) -> bool:
    host = domain[1 : domain.index("]")] if domain.startswith("[") else domain.split(":", 1)[0]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting; raise ConfigError naming the first bad one."""
    env = dict(os.environ if environ is None else environ)
    file_values = _read_toml(env.get("FEDI_CONFIG"))

    def raw(name: str, default: str | None = None) -> str | None:
        if name in env:
            return env[name]
        key = name.removeprefix("FEDI_").lower()
        if key in file_values:
            value = file_values[key]
            if isinstance(value, bool):
                return "1" if value else "0"
            if isinstance(value, list):
                return ",".join(str(v) for v in value)
            return str(value)
        return default

    def flag(name: str) -> bool:
        value = (raw(name, "") or "").strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"{name}: expected 1/0, true/false, yes/no or on/off, got {value!r}")

    domain_text = raw("FEDI_DOMAIN", "localhost:8000") or ""
    try:
        domain = normalize_host(domain_text)
    except InvalidHost as exc:
        raise ConfigError(
            f"FEDI_DOMAIN: {domain_text!r} is not a valid host[:port] ({exc})"
        ) from exc

    dev = flag("FEDI_DEV")
    scheme = (raw("FEDI_SCHEME", "https") or "").strip().lower()
    if scheme not in ("http", "https"):
        raise ConfigError(f"FEDI_SCHEME: must be 'https' or 'http', got {scheme!r}")
    if scheme == "http" and not (dev or is_loopback_domain(domain)):
        raise ConfigError(
            f"FEDI_SCHEME: 'http' is allowed only with FEDI_DEV=1 or a loopback domain, "
            f"and FEDI_DOMAIN is {domain!r}"
        )

    languages = tuple(
        part.strip() for part in (raw("FEDI_LANGUAGES", "en") or "").split(",") if part.strip()
    )
    if not languages:
        raise ConfigError("FEDI_LANGUAGES: give at least one language code, such as 'en'")
    for code in languages:
        if not _LANGUAGE.match(code):
            raise ConfigError(
                f"FEDI_LANGUAGES: {code!r} is not a language code such as 'en' or 'pt-BR'"
            )

    registrations = (raw("FEDI_REGISTRATIONS", "closed") or "").strip().lower()
    if registrations not in REGISTRATION_MODES:
        raise ConfigError(
            f"FEDI_REGISTRATIONS: must be one of {', '.join(REGISTRATION_MODES)},"
            f" got {registrations!r}"
        )

    database_url = raw("DATABASE_URL") or None
    if database_url is not None and not database_url.startswith(("postgres://", "postgresql://")):
        raise ConfigError("DATABASE_URL: must start with postgresql:// or postgres://")

    name = (raw("FEDI_INSTANCE_NAME", "fedi") or "").strip()
    if not name:
        raise ConfigError("FEDI_INSTANCE_NAME: must not be empty")

    backlog_text = (raw("FEDI_INBOX_MAX_BACKLOG", "50000") or "").strip()
    if not (backlog_text.isascii() and backlog_text.isdigit()) or int(backlog_text) < 1:
        raise ConfigError(
            f"FEDI_INBOX_MAX_BACKLOG: must be a whole number of at least 1, got {backlog_text!r}"
        )

    return Settings(
        domain=domain,
        scheme=scheme,
        dev=dev,
        data_dir=Path(raw("FEDI_DATA_DIR", "var") or "var").resolve(),
        database_url=database_url,
        instance_name=name,
        instance_description=(raw("FEDI_INSTANCE_DESCRIPTION", "") or "").strip(),
        languages=languages,
        registrations=registrations,
        allow_private_addresses=flag("FEDI_ALLOW_PRIVATE_ADDRESSES"),
        authorized_fetch=flag("FEDI_AUTHORIZED_FETCH"),
        rules=_rules(env.get("FEDI_RULES"), file_values.get("rules")),
        inbox_max_backlog=int(backlog_text),
    )


MAX_RULE_LENGTH = 1_000


def _rules(env_value: str | None, file_value: Any) -> tuple[str, ...]:
    """One rule per line of FEDI_RULES, or a list of strings as `rules` in the TOML file."""
    if env_value is not None:
        items = env_value.splitlines()
    elif isinstance(file_value, list):
        items = [str(item) for item in file_value]
    elif isinstance(file_value, str):
        items = file_value.splitlines()
    else:
        items = []
    rules = tuple(item.strip() for item in items if item.strip())
    for rule in rules:
        if len(rule) > MAX_RULE_LENGTH:
            raise ConfigError(f"FEDI_RULES: a rule has at most {MAX_RULE_LENGTH} characters")
    return rules


def _read_toml(path_text: str | None) -> dict[str, Any]:
    if not path_text:
        return {}
    path = Path(path_text)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"FEDI_CONFIG: file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"FEDI_CONFIG: {path} is not valid TOML ({exc})") from exc
