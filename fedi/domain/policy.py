"""The domain policy: which servers this node blocks, silences or allows, and what that does.

A rule is stored under a normalised domain and governs that host and every subdomain of it; the
rule under the longest matching suffix wins, as in Mastodon's `DomainBlock.rule_for`, so a
`noop` on `ok.evil.example` exempts that host from a suspension of `evil.example`. A rule stored
with a port covers that port only; one without covers every port.

Severities: `noop` (only the flags apply), `silence` (posts left out of public timelines and
search, follows need approval), `suspend` (no federation at all: its accounts and everything
they brought are purged, and nothing is fetched from or delivered to it). The node federates
either openly or, in `allowlist` mode, only with listed domains and their subdomains.

Every change writes its audit entry and applies its effects in the caller's transaction.
"""

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from activitypub.hosts import InvalidHost, normalize_host
from fedi.db import domain_policy as db
from fedi.db.domain_policy import DomainBlock
from fedi.domain import audit
from fedi.errors import InvalidInput

__all__ = [
    "MODES",
    "SEVERITIES",
    "DomainBlock",
    "InvalidDomain",
    "PolicySnapshot",
    "allow_domain",
    "block_domain",
    "disallow_domain",
    "federation_mode",
    "list_allows",
    "list_blocks",
    "load_snapshot",
    "may_federate",
    "normalize_domain",
    "refused_hosts",
    "rejects_media",
    "rule_for",
    "rule_keys",
    "set_federation_mode",
    "silenced",
    "unblock_domain",
]

SEVERITIES = ("noop", "silence", "suspend")
MODES = ("open", "allowlist")
MAX_COMMENT = 1_000
_MAX_DOMAIN = 253
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMERIC = re.compile(r"^[0-9.]+$")
_SUSPENDED = "the domain is suspended"
_NOT_ALLOWED = "the domain is not on the allowlist"


class InvalidDomain(InvalidInput):
    """A domain that cannot be stored in, or checked against, the policy."""


def _split(host: str) -> tuple[str, str]:
    """A normalised host as (name, port); the port is '' when none was given."""
    if host.startswith("["):
        end = host.index("]")
        return host[: end + 1], host[end + 2 :]
    name, _, port = host.partition(":")
    return name, port


def rule_keys(host: str) -> list[str]:
    """The keys a rule for `host` may be stored under, most specific first.

    `A.Evil.example.:8443` -> `a.evil.example:8443`, `a.evil.example`, `evil.example:8443`,
    `evil.example`, `example:8443`, `example`. An IP literal has no parent domains. The first
    key is the normalised host itself. SQL's `domain_rule_keys` is this function's twin.
    """
    try:
        normalised = normalize_host(host)
    except InvalidHost as exc:
        raise InvalidDomain(f"{host!r} is not a valid domain: {exc}") from exc
    name, port = _split(normalised)
    if name.startswith("[") or _NUMERIC.match(name):
        names = [name]
    else:
        labels = name.split(".")
        names = [".".join(labels[i:]) for i in range(len(labels))]
    keys: list[str] = []
    for suffix in names:
        if port:
            keys.append(f"{suffix}:{port}")
        keys.append(suffix)
    return keys


def normalize_domain(domain: str) -> str:
    """The form a rule is stored under; InvalidDomain naming the input when it is no domain."""
    raw = domain.strip()
    if not raw:
        raise InvalidDomain("the domain is empty")
    try:
        host = normalize_host(raw)
    except InvalidHost as exc:
        raise InvalidDomain(f"{raw!r} is not a valid domain: {exc}") from exc
    name, _ = _split(host)
    if len(name) > _MAX_DOMAIN:
        raise InvalidDomain(f"{raw!r} is longer than {_MAX_DOMAIN} characters")
    if not name.startswith("[") and not all(_LABEL.match(label) for label in name.split(".")):
        raise InvalidDomain(f"{raw!r} is not a valid domain")
    return host


@dataclass(frozen=True)
class PolicySnapshot:
    """The policy as read at one moment, answering for hosts without the database.

    A snapshot need only hold the rules under the keys of the hosts it will be asked about:
    the rest cannot change its answers for them.
    """

    mode: str = "open"
    blocks: Mapping[str, DomainBlock] = field(default_factory=dict)
    allows: frozenset[str] = frozenset()
    local_domains: frozenset[str] = frozenset()

    def rule_for(self, host: str) -> DomainBlock | None:
        for key in rule_keys(host):
            block = self.blocks.get(key)
            if block is not None:
                return block
        return None

    def allowed(self, host: str) -> bool:
        """Whether the host is on the allowlist, itself or by a parent domain."""
        return any(key in self.allows for key in rule_keys(host))

    def refusal(self, host: str) -> str | None:
        """Why this node does not federate with `host`, or None when it does."""
        try:
            keys = rule_keys(host)
        except InvalidDomain:
            return "the domain is invalid"
        if keys[0] in self.local_domains:
            return None
        for key in keys:
            block = self.blocks.get(key)
            if block is not None:
                if block.severity == "suspend":
                    return _SUSPENDED
                break
        if self.mode == "allowlist" and not any(key in self.allows for key in keys):
            return _NOT_ALLOWED
        return None

    def may_federate(self, host: str) -> bool:
        return self.refusal(host) is None


async def load_snapshot(conn: Any) -> PolicySnapshot:
    """The whole policy, for a process's in-memory copy."""
    return PolicySnapshot(
        mode=await db.mode(conn),
        blocks={block.domain: block for block in await db.all_blocks(conn)},
        allows=frozenset(await db.all_allows(conn)),
        local_domains=frozenset(await db.local_domains(conn)),
    )


async def _snapshot_for(conn: Any, hosts: Collection[str]) -> PolicySnapshot:
    """The part of the policy that decides for `hosts` (which must be valid hosts)."""
    keys = sorted({key for host in hosts for key in rule_keys(host)})
    if not keys:
        return PolicySnapshot()
    mode = await db.mode(conn)
    blocks = await db.blocks_under(conn, keys)
    refusing = mode == "allowlist" or any(b.severity == "suspend" for b in blocks)
    normalised = sorted({rule_keys(host)[0] for host in hosts})
    return PolicySnapshot(
        mode=mode,
        blocks={block.domain: block for block in blocks},
        allows=frozenset(await db.allows_under(conn, keys)) if mode == "allowlist" else frozenset(),
        # Only asked when something could refuse: a publish in open mode costs two queries.
        local_domains=frozenset(await db.local_among(conn, normalised))
        if refusing
        else frozenset(),
    )


def _valid(hosts: Iterable[str]) -> list[str]:
    found = []
    for host in hosts:
        try:
            rule_keys(host)
        except InvalidDomain:
            continue
        found.append(host)
    return found


async def rule_for(conn: Any, host: str) -> DomainBlock | None:
    """The block that governs `host` (longest suffix), or None."""
    return (await _snapshot_for(conn, [host])).rule_for(host)


async def may_federate(conn: Any, host: str) -> bool:
    """False when the host is suspended, or not allowed in allowlist mode; our own: True."""
    try:
        snapshot = await _snapshot_for(conn, [host])
    except InvalidDomain:
        return False
    return snapshot.may_federate(host)


async def refused_hosts(conn: Any, hosts: Iterable[str]) -> set[str]:
    """Which of `hosts` this node does not federate with (invalid ones included)."""
    wanted = set(hosts)
    valid = _valid(wanted)
    snapshot = await _snapshot_for(conn, valid)
    return (wanted - set(valid)) | {host for host in valid if not snapshot.may_federate(host)}


async def silenced(conn: Any, host: str) -> bool:
    """Whether the host's accounts are limited: hidden from public timelines and search."""
    block = await rule_for(conn, host)
    return block is not None and block.severity == "silence"


async def rejects_media(conn: Any, host: str) -> bool:
    """Whether media from the host are refused (a suspended host's always are)."""
    block = await rule_for(conn, host)
    return block is not None and (block.reject_media or block.severity == "suspend")


async def list_blocks(conn: Any) -> list[DomainBlock]:
    return await db.all_blocks(conn)


async def list_allows(conn: Any) -> list[str]:
    return await db.all_allows(conn)


async def federation_mode(conn: Any) -> str:
    return await db.mode(conn)


def _comment(name: str, value: str) -> str:
    if len(value) > MAX_COMMENT:
        raise InvalidInput(f"{name} is longer than {MAX_COMMENT} characters")
    return value.strip()


async def _refuse_own(conn: Any, domain: str, doing: str) -> None:
    if domain in await db.local_domains(conn):
        raise InvalidDomain(f"{domain} is this node's own domain and cannot be {doing}")


async def block_domain(
    conn: Any,
    domain: str,
    *,
    severity: str = "suspend",
    reject_media: bool = False,
    reject_reports: bool = False,
    private_comment: str = "",
    public_comment: str = "",
    obfuscate: bool = False,
    by_actor_id: int | None = None,
) -> DomainBlock:
    """Create or change the block on `domain` and apply it at once.

    A suspension purges the accounts it covers with all they brought (posts, boosts, likes,
    media, follows both ways) and gives up on deliveries queued for them; rejecting media drops
    the media rows, avatars and headers of the accounts it covers. Purged content does not come
    back when the block is lifted.
    """
    key = normalize_domain(domain)
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    private_comment = _comment("private_comment", private_comment)
    public_comment = _comment("public_comment", public_comment)
    async with conn.transaction():
        await _refuse_own(conn, key, "blocked")
        before = await db.block_by_domain(conn, key)
        block = await db.upsert_block(
            conn,
            key,
            severity=severity,
            reject_media=reject_media,
            reject_reports=reject_reports,
            private_comment=private_comment,
            public_comment=public_comment,
            obfuscate=obfuscate,
        )
        await _apply_block(conn, key)
        action = "domain_block.create" if before is None else "domain_block.update"
        await audit.record(conn, by_actor_id, action, "domain", key, _describe(block))
    return block


def _describe(block: DomainBlock) -> str:
    parts = [block.severity]
    parts += [
        name for name in ("reject_media", "reject_reports", "obfuscate") if getattr(block, name)
    ]
    text = ", ".join(parts)
    return f"{text}: {block.private_comment}" if block.private_comment else text


async def _apply_block(conn: Any, key: str) -> None:
    """Purge, strip media and stop deliveries for the hosts the rule under `key` covers."""
    covered = [d for d in await db.remote_domains_under(conn, key) if _covers(key, d)]
    snapshot = await _snapshot_for(conn, covered)
    suspended: list[str] = []
    media_rejected: list[str] = []
    for host in covered:
        rule = snapshot.rule_for(host)
        if rule is None:
            continue
        if rule.severity == "suspend":
            suspended.append(host)
        elif rule.reject_media:
            media_rejected.append(host)
    await db.purge_actors(conn, suspended)
    await db.forget_media(conn, media_rejected)
    await _stop_deliveries(conn, key)


def _covers(key: str, host: str) -> bool:
    try:
        return key in rule_keys(host)
    except InvalidDomain:
        return False


async def _stop_deliveries(conn: Any, key: str | None = None) -> None:
    """Give up on queued deliveries to hosts this node no longer federates with."""
    pending = _valid(await db.pending_delivery_domains(conn, key))
    snapshot = await _snapshot_for(conn, pending)
    by_reason: dict[str, list[str]] = {}
    for host in pending:
        reason = snapshot.refusal(host)
        if reason is not None:
            by_reason.setdefault(reason, []).append(host)
    for reason, hosts in by_reason.items():
        await db.fail_pending_deliveries(conn, hosts, reason)


async def unblock_domain(conn: Any, domain: str, *, by_actor_id: int | None = None) -> bool:
    """Lift the block on exactly `domain`; False when there was none. New activity flows again;
    nothing purged comes back. A block on a parent domain then governs the domain, and is
    applied to it at once (lifting a `noop` under a suspended parent suspends it)."""
    key = normalize_domain(domain)
    async with conn.transaction():
        removed = await db.delete_block(conn, key)
        if removed is None:
            return False
        await _apply_block(conn, key)
        await audit.record(
            conn, by_actor_id, "domain_block.destroy", "domain", key, _describe(removed)
        )
    return True


async def allow_domain(conn: Any, domain: str, *, by_actor_id: int | None = None) -> None:
    """Put `domain` (and so its subdomains) on the allowlist."""
    key = normalize_domain(domain)
    async with conn.transaction():
        if await db.insert_allow(conn, key):
            await audit.record(conn, by_actor_id, "domain_allow.create", "domain", key)


async def disallow_domain(conn: Any, domain: str, *, by_actor_id: int | None = None) -> bool:
    """Take `domain` off the allowlist; False when it was not on it."""
    key = normalize_domain(domain)
    async with conn.transaction():
        if not await db.delete_allow(conn, key):
            return False
        await _stop_deliveries(conn, key)
        await audit.record(conn, by_actor_id, "domain_allow.destroy", "domain", key)
    return True


async def set_federation_mode(conn: Any, mode: str, *, by_actor_id: int | None = None) -> None:
    """Federate openly or only with the allowlist; deliveries queued for domains that are then
    refused are given up."""
    if mode not in MODES:
        raise InvalidInput(f"federation mode must be one of {', '.join(MODES)}, not {mode!r}")
    async with conn.transaction():
        await db.set_mode(conn, mode)
        if mode == "allowlist":
            await _stop_deliveries(conn)
        await audit.record(conn, by_actor_id, "federation_mode.update", "instance", mode)
