"""`docintake projections run` on PostgreSQL: killed mid-batch, stopped by SIGTERM, and two
runners of one read model, of which only the lease holder writes.

The runners run as processes of their own. `DOCINTAKE_PROJECTION_BATCH_PAUSE` holds each
batch's transaction open after its rows are written, so a test can see (in
pg_stat_activity) that a runner is in the middle of a batch and kill it right there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.leases import postgres_lease_holders
from infrastructure.master_key import MasterKey
from infrastructure.settings import Settings
from tests.support.cli import docintake, docintake_in_process, environment
from tests.support.databases import fresh_postgres_database
from tests.support.logs import last_message
from tests.support.read_models import (
    mid_batch,
    populate,
    runners,
    tracked_position,
    wait_until,
)

pytestmark = pytest.mark.postgres

BATCH = 50


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """The API side's settings: it does not run the followers itself."""
    with fresh_postgres_database() as url:
        yield Settings(
            data_dir=tmp_path / "data",
            database_url=url,
            master_key=MasterKey.generate(),
            run_projections=False,
        )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    # Few connections: the runners and commands of each test open their own.
    services = bootstrap(settings, pool_size=2)
    services.prepare_read_models()
    yield services
    services.close()


def runner_env(settings: Settings, pause: float = 0.0) -> dict[str, str]:
    return environment(
        settings,
        projection_batch_size=BATCH,
        projection_batch_pause=pause,
        log_level="DEBUG",
    )


def verify(settings: Settings, name: str, *, as_process: bool = False) -> tuple[int, str]:
    """`docintake projections verify NAME`: in this process, or as the installed command's."""
    env = environment(settings)
    if as_process:
        result = docintake(env, "projections", "verify", name, timeout=120)
    else:
        result = docintake_in_process(env, "projections", "verify", name)
    return result.returncode, result.stdout + result.stderr


def test_a_runner_killed_mid_batch_leaves_nothing_half_done(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    url = settings.database_url
    assert url is not None
    populate(services.app, 200)  # 600 events: 12 batches
    head = services.app.head()
    with runners(runner_env(settings, pause=1.0), tmp_path) as start:
        first = start("customer_list")
        # Killed after at least one batch committed, while the next one's rows are written.
        wait_until(
            lambda: tracked_position(url, "customer_list") > 0 and mid_batch(url, "customer_list"),
            what="runner in the middle of a batch",
        )
        first.kill()
        killed_at = tracked_position(url, "customer_list")
        assert 0 < killed_at < head
        assert killed_at % BATCH == 0
        # Nothing of the interrupted batch is visible: the live rows match a rebuild
        # up to the committed position exactly.
        code, report = verify(settings, "customer_list")
        assert code == 0, report

        second = start("customer_list", overrides={"DOCINTAKE_PROJECTION_BATCH_PAUSE": "0"})
        wait_until(lambda: tracked_position(url, "customer_list") == head, what="catch-up")
        assert second.terminate() == 0
    code, report = verify(settings, "customer_list", as_process=True)
    assert code == 0, report
    assert "customer_list: 0 difference(s)" in report


def test_sigterm_finishes_the_batch_in_hand_then_stops(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    url = settings.database_url
    assert url is not None
    populate(services.app, 200)
    head = services.app.head()
    with runners(runner_env(settings, pause=1.0), tmp_path) as start:
        runner = start("customer_list")
        wait_until(lambda: mid_batch(url, "customer_list"), what="a batch in hand")
        before = tracked_position(url, "customer_list")
        assert runner.terminate() == 0
        after = tracked_position(url, "customer_list")
        assert after == before + BATCH < head
        assert "stopping after the batch in hand" in runner.log
        assert last_message(runner.log) == "stopped"


def test_a_second_runner_writes_nothing_until_the_first_dies(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    url = settings.database_url
    assert url is not None
    populate(services.app, 50)
    with runners(runner_env(settings), tmp_path) as start:
        first = start("customer_list", label="first")

        def holder() -> str:
            return postgres_lease_holders(url, ["customer_list"]).get("customer_list", "")

        wait_until(lambda: f"pid {first.pid}" in holder(), what="first runner holds the lease")
        second = start("customer_list", label="second")
        wait_until(lambda: "standing by" in second.log, what="second runner stands by")

        populate(services.app, 100)
        head = services.app.head()
        wait_until(lambda: tracked_position(url, "customer_list") == head, what="first applies")
        assert "applied" in first.log
        assert "applied" not in second.log
        assert f"pid {first.pid}" in holder()

        first.kill()
        populate(services.app, 100)
        head = services.app.head()
        wait_until(lambda: tracked_position(url, "customer_list") == head, what="takeover")
        assert f"pid {second.pid}" in holder()
        assert "holding the lease" in second.log and "applied" in second.log

        status = docintake(environment(settings), "projections", "status")
        assert status.returncode == 0, status.stderr
        line = next(row for row in status.stdout.splitlines() if row.startswith("customer_list"))
        position, reported_head, lag_events = line.split()[1:4]
        assert (int(position), int(reported_head), int(lag_events)) == (head, head, 0)
        assert f"pid {second.pid}" in line
        assert second.terminate() == 0
    code, report = verify(settings, "customer_list")
    assert code == 0, report
