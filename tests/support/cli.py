"""Running the `docintake` command against a test's backend, as an operator would."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from infrastructure.master_key import MasterKey
from infrastructure.settings import PREFIX, Settings

DOCINTAKE = str(Path(sys.executable).with_name("docintake"))


def environment(settings: Settings, **overrides: object) -> dict[str, str]:
    """The process environment that gives `docintake` these settings (and nothing else)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    values = {**settings.__dict__, **overrides}
    for setting in fields(Settings):
        value = values[setting.name]
        if value is None or value == setting.default:
            continue
        if isinstance(value, MasterKey):
            text = value.encoded()
        elif isinstance(value, bytes):
            text = base64.b64encode(value).decode()
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"{PREFIX}{setting.name.upper()}"] = text
    return env


def docintake(
    env: dict[str, str], *arguments: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCINTAKE, *arguments], env=env, capture_output=True, text=True, timeout=timeout
    )
