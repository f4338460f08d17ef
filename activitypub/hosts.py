"""Host normalisation: the one way hosts are compared anywhere in the project."""

from urllib.parse import urlsplit

import idna

from activitypub.errors import ActivityPubError


class InvalidHost(ActivityPubError):
    """A host or URL that cannot be normalised."""


def normalize_host(host: str) -> str:
    """Lower-case, IDN to punycode, no trailing dot; an explicit port is kept.

    `Example.COM.` -> `example.com`, `Bücher.example:8443` -> `xn--bcher-kva.example:8443`.
    IPv6 literals keep their brackets.
    """
    raw = host.strip()
    if not raw:
        raise InvalidHost("empty host")
    port = ""
    if raw.startswith("["):
        end = raw.find("]")
        if end == -1:
            raise InvalidHost(f"unterminated IPv6 literal: {host!r}")
        name, rest = raw[: end + 1].lower(), raw[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise InvalidHost(f"junk after IPv6 literal: {host!r}")
            port = rest[1:]
    else:
        name, sep, port = raw.rpartition(":") if ":" in raw else (raw, "", "")
        if sep and not name:
            raise InvalidHost(f"empty host name: {host!r}")
        name = name.rstrip(".").lower()
        if not name:
            raise InvalidHost(f"empty host name: {host!r}")
        if not name.isascii():
            try:
                name = idna.encode(name, uts46=True).decode("ascii")
            except idna.IDNAError as exc:
                raise InvalidHost(f"invalid international host {host!r}: {exc}") from exc
        if any(c in name for c in "/\\@?# "):
            raise InvalidHost(f"invalid characters in host {host!r}")
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidHost(f"invalid port in host {host!r}")
        return f"{name}:{int(port)}"
    return name


def host_of(url: str) -> str:
    """The normalised host[:port] of an absolute http(s) URL; default ports are dropped."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidHost(f"unparseable URL {url!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidHost(f"not an absolute http(s) URL: {url!r}")
    netloc = parts.netloc.rpartition("@")[2]
    host = normalize_host(netloc)
    default = ":443" if parts.scheme == "https" else ":80"
    if host.endswith(default):
        host = host[: -len(default)]
    return host


def same_host(a_url: str, b_url: str) -> bool:
    """Whether two URLs live on exactly the same normalised host."""
    try:
        return host_of(a_url) == host_of(b_url)
    except InvalidHost:
        return False
