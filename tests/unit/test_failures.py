"""Which errors pass as the surroundings' (retried later) rather than an event's (poison)."""

from __future__ import annotations

import sqlite3

import minio.error
import urllib3.exceptions

from infrastructure.failures import of_the_surroundings


def test_storage_database_and_s3_errors_are_the_surroundings() -> None:
    # minio and urllib3 are checked only once loaded (an S3 store imports them): here they are.
    assert of_the_surroundings(minio.error.MinioException("S3 unreachable"))
    assert of_the_surroundings(urllib3.exceptions.ProtocolError("connection reset"))
    assert of_the_surroundings(sqlite3.OperationalError("database is locked"))
    assert of_the_surroundings(OSError("disk full"))


def test_an_events_own_errors_are_not() -> None:
    assert not of_the_surroundings(ValueError("a value the read model cannot hold"))
    assert not of_the_surroundings(KeyError("customer"))
