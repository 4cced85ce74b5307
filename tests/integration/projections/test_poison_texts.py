"""A database error that quotes a customer's data ("Key (name)=(…) already exists") is kept
as a poison record and logged without the quote: class, SQLSTATE and place only."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest

from infrastructure.database import PostgresDatabase
from infrastructure.json_logs import JsonFormatter
from projections.poison import create_poison_table, poison_events, record_poison
from tests.support.databases import fresh_postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]
NAME = "Zoë Müller-Strauß"


@pytest.fixture
def database() -> Iterator[PostgresDatabase]:
    with fresh_postgres_database() as url:
        database = PostgresDatabase(url, min_size=1, max_size=2)
        try:
            yield database
        finally:
            database.close()


def a_quoting_error(database: PostgresDatabase) -> Exception:
    with database.transaction() as tx:
        tx.execute("CREATE TABLE kunden (name TEXT PRIMARY KEY)")
        tx.execute("INSERT INTO kunden VALUES (%s)", (NAME,))
    try:
        with database.transaction() as tx:
            try:
                tx.execute("INSERT INTO kunden VALUES (%s)", (NAME,))
            except Exception as error:
                # The way a projection meets it: wrapped while handling the first.
                raise RuntimeError(f"cannot apply the event for {NAME}") from error
    except RuntimeError as error:
        return error
    raise AssertionError("the insert did not fail")


def test_a_poison_record_and_its_log_line_quote_nothing(database: PostgresDatabase) -> None:
    error = a_quoting_error(database)
    assert NAME in str(error.__cause__)  # what PostgreSQL said quotes the row

    with database.transaction() as tx:
        create_poison_table(tx)
        record_poison(tx, "customer_list", 7, "domain.customer:Customer.NoteAdded", error)
        cause = error.__cause__
        assert cause is not None
        record_poison(tx, "customer_detail", 7, "domain.customer:Customer.NoteAdded", cause)
    with database.reading() as tx:
        kept = {p.projection: p.error for p in poison_events(tx)}
    assert kept["customer_list"].startswith("RuntimeError at test_poison_texts.py:")
    assert kept["customer_detail"].startswith("UniqueViolation (23505) at ")
    assert all(NAME not in text and "Müller" not in text for text in kept.values())

    # The log line with the traceback, as the process writes it.
    record = logging.LogRecord(
        "projections.host", logging.ERROR, __file__, 1, "customer_list failed", (), None
    )
    record.exc_info = (type(error), error, error.__traceback__)
    line = JsonFormatter().format(record)
    assert "UniqueViolation (23505)" in line and "RuntimeError" in line
    assert "a_quoting_error" in line  # the frames are there
    assert "Müller" not in line and "M\\u00fcller" not in line
    assert sys.exc_info() == (None, None, None)
