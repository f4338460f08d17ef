"""What every page handler uses: the signed-in member, the reader's language, forms, rendering.

Pages render in the reader's language: the member's choice, else the language cookie the
switcher sets for visitors, else the browser's Accept-Language. Every form carries a CSRF token
tied to the browser; `submitted_form` refuses a post without a valid one before anything runs.
"""

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from babel import Locale
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from fedi.config import Settings
from fedi.db import oauth as oauth_db
from fedi.db import web_sessions as sessions_db
from fedi.domain import instance_profile
from fedi.web import csrf
from fedi.web.i18n import LANGUAGES, N_, Translator, choose_language, translator
from fedi.web.page_api import PageApi
from fedi.web.session import Member, session_member
from fedi.web.templating import templates_for

LANGUAGE_COOKIE = "fedi_lang"
FORM_PURPOSE = "page-form"
FORM_KEY_NAME = "page-form-key"
# Members' pages may hold private posts: no copy stays in the browser's or a proxy's cache.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_FORM_FILES = 4
MAX_FORM_FIELDS = 200

NOT_FOUND = N_("This page does not exist.")
FORM_EXPIRED = N_("This form has expired or did not come from this site. Please try again.")
# Short messages shown once after a form was handled, named in the redirect's `notice`.
NOTICES: dict[str, str] = {
    "signed_out": N_("You are signed out."),
    "signed_out_everywhere": N_("Every session of your account is signed out."),
    "session_ended": N_("That session is signed out."),
    "language_saved": N_("Language saved."),
}


def register_notices(notices: dict[str, str]) -> None:
    """Messages of one area of the pages; keys are unique across the node."""
    clashes = set(notices) & set(NOTICES)
    assert not clashes, f"notice keys used twice: {clashes}"
    NOTICES.update(notices)


@dataclass(frozen=True)
class WebContext:
    """What every page handler may use, set on the app by fedi/app.py."""

    pool: Any
    settings: Settings
    api: PageApi
    # The form key, read once: a server secret never changes after it is first stored, and
    # every page (its forms' tokens) and every post (their check) needs it.
    _form_key: list[bytes] = field(default_factory=list)

    @property
    def secure_cookies(self) -> bool:
        return self.settings.scheme == "https"

    async def form_key(self) -> bytes:
        if not self._form_key:
            async with self.pool.acquire() as conn:
                key = await oauth_db.server_secret(conn, FORM_KEY_NAME, secrets.token_bytes(32))
            self._form_key.append(key)
        return self._form_key[0]


class PageError(Exception):
    """A page that cannot be shown; `message` is an English catalog string."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def page_not_found() -> PageError:
    """The one answer for anything missing or hidden, the same bytes whichever it is."""
    return PageError(404, NOT_FOUND)


class SignInRequired(Exception):
    """A member's page asked for by a visitor: they are sent to sign in, then back."""


def web_context(connection: HTTPConnection) -> WebContext:
    context = connection.app.state.web
    assert isinstance(context, WebContext)
    return context


async def current_member(connection: HTTPConnection) -> Member | None:
    return await session_member(connection, web_context(connection).pool)


async def require_member(connection: HTTPConnection) -> Member:
    member = await current_member(connection)
    if member is None:
        raise SignInRequired()
    return member


async def require_admin(connection: HTTPConnection) -> Member:
    member = await require_member(connection)
    if not member.is_admin:
        raise PageError(403, N_("This page is for the node's administrators."))
    return member


async def reader_language(connection: HTTPConnection) -> str:
    """Decided once per request: the layout, the page and its error handler all ask."""
    if "fedi.language" in connection.scope:
        decided: str = connection.scope["fedi.language"]
        return decided
    member = await current_member(connection)
    chosen: str | None = None
    if member is not None:
        async with web_context(connection).pool.acquire() as conn:
            chosen = await sessions_db.interface_language(conn, member.actor.id)
    chosen = chosen or connection.cookies.get(LANGUAGE_COOKIE)
    language = choose_language(chosen, connection.headers.get("accept-language"))
    connection.scope["fedi.language"] = language
    return language


async def words_for(connection: HTTPConnection) -> Translator:
    return translator(await reader_language(connection))


def language_choices() -> list[tuple[str, str]]:
    """Each language of the pages, named in itself (a reader finds their own at a glance)."""
    return [(code, Locale.parse(code).get_display_name(code) or code) for code in LANGUAGES]


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site; never an address elsewhere (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def redirect(path: str, notice: str | None = None, **query: str) -> Response:
    """A 303 to a page of this site, with a notice to show there once."""
    assert notice is None or notice in NOTICES, notice
    values = {**query, **({"notice": notice} if notice else {})}
    separator = "&" if "?" in path else "?"
    target = path + (separator + urlencode(values) if values else "")
    return RedirectResponse(target, status_code=303, headers=PRIVATE_HEADERS)


async def submitted_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked; a stale or forged one is a 403."""
    form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    token = form.get("csrf_token")
    key = await web_context(request).form_key()
    if not csrf.check_token(
        key, csrf.browser_id(request), FORM_PURPOSE, token if isinstance(token, str) else None
    ):
        raise PageError(403, FORM_EXPIRED)
    return form


async def render(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page in the reader's language, with what the layout needs (member, forms, switcher)."""
    context = web_context(request)
    member = await current_member(request)
    language = await reader_language(request)
    words = translator(language)
    browser = csrf.browser_id(request)
    fresh_browser = browser is None
    browser = browser or csrf.new_browser_id()
    key = await context.form_key()
    notice_key = request.query_params.get("notice")
    profile = await instance_profile.effective_from_pool(context.pool, context.settings)
    page_values = {
        "lang": language,
        "dir": words.direction,
        "instance_name": profile.name,
        "domain": context.settings.domain,
        "site_base": context.settings.base_url,
        "member": member,
        "csrf_token": csrf.make_token(key, browser, FORM_PURPOSE),
        "languages": language_choices(),
        "current_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "notice": NOTICES.get(notice_key or ""),
        **(values or {}),
    }
    all_headers = {**(PRIVATE_HEADERS if member is not None else {}), **(headers or {})}
    response = templates_for(language).TemplateResponse(
        request, template, page_values, status_code=status, headers=all_headers
    )
    if fresh_browser:
        csrf.set_browser_cookie(response, browser, secure=context.secure_cookies)
    return response
