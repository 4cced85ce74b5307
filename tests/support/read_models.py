"""Helpers for read-model tests: many events quickly, runner processes, waiting for positions."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from uuid import UUID, uuid4

import psycopg

from application.docintake import DocIntake
from domain.customer import Customer
from domain.values import CustomerStatus
from tests.support.cli import DOCINTAKE


def populate(app: DocIntake, customers: int, chunk: int = 100) -> UUID:
    """`customers` customers of one organisation, three events each (created, note, status),
    saved many aggregates at a time. Returns the organisation id."""
    organization_id, actor_id = uuid4(), uuid4()
    for start in range(0, customers, chunk):
        batch = []
        for number in range(start, min(start + chunk, customers)):
            customer = Customer.create(
                organization_id, f"Kunde {number:05d}", f"k{number}@example.com", None, actor_id
            )
            customer.add_note(f"Notiz {number}", actor_id)
            customer.set_status(CustomerStatus.COMPLETE, actor_id)
            batch.append(customer)
        app.save(*batch)
    return organization_id


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not in {timeout} s: {what or condition}")


def tracked_position(database_url: str, name: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT position FROM projection_tracking WHERE projection = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def mid_batch(database_url: str, table: str) -> bool:
    """A follower has written rows of `table` and not committed yet (its batch pause)."""
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'idle in transaction' AND query ILIKE %s",
            (f"INSERT INTO {table} %",),
        ).fetchone()
    return bool(row and row[0])


class Runner:
    """`docintake projections run` in a process of its own, its log in a file."""

    def __init__(self, env: dict[str, str], log: Path, *names: str) -> None:
        self.log_path = log
        self._log: IO[str] = log.open("w")
        self.process = subprocess.Popen(
            [DOCINTAKE, "projections", "run", *names],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.terminate()
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._log.close()


@contextmanager
def runners(env: dict[str, str], folder: Path) -> Iterator[Callable[..., Runner]]:
    """Start runners with `start(*names)`; every one still alive is killed at the end."""
    started: list[Runner] = []

    def start(
        *names: str, label: str = "runner", overrides: dict[str, str] | None = None
    ) -> Runner:
        runner = Runner(
            {**env, **(overrides or {})}, folder / f"{label}-{len(started)}.log", *names
        )
        started.append(runner)
        return runner

    try:
        yield start
    finally:
        for runner in started:
            runner.close()
