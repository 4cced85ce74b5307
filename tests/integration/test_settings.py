"""Broken settings stop the process at start with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infrastructure.settings import Settings, SettingsError
from tests.support.cli import docintake_in_process

DOCINTAKE = str(Path(sys.executable).with_name("docintake"))


def broken(variable: str, value: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTAKE_")}
    env.update({variable: value, "DOCINTAKE_DATA_DIR": str(data_dir)})
    return env


def assert_refused_with_one_line(result: subprocess.CompletedProcess[str], variable: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DOCINTAKE_PORT", "eighty"),
        ("DOCINTAKE_PORT", "70000"),
        ("DOCINTAKE_DATABASE_URL", "mysql://localhost/x"),
        ("DOCINTAKE_RUN_PROJECTIONS", "perhaps"),
        ("DOCINTAKE_READ_WAIT_SECONDS", "-1"),
        ("DOCINTAKE_BROKER_URL", "kafka://x"),
        ("DOCINTAKE_PUBLIC_URL", "docs.example.com"),
    ],
)
def test_a_broken_setting_is_refused_with_one_line(
    variable: str, value: str, tmp_path: Path
) -> None:
    """Through the command line's entry function, in this process: every command reads its
    settings the same way (`serve` itself, as a process, below)."""
    result = docintake_in_process(broken(variable, value, tmp_path), "jobs", "status")
    assert_refused_with_one_line(result, variable)


def test_serve_refuses_a_broken_setting_with_one_line(tmp_path: Path) -> None:
    """The installed command, as a process: exit status 2 and one line on stderr, nothing
    else (no traceback, no log, no warning)."""
    variable = "DOCINTAKE_DATABSE_URL"  # misspelt: unknown variables are refused too
    env = broken(variable, "postgresql://localhost/x", tmp_path)
    result = subprocess.run(
        [DOCINTAKE, "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert_refused_with_one_line(result, variable)


def test_s3_storage_needs_endpoint_and_keys() -> None:
    with pytest.raises(SettingsError, match="DOCINTAKE_S3_ENDPOINT"):
        Settings.from_environ({"DOCINTAKE_STORAGE_URL": "s3://bucket"})


def test_defaults_are_the_embedded_mode() -> None:
    settings = Settings.from_environ({})
    assert settings.database_url is None
    assert settings.storage_url is None
    assert settings.broker_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.base_url == "http://127.0.0.1:8000"
