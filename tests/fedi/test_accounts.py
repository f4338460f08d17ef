"""Creating local accounts: names, passwords, keys."""

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from fedi.app import Node
from fedi.db import actors as actors_db
from fedi.domain.accounts import InvalidUsername, UsernameTaken, create_user
from fedi.domain.passwords import verify_password
from fedi.errors import InvalidInput

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_create_user_generates_password_and_key(node: Node) -> None:
    new = await create_user(node.pool, node.urls, node.settings.domain, "alice")
    assert new.generated_password and len(new.password) >= 20
    assert new.actor.uri == "https://fedi.test/users/alice"
    assert new.actor.key_id == "https://fedi.test/users/alice#main-key"
    key = load_pem_public_key(new.actor.public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    async with node.pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT password_hash FROM users WHERE actor_id = $1", new.actor.id
        )
    assert new.password not in stored
    assert verify_password(new.password, stored)
    assert not verify_password("wrong password", stored)


async def test_given_password_is_used(node: Node) -> None:
    new = await create_user(
        node.pool, node.urls, node.settings.domain, "bob", password="correct horse"
    )
    assert not new.generated_password
    async with node.pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT password_hash FROM users WHERE actor_id = $1", new.actor.id
        )
    assert verify_password("correct horse", stored)


async def _count(pool: Any) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM actors"))


async def test_duplicate_name_is_refused_case_insensitively(node: Node) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "carol")
    before = await _count(node.pool)
    with pytest.raises(UsernameTaken, match="already taken"):
        await create_user(node.pool, node.urls, node.settings.domain, "Carol")
    assert await _count(node.pool) == before


@pytest.mark.parametrize("name", ["", "with space", "x" * 31, "émile", "a/b"])
async def test_bad_names_are_refused(node: Node, name: str) -> None:
    before = await _count(node.pool)
    with pytest.raises(InvalidUsername):
        await create_user(node.pool, node.urls, node.settings.domain, name)
    assert await _count(node.pool) == before


async def test_short_password_refused_and_nothing_written(node: Node) -> None:
    before = await _count(node.pool)
    with pytest.raises(InvalidInput, match="at least 8"):
        await create_user(node.pool, node.urls, node.settings.domain, "dave", password="short")
    assert await _count(node.pool) == before


async def test_instance_actor_exists_once(node: Node) -> None:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch("SELECT uri FROM actors WHERE actor_type = 'Application'")
        found = await actors_db.by_uri(conn, "https://fedi.test/actor")
    assert [r["uri"] for r in rows] == ["https://fedi.test/actor"]
    assert found is not None and found.username == "fedi.test"
