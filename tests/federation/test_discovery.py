"""Real nodes as separate processes: start-up, first admin, and discovery across nodes."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.federation.nodes import NodeProcess

AS_JSON = {"Accept": "application/activity+json"}


def postgres_running(data_dir: Path) -> bool:
    """Whether a PostgreSQL server still runs on the node's embedded data folder."""
    found = subprocess.run(
        ["pgrep", "-f", "--", f"-D {data_dir / 'postgres'}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.returncode == 0


@pytest.fixture
def first(tmp_path: Path) -> Iterator[NodeProcess]:
    node = NodeProcess("First Node", tmp_path / "first", extra_env={"FEDI_AUTHORIZED_FETCH": "1"})
    yield node
    node.stop()


@pytest.fixture
def second(tmp_path: Path) -> Iterator[NodeProcess]:
    node = NodeProcess("Second Node", tmp_path / "second")
    yield node
    node.stop()


def test_embedded_node_creates_first_admin_once_and_stops_its_database(
    first: NodeProcess,
) -> None:
    first.start("--create-admin-if-empty")
    log = first.log_path.read_text()
    assert f"Created the first admin account: @admin@{first.domain}" in log
    assert log.count("Password (shown once): ") == 1
    info = httpx.get(f"{first.base_url}/nodeinfo/2.1").json()
    assert info["usage"]["users"]["total"] == 1
    assert info["metadata"]["nodeName"] == "First Node"
    assert postgres_running(first.data_dir)

    assert first.stop() == 0
    assert not postgres_running(first.data_dir)

    first.start("--create-admin-if-empty")
    assert first.log_path.read_text().count("Password (shown once): ") == 1
    assert httpx.get(f"{first.base_url}/nodeinfo/2.1").json()["usage"]["users"]["total"] == 1


def test_second_node_resolves_first_by_acct(first: NodeProcess, second: NodeProcess) -> None:
    first.start()
    created = first.cli("user", "create", "alice")
    assert created.returncode == 0, created.stderr
    assert f"created user @alice@{first.domain}" in created.stdout
    assert "password: " in created.stdout
    second.start()

    # The first node is in authorized-fetch mode: anonymous reads of actors are refused...
    assert httpx.get(f"{first.base_url}/users/alice", headers=AS_JSON).status_code == 401
    finger = httpx.get(
        f"{first.base_url}/.well-known/webfinger", params={"resource": f"acct:alice@{first.domain}"}
    )
    assert finger.status_code == 200

    # ...so the second node's fetch must be signed by its instance actor, which the first
    # node fetches back from the second over real HTTP to check the signature.
    resolved = second.cli("resolve", f"alice@{first.domain}")
    assert resolved.returncode == 0, resolved.stderr + second.log_path.read_text()
    assert f"id: {first.base_url}/users/alice" in resolved.stdout
    assert f"inbox: {first.base_url}/users/alice/inbox" in resolved.stdout
    assert f"key: {first.base_url}/users/alice#main-key" in resolved.stdout


def test_cli_errors_name_the_problem(first: NodeProcess) -> None:
    bad = first.cli("user", "create", "bad name")
    assert bad.returncode == 1
    assert "must be 1 to 30 letters" in bad.stderr


def test_malformed_setting_stops_start_up_with_one_line(first: NodeProcess) -> None:
    first.extra_env["FEDI_SCHEME"] = "ftp"
    result = first.cli("migrate")
    assert result.returncode == 2
    assert result.stderr.strip() == "fedi: error: FEDI_SCHEME: must be 'https' or 'http', got 'ftp'"


def test_help_lists_every_command(first: NodeProcess) -> None:
    result = first.cli("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "user", "resolve"):
        assert command in result.stdout
    serve = first.cli("serve", "--help")
    for option in ("--host", "--port", "--ssl-certfile", "--ssl-keyfile"):
        assert option in serve.stdout
