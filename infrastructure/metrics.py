"""Prometheus metrics beyond the HTTP layer's (request latency per route comes from
Litestar's Prometheus middleware): projection lag per read model and policy, job queue
depth and failures per kind (both read when scraped), upload bytes and refusals.

Labels carry route templates, projection names, job kinds and status codes only: never an
id, a token or anything a client chose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from application.jobs.ports import JobCounts
from projections.status import ReadModelStatus

log = logging.getLogger(__name__)

UPLOAD_BYTES = Counter(
    "docintake_upload_bytes",
    "Request body bytes of client uploads that were recorded",
)
UPLOAD_REFUSALS = Counter(
    "docintake_upload_refusals",
    "Client uploads refused, by HTTP status",
    ["status"],
)


class OperationsCollector(Collector):
    """Reads lag and queues when scraped (a scrape costs a few small queries)."""

    def __init__(
        self,
        read_models: Callable[[], Sequence[ReadModelStatus]],
        jobs: Callable[[], Sequence[JobCounts]],
    ) -> None:
        self._read_models = read_models
        self._jobs = jobs

    def collect(self) -> Iterator[Metric]:
        lag_events = GaugeMetricFamily(
            "docintake_projection_lag_events",
            "Events recorded that the read model or policy has not applied yet",
            labels=["projection"],
        )
        lag_seconds = GaugeMetricFamily(
            "docintake_projection_lag_seconds",
            "How long the oldest event the read model or policy has not applied has waited",
            labels=["projection"],
        )
        poison = GaugeMetricFamily(
            "docintake_projection_poison_events",
            "Events the read model or policy could not apply and passed over",
            labels=["projection"],
        )
        try:
            for status in self._read_models():
                lag_events.add_metric([status.name], status.lag_events)
                lag_seconds.add_metric([status.name], status.lag_seconds)
                poison.add_metric([status.name], len(status.poison_events))
        except Exception as error:
            log.warning("metrics: read-model status unavailable (%s)", type(error).__name__)
        yield from (lag_events, lag_seconds, poison)
        jobs = GaugeMetricFamily(
            "docintake_jobs",
            "Jobs per kind and state (queued, delayed, failed in the last 7 days, dead-lettered)",
            labels=["kind", "state"],
        )
        try:
            for counts in self._jobs():
                jobs.add_metric([counts.kind, "queued"], counts.queued)
                jobs.add_metric([counts.kind, "delayed"], counts.delayed)
                jobs.add_metric([counts.kind, "failed"], counts.failed)
                jobs.add_metric([counts.kind, "dead_lettered"], counts.dead_lettered)
        except Exception as error:
            log.warning("metrics: job status unavailable (%s)", type(error).__name__)
        yield jobs


class Metrics:
    """This process's metrics: the library-wide registry plus its own collector."""

    content_type = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self, collector: OperationsCollector) -> None:
        self._own = CollectorRegistry(auto_describe=False)
        self._own.register(collector)

    def exposition(self) -> bytes:
        return generate_latest(REGISTRY) + generate_latest(self._own)
