"""Signing in the way Mastodon apps do: app registration, the sign-in page, tokens, revocation."""

import base64
import hashlib
import re
import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fedi.api.conftest import ApiUser

pytestmark = pytest.mark.asyncio(loop_scope="session")

REDIRECT = "https://app.example/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"


class FormReader(HTMLParser):
    """The inputs of a page's form, and the attributes of its <html> element."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.html: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html = values
        if tag == "input" and values.get("name"):
            self.inputs[str(values["name"])] = values.get("value") or ""


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def register(
    client: httpx.AsyncClient,
    scopes: str = "read write follow",
    redirect_uris: str = REDIRECT,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "Test App", "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sign_in(
    client: httpx.AsyncClient,
    app: dict[str, Any],
    login: str,
    password: str,
    **query: str,
) -> httpx.Response:
    """Open the sign-in page as a browser would, fill it in, and press Authorize."""
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "read write",
        "state": "xyz",
        **query,
    }
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    form = read_form(page.text).inputs
    form.update({"username": login, "password": password, "decision": "approve"})
    return await client.post("/oauth/authorize", data=form)


def redirect_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {key: values[0] for key, values in parse_qs(location.query).items()}


async def exchange(
    client: httpx.AsyncClient, app: dict[str, Any], code: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": REDIRECT,
            **extra,
        },
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- registration ---------------------------------------------------------------------------


async def test_registering_an_app_returns_its_credentials_and_keeps_only_a_hash(
    client: httpx.AsyncClient, pool: Any
) -> None:
    app = await register(client, scopes="read write push")
    assert app["name"] == "Test App"
    assert app["scopes"] == ["read", "write", "push"]
    assert app["redirect_uri"] == REDIRECT
    assert app["redirect_uris"] == [REDIRECT]
    assert app["website"] is None
    assert app["vapid_key"] == ""
    assert app["client_secret_expires_at"] == 0
    assert isinstance(app["id"], str)
    assert len(app["client_id"]) >= 40 and len(app["client_secret"]) >= 40
    async with pool.acquire() as conn:
        stored = await conn.fetchrow(
            "SELECT * FROM oauth_apps WHERE client_id = $1", app["client_id"]
        )
    assert stored["client_secret_hash"] == hashlib.sha256(app["client_secret"].encode()).hexdigest()
    assert app["client_secret"] not in [str(value) for value in dict(stored).values()]


async def test_redirect_uris_may_be_a_json_array_or_lines_of_a_string(
    client: httpx.AsyncClient,
) -> None:
    uris = ["https://app.example/callback", "https://app.example/register"]
    as_json = await client.post(
        "/api/v1/apps",
        json={"client_name": "J", "redirect_uris": uris, "website": "https://app.example"},
    )
    assert as_json.status_code == 200
    assert as_json.json()["redirect_uris"] == uris
    assert as_json.json()["redirect_uri"] == "\n".join(uris)
    assert as_json.json()["website"] == "https://app.example"
    as_lines = await register(client, redirect_uris="\n".join(uris))
    assert as_lines["redirect_uris"] == uris


async def test_scopes_default_to_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/apps", params={"client_name": "Q", "redirect_uris": OOB})
    assert response.status_code == 200
    assert response.json()["scopes"] == ["read"]


async def test_an_invalid_redirect_uri_is_422_naming_it(client: httpx.AsyncClient) -> None:
    for bad in ["not a uri", "/relative/path", "https://app.example/cb#frag", "javascript:x()"]:
        response = await client.post(
            "/api/v1/apps", data={"client_name": "Bad", "redirect_uris": bad}
        )
        assert response.status_code == 422, bad
        assert bad in response.json()["error"]
        assert "Redirect URI" in response.json()["error"]


async def test_an_unknown_scope_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "Bad", "redirect_uris": REDIRECT, "scopes": "read fly"},
    )
    assert response.status_code == 422
    assert "fly" in response.json()["error"]


async def test_a_missing_name_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/apps", data={"redirect_uris": REDIRECT})
    assert response.status_code == 422
    assert "name" in response.json()["error"]


# --- the authorization code flow ------------------------------------------------------------


async def test_the_code_flow_with_pkce_signs_the_account_in(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    app = await register(client)
    verifier, challenge = pkce_pair()
    response = await sign_in(
        client,
        app,
        "alice",
        alice.password,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    query = redirect_query(response)
    assert query["state"] == "xyz"
    token = await exchange(client, app, query["code"], code_verifier=verifier)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert isinstance(body["created_at"], int)
    assert token.headers["cache-control"] == "no-store"
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"])
    )
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    this_app = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer(body["access_token"])
    )
    assert this_app.status_code == 200
    assert this_app.json()["name"] == "Test App"


async def test_out_of_band_shows_the_code_on_a_page(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    app = await register(client, redirect_uris=OOB)
    response = await sign_in(client, app, "alice", alice.password, redirect_uri=OOB)
    assert response.status_code == 200
    match = re.search(r'<code class="oauth-code">([^<]+)</code>', response.text)
    assert match is not None
    token = await client.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "code": match[1],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": OOB,
        },
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "read write"


async def test_an_email_address_signs_in_too(
    client: httpx.AsyncClient, alice: ApiUser, pool: Any
) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET email = 'Alice@Example.org' WHERE actor_id = $1", alice.actor.id
        )
    app = await register(client)
    response = await sign_in(client, app, "alice@example.org", alice.password)
    assert "code" in redirect_query(response)


async def test_a_wrong_password_shows_the_form_again_and_issues_no_code(
    client: httpx.AsyncClient, alice: ApiUser, pool: Any
) -> None:
    app = await register(client)
    response = await sign_in(client, app, "alice", "not her password")
    assert response.status_code == 401
    assert "location" not in response.headers
    assert "Wrong username or password." in response.text
    again = read_form(response.text).inputs
    assert again["username"] == "alice" and again["password"] == ""
    assert again["csrf_token"]
    unknown = await sign_in(client, app, "nobody", "whatever-password")
    assert unknown.status_code == 401
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_codes") == 0


async def test_deny_sends_access_denied_back_to_the_app(
    client: httpx.AsyncClient, pool: Any
) -> None:
    app = await register(client)
    page = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "state": "s1",
        },
    )
    form = read_form(page.text).inputs
    form["decision"] = "deny"
    query = redirect_query(await client.post("/oauth/authorize", data=form))
    assert query["error"] == "access_denied"
    assert query["state"] == "s1"
    assert "code" not in query
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_codes") == 0


async def test_a_form_without_its_token_or_cookie_is_refused(
    client: httpx.AsyncClient, alice: ApiUser, pool: Any
) -> None:
    app = await register(client)
    page = await client.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": app["client_id"], "scope": "read"},
    )
    form = read_form(page.text).inputs
    form.update({"username": "alice", "password": alice.password})
    forged = {**form, "csrf_token": "1700000000." + "0" * 64}
    assert (await client.post("/oauth/authorize", data=forged)).status_code == 403
    # A token is bound to the form it came with: asking for more scopes voids it.
    widened = {**form, "scope": "read write"}
    assert (await client.post("/oauth/authorize", data=widened)).status_code == 403
    # Another browser (without this one's cookie) cannot use this page's token.
    client.cookies.clear()
    assert (await client.post("/oauth/authorize", data=form)).status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_codes") == 0


async def test_a_wrong_or_missing_verifier_gets_no_token(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    app = await register(client)
    _, challenge = pkce_pair()
    response = await sign_in(
        client, app, "alice", alice.password, code_challenge=challenge, code_challenge_method="S256"
    )
    code = redirect_query(response)["code"]
    wrong = await exchange(client, app, code, code_verifier=pkce_pair()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert "error_description" in wrong.json()
    missing = await exchange(client, app, code)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


async def test_a_plain_challenge_works(client: httpx.AsyncClient, alice: ApiUser) -> None:
    app = await register(client)
    verifier = secrets.token_urlsafe(48)
    response = await sign_in(
        client, app, "alice", alice.password, code_challenge=verifier, code_challenge_method="plain"
    )
    token = await exchange(client, app, redirect_query(response)["code"], code_verifier=verifier)
    assert token.status_code == 200


async def test_a_code_is_used_once(client: httpx.AsyncClient, alice: ApiUser) -> None:
    app = await register(client)
    code = redirect_query(await sign_in(client, app, "alice", alice.password))["code"]
    first = await exchange(client, app, code)
    assert first.status_code == 200
    second = await exchange(client, app, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


async def test_a_code_is_stored_hashed_and_expires_after_ten_minutes(
    client: httpx.AsyncClient, alice: ApiUser, pool: Any
) -> None:
    app = await register(client)
    code = redirect_query(await sign_in(client, app, "alice", alice.password))["code"]
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT code_hash, expires_at - created_at AS lifetime FROM oauth_codes"
        )
        assert row["code_hash"] == hashlib.sha256(code.encode()).hexdigest()
        assert row["lifetime"].total_seconds() == 600
        await conn.execute("UPDATE oauth_codes SET expires_at = now() - interval '1 second'")
    expired = await exchange(client, app, code)
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


async def test_a_code_is_bound_to_its_redirect_uri_and_app(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    app = await register(client, redirect_uris=f"{REDIRECT}\nhttps://app.example/other")
    other_app = await register(client)
    code = redirect_query(await sign_in(client, app, "alice", alice.password))["code"]
    moved = await exchange(client, app, code, redirect_uri="https://app.example/other")
    assert moved.status_code == 400
    assert moved.json()["error"] == "invalid_grant"
    stolen = await exchange(client, other_app, code)
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


async def test_an_unregistered_redirect_uri_is_never_redirected_to(
    client: httpx.AsyncClient,
) -> None:
    app = await register(client)
    response = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": "https://evil.example/steal",
        },
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "evil.example" not in response.text
    unknown = await client.get(
        "/oauth/authorize", params={"response_type": "code", "client_id": "nope"}
    )
    assert unknown.status_code == 400
    assert "This application is not known to this server." in unknown.text


async def test_scopes_beyond_the_registration_are_refused(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    app = await register(client, scopes="read")
    page = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "read write",
            "state": "s2",
        },
    )
    query = redirect_query(page)
    assert query["error"] == "invalid_scope"
    assert query["state"] == "s2"
    for grant in (
        {"grant_type": "client_credentials"},
        {
            "grant_type": "password",
            "username": "alice",
            "password": alice.password,
        },
    ):
        response = await client.post(
            "/oauth/token",
            data={
                **grant,
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": "read admin:write",
            },
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"
    # A granular scope is within its registered parent.
    narrower = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read:statuses",
        },
    )
    assert narrower.status_code == 200
    assert narrower.json()["scope"] == "read:statuses"


# --- other grants ---------------------------------------------------------------------------


async def test_the_password_grant_takes_form_or_json(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    app = await register(client)
    fields = {
        "grant_type": "password",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "username": "alice",
        "password": alice.password,
        "scope": "read write",
    }
    for response in [
        await client.post("/oauth/token", data=fields),
        await client.post("/oauth/token", json=fields),
    ]:
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        assert me.json()["username"] == "alice"
    wrong = await client.post("/oauth/token", json={**fields, "password": "wrong password"})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


async def test_client_credentials_act_for_the_app_alone(client: httpx.AsyncClient) -> None:
    app = await register(client)
    response = await client.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read"
    token = response.json()["access_token"]
    verified = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert verified.status_code == 200
    assert verified.json()["name"] == "Test App"
    assert verified.json()["client_id"] == app["client_id"]
    assert "client_secret" not in verified.json()
    user_only = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert user_only.status_code == 422


async def test_client_authentication_by_basic_header_or_body(client: httpx.AsyncClient) -> None:
    app = await register(client)
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    by_header = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert by_header.status_code == 200
    wrong = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": "not the secret",
        },
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    unsupported = await client.post(
        "/oauth/token", data={"grant_type": "implicit", "client_id": app["client_id"]}
    )
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"


async def test_apps_verify_credentials_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/apps/verify_credentials")
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}


# --- revocation -----------------------------------------------------------------------------


async def test_a_revoked_token_stops_working(client: httpx.AsyncClient, alice: ApiUser) -> None:
    app = await register(client)
    other = await register(client)
    issued = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice",
            "password": alice.password,
        },
    )
    token = issued.json()["access_token"]
    not_yours = await client.post(
        "/oauth/revoke",
        data={
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
            "token": token,
        },
    )
    assert not_yours.status_code == 403
    assert not_yours.json()["error"] == "unauthorized_client"
    still = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert still.status_code == 200
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    revoked = await client.post("/oauth/revoke", json={**credentials, "token": token})
    assert revoked.status_code == 200
    assert revoked.json() == {}
    after = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert after.status_code == 401
    again = await client.post("/oauth/revoke", data={**credentials, "token": token})
    assert again.status_code == 200


# --- the page in other languages ------------------------------------------------------------


async def test_the_page_in_french(client: httpx.AsyncClient) -> None:
    app = await register(client)
    page = await client.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": app["client_id"], "lang": "fr"},
    )
    assert page.status_code == 200
    html = read_form(page.text).html
    assert html["lang"] == "fr"
    assert html.get("dir") == "ltr"
    assert "Autoriser Test App" in page.text
    assert "Mot de passe" in page.text
    assert "Lire toutes les données de votre compte" in page.text
    assert "Password" not in page.text


async def test_the_page_in_arabic_runs_right_to_left(client: httpx.AsyncClient) -> None:
    app = await register(client)
    page = await client.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": app["client_id"], "lang": "ar"},
    )
    html = read_form(page.text).html
    assert html["lang"] == "ar"
    assert html["dir"] == "rtl"
    assert "كلمة المرور" in page.text
    assert "ترخيص Test App" in page.text
    # The language survives the form: a wrong password is reported in Arabic too.
    form = read_form(page.text).inputs
    form.update({"username": "nobody", "password": "wrong password"})
    answer = await client.post("/oauth/authorize", data=form)
    assert "اسم المستخدم أو كلمة المرور غير صحيحة." in answer.text


async def test_the_browser_language_is_used_without_lang(client: httpx.AsyncClient) -> None:
    app = await register(client)
    params = {"response_type": "code", "client_id": app["client_id"]}
    german = await client.get(
        "/oauth/authorize", params=params, headers={"Accept-Language": "es, de-AT;q=0.8"}
    )
    assert read_form(german.text).html["lang"] == "de"
    assert "Passwort" in german.text
    english = await client.get("/oauth/authorize", params=params, headers={"Accept-Language": "ja"})
    assert read_form(english.text).html["lang"] == "en"
    assert "Password" in english.text


async def test_the_page_runs_only_our_own_script_file_and_refuses_framing(
    client: httpx.AsyncClient,
) -> None:
    app = await register(client)
    page = await client.get(
        "/oauth/authorize", params={"response_type": "code", "client_id": app["client_id"]}
    )
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == ['<script src="/static/fedi.js" defer>']
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


# --- discovery ------------------------------------------------------------------------------


async def test_the_server_metadata_names_every_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    base = str(client.base_url).rstrip("/")
    assert body["issuer"] == base + "/"
    assert body["authorization_endpoint"] == base + "/oauth/authorize"
    assert body["token_endpoint"] == base + "/oauth/token"
    assert body["revocation_endpoint"] == base + "/oauth/revoke"
    assert body["app_registration_endpoint"] == base + "/api/v1/apps"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["response_types_supported"] == ["code"]
    assert set(body["grant_types_supported"]) == {
        "authorization_code",
        "password",
        "client_credentials",
    }
    assert "read:statuses" in body["scopes_supported"]
    assert "client_secret_post" in body["token_endpoint_auth_methods_supported"]
