"""The scanning tests' clamd fixtures."""

from tests.support.clamd import clamd_server, own_clamd  # noqa: F401 - fixtures
