"""Crashes: a worker killed (SIGKILL) in the middle of a job, and the job policy stopped
between an event and its job. Either way the mail arrives after the restart, once.

Run on few combinations (each test starts processes): the embedded queue on both backends
and RabbitMQ on PostgreSQL; the killed worker also on Redis (on SQLite, the cheaper backend),
whose requeue of a dead worker's unacknowledged messages no other test sees. The policy
stopping before its commit is the same on either broker (the job goes to the broker before
the commit; its state in the database keeps the second run from mailing again), so it runs
on RabbitMQ only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.master_key import MasterKey
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.cli import environment
from tests.support.databases import fresh_postgres_database
from tests.support.jobs import (
    AMQP_URL,
    FAST_JOBS,
    REDIS_URL,
    TEST_QUEUE_PREFIX,
    DocintakeProcess,
    StallingSmtpServer,
    delete_queues,
    messages_to,
    wait_until,
    wait_until_healthy,
)
from tests.support.logs import last_message
from tests.support.server import free_port, running_server
from tests.support.smtp_loopback import LoopbackSmtpServer, serve_smtp
from tests.support.uploads import create_link

CLIENT = "kunde@example.com"


EMBEDDED_AND_RABBITMQ = [
    pytest.param((None, "sqlite"), id="embedded-sqlite"),
    pytest.param((None, "postgres"), id="embedded-postgres", marks=pytest.mark.postgres),
    pytest.param((AMQP_URL, "postgres"), id="rabbitmq-postgres", marks=pytest.mark.postgres),
]
REDIS = pytest.param((REDIS_URL, "sqlite"), id="redis-sqlite")
#: Redis: a worker silent this long counts as dead. The live worker's consumers answer
#: the broker every 250 ms at most; a shorter wait than FAST_JOBS' gets the killed
#: worker's message back sooner.
REDIS_REDELIVERY_SECONDS = 1.0


@pytest.fixture
def crash_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    broker_url, backend = request.param
    prefix = f"{TEST_QUEUE_PREFIX}{uuid4().hex[:12]}"
    base = Settings(
        data_dir=tmp_path / "data",
        broker_url=broker_url,
        job_queue_prefix=prefix,
        port=free_port(),
        **{**FAST_JOBS, "job_redelivery_seconds": REDIS_REDELIVERY_SECONDS},
    )
    try:
        if backend == "sqlite":
            yield base
        else:
            with fresh_postgres_database() as url:
                yield replace(base, database_url=url, master_key=MasterKey.generate())
    finally:
        delete_queues(broker_url, prefix)


def started(process: DocintakeProcess, url: str) -> DocintakeProcess:
    """Wait until a `docintake serve` process answers."""

    def alive() -> None:
        assert process.process.poll() is None, process.log

    wait_until_healthy(url, alive)
    return process


@contextmanager
def api_and_jobs(settings: Settings, folder: Path) -> Iterator[tuple[str, Any]]:
    """The API on `settings.port` and a way to (re)start the process that runs the jobs:
    `docintake worker` with a broker; without one the API process itself (`docintake serve`),
    the only process running jobs there."""
    env = environment(settings)
    url = f"http://127.0.0.1:{settings.port}"
    processes: list[DocintakeProcess] = []

    def start(arguments: str) -> DocintakeProcess:
        process = DocintakeProcess(env, folder / f"{arguments}-{len(processes)}.log", arguments)
        processes.append(process)
        return started(process, url) if arguments == "serve" else process

    with ExitStack() as stack:
        stack.callback(lambda: [p.close() for p in processes])
        if settings.broker_url is None:
            yield url, lambda: start("serve")
            return
        services = bootstrap(settings, pool_size=2)
        stack.callback(services.close)
        yield stack.enter_context(running_server(services)), lambda: start("worker")


def history_types(owner: Account, customer_id: str) -> list[str]:
    response = owner.get(f"/api/v1/customers/{customer_id}/history")
    assert response.status_code == 200, response.text
    return [event["type"] for event in response.json()["events"]]


def ask_for_a_link_mail(http: httpx.Client) -> tuple[Account, str]:
    owner = signup(http, plan="team", name="Kanzlei Absturz")
    customer = owner.create_customer("Kim Kunde", email=CLIENT)
    link = create_link(owner, customer["id"], title="Belege")
    assert owner.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
    return owner, str(customer["id"])


def delivered_once(owner: Account, customer_id: str, smtp_server: LoopbackSmtpServer) -> None:
    wait_until(lambda: messages_to(smtp_server, CLIENT), timeout=30, what="the mail")
    wait_until(lambda: "UploadLinkSent" in history_types(owner, customer_id), what="UploadLinkSent")
    time.sleep(0.5)  # a second delivery would be on its way by now
    assert len(messages_to(smtp_server, CLIENT)) == 1
    assert history_types(owner, customer_id).count("UploadLinkSent") == 1


@pytest.mark.parametrize("crash_settings", [*EMBEDDED_AND_RABBITMQ, REDIS], indirect=True)
def test_a_worker_killed_mid_job_delivers_the_mail_once_after_restart(
    crash_settings: Settings, tmp_path: Path
) -> None:
    stalling = StallingSmtpServer()
    with serve_smtp(stalling):
        settings = replace(crash_settings, smtp_url=stalling.url)
        with (
            api_and_jobs(settings, tmp_path) as (url, start_jobs),
            httpx.Client(base_url=url, timeout=30) as http,
        ):
            jobs = start_jobs()
            owner, customer_id = ask_for_a_link_mail(http)
            # The job is in the middle of the SMTP conversation, nothing delivered yet.
            wait_until(stalling.stalled.is_set, timeout=30, what="the job mid-delivery")
            jobs.kill()
            stalling.release()
            time.sleep(0.2)
            assert stalling.messages == []

            restarted = start_jobs()
            delivered_once(owner, customer_id, stalling)
            # SIGTERM stops it cleanly (uvicorn ends `serve` by re-raising the signal).
            code = restarted.terminate()
            if settings.broker_url is None:
                assert "Application shutdown complete" in restarted.log
            else:
                assert code == 0 and last_message(restarted.log) == "worker stopped"


@pytest.mark.parametrize("crash_settings", EMBEDDED_AND_RABBITMQ, indirect=True)
def test_a_job_survives_the_policy_stopping_between_event_and_enqueue(
    crash_settings: Settings, tmp_path: Path
) -> None:
    with serve_smtp(LoopbackSmtpServer(port=0)) as smtp_server:
        # The API follows every read model but not the job policy: the send request is
        # recorded while no policy runs, as if it had stopped right after the event.
        settings = replace(crash_settings, smtp_url=smtp_server.url, run_projections=False)
        api = bootstrap(settings, pool_size=2)
        with ExitStack() as stack:
            stack.callback(api.close)
            url = stack.enter_context(running_server(api))
            api.runtime.run_followers([name for name in api.follower_names() if name != "jobs"])
            if settings.broker_url is not None:
                worker = bootstrap(settings, pool_size=2)
                stack.callback(worker.close)
                worker.runtime.run_job_workers(poll_ms=100)
            http = stack.enter_context(httpx.Client(base_url=url, timeout=30))
            owner, customer_id = ask_for_a_link_mail(http)
            [policy] = [p for p in api.policies if p.name == "jobs"]
            stopped_at = api.follower(policy).position()
            assert stopped_at < api.app.head()
            time.sleep(0.5)
            assert messages_to(smtp_server, CLIENT) == []

            # The policy starts, queues the job and is killed before its batch commits.
            env = environment(settings, projection_batch_pause=5.0)
            runner = DocintakeProcess(env, tmp_path / "policy.log", "projections", "run", "jobs")
            stack.callback(runner.close)
            wait_until(lambda: "jobs: holding the lease" in runner.log, what="policy running")
            if settings.broker_url is None:
                time.sleep(1.0)  # inside the batch: its job rows are not committed
            else:
                # A broker got the job before the commit, and a worker has sent it.
                wait_until(lambda: messages_to(smtp_server, CLIENT), what="the first delivery")
            runner.kill()
            assert api.follower(policy).position() == stopped_at

            # Restarted, it queues the job (again, with a broker): one mail, one outcome.
            api.runtime.run_followers(["jobs"])
            delivered_once(owner, customer_id, smtp_server)
            wait_until(lambda: api.follower(policy).position() == api.app.head(), what="caught up")
