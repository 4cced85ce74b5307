"""The rebuild command's speed beside the decoded read of the notification log, same run.

`measure_rebuild(database_url, events)` runs `docintake projections rebuild`'s own
code path (`ReadModels.rebuild`: a copy beside the live tables, secondary indexes
built after the bulk, takeover in one transaction) and, right before it, reads
and decodes the same stretch of the log with the same topics and batch size and
does nothing with it. Both rates count notifications passed over per second, so
their ratio says how much of the time goes to anything but reading the log.

If the database holds fewer than `events` events, it first adds a realistic mix
(customers with details, notes, status changes, upload links, uploaded and
reviewed files), saved many aggregates at a time through the application.

Standalone: `python -m bench.rebuild --events 200000 [--read-models all]`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from application.event_log import EventLog
from bench.encryption import BENCH_MASTER_KEY
from domain.customer import Customer
from domain.received_file import ReceivedFile, ReviewState
from domain.upload_link import UploadLink
from domain.values import CustomerStatus
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings

HEADLINE = "customer_list"
# Customers per save while generating: about 11 events each.
CUSTOMERS_PER_SAVE = 200


def _customer_with_uploads(number: int, organization_id: UUID, actor_id: UUID) -> list[Any]:
    """One customer and what happens to it: about 11 events on four aggregates."""
    customer = Customer.create(
        organization_id, f"Kunde {number:07d}", f"kunde{number}@example.org", None, actor_id
    )
    customer.change_details(actor_id, company=f"Firma {number % 97}")
    customer.add_note("Unterlagen angefordert", actor_id)
    link = UploadLink(
        organization_id=organization_id,
        customer_id=customer.id,
        token=uuid4().hex,
        token_hash=uuid4().hex,
        title="Unterlagen",
        message=None,
        expires_at=datetime.now(UTC) + timedelta(days=30),
        max_file_size=100 * 1024 * 1024,
        max_files=None,
        allowed_types=[],
        password_hash=None,
        requested_items=[],
        actor_id=actor_id,
    )
    files = []
    for index in range(2):
        file_id = uuid4()
        link.receive(file_id, None, datetime.now(UTC))
        files.append(
            ReceivedFile(
                id=file_id,
                organization_id=organization_id,
                customer_id=customer.id,
                link_id=link.id,
                item_id=None,
                object_key=f"files/{file_id}",
                filename=f"Beleg {index}.pdf",
                original_filename=f"Beleg {index}.pdf",
                size=20_000 + index,
                content_type="application/pdf",
                sha256="0" * 64,
                uploader_name="Kundin",
                uploader_email=None,
                actor_id=None,
            )
        )
    customer.mark_first_upload(None)
    files[0].review(ReviewState.CHECKED, None, actor_id)
    if number % 3 == 0:
        customer.set_status(CustomerStatus.COMPLETE, actor_id)
    return [customer, link, *files]


def generate(services: Services, events: int) -> int:
    """Add events until the log holds at least `events`; returns the head."""
    app = services.app
    organization_id, actor_id = uuid4(), uuid4()
    number = 0
    while app.head() < events:
        batch: list[Any] = []
        for _ in range(CUSTOMERS_PER_SAVE):
            batch += _customer_with_uploads(number, organization_id, actor_id)
            number += 1
        app.save(*batch)
    return app.head()


def decoded_read_rate(services: Services, topics: list[str], batch_size: int) -> float:
    """Notifications passed over per second reading and decoding the log from 0 to the head,
    with the rebuild's topics and batch size."""
    log = EventLog(services.app)
    head = log.head()
    started = time.perf_counter()
    after = 0
    while after < head:
        batch = log.read(after, batch_size, head, topics)
        after = batch[-1][0] if len(batch) == batch_size else head
    return head / (time.perf_counter() - started)


def measure_rebuild(
    database_url: str, events: int, read_models: tuple[str, ...] = (HEADLINE,)
) -> dict[str, Any]:
    """Rebuild each named read model once, each right after a decoded read of its events.

    Returns `rebuild_events_per_second` and `read_events_per_second` of the headline
    read model (the customer list, or the first named) and their `ratio`, and the same
    three for every read model under `read_models`.
    """
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            master_key=BENCH_MASTER_KEY,
            database_url=database_url,
            data_dir=Path(data_dir),
            run_projections=False,
        )
        services = bootstrap(settings, pool_size=2)
        try:
            head = generate(services, events)
            services.prepare_read_models()
            models = services.read_models()
            results: dict[str, dict[str, float]] = {}
            for name in read_models:
                projection = models.projection(name)
                read = decoded_read_rate(services, list(projection.topics), models.batch_size)
                result = models.rebuild(name)
                rebuild = result.events / result.seconds
                results[name] = {
                    "rebuild_events_per_second": rebuild,
                    "read_events_per_second": read,
                    "ratio": rebuild / read,
                    "seconds": result.seconds,
                }
        finally:
            services.close()
    headline = results[HEADLINE if HEADLINE in results else read_models[0]]
    return {
        "events": head,
        "batch_size": models.batch_size,
        **headline,
        "read_models": results,
    }


def main() -> None:
    from bench.postgres import scratch_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--read-models", default=HEADLINE, help="comma-separated names, or `all`")
    parser.add_argument("--database-url", help="use this database instead of a scratch one")
    arguments = parser.parse_args()
    names = (
        ("customer_list", "customer_activity", "customer_detail", "customer_parts")
        if arguments.read_models == "all"
        else tuple(arguments.read_models.split(","))
    )
    if arguments.database_url:
        result = measure_rebuild(arguments.database_url, arguments.events, names)
    else:
        with scratch_database("rebuild") as url:
            result = measure_rebuild(url, arguments.events, names)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
