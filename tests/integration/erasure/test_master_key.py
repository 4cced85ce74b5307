"""Where the master key comes from: production refuses to start without one, embedded mode
makes one (readable by its owner only) and says so once."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import httpx
import pytest

from infrastructure.master_key import MasterKey
from infrastructure.settings import PREFIX
from tests.support.cli import docintake, docintake_in_process
from tests.support.jobs import DocintakeProcess
from tests.support.server import free_port

pytestmark = pytest.mark.timeout(120)
ANNOUNCEMENT = "generated a new master key"


def bare_environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    env.update({f"{PREFIX}{name.upper()}": value for name, value in settings.items()})
    return env


def test_a_database_without_a_master_key_stops_the_server_with_one_line(tmp_path: Path) -> None:
    env = bare_environment(
        data_dir=str(tmp_path), database_url="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    # `serve` and `worker` as the installed command's processes; `audit verify` through the
    # same entry function in this process (it stops at the same settings check).
    for command in (["serve"], ["worker"], ["audit", "verify"]):
        run = docintake_in_process if command[0] == "audit" else docintake
        result = run(env, *command)
        assert result.returncode == 2, (command, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("docintake: DOCINTAKE_MASTER_KEY:"), line
        assert "DOCINTAKE_DATABASE_URL" in line
        # Nothing generated in its place: a key made on one server leaves the others blind.
        assert not (tmp_path / "master.key").exists()


def serve_until_healthy(env: dict[str, str], log: Path) -> str:
    """Start `docintake serve`, wait until it answers, stop it; its log."""
    port = free_port()
    process = DocintakeProcess({**env, f"{PREFIX}PORT": str(port)}, log, "serve")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.process.poll() is None, process.log
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, process.log
            time.sleep(0.1)
        process.terminate()
        return process.log
    finally:
        process.close()


def test_embedded_mode_makes_a_private_master_key_once_and_says_so_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = bare_environment(data_dir=str(data_dir))
    first = serve_until_healthy(env, tmp_path / "first.log")
    key_file = data_dir / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = MasterKey.parse(key_file.read_text())
    [announcement] = [line for line in first.splitlines() if ANNOUNCEMENT in line]
    assert str(key_file) in announcement
    assert key.encoded() not in first  # the key itself is never logged

    # The next start uses the same key and says nothing about it.
    second = serve_until_healthy(env, tmp_path / "second.log")
    assert ANNOUNCEMENT not in second
    assert MasterKey.parse(key_file.read_text()) == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # No half-written key file is left beside it.
    assert sorted(p.name for p in data_dir.glob("*master*")) == ["master.key"]
