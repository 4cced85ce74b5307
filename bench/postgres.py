"""Scratch PostgreSQL databases for a benchmark run: created fresh, dropped at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_for(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A new, empty database named `bench_<label>_<random>`; yields its URL, drops it after."""
    name = f"bench_{label}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_for(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version() -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        row = admin.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def free_connections() -> int:
    """Connections PostgreSQL would still accept (other people's tests use the same server)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        row = admin.execute(
            "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
        ).fetchone()
    return int(row[0]) if row else 0
