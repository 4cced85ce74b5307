"""Sending one outbox row to its endpoint: signed, retried with back-off, logged.

At least once: the row stays `pending` until an answer in the 2xx range is
logged, so a worker killed mid-request leaves it for the job's next run, which
sends the same body with the same `webhook-id` (only `webhook-timestamp` and the
signature over it are new, as the specification wants). A failure (no answer
within the sender's timeout, a 3xx, 4xx or 5xx) is retried after the next wait
of `RETRY_SCHEDULE` (with jitter) until the schedule is used up, about three
days later; 410 Gone stops it and disables the endpoint.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from standardwebhooks import Webhook

from application.errors import NotFound
from application.jobs.kinds import Job
from application.jobs.ports import JobLocks
from application.webhook_ports import (
    SecretSealer,
    WebhookRefused,
    WebhookRequest,
    WebhookSender,
    WebhookUnreachable,
)
from application.webhook_state import ATTEMPTS, DELIVERED, DELIVERIES, FAILED, PENDING, STOPPED
from domain.webhook_endpoint import DISABLED_GONE, WebhookEndpoint
from projections.database import Database
from projections.rows import as_datetime, as_uuid

if TYPE_CHECKING:
    from application.docintake import DocIntake

log = logging.getLogger(__name__)

#: The waits before each retry: Standard Webhooks' suggested start, stretched to about
#: three days in all (71 h 35 min without jitter; ten attempts).
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=20),
)
#: Each wait is stretched or shrunk by up to this share, so retries of many
#: deliveries to one receiver that was down spread out.
JITTER = 0.2
#: When another worker holds the delivery, its job comes back this much later.
BUSY_RETRY = timedelta(seconds=0.5)
ERROR_MAX_LENGTH = 300
USER_AGENT = "docintake-webhooks/1"


class OutboxRowNotVisible(LookupError):
    """A delivery job arrived before the outbox row it names was committed."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def signature_header(secrets: list[bytes], message_id: str, at: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,` signature per secret (several while rotating)."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)


class WebhookDelivery:
    """Runs the `deliver_webhook` job for one outbox row."""

    def __init__(
        self,
        app: DocIntake,
        database: Database,
        sender: WebhookSender,
        sealer: SecretSealer,
        locks: JobLocks,
        *,
        retry_scale: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.app = app
        self.database = database
        self.sender = sender
        self.sealer = sealer
        self.locks = locks
        self.retry_scale = retry_scale
        self.clock = clock
        self.jitter = jitter

    def retry_wait(self, failures: int) -> timedelta | None:
        """The wait after the `failures`-th failure in a row, or None when it was the last."""
        if failures > len(RETRY_SCHEDULE):
            return None
        spread = 1 + JITTER * (2 * self.jitter() - 1)
        return RETRY_SCHEDULE[failures - 1] * (self.retry_scale * spread)

    def run(self, job: Job, final_attempt: bool) -> datetime | None:
        """The `deliver_webhook` job (its own retries: `final_attempt` does not apply)."""
        return self.deliver(UUID(job.args["delivery_id"]))

    def deliver(self, delivery_id: UUID) -> datetime | None:
        """Try the delivery if it is due; returns when to come back (None: finished)."""
        with self.locks.exclusive(f"webhook:{delivery_id}") as held:
            if not held:
                return self.clock() + BUSY_RETRY
            with self.database.reading() as tx:
                row = tx.fetchone(
                    f"SELECT endpoint_id, body, state, attempts, next_attempt_at"
                    f" FROM {DELIVERIES} WHERE id = %s",
                    (delivery_id,),
                )
            if row is None:
                # On a broker the job is sent before the policy's batch commits: the row
                # is not visible yet. Raising lets the queue retry it (with its back-off).
                raise OutboxRowNotVisible(f"webhook delivery {delivery_id} not in the outbox yet")
            if row["state"] != PENDING:
                return None
            due = as_datetime(row["next_attempt_at"])
            now = self.clock()
            if due is not None and due > now:
                return due  # woken early (a duplicate job): come back when it is due
            endpoint_id = as_uuid(row["endpoint_id"])
            try:
                endpoint = self.app.load(endpoint_id, WebhookEndpoint)
            except NotFound:
                endpoint = None
            if endpoint is None or not endpoint.enabled:
                self._finish(delivery_id, STOPPED, None, None)
                return None
            status, error, took = self._attempt(delivery_id, endpoint, str(row["body"]), now)
            return self._outcome(
                delivery_id, endpoint, int(row["attempts"]) + 1, status, error, took
            )

    def _attempt(
        self, delivery_id: UUID, endpoint: WebhookEndpoint, body: str, now: datetime
    ) -> tuple[int | None, str | None, int]:
        secrets = [self.sealer.open(sealed) for sealed in endpoint.signing_secrets(now)]
        message_id = str(delivery_id)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature_header(secrets, message_id, now, body),
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            status = self.sender.post(WebhookRequest(endpoint.url, headers, body.encode()))
        except WebhookRefused as refused:
            error = f"refused: {refused}"
        except WebhookUnreachable as unreachable:
            error = f"unreachable: {unreachable}"
        took = round((time.monotonic() - started) * 1000)
        if status is not None and 300 <= status < 400:
            error = "redirect (not followed)"
        return status, (error[:ERROR_MAX_LENGTH] if error else None), took

    def _outcome(
        self,
        delivery_id: UUID,
        endpoint: WebhookEndpoint,
        failures: int,
        status: int | None,
        error: str | None,
        took_ms: int,
    ) -> datetime | None:
        now = self.clock()
        with self.database.transaction() as tx:
            last = tx.fetchone(
                f"SELECT MAX(attempt) AS n FROM {ATTEMPTS} WHERE delivery_id = %s", (delivery_id,)
            )
            number = int(last["n"] or 0) + 1 if last else 1
            tx.execute(
                f"INSERT INTO {ATTEMPTS} (delivery_id, attempt, at, status, error, duration_ms)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (delivery_id, number, now, status, error, took_ms),
            )
        if status is not None and 200 <= status < 300:
            self._finish(delivery_id, DELIVERED, status, None, attempts=failures)
            return None
        if status == 410:
            self._finish(delivery_id, STOPPED, status, None, attempts=failures)
            self._disable_gone(endpoint.id)
            return None
        wait = self.retry_wait(failures)
        if wait is None:
            self._finish(delivery_id, FAILED, status, error, attempts=failures)
            log.info("webhook delivery %s given up after %d attempts", delivery_id, failures)
            return None
        come_back = now + wait
        with self.database.transaction() as tx:
            tx.execute(
                f"UPDATE {DELIVERIES} SET attempts = %s, next_attempt_at = %s, last_status = %s,"
                " last_error = %s WHERE id = %s AND state = %s",
                (failures, come_back, status, error, delivery_id, PENDING),
            )
        return come_back

    def _finish(
        self,
        delivery_id: UUID,
        state: str,
        status: int | None,
        error: str | None,
        attempts: int | None = None,
    ) -> None:
        with self.database.transaction() as tx:
            tx.execute(
                f"UPDATE {DELIVERIES} SET state = %s, last_status = COALESCE(%s, last_status),"
                " last_error = %s, next_attempt_at = NULL, finished_at = %s,"
                " attempts = COALESCE(%s, attempts) WHERE id = %s",
                (state, status, error, self.clock(), attempts, delivery_id),
            )

    def _disable_gone(self, endpoint_id: UUID) -> None:
        def attempt() -> None:
            endpoint = self.app.load(endpoint_id, WebhookEndpoint)
            if endpoint.disable(DISABLED_GONE, None):
                self.app.record(endpoint)

        self.app.retrying(attempt)
        log.info("webhook endpoint %s answered 410 Gone: disabled", endpoint_id)
