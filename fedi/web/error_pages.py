"""How the pages answer what they cannot show: an error page in the reader's language, or a
visit to sign in first."""

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.web.i18n import N_
from fedi.web.page import PageError, render

HEADINGS = {
    400: N_("That did not work"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("That did not work"),
    422: N_("That did not work"),
    429: N_("Too many requests"),
}
DEFAULT_HEADING = N_("Something went wrong")


async def error_page(
    request: Request, status: int, message: str, *, headers: dict[str, str] | None = None
) -> Response:
    """An error page in the reader's language; `message` is an English catalog string or
    an API's message."""
    # The template translates them with `|translated`, not `_()`: an API's message may quote
    # what someone typed, percent signs included, and `_()` would %-format it.
    values = {"heading": HEADINGS.get(status, DEFAULT_HEADING), "message": message}
    if status == 404:
        # A missing page never repeats its address (in the sign-in or language links): asked
        # for a hidden group by name, the answer must be the same bytes as for no group at all.
        values["current_path"] = "/"
    return await render(request, "error.html", values, status=status, headers=headers)


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return await error_page(request, exc.status, exc.message)


async def sign_in_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/home"
    query = urlencode({"next": target})
    return RedirectResponse(f"/auth/sign_in?{query}", status_code=303)
