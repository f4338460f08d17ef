"""Outbound HTTP: the one guarded client every fetch and delivery goes through."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Self

import httpcore
import httpx

from activitypub.errors import ActivityPubError
from activitypub.hosts import InvalidHost, host_of, same_host

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_ACCEPT = "application/jrd+json, application/json"

_AP_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})
_JRD_MEDIA_TYPES = frozenset({"application/jrd+json", "application/json"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Only encodings this module can inflate under a size limit are advertised; brotli and zstd can
# expand far more per network read than zlib's ~1000:1.
_ACCEPT_ENCODING = "gzip, deflate"
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(ActivityPubError):
    """An outbound request that was refused or failed; the message names the URL and the reason."""

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(f"{url}: {reason}" if url else reason)
        self.reason = reason
        self.url = url


class ForbiddenAddress(FetchError):
    """The host is, or resolves to, a private, loopback, link-local or other non-public address."""


class ResponseTooLarge(FetchError):
    """The (decompressed) response body is larger than the policy allows."""


class UnexpectedContentType(FetchError):
    """The response is not of a media type the caller accepts."""


class IdMismatch(FetchError):
    """The fetched document does not carry the id it was fetched by."""


class TooManyRedirects(FetchError):
    """More redirects than the policy allows."""


class FetchTimeout(FetchError):
    """The exchange did not complete within the connect or total timeout."""


class RemoteStatusError(FetchError):
    """The remote answered with a status other than 2xx (or a redirect that was not followed)."""

    def __init__(
        self,
        reason: str,
        *,
        url: str | None = None,
        status: int,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(reason, url=url)
        self.status = status
        self.retry_after = retry_after


class OutboundRefused(FetchError):
    """The guard hook refused the request before anything was sent."""


class OutboundDeferred(OutboundRefused):
    """The guard refused the request for now, on knowledge that may be out of date: a retry
    later may be let through."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Limits applied to every outbound request."""

    allow_private_addresses: bool = False
    connect_timeout: float = 5.0
    total_timeout: float = 30.0
    max_redirects: int = 3
    max_body_bytes: int = 1_000_000
    # Narrow exemptions (CIDR strings) for development setups that must reach, say, one docker
    # network without opening every private range.
    allowed_private_networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for network in self.allowed_private_networks:
            ipaddress.ip_network(network, strict=False)


def _non_public_reason(ip: _IPAddress) -> str | None:
    """Why an address must not be contacted, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address are judged by the address they lead to.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = _non_public_reason(embedded)
            return f"{reason} (embedded {embedded})" if reason else None
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-public"),
    )
    for flagged, reason in checks:
        if flagged:
            return reason
    return None


class _AddressRule:
    """The policy's answer to 'may this address be contacted?'."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self._allow_all = policy.allow_private_addresses
        self._exempt = tuple(
            ipaddress.ip_network(n, strict=False) for n in policy.allowed_private_networks
        )

    def refusal(self, ip: _IPAddress) -> str | None:
        if self._allow_all:
            return None
        reason = _non_public_reason(ip)
        if reason is None or any(ip.version == n.version and ip in n for n in self._exempt):
            return None
        return f"{ip} is a {reason} address"


def _parse_ip(text: str) -> _IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class _CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves names itself and connects only to IP literals that passed the address rule.

    Connecting to the very address that was checked leaves no DNS-rebinding window. httpcore
    still passes the original host name to `start_tls`, so SNI and certificate checks use it.
    """

    def __init__(self, rule: _AddressRule) -> None:
        self._rule = rule
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
                last_error: Exception | None = None
                for address in addresses:
                    try:
                        return await self._inner.connect_tcp(
                            str(address),
                            port,
                            local_address=local_address,
                            socket_options=socket_options,
                        )
                    except httpcore.ConnectError as exc:
                        last_error = exc
                raise httpcore.ConnectError(f"could not connect to {host}:{port}: {last_error}")
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc

    async def _resolve(self, host: str, port: int) -> list[_IPAddress]:
        try:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses: list[_IPAddress] = []
        for info in infos:
            address = _parse_ip(str(info[4][0]))
            if address is None or address in addresses:
                continue
            # One bad record refuses the host: falling back past it would still let a name
            # steer connections to internal addresses whenever the public one is down.
            refusal = self._rule.refusal(address)
            if refusal is not None:
                raise ForbiddenAddress(f"{host} resolves to {refusal}")
            addresses.append(address)
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no usable address")
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with a connection pool that can only reach permitted addresses."""

    def __init__(self, rule: _AddressRule, ssl_context: ssl.SSLContext) -> None:
        limits = httpx.Limits(
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0
        )
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=_CheckedNetworkBackend(rule),
        )


class _Inflater:
    """One Content-Encoding layer, inflated without ever producing more than asked for."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._started = False
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            self._z = zlib.decompressobj(zlib.MAX_WBITS)

    def feed(self, data: bytes, limit: int) -> bytes | None:
        """The inflated bytes, or None once more than `limit` bytes would come out."""
        try:
            out = self._z.decompress(data, limit + 1)
        except zlib.error:
            # Some servers send raw deflate streams without the zlib header the RFC asks for.
            if self._encoding != "deflate" or self._started:
                raise
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._z.decompress(data, limit + 1)
        self._started = True
        if len(out) > limit or self._z.unconsumed_tail:
            return None
        return out

    def flush(self) -> bytes:
        return self._z.flush()


class _BodyReader:
    """Undoes Content-Encoding layer by layer while enforcing the size cap on every layer."""

    def __init__(self, content_encoding: str, cap: int, url: str) -> None:
        self._cap = cap
        self._url = url
        self._size = 0
        self._chunks: list[bytes] = []
        layers = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
        self._layers: list[_Inflater] = []
        for encoding in reversed([e for e in layers if e != "identity"]):
            if encoding not in ("gzip", "x-gzip", "deflate"):
                raise FetchError(f"unsupported Content-Encoding {encoding!r}", url=url)
            self._layers.append(_Inflater(encoding))

    def feed(self, data: bytes) -> None:
        self._add(self._inflate(data, 0))

    def finish(self) -> bytes:
        for index, layer in enumerate(self._layers):
            self._add(self._inflate(layer.flush(), index + 1))
        return b"".join(self._chunks)

    def _inflate(self, data: bytes, start: int) -> bytes:
        limit = self._cap - self._size
        try:
            for layer in self._layers[start:]:
                inflated = layer.feed(data, limit)
                if inflated is None:
                    raise self._too_large()
                data = inflated
        except zlib.error as exc:
            raise FetchError(f"corrupt compressed body: {exc}", url=self._url) from exc
        return data

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._cap:
            raise self._too_large()
        self._chunks.append(data)

    def _too_large(self) -> ResponseTooLarge:
        return ResponseTooLarge(f"body exceeds {self._cap} bytes", url=self._url)


def _media_type(response: httpx.Response) -> str:
    header = str(response.headers.get("Content-Type", ""))
    return header.split(";", 1)[0].strip().lower()


def _detached(response: httpx.Response, content: bytes) -> httpx.Response:
    """A closed-over copy of `response` whose content is the already decoded, capped body."""
    dropped = {"content-encoding", "content-length", "transfer-encoding"}
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    kept = ("http_version", "reason_phrase")
    extensions = {k: v for k, v in response.extensions.items() if k in kept}
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=extensions,
    )


def _status_error(response: httpx.Response, url: str) -> RemoteStatusError:
    return RemoteStatusError(
        f"remote answered {response.status_code}",
        url=url,
        status=response.status_code,
        retry_after=response.headers.get("Retry-After"),
    )


class ActivityPubClient:
    """Fetches ActivityPub and JRD documents and delivers activities under an OutboundPolicy.

    Every request, including each redirect hop, passes the guard hook, the address rule (on the
    address actually connected to), the timeouts and the body cap.
    """

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        user_agent: str,
        guard: Callable[[str, bytes | None], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy
        self._guard = guard
        self._rule = _AddressRule(policy)
        if transport is None:
            context = ssl_context or httpx.create_ssl_context(trust_env=False)
            transport = _CheckedTransport(self._rule, context)
        self._client = httpx.AsyncClient(
            transport=transport,
            headers={"User-Agent": user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
            timeout=httpx.Timeout(policy.total_timeout, connect=policy.connect_timeout),
            follow_redirects=False,
            # Proxy variables from the environment would route around the address checks.
            trust_env=False,
            # A jar shared by every remote would let servers track this instance across requests.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_object(
        self, url: str, *, auth: httpx.Auth | None = None, id_on_same_host: bool = False
    ) -> dict[str, Any]:
        """GET an ActivityPub document whose `id` is exactly `url`.

        `id_on_same_host` relaxes that to "an id on the URL's host", for key documents such as
        GoToSocial's `/main-key` stubs: trust must then come from refetching that id.
        """
        final_url, body = await self._fetch(url, AP_ACCEPT, _AP_MEDIA_TYPES, auth)
        document = self._parse_json_object(body, url)
        # The id must equal the URL the caller asked for, so callers may file the document under
        # that URL. A redirect may only stay on the id's host: a redirect to another host (an open
        # redirect, say) must not let that host speak for an id it does not own.
        doc_id = document.get("id")
        if id_on_same_host:
            if not isinstance(doc_id, str) or not same_host(doc_id, url):
                raise IdMismatch(f"document id {doc_id!r} is not on the host fetched", url=url)
        elif doc_id != url:
            raise IdMismatch(f"document id {doc_id!r} is not the URL fetched", url=url)
        if final_url != url and host_of(final_url) != host_of(url):
            raise IdMismatch(f"redirected to another host ({final_url})", url=url)
        return document

    async def get_jrd(self, url: str) -> dict[str, Any]:
        """GET a JSON/JRD document (WebFinger, NodeInfo, host-meta); there is no id to check."""
        _, body = await self._fetch(url, JRD_ACCEPT, _JRD_MEDIA_TYPES, None)
        return self._parse_json_object(body, url)

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        auth: httpx.Auth | None,
        content_type: str = "application/activity+json",
    ) -> httpx.Response:
        """POST `body` without following redirects; a non-2xx answer raises RemoteStatusError."""
        try:
            async with asyncio.timeout(self._policy.total_timeout):
                headers = {"Content-Type": content_type, "Accept": AP_ACCEPT}
                request = self._prepare("POST", url, body, headers)
                response = await self._send(request, auth, url)
                try:
                    if not response.is_success:
                        raise _status_error(response, url)
                    content = await self._read_body(response, url)
                    return _detached(response, content)
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            raise self._total_timeout(url) from exc

    async def _fetch(
        self, url: str, accept: str, media_types: frozenset[str], auth: httpx.Auth | None
    ) -> tuple[str, bytes]:
        """GET `url`, following redirects by hand; the final URL and the decoded, capped body."""
        try:
            async with asyncio.timeout(self._policy.total_timeout):
                current = url
                for hop in range(self._policy.max_redirects + 1):
                    request = self._prepare("GET", current, None, {"Accept": accept})
                    response = await self._send(request, auth, current)
                    try:
                        if response.status_code in _REDIRECT_STATUSES:
                            if hop == self._policy.max_redirects:
                                raise TooManyRedirects(
                                    f"more than {self._policy.max_redirects} redirects", url=url
                                )
                            current = self._redirect_target(response, current)
                            continue
                        if not response.is_success:
                            raise _status_error(response, current)
                        media_type = _media_type(response)
                        if media_type not in media_types:
                            shown = media_type or "missing"
                            raise UnexpectedContentType(f"content type {shown!r}", url=current)
                        return current, await self._read_body(response, current)
                    finally:
                        await response.aclose()
        except TimeoutError as exc:
            raise self._total_timeout(url) from exc
        raise AssertionError("unreachable: the loop returns or raises")

    def _total_timeout(self, url: str) -> FetchTimeout:
        return FetchTimeout(f"no complete answer within {self._policy.total_timeout} s", url=url)

    def _redirect_target(self, response: httpx.Response, current: str) -> str:
        location = response.headers.get("Location")
        if not location:
            raise _status_error(response, current)
        try:
            target = response.url.join(location)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid redirect location {location!r}", url=current) from exc
        if response.url.scheme == "https" and target.scheme == "http":
            raise FetchError(f"redirect downgrades to {target}", url=current)
        return str(target)

    def _prepare(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> httpx.Request:
        """Validate the URL, consult the guard and build the request; nothing is sent yet."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}", url=url) from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError("only absolute http(s) URLs are fetched", url=url)
        try:
            host_of(url)
        except InvalidHost as exc:
            raise FetchError(f"invalid host: {exc}", url=url) from exc
        literal = _parse_ip(parsed.host)
        if literal is not None:
            refusal = self._rule.refusal(literal)
            if refusal is not None:
                raise ForbiddenAddress(refusal, url=url)
        if self._guard is not None:
            self._guard(url, body)
        return self._client.build_request(method, parsed, content=body, headers=headers)

    async def _send(
        self, request: httpx.Request, auth: httpx.Auth | None, url: str
    ) -> httpx.Response:
        try:
            return await self._client.send(request, auth=auth, stream=True, follow_redirects=False)
        except ForbiddenAddress as exc:
            if exc.url is None:
                raise ForbiddenAddress(exc.reason, url=url) from exc
            raise
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"timed out: {exc}", url=url) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"request failed: {exc!r}", url=url) from exc

    async def _read_body(self, response: httpx.Response, url: str) -> bytes:
        cap = self._policy.max_body_bytes
        if response.is_stream_consumed:
            # Only in-memory responses from an injected transport arrive already read.
            if len(response.content) > cap:
                raise ResponseTooLarge(f"body exceeds {cap} bytes", url=url)
            return response.content
        encoding = response.headers.get("Content-Encoding", "")
        reader = _BodyReader(encoding, cap, url)
        declared = response.headers.get("Content-Length", "")
        if not encoding.strip() and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"declared length {declared} exceeds {cap} bytes", url=url)
        try:
            async for chunk in response.aiter_raw():
                reader.feed(chunk)
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"timed out reading body: {exc}", url=url) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"reading body failed: {exc!r}", url=url) from exc
        return reader.finish()

    @staticmethod
    def _parse_json_object(body: bytes, url: str) -> dict[str, Any]:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise FetchError(f"body is not valid JSON: {exc}", url=url) from exc
        if not isinstance(document, dict):
            raise FetchError("body is not a JSON object", url=url)
        return document
