"""Domain block lists in Mastodon's CSV format: read one, compare it with the node's, apply it.

Mastodon exports `#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`;
older Mastodon exports and most shared lists are plain, one domain a line. Both are read here,
as are headers without the `#`. A file is checked whole before anything is written, so one bad
row (named by its line) leaves the node exactly as it was.
"""

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fedi.db import domain_admin, domain_policy, instance_settings
from fedi.domain import audit, policy
from fedi.domain.policy import DomainBlock
from fedi.errors import InvalidInput, NotFound

HEADER = (
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
)
# Tools that share lists between admins (FediBlockHole and the like) add a private comment.
KNOWN_COLUMNS = frozenset(name.lstrip("#") for name in HEADER) | {"private_comment"}
SEVERITIES = policy.SEVERITIES
_STRICTNESS = {"noop": 0, "silence": 1, "suspend": 2}
# Mastodon's own limit on one import; it bounds the work a single file can ask for.
MAX_ROWS = 20_000
_TRUE = {"true", "1", "yes", "t", "on"}
_FALSE = {"false", "0", "no", "f", "off", ""}


@dataclass(frozen=True)
class BlockEntry:
    """One domain's block as a list states it. `line` is where it was read (0: not from a file)."""

    domain: str
    severity: str = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    obfuscate: bool = False
    # None: the list says nothing, so an existing block keeps its own.
    private_comment: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Update:
    before: DomainBlock
    after: BlockEntry


@dataclass(frozen=True)
class ImportPlan:
    """What an import changes (or, in a dry run, would change)."""

    added: list[BlockEntry]
    updated: list[Update]
    unchanged: list[str]
    removed: list[str]
    applied: bool = False

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )


def _problem(line: int, message: str) -> InvalidInput:
    return InvalidInput(f"line {line}: {message}")


def normalize_domain(text: str, line: int = 0) -> str:
    """The domain a block is stored under (the policy's form); errors name the line if given."""
    where = f"line {line}: " if line else ""
    if "*" in text:
        # Obfuscated entries copied from another node's public list name no real domain.
        raise InvalidInput(f"{where}{text.strip()!r} is obfuscated; a block needs the real domain")
    try:
        return policy.normalize_domain(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}{exc}") from None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each one starts on; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _problem(start, f"not valid CSV ({exc})") from None
        if any(cell.strip() for cell in row):
            yield start, row
        start = reader.line_num + 1


def _header(row: list[str]) -> list[str] | None:
    """The column names if `row` is a header (it names a `domain` column), else None."""
    names = [cell.strip().lower().lstrip("#") for cell in row]
    return names if "domain" in names else None


def _check_header(line: int, names: list[str]) -> None:
    unknown = [name for name in names if name not in KNOWN_COLUMNS]
    if unknown:
        raise _problem(
            line,
            f"unknown column {unknown[0]!r} (known: {', '.join(h.lstrip('#') for h in HEADER)},"
            " private_comment)",
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _problem(line, f"column {name!r} appears twice")
        seen.add(name)


def _flag(line: int, column: str, value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _problem(line, f"{column} is {value!r}, expected true or false")


def _severity(line: int, value: str) -> str:
    text = value.strip().lower() or "suspend"
    if text not in SEVERITIES:
        raise _problem(line, f"severity {value!r} is not one of {', '.join(SEVERITIES)}")
    return text


def _comment(line: int, column: str, value: str) -> str:
    text = value.strip()
    if len(text) > policy.MAX_COMMENT:
        raise _problem(line, f"{column} is longer than {policy.MAX_COMMENT} characters")
    return text


def _entry(line: int, cells: dict[str, str]) -> BlockEntry:
    return BlockEntry(
        domain=normalize_domain(cells.get("domain", ""), line),
        severity=_severity(line, cells.get("severity", "")),
        reject_media=_flag(line, "reject_media", cells.get("reject_media", "")),
        reject_reports=_flag(line, "reject_reports", cells.get("reject_reports", "")),
        public_comment=_comment(line, "public_comment", cells.get("public_comment", "")),
        obfuscate=_flag(line, "obfuscate", cells.get("obfuscate", "")),
        private_comment=_comment(line, "private_comment", cells.get("private_comment", "")) or None,
        line=line,
    )


def parse_blocklist(text: str) -> list[BlockEntry]:
    """Every entry of a list, or InvalidInput naming the first bad line and what is wrong."""
    entries: list[BlockEntry] = []
    names: list[str] | None = None
    seen: dict[str, int] = {}
    for line, row in _rows(text):
        # The header may follow comment lines, but no domain.
        if names is None and not entries and (header := _header(row)) is not None:
            _check_header(line, header)
            names = header
            continue
        if names is None:
            if row[0].lstrip().startswith("#"):
                continue  # a comment in a plain list
            if any(cell.strip() for cell in row[1:]):
                raise _problem(
                    line,
                    f"{len(row)} fields, but the file has no header line naming them"
                    f" (such as {','.join(HEADER)})",
                )
            cells = {"domain": row[0]}
        else:
            if len(row) > len(names):
                raise _problem(line, f"{len(row)} fields, but the header names {len(names)}")
            cells = dict(zip(names, row, strict=False))
        entry = _entry(line, cells)
        if entry.domain in seen:
            raise _problem(line, f"{entry.domain} is already listed on line {seen[entry.domain]}")
        seen[entry.domain] = line
        entries.append(entry)
        if len(entries) > MAX_ROWS:
            raise _problem(line, f"a list may hold at most {MAX_ROWS} domains")
    return entries


def _as_entry(block: DomainBlock) -> BlockEntry:
    return BlockEntry(
        domain=block.domain,
        severity=block.severity,
        reject_media=block.reject_media,
        reject_reports=block.reject_reports,
        public_comment=block.public_comment,
        obfuscate=block.obfuscate,
        private_comment=block.private_comment,
    )


def stricter_or_equal(rule: BlockEntry, other: BlockEntry | DomainBlock) -> bool:
    """Whether `rule` limits at least as much as `other` (Mastodon's `stricter_than?`)."""
    if rule.severity == "suspend":
        return True
    if _STRICTNESS[rule.severity] < _STRICTNESS[other.severity]:
        return False
    return (rule.reject_media or not other.reject_media) and (
        rule.reject_reports or not other.reject_reports
    )


def parent_rule(domain: str, rules: Mapping[str, BlockEntry]) -> BlockEntry | None:
    """The rule that would govern `domain` if it had none of its own (longest suffix)."""
    for key in policy.rule_keys(domain)[1:]:
        found = rules.get(key)
        if found is not None:
            return found
    return None


def _same(entry: BlockEntry, block: DomainBlock) -> bool:
    return (
        entry.severity == block.severity
        and entry.reject_media == block.reject_media
        and entry.reject_reports == block.reject_reports
        and entry.public_comment == block.public_comment
        and entry.obfuscate == block.obfuscate
        and (entry.private_comment is None or entry.private_comment == block.private_comment)
    )


def plan_import(
    existing: Iterable[DomainBlock], entries: list[BlockEntry], *, replace: bool = False
) -> ImportPlan:
    """Compare a parsed list with the node's blocks; with `replace`, blocks not listed go."""
    current = {block.domain: block for block in existing}
    added: list[BlockEntry] = []
    updated: list[Update] = []
    unchanged: list[str] = []
    for entry in entries:
        before = current.get(entry.domain)
        if before is None:
            added.append(entry)
        elif _same(entry, before):
            unchanged.append(entry.domain)
        else:
            updated.append(Update(before, entry))
    listed = {entry.domain for entry in entries}
    removed = sorted(domain for domain in current if domain not in listed) if replace else []
    # A milder rule on a subdomain exempts it from its parent's block. A list may say so about
    # its own parents; a list undercutting a block it does not name is refused, since a shared
    # list could otherwise quietly open a hole in a suspension this node chose.
    final = {d: _as_entry(b) for d, b in current.items() if d not in removed}
    final.update({entry.domain: entry for entry in entries})
    for entry in entries:
        parent = parent_rule(entry.domain, final)
        if (
            parent is not None
            and parent.domain not in listed
            and not stricter_or_equal(entry, parent)
        ):
            raise _problem(
                entry.line,
                f"{entry.domain} ({entry.severity}) is milder than this node's block on"
                f" {parent.domain} ({parent.severity}) and would exempt it; list"
                f" {parent.domain} too, or change the block with `fedi domain block`",
            )
    return ImportPlan(added, updated, unchanged, removed)


async def import_blocklist(
    conn: Any,
    text: str,
    *,
    dry_run: bool = False,
    replace: bool = False,
    private_comment: str = "",
    by_actor_id: int | None = None,
) -> ImportPlan:
    """Parse, compare and (unless a dry run) apply a list, all in one transaction.

    `private_comment` is given to new blocks whose row has none, so an admin can later tell
    where a block came from.
    """
    entries = parse_blocklist(text)
    async with conn.transaction():
        plan = plan_import(await policy.list_blocks(conn), entries, replace=replace)
        if dry_run:
            return plan
        for entry in plan.added:
            await _apply(conn, entry, entry.private_comment or private_comment, by_actor_id)
        for change in plan.updated:
            kept = change.before.private_comment
            await _apply(conn, change.after, change.after.private_comment or kept, by_actor_id)
        for domain in plan.removed:
            await policy.unblock_domain(conn, domain, by_actor_id=by_actor_id)
    return ImportPlan(plan.added, plan.updated, plan.unchanged, plan.removed, applied=True)


async def _apply(
    conn: Any, entry: BlockEntry, private_comment: str, by_actor_id: int | None
) -> None:
    try:
        await _write(conn, entry, private_comment, by_actor_id)
    except InvalidInput as exc:
        # The policy's own refusal (our own domain, say): still name the line it came from.
        raise _problem(entry.line, str(exc)) from None


class ExistingBlock(InvalidInput):
    """A new block that one already in force makes pointless; Mastodon answers 422 with it."""

    def __init__(self, existing: DomainBlock) -> None:
        super().__init__(f"You have already imposed stricter limits on {existing.domain}.")
        self.existing = existing


async def add_block(conn: Any, entry: BlockEntry, *, by_actor_id: int | None = None) -> DomainBlock:
    """A new block, refused (as Mastodon does) when the domain has one already or a parent
    domain's block is at least as strict."""
    existing = await policy.rule_for(conn, entry.domain)
    if existing is not None and (
        existing.domain == entry.domain or not stricter_or_equal(entry, existing)
    ):
        raise ExistingBlock(existing)
    return await _write(conn, entry, entry.private_comment or "", by_actor_id)


async def set_block(conn: Any, entry: BlockEntry, *, by_actor_id: int | None = None) -> DomainBlock:
    """Insert or update a block; a private comment of None keeps the one it has."""
    private_comment = entry.private_comment
    if private_comment is None:
        current = await domain_policy.block_by_domain(conn, entry.domain)
        private_comment = "" if current is None else current.private_comment
    return await _write(conn, entry, private_comment, by_actor_id)


async def milder_parent(conn: Any, entry: BlockEntry) -> DomainBlock | None:
    """A parent domain's block that `entry` exempts its domain from, if any: worth a warning."""
    blocks = {block.domain: _as_entry(block) for block in await policy.list_blocks(conn)}
    parent = parent_rule(entry.domain, blocks)
    if parent is None or stricter_or_equal(entry, parent):
        return None
    return await domain_policy.block_by_domain(conn, parent.domain)


async def _write(
    conn: Any, entry: BlockEntry, private_comment: str, by_actor_id: int | None
) -> DomainBlock:
    return await policy.block_domain(
        conn,
        entry.domain,
        severity=entry.severity,
        reject_media=entry.reject_media,
        reject_reports=entry.reject_reports,
        private_comment=private_comment,
        public_comment=entry.public_comment,
        obfuscate=entry.obfuscate,
        by_actor_id=by_actor_id,
    )


async def block_by_id(conn: Any, block_id: int) -> DomainBlock:
    block = await domain_admin.block_by_id(conn, block_id)
    if block is None:
        raise NotFound("Record not found")
    return block


def public_domain(block: DomainBlock) -> str:
    """The domain as a public list shows it: obfuscated ones keep their first and last quarter
    and their dots, the rest becomes '*' (Mastodon's `public_domain`)."""
    if not block.obfuscate:
        return block.domain
    length = len(block.domain)
    visible = length // 4
    return "".join(
        char if index <= visible or index >= length - visible or char == "." else "*"
        for index, char in enumerate(block.domain)
    )


def domain_digest(domain: str) -> str:
    """SHA-256 of the real domain: lets anyone check a domain of theirs against an obfuscated
    list without the list naming it."""
    return hashlib.sha256(domain.encode()).hexdigest()


def _flag_text(value: bool) -> str:
    return "true" if value else "false"


def blocklist_csv(blocks: Iterable[DomainBlock]) -> str:
    """Blocks as Mastodon's export; private comments stay on the node."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for block in sorted(blocks, key=lambda b: b.domain):
        writer.writerow(
            [
                block.domain,
                block.severity,
                _flag_text(block.reject_media),
                _flag_text(block.reject_reports),
                block.public_comment,
                _flag_text(block.obfuscate),
            ]
        )
    return out.getvalue()


async def export_blocklist(conn: Any) -> str:
    return blocklist_csv(await policy.list_blocks(conn))


async def public_blocklist(conn: Any) -> list[DomainBlock] | None:
    """The blocks anyone may see (silence and suspend, as Mastodon lists them, mildest first),
    or None while the admin keeps the list hidden."""
    if not await instance_settings.show_domain_blocks(conn):
        return None
    shown = [b for b in await policy.list_blocks(conn) if b.severity in ("silence", "suspend")]
    return sorted(shown, key=lambda b: (_STRICTNESS[b.severity], b.domain))


async def show_public_blocklist(conn: Any, shown: bool, *, by_actor_id: int | None = None) -> None:
    async with conn.transaction():
        await instance_settings.set_show_domain_blocks(conn, shown)
        await audit.record(
            conn, by_actor_id, "show_domain_blocks", "instance", "on" if shown else "off"
        )
