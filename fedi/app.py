"""Wires every part of a node together: the only module that knows them all."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from activitypub.client import (
    ActivityPubClient,
    OutboundDeferred,
    OutboundPolicy,
    OutboundRefused,
)
from activitypub.hosts import InvalidHost, host_of
from activitypub.signatures import HttpSignatureAuth, SignatureError, signature_key_id
from fedi import __version__
from fedi.api import routes as api_routes
from fedi.api.context import ApiContext
from fedi.api.cors import ApiCors
from fedi.api.media import MediaFiles
from fedi.api.ratelimit import RateLimit
from fedi.api.stream_hub import StreamHub
from fedi.config import Settings
from fedi.db.actors import Actor
from fedi.db.migrate import migrate
from fedi.domain.accounts import ensure_instance_actor
from fedi.domain.confidential import ConfidentialRegistry
from fedi.domain.policy_cache import PolicyCache
from fedi.errors import FediError, Forbidden
from fedi.urls import Urls
from fedi.web import actors as actor_routes
from fedi.web import groups as group_routes
from fedi.web import pages
from fedi.web import posts as post_routes
from fedi.web import routes as page_routes
from fedi.web.error_pages import page_error, sign_in_required
from fedi.web.page import PageError, SignInRequired, WebContext
from fedi.web.page_api import PageApi
from fedi.web.security import PageSecurityHeaders
from fedi.web.templating import STATIC_DIR
from inbox import routes as inbox_routes
from inbox.verify import VerificationFailed, verify_signed_request
from inbox.worker import InboxWorker
from outbox.delivery import DeliveryWorker
from outbox.publish import Publisher
from webfinger import nodeinfo
from webfinger import routes as webfinger_routes
from webfinger.resolver import RemoteResolver

# Called with (url, body) before every outbound request; raises to refuse it.
OutboundGuard = Callable[[str, bytes | None], None]


@dataclass(frozen=True)
class Node:
    """Everything one running node holds for its lifetime."""

    settings: Settings
    urls: Urls
    pool: Any
    client: ActivityPubClient
    resolver: RemoteResolver
    instance_actor: Actor
    publisher: Publisher
    # The domain policy as this process knows it: the outbound guard and the inbox gate.
    policy: PolicyCache
    # Every confidential URI, for the outbound guard: nothing naming one leaves this node.
    confidential: ConfidentialRegistry

    def inbox_worker(self) -> InboxWorker:
        return InboxWorker(self.pool, self.resolver, self.settings, self.urls)

    def delivery_worker(self) -> DeliveryWorker:
        return DeliveryWorker(self.pool, self.client)

    async def run_workers(self, stop: asyncio.Event, *, count: int = 1) -> None:
        """Inbox and delivery workers until `stop` is set; several may share one database."""
        async with asyncio.TaskGroup() as tasks:
            for _ in range(count):
                tasks.create_task(self.inbox_worker().run(stop))
                tasks.create_task(self.delivery_worker().run(stop))


def user_agent(settings: Settings) -> str:
    return f"fedi/{__version__} (+{settings.base_url}/)"


@asynccontextmanager
async def running_node(
    settings: Settings, pool: Any, *, outbound_guard: OutboundGuard | None = None
) -> AsyncIterator[Node]:
    """Migrate, make sure the instance actor exists, and open the shared outbound client.

    `outbound_guard` sees every outbound request before it is made and may refuse it; the
    confidentiality registry and the domain policy are consulted after it, always: nothing
    naming a confidential object leaves, and nothing is fetched from or sent to a suspended
    domain, or one off the allowlist in allowlist mode.
    """
    await migrate(pool)
    urls = Urls.for_settings(settings)
    instance = await ensure_instance_actor(pool, urls, settings.host, settings.domain)
    assert instance.private_key_pem is not None
    signer = HttpSignatureAuth(instance.key_id, instance.private_key_pem)
    domain_policy = PolicyCache(pool)
    confidential = ConfidentialRegistry(pool, urls.base)

    def guard(url: str, body: bytes | None) -> None:
        if outbound_guard is not None:
            outbound_guard(url, body)
        leak = confidential.refusal(url, body)
        if leak is not None:
            # Deferred, not refused for good: the registry may not yet have heard that a group
            # was opened; a retry finds out, and a true leak never gets through either way.
            raise OutboundDeferred(f"confidential: {leak}", url=url)
        try:
            host = host_of(url)
        except InvalidHost:
            return  # the client refuses a URL without a valid host itself
        refusal = domain_policy.refusal(host)
        if refusal is not None:
            raise OutboundRefused(f"not federating with {host}: {refusal}", url=url)

    policy = OutboundPolicy(allow_private_addresses=settings.allow_private_addresses)
    client = ActivityPubClient(policy, user_agent=user_agent(settings), guard=guard)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(client)
        await domain_policy.start()
        stack.push_async_callback(domain_policy.stop)
        await confidential.start()
        stack.push_async_callback(confidential.stop)
        resolver = RemoteResolver(
            pool,
            client,
            local_domain=settings.domain,
            signer=lambda: signer,
            http_on_loopback=settings.allow_private_addresses,
        )
        publisher = Publisher(pool, resolver, urls, settings)
        yield Node(
            settings, urls, pool, client, resolver, instance, publisher, domain_policy, confidential
        )


def create_app(node: Node) -> Starlette:
    settings = node.settings

    async def fetch_signer(request: Request) -> Actor | None:
        if "signature" in request.headers or "signature-input" in request.headers:
            _refuse_blocked_signer(request, node.policy)
            return await verify_signed_request(request, None, node.resolver)
        if settings.authorized_fetch:
            raise VerificationFailed("this node answers only signed requests (authorized fetch)")
        return None

    async def domain_gate(host: str) -> bool:
        # The in-memory policy: refusing a blocked server costs no database round trip.
        return node.policy.may_federate(host)

    context = ApiContext(node.pool, settings, node.urls, node.publisher, node.resolver)
    context.media_dir.mkdir(parents=True, exist_ok=True)
    page_api = PageApi(_internal_api(context), settings.base_url)
    routes = [
        *api_routes.routes(),
        *page_routes.routes(),
        *webfinger_routes.routes(node.pool, settings),
        *nodeinfo.routes(node.pool, settings),
        *inbox_routes.routes(node.pool, settings, node.resolver, domain_gate=domain_gate),
        *post_routes.routes(node.pool, settings, fetch_signer),
        *actor_routes.routes(node.pool, settings, fetch_signer),
        *group_routes.routes(node.pool, settings, fetch_signer),
        *pages.routes(settings),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
        Mount("/media", app=MediaFiles(directory=str(context.media_dir)), name="media"),
    ]
    # The streaming API's LISTEN connection opens with the first stream and closes here.
    stream_hub = StreamHub(node.pool, node.urls)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await stream_hub.stop()
            await page_api.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(PageSecurityHeaders),
            Middleware(ApiCors),
            Middleware(RateLimit),
        ],
        exception_handlers={
            FediError: _fedi_error,
            HTTPException: _http_error,
            PageError: page_error,
            SignInRequired: sign_in_required,
        },
    )
    app.state.node = node
    app.state.api = context
    app.state.web = WebContext(node.pool, settings, page_api)
    app.state.stream_hub = stream_hub
    return app


def _internal_api(context: ApiContext) -> Starlette:
    """The client API alone, for the pages to call in-process (fedi/web/page_api.py)."""
    api = Starlette(
        routes=api_routes.routes(),
        exception_handlers={FediError: _fedi_error, HTTPException: _http_error},
    )
    api.state.api = context
    return api


def _refuse_blocked_signer(request: Request, policy: PolicyCache) -> None:
    """A signed fetch from a server the domain policy refuses: 403, before any key is fetched."""
    try:
        host = host_of(signature_key_id(request.headers))
    except (SignatureError, InvalidHost):
        return  # the verifier refuses it with a 401
    if not policy.may_federate(host):
        raise Forbidden("this node does not answer requests from your server")


async def _fedi_error(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, FediError) else 500
    headers = {"WWW-Authenticate": 'Signature realm="fedi"'} if status == 401 else None
    return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
