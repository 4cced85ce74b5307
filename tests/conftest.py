"""Shared fixtures: each backend for real.

`sqlite`: event store and read models in SQLite files, files on local disk (the
embedded default). `postgres`: a PostgreSQL database and files in a bucket of an
S3 server on loopback (SeaweedFS, which checks signatures).

Most API tests share one running server per backend and test worker (`services`,
`base_url`, `http`, `account`): every test signs up organisations of its own, so
tenancy keeps them apart, and starting a server per test would cost more than the
tests. Tests about the process itself (restarts, crashes, lagging read models) build
their own with `make_services` on fresh `settings`.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher, profiles

from application import passwords
from application.attempt_limiter import AttemptLimiter
from application.virus_scanning import VirusScanMode
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.master_key import MasterKey
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.databases import fresh_postgres_database
from tests.support.s3 import (  # noqa: F401 - fixtures
    S3Server,
    nanio_server,
    seaweedfs_server,
)
from tests.support.server import free_port, running_server
from tests.support.webhooks import keep_webhooks_on_loopback

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

# argon2 at its production cost (64 MiB, 3 passes) takes about half a second here and
# every test signs up owners: in this process, hash at the cheapest cost instead. The
# hashes stay real argon2 hashes; servers started as subprocesses keep the real cost.
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
# Logins for unknown addresses verify against a dummy hash at the hasher's cost: cheap too.
passwords._dummy_hash = passwords._hasher.hash("docintake-dummy-password")

# httpx builds a TLS context for every client it makes, loading the CA bundle (some 45 ms
# of CPU), though the tests speak plain HTTP to 127.0.0.1 and make a client per test (and
# `httpx.get` one per call): in this process every client shares one context instead,
# which still verifies certificates (the system's CAs), should a test ever speak TLS.
_SHARED_TLS = ssl.create_default_context()
_client_init = httpx.Client.__init__


def _client_with_shared_tls(self: httpx.Client, *args: object, **kwargs: object) -> None:
    kwargs.setdefault("verify", _SHARED_TLS)
    _client_init(self, *args, **kwargs)  # type: ignore[arg-type]


httpx.Client.__init__ = _client_with_shared_tls  # type: ignore[method-assign]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def backend_settings(backend: str, data_dir: Path, s3: S3Server | None) -> Iterator[Settings]:
    """Settings on a fresh database and bucket (PostgreSQL), or a fresh folder (SQLite)."""
    if backend == "sqlite":
        yield Settings(data_dir=data_dir)
        return
    assert s3 is not None
    bucket = s3.new_bucket_name()
    with fresh_postgres_database() as url:
        yield Settings(
            data_dir=data_dir,
            database_url=url,
            master_key=MasterKey.generate(),
            storage_url=f"s3://{bucket}",
            s3_endpoint=s3.endpoint,
            s3_access_key=s3.access_key,
            s3_secret_key=s3.secret_key,
            s3_secure=False,
            s3_region=s3.region,
            # Scanning is required by default with a database; the tests of scanning
            # (tests/integration/scanning) turn it on with a clamd of their own.
            virus_scan=VirusScanMode.OFF,
        )
    s3.drop_bucket(bucket)


def _s3_for(backend: str, request: pytest.FixtureRequest) -> S3Server | None:
    if backend == "sqlite":
        return None
    server: S3Server = request.getfixturevalue("seaweedfs_server")
    return server


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Fresh settings of the test's own (a new database, bucket or folder)."""
    with backend_settings(backend, tmp_path / "data", _s3_for(backend, request)) as fresh:
        yield fresh


@pytest.fixture
def make_services(settings: Settings) -> Iterator[Callable[..., Services]]:
    """Build services on the test's own settings (started by the caller, closed at the end)."""
    built: list[Services] = []

    def make(**overrides: object) -> Services:
        configured = Settings(**{**settings.__dict__, **overrides})
        services = bootstrap(configured)
        keep_webhooks_on_loopback(services)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture(scope="session")
def shared_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Services, str]]:
    data_dir = tmp_path_factory.mktemp(f"shared-{backend}")
    with backend_settings(backend, data_dir, _s3_for(backend, request)) as shared:
        services = bootstrap(Settings(**{**shared.__dict__, "port": free_port()}))
        keep_webhooks_on_loopback(services)
        with running_server(services) as url:
            yield services, url


@pytest.fixture
def services(shared_server: tuple[Services, str]) -> Services:
    """The services behind `base_url`; per-test counters (rate limits) start fresh."""
    shared, _ = shared_server
    settings = shared.settings
    window = settings.login_window_seconds
    shared.app.links.password_attempts = AttemptLimiter(limit=5, window=15 * 60)
    shared.app.accounts.login_failures_by_account = AttemptLimiter(
        settings.login_failures_per_account, window
    )
    shared.app.accounts.login_failures_by_address = AttemptLimiter(
        settings.login_failures_per_address, window
    )
    return shared


@pytest.fixture
def base_url(services: Services, shared_server: tuple[Services, str]) -> str:
    return shared_server[1]


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
