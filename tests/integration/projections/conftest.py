"""Fixtures of the read-model tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings


@pytest.fixture
def lean_services(settings: Settings) -> Iterator[Callable[..., Services]]:
    """Like `make_services`, but with few event-store connections: the database server's
    connection limit is shared by every test worker, and these tests start processes too."""
    built: list[Services] = []

    def make(**overrides: object) -> Services:
        services = bootstrap(Settings(**{**settings.__dict__, **overrides}), pool_size=3)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()
