"""Following across servers: a visitor's own server found by WebFinger, our members sent here."""

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from fedi.app import Node
from fedi.config import Settings
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.web.security import CSP_FORMS_MAY_LEAVE
from tests.conftest import make_settings
from tests.federation.nodes import free_port
from tests.support.groups import make_group
from tests.support.remote import RemoteServer, new_keys, running
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEYS = new_keys()
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
ALICE_URI = "https://fedi.test/users/alice"


@pytest.fixture
def settings() -> Settings:
    # The visitors' servers are stand-ins on loopback.
    return make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        server.add_actor("maria", KEYS.public_pem)
        finger = server.documents[f"/.well-known/webfinger?resource=acct:maria@{server.domain}"]
        finger["links"].append(
            {"rel": SUBSCRIBE, "template": f"{server.base_url}/authorize_interaction?uri={{uri}}"}
        )
        # A server that knows its accounts but offers no way to follow from elsewhere.
        server.add_actor("plain", KEYS.public_pem)
        yield server


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


async def person(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def test_the_form_may_send_the_browser_to_another_server(
    node: Node, make_browser: MakeBrowser
) -> None:
    await person(node, "alice")
    visitor = await make_browser()
    response = await visitor.http.get("/remote_follow", params={"uri": ALICE_URI})
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP_FORMS_MAY_LEAVE
    assert "form-action" not in response.headers["content-security-policy"]
    assert "@alice@fedi.test" in response.text
    assert 'for="remote-handle"' in response.text


async def test_a_visitors_handle_leads_to_the_follow_page_of_their_server(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    await person(node, "alice")
    visitor = await make_browser()
    answer = await visitor.submit(
        "/remote_follow",
        {"uri": ALICE_URI, "handle": f"@maria@{remote.domain}"},
        token_from=f"/remote_follow?uri={quote(ALICE_URI)}",
    )
    assert answer.status_code == 303
    expected = f"{remote.base_url}/authorize_interaction?uri={quote(ALICE_URI, safe='')}"
    assert answer.headers["location"] == expected


async def test_a_public_group_is_followed_the_same_way(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    owner = await person(node, "owner")
    group, _ = await make_group(node, owner, "lawyers", visibility="public")
    visitor = await make_browser()
    page = f"/remote_follow?uri={quote(group.uri)}"
    await visitor.page(page)
    answer = await visitor.submit(
        "/remote_follow", {"uri": group.uri, "handle": f"maria@{remote.domain}"}, token_from=page
    )
    assert answer.headers["location"].endswith(quote(group.uri, safe=""))


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("maria", "Type your address as name@your.server"),
        ("not a handle@", "Type your address as name@your.server"),
        ("ma ria@example.org", "Type your address as name@your.server"),
        ("plain@{remote}", "does not offer following from another site"),
        ("nobody@{remote}", "could not be reached, or it does not know this address"),
        ("maria@127.0.0.1:{closed}", "could not be reached, or it does not know this address"),
    ],
)
async def test_a_handle_that_leads_nowhere_shows_the_form_again(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer, handle: str, message: str
) -> None:
    await person(node, "alice")
    visitor = await make_browser()
    typed = handle.format(remote=remote.domain, closed=free_port())
    answer = await visitor.submit(
        "/remote_follow",
        {"uri": ALICE_URI, "handle": typed},
        token_from=f"/remote_follow?uri={quote(ALICE_URI)}",
    )
    assert answer.status_code == 400
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert answer.headers["content-security-policy"] == CSP_FORMS_MAY_LEAVE
    # What was typed is shown back as text.
    assert f'value="{typed}"' in answer.text


async def test_a_bad_handle_asks_no_server(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    await person(node, "alice")
    visitor = await make_browser()
    before = len(remote.requests)
    answer = await visitor.submit(
        "/remote_follow",
        {"uri": ALICE_URI, "handle": "<script>alert(1)</script>"},
        token_from=f"/remote_follow?uri={quote(ALICE_URI)}",
    )
    assert answer.status_code == 400
    assert "<script>alert(1)" not in answer.text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    assert len(remote.requests) == before


async def test_only_our_accounts_that_anyone_may_know_are_offered(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    owner = await person(node, "owner")
    secret, _ = await make_group(node, owner, "safehouse", visibility="confidential")
    visitor = await make_browser()
    for uri in (secret.uri, "https://fedi.test/users/nobody", f"{remote.base_url}/users/maria"):
        html = await visitor.page(f"/remote_follow?uri={quote(uri)}", status=404)
        assert "No account with this address could be found." in html
    # A confidential group answers exactly as a group that does not exist.
    hidden = await visitor.page(f"/remote_follow?uri={quote(secret.uri)}", status=404)
    unknown = secret.uri.replace("safehouse", "elsewhere")
    missing = await visitor.page(f"/remote_follow?uri={quote(unknown)}", status=404)
    assert without_tokens(hidden).replace("safehouse", "elsewhere") == without_tokens(missing)


async def test_the_form_needs_its_token(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    await person(node, "alice")
    visitor = await make_browser()
    before = len(remote.requests)
    answer = await visitor.http.post(
        "/remote_follow", data={"uri": ALICE_URI, "handle": f"maria@{remote.domain}"}
    )
    assert answer.status_code == 403
    assert len(remote.requests) == before


async def test_one_of_our_own_members_is_sent_to_the_profile(
    node: Node, make_browser: MakeBrowser
) -> None:
    await person(node, "alice")
    visitor = await make_browser()
    answer = await visitor.submit(
        "/remote_follow",
        {"uri": ALICE_URI, "handle": "reader@fedi.test"},
        token_from=f"/remote_follow?uri={quote(ALICE_URI)}",
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/@alice"


async def test_our_webfinger_names_our_follow_page(node: Node, client: httpx.AsyncClient) -> None:
    await person(node, "alice")
    jrd = (await client.get("/.well-known/webfinger?resource=acct:alice@fedi.test")).json()
    assert {
        "rel": SUBSCRIBE,
        "template": "https://fedi.test/authorize_interaction?uri={uri}",
    } in jrd["links"]


async def test_a_member_sent_here_from_elsewhere_follows_there(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    maria_uri = f"{remote.base_url}/users/maria"
    path = f"/authorize_interaction?uri={quote(maria_uri)}"
    visitor = await make_browser()
    sent = await visitor.http.get(path)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/auth/sign_in")
    reader = await make_browser("reader")
    html = await reader.page(path)
    assert f"@maria@{remote.domain}" in html
    assert f'action="/@maria@{remote.domain}/follow"' in html
    done = await reader.submit(f"/@maria@{remote.domain}/follow", token_from=path)
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/@maria@{remote.domain}?notice=")
    # A handle works as well as a URI; one of ours is shown on its own page.
    await person(node, "alice")
    local = await reader.http.get("/authorize_interaction?uri=acct:alice@fedi.test")
    assert local.status_code == 303 and local.headers["location"] == "/@alice"
    await reader.page("/authorize_interaction?uri=https://nowhere.invalid/x", status=404)
