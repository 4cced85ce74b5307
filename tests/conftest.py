"""Shared fixtures: each backend for real (SQLite files, a fresh PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.databases import fresh_postgres_database
from tests.support.server import running_server

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    if backend == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    with fresh_postgres_database() as url:
        yield Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def make_services(settings: Settings) -> Iterator[Callable[..., Services]]:
    """Build services on the test's backend (started by the caller, closed at the end)."""
    built: list[Services] = []

    def make(**overrides: object) -> Services:
        configured = Settings(**{**settings.__dict__, **overrides})
        services = bootstrap(configured)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture
def base_url(make_services: Callable[..., Services]) -> Iterator[str]:
    with running_server(make_services()) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
def account(http: httpx.Client) -> Account:
    return signup(http, plan="team")


@pytest.fixture
def other_account(http: httpx.Client) -> Account:
    return signup(http, plan="team", name="Andere Kanzlei")
