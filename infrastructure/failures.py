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

SURROUNDINGS: tuple[type[BaseException], ...] = (
    # Connections, locks, cancelled statements, a server shutting down.
    psycopg.OperationalError,
    psycopg.InterfaceError,
    # Missing tables or columns, privileges: the schema, not the event.
    psycopg.ProgrammingError,
    psycopg_pool.PoolTimeout,
    sqlite3.OperationalError,
    sqlite3.ProgrammingError,
    # File storage on disk (S3's errors: S3_SURROUNDINGS).
    OSError,
    # The job broker.
    dramatiq.errors.BrokerError,
)


#: S3's errors, minio's and those of urllib3 beneath it: both are imported only with an S3
#: store (about 0.4 s of CPU), and none of their errors can exist while they are not loaded.
S3_SURROUNDINGS = (("minio.error", "MinioException"), ("urllib3.exceptions", "HTTPError"))


def of_the_surroundings(error: BaseException) -> bool:
    if isinstance(error, SURROUNDINGS):
        return True
    for module_name, name in S3_SURROUNDINGS:
        module = sys.modules.get(module_name)
        if module is not None and isinstance(error, getattr(module, name)):
            return True
    return False
