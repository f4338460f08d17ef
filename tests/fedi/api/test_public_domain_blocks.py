"""GET /api/v1/instance/domain_blocks: hidden until an admin shows it; obfuscated as Mastodon."""

import hashlib
from typing import Any

import httpx
import pytest

from fedi.domain import domain_lists, policy
from tests.fedi.api.conftest import ApiUser

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/api/v1/instance/domain_blocks"
# docs.joinmastodon.org/entities/DomainBlock
DOMAIN_BLOCK = {"domain", "digest", "severity", "comment"}


async def _blocks(pool: Any) -> None:
    async with pool.acquire() as conn:
        await policy.block_domain(
            conn, "evil.example", severity="suspend", public_comment="raids", private_comment="s"
        )
        await policy.block_domain(conn, "loud.example", severity="silence", obfuscate=True)
        await policy.block_domain(conn, "media.example", severity="noop", reject_media=True)


async def test_hidden_by_default_is_404(client: httpx.AsyncClient, pool: Any) -> None:
    await _blocks(pool)
    response = await client.get(URL)
    assert response.status_code == 404
    assert "evil.example" not in response.text


async def test_shown_lists_silences_and_suspensions_for_anyone(
    client: httpx.AsyncClient, pool: Any
) -> None:
    await _blocks(pool)
    async with pool.acquire() as conn:
        await domain_lists.show_public_blocklist(conn, True)
    response = await client.get(URL)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=180"
    listed = response.json()
    assert all(set(entry) == DOMAIN_BLOCK for entry in listed)
    assert listed == [
        {
            # 12 characters, a quarter is 3: indices 0-3 and 9-11 stay, and every dot.
            "domain": "loud.****ple",
            "digest": hashlib.sha256(b"loud.example").hexdigest(),
            "severity": "silence",
            "comment": None,
        },
        {
            "domain": "evil.example",
            "digest": hashlib.sha256(b"evil.example").hexdigest(),
            "severity": "suspend",
            "comment": "raids",
        },
    ]
    # A noop block is not a limitation anyone else needs to see; private comments never are.
    assert "media.example" not in response.text
    assert '"s"' not in response.text


async def test_signed_in_callers_see_the_same(
    client: httpx.AsyncClient, pool: Any, alice: ApiUser
) -> None:
    await _blocks(pool)
    async with pool.acquire() as conn:
        await domain_lists.show_public_blocklist(conn, True)
    anonymous = (await client.get(URL)).json()
    assert (await client.get(URL, headers=alice.headers)).json() == anonymous


async def test_hiding_it_again_is_404(client: httpx.AsyncClient, pool: Any) -> None:
    await _blocks(pool)
    async with pool.acquire() as conn:
        await domain_lists.show_public_blocklist(conn, True)
        assert (await client.get(URL)).status_code == 200
        await domain_lists.show_public_blocklist(conn, False)
    assert (await client.get(URL)).status_code == 404


async def test_an_empty_shown_list_is_an_empty_array(client: httpx.AsyncClient, pool: Any) -> None:
    async with pool.acquire() as conn:
        await domain_lists.show_public_blocklist(conn, True)
    response = await client.get(URL)
    assert response.status_code == 200
    assert response.json() == []
