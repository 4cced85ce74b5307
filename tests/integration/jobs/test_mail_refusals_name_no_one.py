"""A mail server that refuses a client's address for now (and echoes it) leaves the address
in no log line, no job row and no broker message, before the customer's deletion or after
it; in every queue mode, on both backends."""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import uuid4

import pika
import pytest
import redis
from aiosmtpd.smtp import SMTP, Envelope, Session

from infrastructure.json_logs import JsonFormatter
from tests.integration.erasure.test_erasure import caught_up, storage_bytes
from tests.support.api import signup
from tests.support.jobs import AMQP_URL, Deploy, wait_until
from tests.support.smtp_loopback import LoopbackSmtpServer, serve_smtp
from tests.support.uploads import create_link

pytestmark = pytest.mark.timeout(180)


class BusyMailbox(LoopbackSmtpServer):
    """Answers 450 for every recipient, quoting the address as real servers do."""

    def __init__(self) -> None:
        super().__init__(port=0)
        self.refused: list[str] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.refused.append(address)
        return f"450 4.2.1 <{address}>: Mailbox busy ({address}), try again later"


def waiting_job_errors(deployment: Any, broker_url: str | None, prefix: str) -> list[str]:
    """What the queue keeps about the waiting link mail: `job_queue.last_error`, or the
    traceback dramatiq put into the message it will retry."""
    queue = f"{prefix}.send_link.DQ"
    if broker_url is None:
        with deployment.api.database.reading() as tx:
            rows = tx.fetchall(
                "SELECT args, last_error FROM job_queue WHERE last_error IS NOT NULL"
            )
        return [f"{row['args']} {row['last_error']}" for row in rows]
    if broker_url.startswith("amqp"):
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        try:
            channel = connection.channel()
            method, _properties, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                return []
            channel.basic_nack(method.delivery_tag, requeue=True)
            return [body.decode()]
        finally:
            connection.close()
    client = redis.Redis.from_url(broker_url)
    try:
        return [value.decode() for value in client.hvals(f"dramatiq:{queue}.msgs")]
    finally:
        client.close()


def test_a_busy_mailbox_leaves_the_address_nowhere(
    deploy: Deploy,
    broker_url: str | None,
    queue_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    marker = uuid4().hex[:10]
    address = f"kunde.{marker}@example.org"
    caplog.set_level(logging.INFO)
    with (
        serve_smtp(BusyMailbox()) as smtp,
        deploy(smtp_url=smtp.url, job_retries=3, job_backoff_seconds=60.0) as running,
    ):
        owner = signup(running.http, plan="team")
        customer = owner.create_customer(f"Jürgen Groß {marker}", email=address)
        link = create_link(owner, customer["id"], title="Belege")
        assert owner.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202

        wait_until(lambda: smtp.refused, what="the mail server refusing the address")
        if running.worker is not None and queue_prefix and str(broker_url).startswith("amqp"):
            # RabbitMQ hands a delayed message to the worker, which holds it until it is
            # due: once it is back from its first attempt, stop the worker to see it.
            wait_until(
                lambda: any("Failed to process" in r.getMessage() for r in caplog.records),
                what="the first attempt failing",
            )
            running.worker.close()
        wait_until(
            lambda: waiting_job_errors(running, broker_url, queue_prefix),
            what="the link mail waiting for its retry",
        )
        [kept] = waiting_job_errors(running, broker_url, queue_prefix)
        # The queue says what went wrong (the reply code), but not to whom.
        assert "450" in kept, kept
        assert marker not in kept, kept
        if broker_url is not None:
            options = json.loads(kept)["options"]
            assert "450" in options["traceback"] and marker not in options["traceback"]

        assert owner.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
        wait_until(caught_up(running.api), what="read models and policies caught up")

        def stored() -> set[str]:
            return {
                where
                for where, data in storage_bytes(running.api, None)
                if marker.encode() in data
            }

        # SQLite's write-ahead log is scrubbed just after the erasing commit (a checkpoint
        # that waits out readers, in the background if they stay): give it those moments,
        # then nothing may be left.
        wait_until(lambda: not stored(), timeout=10, what="no stored byte naming the address")
        assert stored() == set()
        for still in waiting_job_errors(running, broker_url, queue_prefix):
            assert marker not in still

    # Every log line of the run, as the process writes it (JSON, tracebacks included).
    formatter = JsonFormatter()
    # (aiosmtpd's own log, `mail.log`, is the test's mail server talking, not ours.)
    lines = [formatter.format(r) for r in caplog.records if not r.name.startswith("mail.log")]
    assert any("450" in line for line in lines), lines  # the failure was logged
    assert [line for line in lines if marker in line] == []
