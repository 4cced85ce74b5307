"""Scratch PostgreSQL databases for a benchmark run: created fresh, dropped at the end."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# The server's 100 connections are shared with everyone's tests on this machine:
# a moment with none free is no reason to lose a ten-minute run.
CONNECT_PATIENCE = 60.0


def url_for(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def admin_connection() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An autocommit connection to the maintenance database, waiting for a free slot."""
    deadline = time.monotonic() + CONNECT_PATIENCE
    pause = 0.5
    while True:
        try:
            connection = psycopg.connect(ADMIN_URL, autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
    with connection:
        yield connection


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A new, empty database named `bench_<label>_<random>`; yields its URL, drops it after."""
    name = f"bench_{label}_{uuid.uuid4().hex[:10]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_for(name)
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version() -> str:
    with admin_connection() as admin:
        row = admin.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def free_connections() -> int:
    """Connections PostgreSQL would still accept (other people's tests use the same server)."""
    with admin_connection() as admin:
        row = admin.execute(
            "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
        ).fetchone()
    return int(str(row[0])) if row else 0
