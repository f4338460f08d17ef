"""Following across servers: a visitor follows one of ours from their own server, and one of
our members, sent here by another server, follows an account of it.

A visitor types their handle; WebFinger on their server names its "subscribe" template
(OStatus's, which Mastodon, Pleroma and others serve), and the browser is sent there with our
actor's URI. Our own WebFinger answers carry the same template, pointing at
`/authorize_interaction`, so that other servers send our members here the same way.
"""

from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.client import ActivityPubClient, FetchError
from activitypub.hosts import InvalidHost, host_of
from fedi.web.forms import form_text
from fedi.web.i18n import N_
from fedi.web.page import (
    PageError,
    redirect,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused
from fedi.web.public_profiles import account_page, full_handle, page_path
from fedi.web.security import CSP_FORMS_MAY_LEAVE
from webfinger.resolver import ResolveError, parse_acct

SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
MAX_HANDLE = 300
MAX_URI = 2000
# The form's answer sends the browser to the visitor's own server.
LEAVING = {"Content-Security-Policy": CSP_FORMS_MAY_LEAVE}

NO_SUCH_ACCOUNT = N_("No account with this address could be found.")
NOTHING_FOUND = N_("Nothing could be found at this address.")
BAD_HANDLE = N_("Type your address as name@your.server, for example maria@social.example.")
UNREACHABLE = N_("Your server could not be reached, or it does not know this address.")
NO_TEMPLATE = N_(
    "Your server does not offer following from another site. Search for %(handle)s there"
    " and follow from your server."
)


class RemoteFollowFailed(Exception):
    """The visitor's handle led nowhere; `message` is an English catalog string."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _outbound_client(request: Request) -> ActivityPubClient:
    """The node's one outbound client: its address rules, domain policy and limits apply."""
    client = request.app.state.node.client
    assert isinstance(client, ActivityPubClient)
    return client


def _loopback(domain: str) -> bool:
    host = domain.rsplit(":", 1)[0] if not domain.startswith("[") else domain
    return host in ("localhost", "[::1]") or host.startswith("127.")


def split_handle(handle: str) -> tuple[str, str]:
    """(name, normalised server) of `name@server`, `@name@server` or `acct:name@server`."""
    try:
        username, domain = parse_acct(handle)
    except ResolveError:
        raise RemoteFollowFailed(BAD_HANDLE) from None
    if "@" in username or any(char.isspace() or char in "/?#" for char in username):
        raise RemoteFollowFailed(BAD_HANDLE)
    return username, domain


def subscribe_template(jrd: dict[str, Any]) -> str | None:
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == SUBSCRIBE:
            template = link.get("template")
            if isinstance(template, str) and "{uri}" in template:
                return template
    return None


async def subscribe_url(
    client: ActivityPubClient,
    username: str,
    domain: str,
    target_uri: str,
    *,
    http_on_loopback: bool,
) -> str:
    """Where the visitor's server lets them follow `target_uri`, from its WebFinger answer."""
    plain = http_on_loopback and _loopback(domain)
    resource = quote(f"acct:{username}@{domain}", safe=":@")
    url = f"{'http' if plain else 'https'}://{domain}/.well-known/webfinger?resource={resource}"
    try:
        jrd = await client.get_jrd(url)
    except FetchError:
        raise RemoteFollowFailed(UNREACHABLE) from None
    template = subscribe_template(jrd)
    if template is None:
        raise RemoteFollowFailed(NO_TEMPLATE)
    target = template.replace("{uri}", quote(target_uri, safe=""))
    try:
        host_of(target)
    except InvalidHost:
        raise RemoteFollowFailed(NO_TEMPLATE) from None
    if not target.startswith("https://") and not plain:
        raise RemoteFollowFailed(NO_TEMPLATE)
    return target


async def _our_account(request: Request, uri: str) -> dict[str, Any]:
    """The account of this node whose URI (or page) `uri` is, as anyone may find it."""
    if not uri or len(uri) > MAX_URI:
        raise PageError(404, NO_SUCH_ACCOUNT)
    try:
        found = await web_context(request).api.get(
            "/api/v2/search", None, q=uri, type="accounts", limit=1
        )
    except ApiRefused:
        raise PageError(404, NO_SUCH_ACCOUNT) from None
    for account in found.get("accounts") or []:
        if "@" not in str(account.get("acct")) and uri in (account.get("uri"), account.get("url")):
            return dict(account)
    raise PageError(404, NO_SUCH_ACCOUNT)


async def _form_page(
    request: Request,
    account: dict[str, Any],
    *,
    handle: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    target = full_handle(account, web_context(request).settings.domain)
    values = {
        "account": account,
        "account_path": page_path(account),
        "target_handle": target,
        "handle": handle,
        "error": error,
        "error_values": {"handle": Markup("<bdi>@%s</bdi>") % target},
    }
    return await render(
        request, "public/remote_follow.html", values, status=status, headers=LEAVING
    )


async def remote_follow_form(request: Request) -> Response:
    account = await _our_account(request, request.query_params.get("uri", "").strip())
    return await _form_page(request, account)


async def remote_follow(request: Request) -> Response:
    form = await submitted_form(request)
    account = await _our_account(request, form_text(form, "uri"))
    handle = form_text(form, "handle")[:MAX_HANDLE]
    settings = web_context(request).settings
    try:
        username, domain = split_handle(handle)
        if domain == settings.domain:
            # One of our own members: they follow from the page itself.
            return redirect(page_path(account))
        target = await subscribe_url(
            _outbound_client(request),
            username,
            domain,
            str(account["uri"]),
            http_on_loopback=settings.allow_private_addresses,
        )
    except RemoteFollowFailed as failed:
        return await _form_page(request, account, handle=handle, error=failed.message, status=400)
    return RedirectResponse(target, status_code=303)


async def authorize_interaction(request: Request) -> Response:
    """Another server sent one of our members here to follow `uri` (an account or a post)."""
    member = await require_member(request)
    uri = request.query_params.get("uri", "").strip().removeprefix("acct:")
    if not uri or len(uri) > MAX_URI:
        raise PageError(404, NOTHING_FOUND)
    try:
        found = await web_context(request).api.get(
            "/api/v2/search", member.token, q=uri, resolve="true", limit=1
        )
    except ApiRefused:
        raise PageError(404, NOTHING_FOUND) from None
    accounts, statuses = found.get("accounts") or [], found.get("statuses") or []
    if accounts:
        account = accounts[0]
        if "@" not in str(account.get("acct")):
            return redirect(page_path(account))
        return await account_page(request, account)
    if statuses:
        return redirect(f"/statuses/{statuses[0]['id']}")
    raise PageError(404, NOTHING_FOUND)


def routes() -> list[BaseRoute]:
    return [
        Route("/remote_follow", remote_follow_form, methods=["GET"]),
        Route("/remote_follow", remote_follow, methods=["POST"]),
        Route("/authorize_interaction", authorize_interaction, methods=["GET"]),
    ]
