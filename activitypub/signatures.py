"""HTTP message signatures: draft-cavage-12 and RFC 9421 verification, draft-cavage signing."""

import base64
import binascii
import email.utils
import functools
import hashlib
import hmac
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Literal
from urllib.parse import parse_qsl

import httpx
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from activitypub.errors import ActivityPubError

__all__ = [
    "RFC9421_ALGORITHMS",
    "HttpSignatureAuth",
    "SignatureError",
    "VerifiedSignature",
    "sign_headers",
    "signature_key_id",
    "verify_request",
    "verify_without_coverage_policy",
]

RFC9421_ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519", "hmac-sha256")

# Upper bounds on what a remote sender controls.
MAX_SIGNATURE_HEADER_CHARS = 8192
MAX_COVERED_COMPONENTS = 32
MIN_RSA_BITS = 1024
MAX_RSA_BITS = 8192
_KEY_CACHE_SIZE = 4096

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    "sha-256": lambda data: hashlib.sha256(data).digest(),
    "sha-512": lambda data: hashlib.sha512(data).digest(),
}

_PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
_PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


class SignatureError(ActivityPubError):
    """A request signature was refused; the message says why."""


@dataclass(frozen=True)
class VerifiedSignature:
    """What a verified signature vouches for."""

    key_id: str
    scheme: Literal["cavage", "rfc9421"]
    covered: tuple[str, ...]


# --- key loading -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=_KEY_CACHE_SIZE)
def _load_public_key(pem: str) -> _PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"the public key is not a usable PEM public key: {exc}") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise SignatureError(
                f"RSA public key of {key.key_size} bits refused "
                f"(allowed {MIN_RSA_BITS} to {MAX_RSA_BITS})"
            )
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise SignatureError(f"unsupported public key type {type(key).__name__}")


@functools.lru_cache(maxsize=_KEY_CACHE_SIZE)
def _load_private_key(pem: str) -> _PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"the private key is not a usable unencrypted PEM key: {exc}") from exc
    if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        return key
    raise ValueError(f"unsupported private key type {type(key).__name__}")


# --- primitives --------------------------------------------------------------------------------


def _check_signature_bytes(
    alg: str, key: _PublicKey | bytes, message: bytes, signature: bytes
) -> None:
    if alg == "hmac-sha256":
        # Only an explicitly supplied shared secret may key an HMAC, never public key text.
        if not isinstance(key, bytes):
            raise SignatureError("hmac-sha256 needs a shared secret, not a public key")
        expected = hmac.new(key, message, hashlib.sha256).digest()
        if hmac.compare_digest(expected, signature):
            return
    elif alg in ("rsa-v1_5-sha256", "rsa-pss-sha512"):
        if not isinstance(key, rsa.RSAPublicKey):
            raise SignatureError(f"algorithm {alg} needs an RSA key")
        try:
            if alg == "rsa-v1_5-sha256":
                key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            else:
                pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
                key.verify(signature, message, pss, hashes.SHA512())
            return
        except InvalidSignature:
            pass
    elif alg == "ed25519":
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise SignatureError("algorithm ed25519 needs an Ed25519 key")
        try:
            key.verify(signature, message)
            return
        except InvalidSignature:
            pass
    else:
        raise SignatureError(f"unknown signature algorithm {alg!r}")
    raise SignatureError("signature does not verify: wrong key, or the request was altered")


def _sign_bytes(key: _PrivateKey, message: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(message)


def _normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # httpx merges repeated fields in items(), starlette lists each one; join like RFC 9110 does.
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.strip().lower()
        value = value.strip()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _has_body(method: str, body: bytes | None) -> bool:
    return bool(body) or method.upper() in _BODY_METHODS


def _parse_http_date(value: str) -> float:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise SignatureError(f"Date header {value!r} is not an HTTP date") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _check_time(what: str, stamp: float, now: float, max_skew: int, expiry: int) -> None:
    if stamp > now + max_skew:
        raise SignatureError(
            f"{what} is {int(stamp - now)} s in the future (at most {max_skew} s allowed)"
        )
    if stamp < now - max_skew - expiry:
        raise SignatureError(
            f"{what} is {int(now - stamp)} s old (at most {max_skew + expiry} s allowed)"
        )


def _check_expires(stamp: float, now: float) -> None:
    if stamp < now:
        raise SignatureError(f"signature expired {int(now - stamp)} s ago")


def _check_digest_header(value: str, body: bytes) -> None:
    checked = False
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if not sep or not name.strip():
            raise SignatureError(f"malformed Digest header: {value!r}")
        algorithm = name.strip().lower()
        digest = _DIGESTS.get(algorithm)
        if digest is None:
            continue
        try:
            claimed = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError(f"Digest {algorithm.upper()} value is not base64") from exc
        if not hmac.compare_digest(claimed, digest(body)):
            raise SignatureError(f"Digest {algorithm.upper()} does not match the body")
        checked = True
    if not checked:
        raise SignatureError("Digest header has no SHA-256 or SHA-512 value")


def _check_content_digest(value: str, body: bytes) -> None:
    checked = False
    for algorithm, member in _SFParser(value, "Content-Digest").dictionary().items():
        digest = _DIGESTS.get(algorithm)
        if digest is None:
            continue
        if not isinstance(member, _Item) or not isinstance(member.value, bytes):
            raise SignatureError(f"malformed Content-Digest header: {algorithm} is not bytes")
        if not hmac.compare_digest(member.value, digest(body)):
            raise SignatureError(f"Content-Digest {algorithm} does not match the body")
        checked = True
    if not checked:
        raise SignatureError("Content-Digest header has no sha-256 or sha-512 value")


def _decode_signature(value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("signature value is not base64") from exc
    if not raw:
        raise SignatureError("signature value is empty")
    return raw


def _limited(value: str, name: str) -> str:
    if len(value) > MAX_SIGNATURE_HEADER_CHARS:
        raise SignatureError(f"{name} header longer than {MAX_SIGNATURE_HEADER_CHARS} characters")
    return value


# --- RFC 8941 structured fields (the subset RFC 9421 and RFC 9530 use) ---------------------------


class _Token(str):
    """An RFC 8941 token: kept apart from strings because it serialises unquoted."""

    __slots__ = ()


_Bare = bool | int | float | str | bytes


@dataclass(frozen=True)
class _Item:
    value: _Bare
    params: dict[str, _Bare] = field(default_factory=dict)


@dataclass(frozen=True)
class _InnerList:
    items: list[_Item]
    params: dict[str, _Bare] = field(default_factory=dict)


_DIGITS = "0123456789"
_LCALPHA = "abcdefghijklmnopqrstuvwxyz"
_ALPHA = _LCALPHA + _LCALPHA.upper()
_KEY_CHARS = _LCALPHA + _DIGITS + "_-.*"
_TOKEN_CHARS = _ALPHA + _DIGITS + "!#$%&'*+-.^_`|~:/"
_BASE64_CHARS = _ALPHA + _DIGITS + "+/="


class _SFParser:
    def __init__(self, text: str, header: str) -> None:
        self.text = text.strip(" \t")
        self.pos = 0
        self.header = header

    def _fail(self, why: str) -> SignatureError:
        return SignatureError(f"malformed {self.header} header: {why} at character {self.pos}")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def dictionary(self) -> dict[str, _Item | _InnerList]:
        members: dict[str, _Item | _InnerList] = {}
        if not self.text:
            return members
        while True:
            key = self._key()
            if key in members:
                raise self._fail(f"duplicate member {key!r}")
            if self._peek() == "=":
                self.pos += 1
                members[key] = self._inner_list() if self._peek() == "(" else self._item()
            else:
                members[key] = _Item(True, self._parameters())
            self._skip(" \t")
            if self.pos == len(self.text):
                return members
            if self._peek() != ",":
                raise self._fail("expected ','")
            self.pos += 1
            self._skip(" \t")
            if self.pos == len(self.text):
                raise self._fail("trailing ','")

    def _key(self) -> str:
        start = self.pos
        if self._peek() == "" or self._peek() not in _LCALPHA + "*":
            raise self._fail("expected a lower-case key")
        self.pos += 1
        self._skip(_KEY_CHARS)
        return self.text[start : self.pos]

    def _item(self) -> _Item:
        value = self._bare_item()
        return _Item(value, self._parameters())

    def _inner_list(self) -> _InnerList:
        self.pos += 1
        items: list[_Item] = []
        while True:
            self._skip(" ")
            if self._peek() == ")":
                self.pos += 1
                return _InnerList(items, self._parameters())
            items.append(self._item())
            if len(items) > MAX_COVERED_COMPONENTS:
                raise self._fail(f"more than {MAX_COVERED_COMPONENTS} list members")
            if self._peek() == "" or self._peek() not in " )":
                raise self._fail("expected ' ' or ')' in inner list")

    def _parameters(self) -> dict[str, _Bare]:
        params: dict[str, _Bare] = {}
        while self._peek() == ";":
            self.pos += 1
            self._skip(" ")
            key = self._key()
            if key in params:
                raise self._fail(f"duplicate parameter {key!r}")
            value: _Bare = True
            if self._peek() == "=":
                self.pos += 1
                value = self._bare_item()
            params[key] = value
        return params

    def _bare_item(self) -> _Bare:
        char = self._peek()
        if char == "":
            raise self._fail("unexpected end")
        if char == "-" or char in _DIGITS:
            return self._number()
        if char == '"':
            return self._string()
        if char == ":":
            return self._bytes()
        if char == "?":
            return self._boolean()
        if char == "*" or char in _ALPHA:
            start = self.pos
            self.pos += 1
            self._skip(_TOKEN_CHARS)
            return _Token(self.text[start : self.pos])
        raise self._fail(f"unexpected character {char!r}")

    def _number(self) -> int | float:
        start = self.pos
        if self._peek() == "-":
            self.pos += 1
        if self._peek() == "" or self._peek() not in _DIGITS:
            raise self._fail("expected a digit")
        self._skip(_DIGITS)
        whole = self.text[start : self.pos]
        if self._peek() != ".":
            if len(whole.lstrip("-")) > 15:
                raise self._fail("integer too long")
            return int(whole)
        self.pos += 1
        fraction_start = self.pos
        self._skip(_DIGITS)
        fraction = self.text[fraction_start : self.pos]
        if len(whole.lstrip("-")) > 12 or not 1 <= len(fraction) <= 3:
            raise self._fail("bad decimal")
        return float(f"{whole}.{fraction}")

    def _string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while True:
            char = self._peek()
            if char == "":
                raise self._fail("unterminated string")
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\":
                escaped = self._peek()
                if escaped == "" or escaped not in '"\\':
                    raise self._fail("bad escape in string")
                self.pos += 1
                out.append(escaped)
            elif not " " <= char <= "~":
                raise self._fail("non-printable character in string")
            else:
                out.append(char)

    def _bytes(self) -> bytes:
        self.pos += 1
        end = self.text.find(":", self.pos)
        if end == -1:
            raise self._fail("unterminated byte sequence")
        chunk = self.text[self.pos : end]
        if any(c not in _BASE64_CHARS for c in chunk):
            raise self._fail("bad base64 in byte sequence")
        try:
            value = base64.b64decode(chunk, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise self._fail("bad base64 in byte sequence") from exc
        self.pos = end + 1
        return value

    def _boolean(self) -> bool:
        self.pos += 1
        char = self._peek()
        if char == "" or char not in "01":
            raise self._fail("bad boolean")
        self.pos += 1
        return char == "1"


def _serialise_bare(value: _Bare) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, _Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ":" + base64.b64encode(value).decode("ascii") + ":"


def _serialise_params(params: Mapping[str, _Bare]) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={_serialise_bare(value)}"
        for key, value in params.items()
    )


def _serialise_item(item: _Item) -> str:
    return _serialise_bare(item.value) + _serialise_params(item.params)


def _serialise_inner_list(inner: _InnerList) -> str:
    return "(" + " ".join(_serialise_item(i) for i in inner.items) + ")" + _serialise_params(
        inner.params
    )


# --- draft-cavage ------------------------------------------------------------------------------


def _cavage_header(headers: Mapping[str, str]) -> str | None:
    if "signature" in headers:
        return headers["signature"]
    scheme, _, rest = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "signature":
        return rest
    return None


def _parse_cavage(value: str) -> dict[str, str]:
    text = _limited(value, "Signature").strip()
    params: dict[str, str] = {}
    pos = 0

    def fail(why: str) -> SignatureError:
        return SignatureError(f"malformed Signature header: {why} at character {pos}")

    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        start = pos
        while pos < len(text) and text[pos] in _ALPHA + _DIGITS + "-_":
            pos += 1
        name = text[start:pos].lower()
        if not name:
            raise fail("expected a parameter name")
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text) or text[pos] != "=":
            raise fail(f"expected '=' after {name!r}")
        pos += 1
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == '"':
            pos += 1
            chars: list[str] = []
            while True:
                if pos >= len(text):
                    raise fail(f"unterminated quoted value for {name!r}")
                char = text[pos]
                pos += 1
                if char == '"':
                    break
                if char == "\\" and pos < len(text):
                    char = text[pos]
                    pos += 1
                chars.append(char)
            param = "".join(chars)
        else:
            start = pos
            while pos < len(text) and text[pos] not in ", \t":
                pos += 1
            param = text[start:pos]
            if not param:
                raise fail(f"empty value for {name!r}")
        if name in params:
            raise fail(f"duplicate parameter {name!r}")
        params[name] = param
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos == len(text):
            return params
        if text[pos] != ",":
            raise fail("expected ','")
        pos += 1


def _cavage_timestamp(params: Mapping[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.replace(".", "", 1).isdigit() or not raw.isascii():
        raise SignatureError(f"Signature parameter {name}={raw!r} is not a timestamp")
    return float(raw)


def _cavage_signing_string(
    method: str, path: str, headers: Mapping[str, str], covered: Iterable[str],
    params: Mapping[str, str],
) -> str:
    lines: list[str] = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        elif name in ("(created)", "(expires)"):
            value = params.get(name[1:-1])
            if value is None:
                raise SignatureError(f"{name} is covered but the {name[1:-1]} parameter is absent")
            lines.append(f"{name}: {value}")
        elif name.startswith("("):
            raise SignatureError(f"unknown pseudo-header {name!r} in signature")
        else:
            value = headers.get(name)
            if value is None:
                raise SignatureError(f"covered header {name!r} is missing from the request")
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _cavage_algorithm(declared: str | None, key: _PublicKey) -> str:
    name = declared.strip().lower() if declared is not None else "hs2019"
    if name == "rsa-sha256":
        return "rsa-v1_5-sha256"
    if name == "ed25519":
        return "ed25519"
    if name == "hs2019":
        # The fediverse signs hs2019 with RSASSA-PKCS1-v1_5 SHA-256, not the draft's PSS.
        return "rsa-v1_5-sha256" if isinstance(key, rsa.RSAPublicKey) else "ed25519"
    raise SignatureError(f"unknown signature algorithm {declared!r}")


def _require_cavage_coverage(covered: tuple[str, ...], has_body: bool) -> None:
    missing = [n for n in ("(request-target)", "host") if n not in covered]
    # A signed timestamp on every request, GETs included, or a captured request replays forever.
    if "date" not in covered and "(created)" not in covered:
        missing.append("date")
    if has_body and "digest" not in covered:
        missing.append("digest")
    if missing:
        raise SignatureError("signature does not cover " + ", ".join(missing))


def _verify_cavage(
    raw: str, *, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
    key: _PublicKey | bytes, now: float, max_skew: int, expiry: int, enforce: bool,
) -> VerifiedSignature:
    params = _parse_cavage(raw)
    key_id = params.get("keyid", "")
    if not key_id:
        raise SignatureError("Signature header has no keyId")
    if "signature" not in params:
        raise SignatureError("Signature header has no signature value")
    # draft-cavage-12's own appendix C.2 signs `date` when `headers` is absent.
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered:
        raise SignatureError("Signature header covers no headers")
    if len(covered) > MAX_COVERED_COMPONENTS:
        raise SignatureError(f"signature covers more than {MAX_COVERED_COMPONENTS} headers")
    if len(set(covered)) != len(covered):
        raise SignatureError("signature covers a header twice")
    if enforce:
        _require_cavage_coverage(covered, _has_body(method, body))
    if isinstance(key, bytes):
        raise SignatureError("draft-cavage signatures are only verified with public keys")
    algorithm = _cavage_algorithm(params.get("algorithm"), key)
    signature = _decode_signature(params["signature"])
    message = _cavage_signing_string(method, path, headers, covered, params)

    if "date" in covered:
        _check_time("Date", _parse_http_date(headers["date"]), now, max_skew, expiry)
    created = _cavage_timestamp(params, "created")
    if created is not None:
        _check_time("signature creation time", created, now, max_skew, expiry)
    expires = _cavage_timestamp(params, "expires")
    if expires is not None:
        _check_expires(expires, now)
    if "digest" in covered:
        _check_digest_header(headers["digest"], body or b"")

    _check_signature_bytes(algorithm, key, message.encode("utf-8"), signature)
    return VerifiedSignature(key_id=key_id, scheme="cavage", covered=covered)


# --- RFC 9421 ----------------------------------------------------------------------------------


def _first_signature_input(headers: Mapping[str, str]) -> tuple[str, _InnerList]:
    members = _SFParser(
        _limited(headers["signature-input"], "Signature-Input"), "Signature-Input"
    ).dictionary()
    if not members:
        raise SignatureError("Signature-Input header is empty")
    label, member = next(iter(members.items()))
    if not isinstance(member, _InnerList):
        raise SignatureError(f"malformed Signature-Input header: {label} is not an inner list")
    return label, member


def _form_encode(text: str) -> str:
    return "".join(
        chr(b) if chr(b) in _ALPHA or chr(b) in _DIGITS or chr(b) in "*-._" else f"%{b:02X}"
        for b in text.encode("utf-8")
    )


def _query_param(path: str, name: str) -> str:
    query = path.partition("?")[2]
    values = [
        _form_encode(v)
        for k, v in parse_qsl(query, keep_blank_values=True, max_num_fields=1000)
        if _form_encode(k) == name
    ]
    if not values:
        raise SignatureError(f"covered query parameter {name!r} is missing from the request")
    if len(values) > 1:
        raise SignatureError(f"covered query parameter {name!r} occurs more than once")
    return values[0]


def _component_value(
    name: str, item: _Item, *, method: str, path: str, headers: Mapping[str, str], scheme: str
) -> str:
    allowed_params = {"name"} if name == "@query-param" else set()
    unknown = set(item.params) - allowed_params
    if unknown:
        raise SignatureError(
            f"unsupported parameter {sorted(unknown)[0]!r} on covered component {name!r}"
        )
    if not name.startswith("@"):
        value = headers.get(name)
        if value is None:
            raise SignatureError(f"covered header {name!r} is missing from the request")
        return value
    if name == "@method":
        return method.upper()
    if name in ("@authority", "@target-uri"):
        authority = headers.get("host", "").lower()
        if not authority:
            raise SignatureError(f"{name} is covered but the request has no Host header")
        return authority if name == "@authority" else f"{scheme}://{authority}{path}"
    if name == "@scheme":
        return scheme.lower()
    if name == "@request-target":
        return path
    if name == "@path":
        return path.partition("?")[0] or "/"
    if name == "@query":
        return "?" + path.partition("?")[2]
    if name == "@query-param":
        wanted = item.params.get("name")
        if not isinstance(wanted, str):
            raise SignatureError("@query-param needs a string name parameter")
        return _query_param(path, wanted)
    raise SignatureError(f"unsupported derived component {name!r} in a request signature")


def _rfc9421_algorithm(
    declared: _Bare | None, assumed: str | None, key: _PublicKey | bytes
) -> str:
    if declared is not None:
        if not isinstance(declared, str):
            raise SignatureError("Signature-Input alg parameter is not a string")
        if declared not in RFC9421_ALGORITHMS:
            raise SignatureError(f"unknown signature algorithm {declared!r}")
        if assumed is not None and assumed != declared:
            raise SignatureError(f"signature says alg={declared} but the key uses {assumed}")
        return declared
    if assumed is not None:
        if assumed not in RFC9421_ALGORITHMS:
            raise SignatureError(f"unknown signature algorithm {assumed!r}")
        return assumed
    if isinstance(key, bytes):
        return "hmac-sha256"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa-v1_5-sha256"
    return "ed25519"


def _require_rfc9421_coverage(
    covered: tuple[str, ...], params: Mapping[str, _Bare], has_body: bool
) -> None:
    names = set(covered)
    missing: list[str] = []
    if has_body and "@method" not in names:
        missing.append("@method")
    if not names & {"@target-uri", "@path", "@request-target"}:
        missing.append("@target-uri (or @path)")
    if not names & {"@authority", "host"}:
        missing.append("@authority (or host)")
    if "date" not in names and "created" not in params:
        missing.append("date (or a created parameter)")
    if has_body and "content-digest" not in names:
        missing.append("content-digest")
    if missing:
        raise SignatureError("signature does not cover " + ", ".join(missing))


def _int_param(params: Mapping[str, _Bare], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SignatureError(f"Signature-Input {name} parameter is not an integer")
    return value


def _verify_rfc9421(
    *, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
    key: _PublicKey | bytes, now: float, max_skew: int, expiry: int, enforce: bool,
    scheme: str, assumed_alg: str | None,
) -> VerifiedSignature:
    label, signature_input = _first_signature_input(headers)
    if "signature" not in headers:
        raise SignatureError("Signature-Input header without a Signature header")
    signatures = _SFParser(_limited(headers["signature"], "Signature"), "Signature").dictionary()
    member = signatures.get(label)
    if member is None:
        raise SignatureError(f"Signature header has no value for label {label!r}")
    if not isinstance(member, _Item) or not isinstance(member.value, bytes) or not member.value:
        raise SignatureError(f"malformed Signature header: {label} is not a byte sequence")

    params = signature_input.params
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("Signature-Input has no keyid")
    names: list[str] = []
    for item in signature_input.items:
        if not isinstance(item.value, str) or isinstance(item.value, _Token):
            raise SignatureError("malformed Signature-Input header: component is not a string")
        if item.value != item.value.lower() or not item.value:
            raise SignatureError(f"covered component {item.value!r} is not lower case")
        if item.value == "@signature-params":
            raise SignatureError("@signature-params cannot be a covered component")
        names.append(item.value)
    if len({_serialise_item(i) for i in signature_input.items}) != len(names):
        raise SignatureError("signature covers a component twice")
    covered = tuple(names)
    if enforce:
        _require_rfc9421_coverage(covered, params, _has_body(method, body))
    algorithm = _rfc9421_algorithm(params.get("alg"), assumed_alg, key)

    created = _int_param(params, "created")
    if created is not None:
        _check_time("signature creation time", created, now, max_skew, expiry)
    expires = _int_param(params, "expires")
    if expires is not None:
        _check_expires(expires, now)
    if "date" in covered and "date" in headers:
        _check_time("Date", _parse_http_date(headers["date"]), now, max_skew, expiry)

    lines = [
        f"{_serialise_item(item)}: "
        + _component_value(name, item, method=method, path=path, headers=headers, scheme=scheme)
        for name, item in zip(names, signature_input.items, strict=True)
    ]
    lines.append(f'"@signature-params": {_serialise_inner_list(signature_input)}')
    if "content-digest" in covered:
        _check_content_digest(headers["content-digest"], body or b"")

    _check_signature_bytes(algorithm, key, "\n".join(lines).encode("utf-8"), member.value)
    return VerifiedSignature(key_id=key_id, scheme="rfc9421", covered=covered)


# --- public verification API -------------------------------------------------------------------


def signature_key_id(headers: Mapping[str, str]) -> str:
    """The keyId of a request's signature, so its key can be fetched before verifying.

    RFC 9421 (`Signature-Input`, first label) wins over draft-cavage (`Signature` or
    `Authorization: Signature ...`), because both use a header named `Signature`.
    """
    normalised = _normalise_headers(headers)
    if "signature-input" in normalised:
        _, signature_input = _first_signature_input(normalised)
        key_id = signature_input.params.get("keyid")
        if not isinstance(key_id, str) or not key_id:
            raise SignatureError("Signature-Input has no keyid")
        return key_id
    raw = _cavage_header(normalised)
    if raw is None:
        raise SignatureError("request has no Signature header")
    key_id = _parse_cavage(raw).get("keyid", "")
    if not key_id:
        raise SignatureError("Signature header has no keyId")
    return key_id


def _verify(
    *, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
    key: _PublicKey | bytes, now: float | None, max_skew: int, expiry: int, enforce: bool,
    scheme: str, rfc9421_alg: str | None,
) -> VerifiedSignature:
    normalised = _normalise_headers(headers)
    moment = time.time() if now is None else now
    if "signature-input" in normalised:
        return _verify_rfc9421(
            method=method, path=path, headers=normalised, body=body, key=key, now=moment,
            max_skew=max_skew, expiry=expiry, enforce=enforce, scheme=scheme,
            assumed_alg=rfc9421_alg,
        )
    raw = _cavage_header(normalised)
    if raw is None:
        raise SignatureError("request has no Signature header")
    return _verify_cavage(
        raw, method=method, path=path, headers=normalised, body=body, key=key, now=moment,
        max_skew=max_skew, expiry=expiry, enforce=enforce,
    )


def verify_request(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str,
    now: float | None = None,
    max_skew: int = 3600,
    expiry: int = 300,
    scheme: str = "https",
    rfc9421_alg: str | None = None,
) -> VerifiedSignature:
    """Verify a draft-cavage or RFC 9421 request signature and the project's coverage rules.

    `path` is the request target (path plus `?query`). Requests with a body (or POST, PUT,
    PATCH) must cover the target, host, date and digest; others the target, host and date. `scheme`
    only feeds RFC 9421 `@target-uri`/`@scheme`; `rfc9421_alg` is the algorithm the key is
    known to use when a signature names none (otherwise inferred from the key type).
    Raises SignatureError saying why for every refusal.
    """
    return _verify(
        method=method, path=path, headers=headers, body=body,
        key=_load_public_key(public_key_pem), now=now, max_skew=max_skew, expiry=expiry,
        enforce=True, scheme=scheme, rfc9421_alg=rfc9421_alg,
    )


def verify_without_coverage_policy(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str | None = None,
    hmac_secret: bytes | None = None,
    now: float | None = None,
    max_skew: int = 3600,
    expiry: int = 300,
    scheme: str = "https",
    rfc9421_alg: str | None = None,
) -> VerifiedSignature:
    """Like verify_request but without the rule about which components must be covered.

    Cryptography, freshness and any covered digest are still checked. Meant for test vectors
    and callers that enforce their own policy on `covered`; inbox code wants verify_request.
    Exactly one of `public_key_pem` and `hmac_secret` (RFC 9421 hmac-sha256 only) is given.
    """
    if public_key_pem is not None and hmac_secret is not None:
        raise ValueError("give exactly one of public_key_pem and hmac_secret")
    key: _PublicKey | bytes
    if public_key_pem is not None:
        key = _load_public_key(public_key_pem)
    elif hmac_secret is not None:
        key = hmac_secret
    else:
        raise ValueError("give exactly one of public_key_pem and hmac_secret")
    return _verify(
        method=method, path=path, headers=headers, body=body, key=key, now=now,
        max_skew=max_skew, expiry=expiry, enforce=False, scheme=scheme, rfc9421_alg=rfc9421_alg,
    )


# --- signing -----------------------------------------------------------------------------------


def _check_key_id(key_id: str) -> None:
    if not key_id or any(c in key_id for c in '"\\') or not key_id.isprintable():
        raise ValueError(f"key id {key_id!r} cannot be put in a Signature header")


def _check_private_key(private_key_pem: str, algorithm: str) -> _PrivateKey:
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise ValueError(f"unsupported signing algorithm {algorithm!r}")
    key = _load_private_key(private_key_pem)
    if algorithm == "rsa-sha256" and not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("rsa-sha256 needs an RSA private key")
    return key


def sign_headers(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    algorithm: Literal["rsa-sha256", "hs2019"] = "rsa-sha256",
    now: float | None = None,
) -> dict[str, str]:
    """The headers to add so a request carries a draft-cavage signature.

    `headers` must hold Host. Returns `Date` (only if absent), `Digest` (requests with a body,
    and always POST/PUT/PATCH) and `Signature`, covering `(request-target) host date [digest]`.
    """
    _check_key_id(key_id)
    key = _check_private_key(private_key_pem, algorithm)
    current = _normalise_headers(headers)
    if not current.get("host"):
        raise ValueError("sign_headers needs a Host header")
    added: dict[str, str] = {}
    if "date" not in current:
        added["Date"] = email.utils.formatdate(now, usegmt=True)
        current["date"] = added["Date"]
    covered = ["(request-target)", "host", "date"]
    if _has_body(method, body):
        added["Digest"] = "SHA-256=" + base64.b64encode(
            hashlib.sha256(body or b"").digest()
        ).decode("ascii")
        current["digest"] = added["Digest"]
        covered.append("digest")
    message = _cavage_signing_string(method, path, current, covered, {})
    signature = base64.b64encode(_sign_bytes(key, message.encode("utf-8"))).decode("ascii")
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}",'
        f'signature="{signature}"'
    )
    return added


class HttpSignatureAuth(httpx.Auth):
    """httpx auth that signs every request with draft-cavage (what Mastodon verifies).

    Only the request httpx hands to the flow is signed: follow redirects by hand so each hop
    is signed for its own host and path.
    """

    requires_request_body = True

    def __init__(
        self,
        key_id: str,
        private_key_pem: str,
        algorithm: Literal["rsa-sha256", "hs2019"] = "rsa-sha256",
    ) -> None:
        _check_key_id(key_id)
        _check_private_key(private_key_pem, algorithm)
        self._key_id = key_id
        self._private_key_pem = private_key_pem
        self._algorithm: Literal["rsa-sha256", "hs2019"] = algorithm

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "host" not in request.headers:
            request.headers["Host"] = request.url.netloc.decode("ascii")
        request.headers.update(
            sign_headers(
                method=request.method,
                path=request.url.raw_path.decode("ascii"),
                headers=request.headers,
                body=request.content,
                key_id=self._key_id,
                private_key_pem=self._private_key_pem,
                algorithm=self._algorithm,
            )
        )
        yield request
