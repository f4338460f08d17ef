"""Tests for HTTP signatures: published vectors, refusals and signer round trips."""

import base64
import hashlib
import hmac
from email.utils import formatdate

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from starlette.datastructures import Headers

from activitypub.signatures import (
    HttpSignatureAuth,
    SignatureError,
    VerifiedSignature,
    sign_headers,
    signature_key_id,
    verify_request,
    verify_without_coverage_policy,
)

# draft-cavage-http-signatures-12, appendix C.1: the "Test" key pair.
CAVAGE_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
CAVAGE_PRIVATE = """-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""
CAVAGE_PATH = "/foo?param=value&pet=dog"
CAVAGE_BODY = b'{"hello": "world"}'
CAVAGE_DATE = "Sun, 05 Jan 2014 21:31:40 GMT"
CAVAGE_NOW = 1388957500.0 + 5  # CAVAGE_DATE plus five seconds
CAVAGE_HEADERS = {
    "Host": "example.com",
    "Date": CAVAGE_DATE,
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
C2_SIGNATURE = (
    'keyId="Test",algorithm="rsa-sha256",signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtif'
    "LN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHg"
    'VCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="'
)
C3_SIGNATURE = (
    'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7PHH'
    "DZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzi"
    'c+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="'
)
C4_SIGNATURE = (
    'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date content-type digest '
    'content-length",signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+M'
    "FHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkl"
    'y4zKH7s1dE="'
)

# RFC 9421 appendix B.1.2 (test-key-rsa-pss, public half) and B.1.4 (test-key-ed25519).
RFC_RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
RFC_ED25519_PUBLIC = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
RFC_ED25519_PRIVATE = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
# RFC 9421 appendix B.1.5.
RFC_SHARED_SECRET = base64.b64decode(
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=="
)
# RFC 9421 appendix B.2: test-request.
RFC_PATH = "/foo?param=Value&Pet=dog"
RFC_BODY = b'{"hello": "world"}'
RFC_NOW = 1618884475.0  # two seconds after created=1618884473
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyeal"
        "dVLvRwEmTHWXvJwew==:"
    ),
    "Content-Length": "18",
}


def _cavage(signature: str, **changes: str) -> dict[str, str]:
    return {**CAVAGE_HEADERS, "Signature": signature, **changes}


def _rfc(signature_input: str, signature: str) -> dict[str, str]:
    return {**RFC_HEADERS, "Signature-Input": signature_input, "Signature": signature}


def _verify_c4(**overrides: object) -> VerifiedSignature:
    arguments: dict[str, object] = {
        "method": "POST",
        "path": CAVAGE_PATH,
        "headers": _cavage(C4_SIGNATURE),
        "body": CAVAGE_BODY,
        "public_key_pem": CAVAGE_PUBLIC,
        "now": CAVAGE_NOW,
    }
    arguments.update(overrides)
    return verify_request(**arguments)  # type: ignore[arg-type]


def _pem_public(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _pem_private(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()


# --- draft-cavage-12 appendix C ----------------------------------------------------------------


def test_cavage_c2_default_test_signature_is_valid() -> None:
    result = verify_without_coverage_policy(
        method="POST",
        path=CAVAGE_PATH,
        headers=_cavage(C2_SIGNATURE),
        body=CAVAGE_BODY,
        public_key_pem=CAVAGE_PUBLIC,
        now=CAVAGE_NOW,
    )
    assert result == VerifiedSignature(key_id="Test", scheme="cavage", covered=("date",))


def test_cavage_c2_default_test_refused_for_missing_coverage() -> None:
    with pytest.raises(SignatureError, match=r"does not cover \(request-target\), host, digest"):
        _verify_c4(headers=_cavage(C2_SIGNATURE))


def test_cavage_c3_basic_test_signature_is_valid() -> None:
    result = verify_without_coverage_policy(
        method="POST",
        path=CAVAGE_PATH,
        headers=_cavage(C3_SIGNATURE),
        body=CAVAGE_BODY,
        public_key_pem=CAVAGE_PUBLIC,
        now=CAVAGE_NOW,
    )
    assert result.covered == ("(request-target)", "host", "date")


def test_cavage_c3_in_authorization_header() -> None:
    headers = {**CAVAGE_HEADERS, "Authorization": "Signature " + C3_SIGNATURE}
    result = verify_without_coverage_policy(
        method="POST",
        path=CAVAGE_PATH,
        headers=headers,
        body=CAVAGE_BODY,
        public_key_pem=CAVAGE_PUBLIC,
        now=CAVAGE_NOW,
    )
    assert result.key_id == "Test"
    assert signature_key_id(headers) == "Test"


def test_cavage_c4_all_headers_passes_verify_request() -> None:
    result = _verify_c4()
    assert result == VerifiedSignature(
        key_id="Test",
        scheme="cavage",
        covered=("(request-target)", "host", "date", "content-type", "digest", "content-length"),
    )


def test_cavage_test_key_pair_matches() -> None:
    private = serialization.load_pem_private_key(CAVAGE_PRIVATE.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert _pem_public(private) == CAVAGE_PUBLIC


# --- RFC 9421 appendix B.2 ---------------------------------------------------------------------

B21_INPUT = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
B21_SIGNATURE = (
    "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGx"
    "btRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2V"
    "jBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1"
    "g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"
)
B22_INPUT = (
    'sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473'
    ';keyid="test-key-rsa-pss";tag="header-example"'
)
B22_SIGNATURE = (
    "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvu"
    "JyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARY"
    "hpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DS"
    "BVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:"
)
B23_INPUT = (
    'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
    '"content-length");created=1618884473;keyid="test-key-rsa-pss"'
)
B23_SIGNATURE = (
    "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+"
    "qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pF"
    "kh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH89"
    "6+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"
)
B25_INPUT = (
    'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"'
)
B25_SIGNATURE = "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:"
B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw"
    "==:"
)


def _rfc_verify(
    signature_input: str, signature: str, **overrides: object
) -> VerifiedSignature:
    arguments: dict[str, object] = {
        "method": "POST",
        "path": RFC_PATH,
        "headers": _rfc(signature_input, signature),
        "body": RFC_BODY,
        "public_key_pem": RFC_RSA_PSS_PUBLIC,
        "now": RFC_NOW,
    }
    arguments.update(overrides)
    return verify_without_coverage_policy(**arguments)  # type: ignore[arg-type]


def test_rfc9421_test_request_content_digest_is_right() -> None:
    digest = base64.b64encode(hashlib.sha512(RFC_BODY).digest()).decode()
    assert RFC_HEADERS["Content-Digest"] == f"sha-512=:{digest}:"


def test_rfc9421_b21_minimal_rsa_pss() -> None:
    result = _rfc_verify(B21_INPUT, B21_SIGNATURE, rfc9421_alg="rsa-pss-sha512")
    assert result == VerifiedSignature(key_id="test-key-rsa-pss", scheme="rfc9421", covered=())


def test_rfc9421_b22_selective_components_rsa_pss() -> None:
    result = _rfc_verify(B22_INPUT, B22_SIGNATURE, rfc9421_alg="rsa-pss-sha512")
    assert result.covered == ("@authority", "content-digest", "@query-param")


def test_rfc9421_b23_full_coverage_passes_verify_request() -> None:
    result = verify_request(
        method="POST",
        path=RFC_PATH,
        headers=_rfc(B23_INPUT, B23_SIGNATURE),
        body=RFC_BODY,
        public_key_pem=RFC_RSA_PSS_PUBLIC,
        now=RFC_NOW,
        rfc9421_alg="rsa-pss-sha512",
    )
    assert result.scheme == "rfc9421"
    assert result.covered == (
        "date", "@method", "@path", "@query", "@authority",
        "content-type", "content-digest", "content-length",
    )


def test_rfc9421_rsa_key_without_alg_defaults_to_pkcs1() -> None:
    # B.2.3 is RSA-PSS; with no alg parameter an RSA key means rsa-v1_5-sha256, so it fails.
    with pytest.raises(SignatureError, match="does not verify"):
        _rfc_verify(B23_INPUT, B23_SIGNATURE)


def test_rfc9421_b25_hmac_sha256() -> None:
    result = _rfc_verify(
        B25_INPUT, B25_SIGNATURE, public_key_pem=None, hmac_secret=RFC_SHARED_SECRET
    )
    assert result == VerifiedSignature(
        key_id="test-shared-secret",
        scheme="rfc9421",
        covered=("date", "@authority", "content-type"),
    )


def test_rfc9421_hmac_never_keyed_by_public_key() -> None:
    forged_input = B25_INPUT + ';alg="hmac-sha256"'
    with pytest.raises(SignatureError, match="needs a shared secret"):
        _rfc_verify(forged_input, B25_SIGNATURE)


def test_rfc9421_b26_ed25519() -> None:
    result = _rfc_verify(B26_INPUT, B26_SIGNATURE, public_key_pem=RFC_ED25519_PUBLIC)
    assert result == VerifiedSignature(
        key_id="test-key-ed25519",
        scheme="rfc9421",
        covered=("date", "@method", "@path", "@authority", "content-type", "content-length"),
    )


def test_rfc9421_b26_refused_by_policy_without_content_digest() -> None:
    with pytest.raises(SignatureError, match="does not cover content-digest"):
        verify_request(
            method="POST",
            path=RFC_PATH,
            headers=_rfc(B26_INPUT, B26_SIGNATURE),
            body=RFC_BODY,
            public_key_pem=RFC_ED25519_PUBLIC,
            now=RFC_NOW,
        )


def test_rfc9421_key_id() -> None:
    assert signature_key_id(_rfc(B26_INPUT, B26_SIGNATURE)) == "test-key-ed25519"


def _rfc9421_sign_ed25519(components: str, params: str, base_lines: list[str]) -> dict[str, str]:
    signature_params = f"({components}){params}"
    base = "\n".join([*base_lines, f'"@signature-params": {signature_params}'])
    private = serialization.load_pem_private_key(RFC_ED25519_PRIVATE.encode(), password=None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    signature = base64.b64encode(private.sign(base.encode())).decode()
    return _rfc(f"sig1={signature_params}", f"sig1=:{signature}:")


def _full_rfc_request(params: str) -> dict[str, str]:
    return _rfc9421_sign_ed25519(
        '"@method" "@target-uri" "@authority" "content-digest"',
        params,
        [
            '"@method": POST',
            '"@target-uri": https://example.com/foo?param=Value&Pet=dog',
            '"@authority": example.com',
            f'"content-digest": {RFC_HEADERS["Content-Digest"]}',
        ],
    )


def test_rfc9421_round_trip_with_created_instead_of_date() -> None:
    headers = _full_rfc_request(';created=1618884473;keyid="test-key-ed25519";alg="ed25519"')
    result = verify_request(
        method="POST", path=RFC_PATH, headers=headers, body=RFC_BODY,
        public_key_pem=RFC_ED25519_PUBLIC, now=RFC_NOW,
    )
    assert result.covered == ("@method", "@target-uri", "@authority", "content-digest")


def test_rfc9421_expired_signature_refused() -> None:
    headers = _full_rfc_request(';created=1618884473;expires=1618884474;keyid="k"')
    with pytest.raises(SignatureError, match="expired"):
        verify_request(
            method="POST", path=RFC_PATH, headers=headers, body=RFC_BODY,
            public_key_pem=RFC_ED25519_PUBLIC, now=RFC_NOW,
        )


def test_rfc9421_created_in_future_refused() -> None:
    headers = _full_rfc_request(';created=1618894473;keyid="k"')
    with pytest.raises(SignatureError, match="in the future"):
        verify_request(
            method="POST", path=RFC_PATH, headers=headers, body=RFC_BODY,
            public_key_pem=RFC_ED25519_PUBLIC, now=RFC_NOW,
        )


def test_rfc9421_tampered_body_refused() -> None:
    headers = _full_rfc_request(';created=1618884473;keyid="k"')
    with pytest.raises(SignatureError, match="Content-Digest sha-512 does not match"):
        verify_request(
            method="POST", path=RFC_PATH, headers=headers, body=b'{"hello": "w0rld"}',
            public_key_pem=RFC_ED25519_PUBLIC, now=RFC_NOW,
        )


def test_rfc9421_unknown_algorithm_refused() -> None:
    with pytest.raises(SignatureError, match="unknown signature algorithm 'ecdsa-p256-sha256'"):
        _rfc_verify(B23_INPUT + ';alg="ecdsa-p256-sha256"', B23_SIGNATURE)


# --- refusals ----------------------------------------------------------------------------------


def test_refuses_signature_not_covering_digest() -> None:
    with pytest.raises(SignatureError, match="does not cover digest"):
        _verify_c4(headers=_cavage(C3_SIGNATURE))


def test_refuses_tampered_body() -> None:
    with pytest.raises(SignatureError, match="Digest SHA-256 does not match the body"):
        _verify_c4(body=b'{"hello": "World"}')


def test_refuses_tampered_body_with_recomputed_digest() -> None:
    body = b'{"hello": "World"}'
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    with pytest.raises(SignatureError, match="does not verify"):
        _verify_c4(headers=_cavage(C4_SIGNATURE, Digest=digest), body=body)


def test_refuses_replay_to_another_path() -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        _verify_c4(path="/inbox")


def test_refuses_stale_date() -> None:
    with pytest.raises(SignatureError, match="Date is 3901 s old"):
        _verify_c4(now=CAVAGE_NOW - 5 + 3901)


def test_accepts_date_at_edge_of_window() -> None:
    _verify_c4(now=CAVAGE_NOW - 5 + 3900)
    _verify_c4(now=CAVAGE_NOW - 5 - 3600)


def test_refuses_future_date() -> None:
    with pytest.raises(SignatureError, match="in the future"):
        _verify_c4(now=CAVAGE_NOW - 5 - 3601)


def test_refuses_unknown_algorithm() -> None:
    with pytest.raises(SignatureError, match="unknown signature algorithm 'rsa-sha1'"):
        _verify_c4(headers=_cavage(C4_SIGNATURE.replace("rsa-sha256", "rsa-sha1")))


def test_refuses_signature_from_another_key() -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        _verify_c4(public_key_pem=_pem_public(OTHER_RSA_KEY))


def test_refuses_missing_signature_header() -> None:
    with pytest.raises(SignatureError, match="no Signature header"):
        _verify_c4(headers=dict(CAVAGE_HEADERS))
    with pytest.raises(SignatureError, match="no Signature header"):
        signature_key_id(CAVAGE_HEADERS)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ('keyId="Test",algorithm="rsa-sha256",headers="date', "unterminated quoted value"),
        ('keyId="Test" algorithm="rsa-sha256"', "expected ','"),
        ("keyId", "expected '='"),
        ('keyId="Test",keyId="Other",signature="abc="', "duplicate parameter 'keyid'"),
        ('algorithm="rsa-sha256",signature="abc="', "no keyId"),
        ('keyId="Test",algorithm="rsa-sha256"', "no signature value"),
        (
            'keyId="Test",headers="(request-target) host date digest",signature="%%%"',
            "not base64",
        ),
        ('keyId="Test",,signature="abc="', "expected a parameter name"),
    ],
)
def test_refuses_malformed_signature_header(signature: str, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        _verify_c4(headers=_cavage(signature))


@pytest.mark.parametrize(
    ("signature_input", "signature", "reason"),
    [
        ('sig1=("@method"', "sig1=:AAAA:", "malformed Signature-Input"),
        ('sig1=("@method");keyid="k"', "sig1=:AAAA", "malformed Signature header"),
        ('sig1=("@method");keyid="k"', "sig2=:AAAA:", "no value for label 'sig1'"),
        ('sig1=("@method");created=1618884473', "sig1=:AAAA:", "no keyid"),
        ('sig1=("@Method");keyid="k"', "sig1=:AAAA:", "not lower case"),
        ('sig1=(method);keyid="k"', "sig1=:AAAA:", "component is not a string"),
        ('sig1=("@method" "@method");keyid="k"', "sig1=:AAAA:", "component twice"),
        ('sig1=("date";sf);keyid="k"', "sig1=:AAAA:", "unsupported parameter 'sf'"),
        ('sig1=("@status");keyid="k"', "sig1=:AAAA:", "unsupported derived component"),
        ('sig1=("@method");created="now";keyid="k"', "sig1=:AAAA:", "not an integer"),
    ],
)
def test_refuses_malformed_rfc9421_headers(
    signature_input: str, signature: str, reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason):
        _rfc_verify(signature_input, signature)


def test_refuses_get_not_covering_host() -> None:
    message = f"(request-target): get /users/alice\ndate: {CAVAGE_DATE}"
    private = serialization.load_pem_private_key(CAVAGE_PRIVATE.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    signature = base64.b64encode(
        private.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    headers = {
        "Host": "example.com",
        "Date": CAVAGE_DATE,
        "Signature": f'keyId="Test",algorithm="rsa-sha256",headers="(request-target) date",'
        f'signature="{signature}"',
    }
    arguments = {
        "method": "GET", "path": "/users/alice", "headers": headers, "body": None,
        "public_key_pem": CAVAGE_PUBLIC, "now": CAVAGE_NOW,
    }
    assert verify_without_coverage_policy(**arguments).covered == (  # type: ignore[arg-type]
        "(request-target)", "date",
    )
    with pytest.raises(SignatureError, match="does not cover host"):
        verify_request(**arguments)  # type: ignore[arg-type]


def test_refuses_covered_header_missing_from_request() -> None:
    headers = _cavage(C4_SIGNATURE)
    del headers["Content-Type"]
    with pytest.raises(SignatureError, match="covered header 'content-type' is missing"):
        _verify_c4(headers=headers)


def test_refuses_unusable_public_key() -> None:
    with pytest.raises(SignatureError, match="not a usable PEM public key"):
        _verify_c4(public_key_pem="-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")


# --- header handling ---------------------------------------------------------------------------


def test_header_lookup_is_case_insensitive_for_every_mapping() -> None:
    raw = [(k.upper().encode(), v.encode()) for k, v in _cavage(C4_SIGNATURE).items()]
    starlette_headers = Headers(raw=raw)
    httpx_headers = httpx.Headers(_cavage(C4_SIGNATURE))
    lower_dict = {k.lower(): v for k, v in _cavage(C4_SIGNATURE).items()}
    for headers in (starlette_headers, httpx_headers, lower_dict):
        assert signature_key_id(headers) == "Test"
        assert _verify_c4(headers=headers).key_id == "Test"


def test_digest_header_list_and_case() -> None:
    sha512 = base64.b64encode(hashlib.sha512(CAVAGE_BODY).digest()).decode()
    body = CAVAGE_BODY
    headers = {"Host": "example.com", "Date": CAVAGE_DATE}
    headers["Digest"] = (
        f"md5=abc=, sha-256={base64.b64encode(hashlib.sha256(body).digest()).decode()},"
        f"SHA-512={sha512}"
    )
    headers["Signature"] = _sign_cavage_test(
        "post", CAVAGE_PATH, headers, ["(request-target)", "host", "date", "digest"]
    )
    verify_request(
        method="POST", path=CAVAGE_PATH, headers=headers, body=body,
        public_key_pem=CAVAGE_PUBLIC, now=CAVAGE_NOW,
    )
    headers["Digest"] = "MD5=abc="
    headers["Signature"] = _sign_cavage_test(
        "post", CAVAGE_PATH, headers, ["(request-target)", "host", "date", "digest"]
    )
    with pytest.raises(SignatureError, match="no SHA-256 or SHA-512"):
        verify_request(
            method="POST", path=CAVAGE_PATH, headers=headers, body=body,
            public_key_pem=CAVAGE_PUBLIC, now=CAVAGE_NOW,
        )


def _sign_cavage_test(method: str, path: str, headers: dict[str, str], covered: list[str]) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    lines = [
        f"(request-target): {method} {path}"
        if name == "(request-target)"
        else f"{name}: {lower[name]}"
        for name in covered
    ]
    private = serialization.load_pem_private_key(CAVAGE_PRIVATE.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    signature = private.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    return (
        f'keyId="Test",algorithm="hs2019",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )


# --- signing round trips -----------------------------------------------------------------------


def _drive(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    flow = auth.sync_auth_flow(request)
    signed = next(flow)
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
    return signed


def test_signer_produces_expected_signature_with_test_key() -> None:
    request = httpx.Request(
        "POST",
        "https://example.com/foo?param=value&pet=dog",
        headers={"Date": CAVAGE_DATE, "Content-Type": "application/json"},
        content=CAVAGE_BODY,
    )
    signed = _drive(HttpSignatureAuth("Test", CAVAGE_PRIVATE), request)
    assert signed.headers["Digest"] == CAVAGE_HEADERS["Digest"]
    expected_string = (
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\n"
        f"date: {CAVAGE_DATE}\ndigest: {CAVAGE_HEADERS['Digest']}"
    )
    private = serialization.load_pem_private_key(CAVAGE_PRIVATE.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    expected = base64.b64encode(
        private.sign(expected_string.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    assert signed.headers["Signature"] == (
        'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date digest",'
        f'signature="{expected}"'
    )
    result = verify_request(
        method="POST", path=CAVAGE_PATH, headers=signed.headers, body=CAVAGE_BODY,
        public_key_pem=CAVAGE_PUBLIC, now=CAVAGE_NOW,
    )
    assert result.covered == ("(request-target)", "host", "date", "digest")


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [(RSA_KEY, "rsa-sha256"), (RSA_KEY, "hs2019"), (ED_KEY, "hs2019")],
)
def test_round_trip_post_through_mock_transport(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, algorithm: str
) -> None:
    seen: list[VerifiedSignature] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(
            verify_request(
                method=request.method,
                path=request.url.raw_path.decode(),
                headers=request.headers,
                body=request.content,
                public_key_pem=_pem_public(key),
            )
        )
        return httpx.Response(202)

    auth = HttpSignatureAuth(
        "https://a.example/users/alice#main-key", _pem_private(key), algorithm  # type: ignore[arg-type]
    )
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        response = client.post(
            "https://b.example:8443/users/bob/inbox?x=1", content=b'{"type": "Follow"}'
        )
    assert response.status_code == 202
    assert seen == [
        VerifiedSignature(
            key_id="https://a.example/users/alice#main-key",
            scheme="cavage",
            covered=("(request-target)", "host", "date", "digest"),
        )
    ]


def test_round_trip_get() -> None:
    request = httpx.Request("GET", "https://b.example/users/bob?page=2")
    auth = HttpSignatureAuth("https://a.example/actor#key", _pem_private(RSA_KEY))
    signed = _drive(auth, request)
    assert "Digest" not in signed.headers
    result = verify_request(
        method="GET", path="/users/bob?page=2", headers=signed.headers, body=None,
        public_key_pem=_pem_public(RSA_KEY),
    )
    assert result.covered == ("(request-target)", "host", "date")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_request(
            method="GET", path="/users/carol", headers=signed.headers, body=None,
            public_key_pem=_pem_public(RSA_KEY),
        )


def test_signer_keeps_existing_date_and_sets_missing_one() -> None:
    now = 1700000000.0
    added = sign_headers(
        method="GET", path="/", headers={"Host": "b.example"}, body=None,
        key_id="k", private_key_pem=_pem_private(RSA_KEY), now=now,
    )
    assert added["Date"] == formatdate(now, usegmt=True) == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert set(added) == {"Date", "Signature"}
    kept = sign_headers(
        method="POST", path="/", headers={"Host": "b.example", "date": CAVAGE_DATE}, body=b"",
        key_id="k", private_key_pem=_pem_private(RSA_KEY),
    )
    assert set(kept) == {"Digest", "Signature"}
    assert kept["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(b"").digest()).decode()


def test_signer_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="needs an RSA private key"):
        HttpSignatureAuth("k", _pem_private(ED_KEY), "rsa-sha256")
    with pytest.raises(ValueError, match="cannot be put in a Signature header"):
        HttpSignatureAuth('k"', _pem_private(RSA_KEY))
    with pytest.raises(ValueError, match="not a usable"):
        HttpSignatureAuth("k", "not a key")
    assert HttpSignatureAuth.requires_request_body is True


def test_hs2019_with_ed25519_key_and_rsa_claim_mismatch() -> None:
    request = httpx.Request("GET", "https://b.example/x")
    signed = _drive(HttpSignatureAuth("k", _pem_private(ED_KEY), "hs2019"), request)
    forged = dict(signed.headers)
    forged["signature"] = forged["signature"].replace("hs2019", "rsa-sha256")
    with pytest.raises(SignatureError, match="needs an RSA key"):
        verify_request(
            method="GET", path="/x", headers=forged, body=None, public_key_pem=_pem_public(ED_KEY)
        )


def test_mac_of_public_key_is_not_accepted_for_cavage() -> None:
    # Classic algorithm confusion: an HMAC keyed with the public key text must never verify.
    message = f"(request-target): get /x\nhost: b.example\ndate: {CAVAGE_DATE}"
    mac = hmac.new(CAVAGE_PUBLIC.encode(), message.encode(), hashlib.sha256).digest()
    headers = {
        "Host": "b.example",
        "Date": CAVAGE_DATE,
        "Signature": 'keyId="Test",algorithm="hmac-sha256",headers="(request-target) host date",'
        f'signature="{base64.b64encode(mac).decode()}"',
    }
    with pytest.raises(SignatureError, match="unknown signature algorithm 'hmac-sha256'"):
        verify_request(
            method="GET", path="/x", headers=headers, body=None,
            public_key_pem=CAVAGE_PUBLIC, now=CAVAGE_NOW,
        )


@pytest.mark.asyncio
async def test_round_trip_with_async_client() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        verify_request(
            method=request.method,
            path=request.url.raw_path.decode(),
            headers=request.headers,
            body=request.content,
            public_key_pem=_pem_public(RSA_KEY),
        )
        return httpx.Response(202)

    auth = HttpSignatureAuth("https://a.example/actor#key", _pem_private(RSA_KEY))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
        response = await client.post("https://b.example/inbox", content=b"{}")
    assert response.status_code == 202


def test_refuses_get_not_covering_date() -> None:
    message = "(request-target): get /users/alice\nhost: example.com"
    private = serialization.load_pem_private_key(CAVAGE_PRIVATE.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    signature = base64.b64encode(
        private.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    headers = {
        "Host": "example.com",
        "Signature": f'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host",'
        f'signature="{signature}"',
    }
    arguments = {
        "method": "GET", "path": "/users/alice", "headers": headers, "body": None,
        "public_key_pem": CAVAGE_PUBLIC, "now": CAVAGE_NOW,
    }
    # The signature itself is sound; only the missing timestamp makes it replayable.
    assert verify_without_coverage_policy(**arguments).covered == (  # type: ignore[arg-type]
        "(request-target)", "host",
    )
    with pytest.raises(SignatureError, match="does not cover date"):
        verify_request(**arguments)  # type: ignore[arg-type]
