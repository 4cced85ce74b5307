"""Which errors pass by themselves: those of a projection's surroundings, not of an event.

A database that is restarting, storage or a broker that cannot be reached, a
table being swapped by a rebuild, a lock held too long: trying again later
helps, and the event is not to blame. Everything else that fails while applying
one event alone is the event's own (a value the read model cannot hold, a
constraint it breaks, a projection's code that cannot handle it): the event is
recorded as poison and passed over (see `projections.poison`).
"""

from __future__ import annotations

import sqlite3
import sys

import dramatiq.errors
import psycopg
import psycopg_pool
import urllib3.exceptions

SURROUNDINGS: tuple[type[BaseException], ...] = (
    # Connections, locks, cancelled statements, a server shutting down.
    psycopg.OperationalError,
    psycopg.InterfaceError,
    # Missing tables or columns, privileges: the schema, not the event.
    psycopg.ProgrammingError,
    psycopg_pool.PoolTimeout,
    sqlite3.OperationalError,
    sqlite3.ProgrammingError,
    # File storage on disk or in S3.
    OSError,
    urllib3.exceptions.HTTPError,
    # The job broker.
    dramatiq.errors.BrokerError,
)


def of_the_surroundings(error: BaseException) -> bool:
    if isinstance(error, SURROUNDINGS):
        return True
    # S3's errors (minio's, imported only with an S3 store: about 0.3 s of CPU): none can
    # have been raised while the module is not loaded.
    minio_errors = sys.modules.get("minio.error")
    return minio_errors is not None and isinstance(error, minio_errors.MinioException)
