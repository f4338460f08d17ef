"""Admin API: domain blocks and allows (Mastodon's), and our federation mode switch.

docs.joinmastodon.org/methods/admin/domain_blocks and /domain_allows. Only admins may call
these; the change and its audit entry are written in one transaction.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_admin
from fedi.api.context import api_context
from fedi.api.entities.domain_blocks import admin_allow_to_json, admin_block_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.db import domain_admin
from fedi.domain import domain_lists, policy
from fedi.domain.domain_lists import BlockEntry, ExistingBlock
from fedi.errors import InvalidInput, NotFound

READ_BLOCKS = ("admin:read", "admin:read:domain_blocks")
WRITE_BLOCKS = ("admin:write", "admin:write:domain_blocks")
READ_ALLOWS = ("admin:read", "admin:read:domain_allows")
# The federation mode is what gives the allow list effect, so the allow scopes cover it too.
WRITE_ALLOWS = ("admin:write", "admin:write:domain_allows")
# Mastodon's page size and ceiling for these lists.
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MODES = policy.MODES

T = TypeVar("T")


def _page(items: Sequence[T], page: Page, key: Callable[[T], int]) -> list[T]:
    """One page of a small list held in memory, newest (highest id) first."""
    lower = page.lower
    chosen = [
        item
        for item in items
        if (page.max_id is None or key(item) < page.max_id) and (lower is None or key(item) > lower)
    ]
    chosen.sort(key=key, reverse=not page.ascending)
    return page.arrange(chosen[: page.limit])


def _path_id(request: Request) -> int:
    text = request.path_params["id"]
    if not text.isdigit() or len(text) > 18:
        raise NotFound("Record not found")
    return int(text)


def _domain(params: Params) -> str:
    text = params.text("domain", "", max_length=300) or ""
    if not text.strip():
        raise InvalidInput("Validation failed: Domain can't be blank")
    return domain_lists.normalize_domain(text)


def _severity(params: Params, default: str) -> str:
    value = (params.text("severity") or default).strip().lower()
    if value not in domain_lists.SEVERITIES:
        raise InvalidInput(f"severity {value!r} is not one of {', '.join(domain_lists.SEVERITIES)}")
    return value


def _comment(params: Params, name: str, default: str) -> str:
    value = params.text(name, max_length=5_000)
    return default if value is None else value.strip()


async def list_blocks(request: Request) -> Response:
    await require_admin(request, *READ_BLOCKS)
    page = Page.from_params(await Params.read(request), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    async with api_context(request).pool.acquire() as conn:
        blocks = await policy.list_blocks(conn)
    chosen = _page(blocks, page, lambda block: block.id)
    return JSONResponse(
        [admin_block_to_json(block) for block in chosen],
        headers=paged_headers(request, [block.id for block in chosen]),
    )


async def show_block(request: Request) -> Response:
    await require_admin(request, *READ_BLOCKS)
    block_id = _path_id(request)
    async with api_context(request).pool.acquire() as conn:
        block = await domain_lists.block_by_id(conn, block_id)
    return JSONResponse(admin_block_to_json(block))


async def create_block(request: Request) -> Response:
    admin = await require_admin(request, *WRITE_BLOCKS)
    params = await Params.read(request)
    entry = BlockEntry(
        domain=_domain(params),
        # Mastodon's API defaults to silence (its CSV import and our CLI to suspend).
        severity=_severity(params, "silence"),
        reject_media=params.flag("reject_media"),
        reject_reports=params.flag("reject_reports"),
        private_comment=_comment(params, "private_comment", ""),
        public_comment=_comment(params, "public_comment", ""),
        obfuscate=params.flag("obfuscate"),
    )
    try:
        async with api_context(request).pool.acquire() as conn, conn.transaction():
            block = await domain_lists.add_block(conn, entry, by_actor_id=admin.id)
    except ExistingBlock as exc:
        return JSONResponse(
            {"error": str(exc), "existing_domain_block": admin_block_to_json(exc.existing)},
            status_code=422,
        )
    return JSONResponse(admin_block_to_json(block))


async def update_block(request: Request) -> Response:
    admin = await require_admin(request, *WRITE_BLOCKS)
    block_id = _path_id(request)
    params = await Params.read(request)
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        current = await domain_lists.block_by_id(conn, block_id)
        entry = BlockEntry(
            domain=current.domain,
            severity=_severity(params, current.severity),
            reject_media=params.flag("reject_media", current.reject_media),
            reject_reports=params.flag("reject_reports", current.reject_reports),
            private_comment=_comment(params, "private_comment", current.private_comment),
            public_comment=_comment(params, "public_comment", current.public_comment),
            obfuscate=params.flag("obfuscate", current.obfuscate),
        )
        block = await domain_lists.set_block(conn, entry, by_actor_id=admin.id)
    return JSONResponse(admin_block_to_json(block))


async def delete_block(request: Request) -> Response:
    admin = await require_admin(request, *WRITE_BLOCKS)
    block_id = _path_id(request)
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        block = await domain_lists.block_by_id(conn, block_id)
        await policy.unblock_domain(conn, block.domain, by_actor_id=admin.id)
    return JSONResponse({})


async def list_allows(request: Request) -> Response:
    await require_admin(request, *READ_ALLOWS)
    page = Page.from_params(await Params.read(request), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    async with api_context(request).pool.acquire() as conn:
        rows = await domain_admin.all_allows(conn)
    chosen = _page(rows, page, lambda row: row.id)
    return JSONResponse(
        [admin_allow_to_json(row.id, row.domain, row.created_at) for row in chosen],
        headers=paged_headers(request, [row.id for row in chosen]),
    )


async def _allow_row(conn: Any, allow_id: int) -> domain_admin.DomainAllowRow:
    row = await domain_admin.allow_by_id(conn, allow_id)
    if row is None:
        raise NotFound("Record not found")
    return row


async def show_allow(request: Request) -> Response:
    await require_admin(request, *READ_ALLOWS)
    allow_id = _path_id(request)
    async with api_context(request).pool.acquire() as conn:
        row = await _allow_row(conn, allow_id)
    return JSONResponse(admin_allow_to_json(row.id, row.domain, row.created_at))


async def create_allow(request: Request) -> Response:
    admin = await require_admin(request, *WRITE_ALLOWS)
    domain = _domain(await Params.read(request))
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        # Allowing a domain twice answers with the allow already there, as Mastodon does.
        await policy.allow_domain(conn, domain, by_actor_id=admin.id)
        row = await domain_admin.allow_by_domain(conn, domain)
    if row is None:  # the policy stores what it normalised; ours should agree
        raise InvalidInput(f"{domain!r} could not be allowed")
    return JSONResponse(admin_allow_to_json(row.id, row.domain, row.created_at))


async def delete_allow(request: Request) -> Response:
    admin = await require_admin(request, *WRITE_ALLOWS)
    allow_id = _path_id(request)
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        row = await _allow_row(conn, allow_id)
        await policy.disallow_domain(conn, row.domain, by_actor_id=admin.id)
    return JSONResponse(admin_allow_to_json(row.id, row.domain, row.created_at))


async def show_mode(request: Request) -> Response:
    await require_admin(request, *READ_ALLOWS)
    async with api_context(request).pool.acquire() as conn:
        mode = await policy.federation_mode(conn)
    return JSONResponse({"mode": mode})


async def set_mode(request: Request) -> Response:
    admin = await require_admin(request, *WRITE_ALLOWS)
    mode = ((await Params.read(request)).text("mode") or "").strip().lower()
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}")
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        await policy.set_federation_mode(conn, mode, by_actor_id=admin.id)
    return JSONResponse({"mode": mode})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/admin/domain_blocks", list_blocks, methods=["GET"]),
        Route("/api/v1/admin/domain_blocks", create_block, methods=["POST"]),
        Route("/api/v1/admin/domain_blocks/{id}", show_block, methods=["GET"]),
        Route("/api/v1/admin/domain_blocks/{id}", update_block, methods=["PUT"]),
        Route("/api/v1/admin/domain_blocks/{id}", delete_block, methods=["DELETE"]),
        Route("/api/v1/admin/domain_allows", list_allows, methods=["GET"]),
        Route("/api/v1/admin/domain_allows", create_allow, methods=["POST"]),
        Route("/api/v1/admin/domain_allows/{id}", show_allow, methods=["GET"]),
        Route("/api/v1/admin/domain_allows/{id}", delete_allow, methods=["DELETE"]),
        Route("/api/v1/admin/federation_mode", show_mode, methods=["GET"]),
        Route("/api/v1/admin/federation_mode", set_mode, methods=["PUT"]),
    ]
