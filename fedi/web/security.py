"""Headers that keep the pages' content to this site: CSP, no referrer, no framing, no sniffing."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style, nothing from another site (fonts, scripts and images are ours; a
# remote account's avatar is shown as our placeholder rather than fetched by the browser).
_POLICY = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join([*_POLICY, "form-action 'self'"])
# For a form whose answer sends the browser on to another site (OAuth's redirect to an app, the
# remote follow form): browsers apply form-action to that redirect too.
CSP_FORMS_MAY_LEAVE = "; ".join(_POLICY)
EVERY_RESPONSE = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
HTML_RESPONSES = {
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class PageSecurityHeaders:
    """Adds the headers to every response; the CSP to HTML ones that did not set their own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_RESPONSE.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    for name, value in HTML_RESPONSES.items():
                        headers.setdefault(name, value)
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)
