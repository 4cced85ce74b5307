"""Broken settings stop the process at start with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infrastructure.settings import Settings, SettingsError

DOCINTAKE = str(Path(sys.executable).with_name("docintake"))


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
        ("DOCINTAKE_DATABSE_URL", "postgresql://localhost/x"),
    ],
)
def test_serve_refuses_a_broken_setting_with_one_line(
    variable: str, value: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTAKE_")}
    env.update({variable: value, "DOCINTAKE_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [DOCINTAKE, "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]


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
