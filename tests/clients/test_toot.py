"""The `toot` command line client against a real node: log in, post, read the timeline."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.conftest import PASSWORD, account
from tests.federation.cluster import Member

pytestmark = pytest.mark.asyncio(loop_scope="session")


def toot(config_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "toot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


async def test_toot_logs_in_posts_and_reads_the_timeline(
    nodes: list[Member], tmp_path: Path
) -> None:
    home, _ = nodes
    await account(home, "toot_erin")
    base = home.process.base_url

    login = await asyncio.to_thread(
        toot, tmp_path, "login_cli", "-i", base, "-e", "toot_erin", "-p", PASSWORD
    )
    assert login.returncode == 0, login.stdout + login.stderr
    assert "Successfully logged in" in login.stdout

    posted = await asyncio.to_thread(toot, tmp_path, "post", "written with toot")
    assert posted.returncode == 0, posted.stdout + posted.stderr
    assert "Toot posted" in posted.stdout

    timeline = await asyncio.to_thread(toot, tmp_path, "timeline", "--once")
    assert timeline.returncode == 0, timeline.stdout + timeline.stderr
    assert "written with toot" in timeline.stdout
    assert "toot_erin" in timeline.stdout

    whoami = await asyncio.to_thread(toot, tmp_path, "whoami")
    assert whoami.returncode == 0, whoami.stdout + whoami.stderr
    assert "toot_erin" in whoami.stdout
