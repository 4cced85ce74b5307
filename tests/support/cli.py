"""Running the `docintake` command against a test's backend, as an operator would.

`docintake(env, ...)` starts the console script as a process of its own (about a second of
CPU for the imports alone); `docintake_in_process(env, ...)` runs the same entry function,
`interfaces.cli.main`, in the test's process and answers alike. Tests about what a command
does use the latter; a few per command family keep the former, so that the installed
script, its exit status and its output stay proven.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import fields
from pathlib import Path

from infrastructure.json_logs import QUIET_LIBRARIES
from infrastructure.master_key import MasterKey
from infrastructure.settings import PREFIX, Settings
from interfaces.cli import main

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


def docintake_in_process(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """`docintake ARGS` with the settings `env` holds, run here: its exit status, stdout and
    stderr as the process would give them. Logging starts as in a fresh process (no
    handlers: warnings reach stderr) and is put back afterwards. Not for the commands that
    run until stopped (serve, worker, projections run)."""
    long_running = arguments[:1] in (("serve",), ("worker",)) or arguments[:2] == (
        "projections",
        "run",
    )
    assert not long_running, f"docintake {' '.join(arguments)} runs until stopped: use docintake()"
    stdout, stderr = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    quiet_levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    for handler in saved_handlers:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            try:
                code: int | str | None = main(list(arguments), environ=env)
            except SystemExit as exit:
                code = exit.code
            if isinstance(code, str):  # as the interpreter does with SystemExit("text")
                print(code, file=sys.stderr)
                code = 1
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in quiet_levels.items():
            logging.getLogger(name).setLevel(level)
    returncode = code or 0
    return subprocess.CompletedProcess(
        [DOCINTAKE, *arguments], returncode, stdout.getvalue(), stderr.getvalue()
    )
