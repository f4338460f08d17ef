"""Form tokens that tie a submitted form to a page this node served to the same browser.

A random value in a cookie names the browser; the token in the form is an HMAC of that value,
the form's purpose and the time, under a key every process of the node shares. Another site can
make a browser post to us, but can read neither the cookie nor our page, so it cannot produce a
token that matches.
"""

import hashlib
import hmac
import re
import secrets
import time

from starlette.requests import HTTPConnection
from starlette.responses import Response

COOKIE_NAME = "fedi_csrf"
# Long enough to look up a password; a stale form is answered with a fresh one.
TOKEN_LIFETIME_SECONDS = 2 * 3600
_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def browser_id(connection: HTTPConnection) -> str | None:
    value = connection.cookies.get(COOKIE_NAME, "")
    return value if _BROWSER_ID.match(value) else None


def new_browser_id() -> str:
    return secrets.token_urlsafe(32)


def _mac(key: bytes, browser: str, purpose: str, issued: int) -> str:
    message = "\n".join([browser, purpose, str(issued)]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def make_token(key: bytes, browser: str, purpose: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_mac(key, browser, purpose, issued)}"


def check_token(
    key: bytes, browser: str | None, purpose: str, token: str | None, now: float | None = None
) -> bool:
    """Whether `token` was made for this browser and purpose, and recently."""
    if not browser or not token:
        return False
    issued_text, _, mac = token.partition(".")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= TOKEN_LIFETIME_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(key, browser, purpose, issued))


def set_browser_cookie(response: Response, browser: str, *, secure: bool) -> None:
    # Lax still sends the cookie when our own form posts to us, but not on another site's post.
    response.set_cookie(
        COOKIE_NAME, browser, httponly=True, secure=secure, samesite="lax", path="/"
    )
