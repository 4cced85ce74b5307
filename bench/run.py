"""`python -m bench.run [--quick]`: every performance figure beside its baseline, in one run.

Prepares its own PostgreSQL databases and data, runs `docintake serve` in a
separate process, drives it from a separate load generator on loopback,
prints the table and writes `bench/results.json`. The README's "Performance"
section says what each figure means and how to read it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from bench import (
    aggregate_loading,
    dataset,
    embedded,
    encryption,
    large_files,
    machine,
    read_your_writes,
    rebuild,
    search,
    writes,
)
from bench import (
    figures as planned,
)
from bench.dataset import Population
from bench.encryption import BENCH_MASTER_KEY
from bench.load import LoadGenerator, LoadResult, load_generator
from bench.postgres import free_connections, scratch_database
from bench.processes import measure_processes
from bench.results import Figure, interleave, table, write_results
from bench.round_trips import CountingProxy, cpu_seconds, database_backends_cpu_seconds
from bench.s3_server import REGION, s3_server
from bench.server import running_server
from bench.sizes import FULL, QUICK, WRITERS, MiB, Sizes
from bench.uploads import (
    UploadUnavailable,
    copy_mib_per_second,
    make_payload,
    open_link,
    put_mib_per_second,
    upload_once,
)
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results.json"
# The harness's own event-store connections: PostgreSQL's 100 are shared with the
# server under test, the baselines' 16 writers and whoever else uses this machine.
HARNESS_POOL = 2


class Clock:
    """Prints each step with the time since the start, so a slow step is easy to spot."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", flush=True)


@contextmanager
def section(clock: Clock, title: str, figures: Sequence[Figure]) -> Iterator[None]:
    """Run one part; if it fails, its unmeasured figures say why and the run goes on."""
    clock.say(title)
    try:
        yield
    except Exception as error:
        traceback.print_exc()
        first_line = str(error).splitlines()[0] if str(error) else ""
        for figure in figures:
            if figure.value is None:
                figure.not_measured(f"{type(error).__name__}: {first_line}"[:300])


def build_read_models(services: Services, clock: Clock) -> None:
    """Bring every read model and policy not yet there to the head, as an operator would.

    `ReadModels.rebuild` (the `docintake projections rebuild` path: indexes after
    the bulk, one takeover) is much faster over a million events than a follower
    catching up with its indexes in place.
    """
    services.prepare_read_models()
    head = services.app.head()
    models = services.read_models()
    for projection in services.projections:
        if services.follower(projection).position() < head:
            clock.say(f"  building {projection.name}")
            models.rebuild(projection.name)
    for policy in services.policies:
        services.follower(policy).catch_up()


def rebuild_scenario(sizes: Sizes, figure: Figure, work: Path, clock: Clock) -> None:
    """The rebuild figure, on a log of its own: `bench.rebuild.measure_rebuild` per round.

    That is the rebuild command's own path (a copy beside the live tables,
    indexes after the bulk, one takeover), each round right after a decoded read
    of the same log. A database of its own, so that the server's database does
    not need its other read models built over a million events first.
    """
    with section(clock, "rebuild figure", [figure]), scratch_database("log") as database_url:
        services = bootstrap(
            Settings(
                database_url=database_url,
                data_dir=work / "log",
                run_projections=False,
                master_key=BENCH_MASTER_KEY,
            ),
            pool_size=HARNESS_POOL,
        )
        try:
            head = dataset.fill_log(
                services.app, database_url, sizes.log_events, sizes.notes_each, clock.say
            )
        finally:
            services.close()
        clock.say(f"  {head:,} events in the log; rebuilding")
        started = time.monotonic()
        for number in range(1, sizes.rebuild_rounds + 1):
            round_started = time.monotonic()
            result: dict[str, Any] = rebuild.measure_rebuild(database_url, head)
            figure.record(result["rebuild_events_per_second"], result["read_events_per_second"])
            took = time.monotonic() - round_started
            clock.say(f"  round {number}: {took:.0f} s")
            # A round over a million events costs minutes on a busy machine: the run as a
            # whole must stay within its time, so a round that would not fit is left out.
            if (
                number < sizes.rebuild_rounds
                and time.monotonic() - started + took > sizes.rebuild_budget
            ):
                figure.note = (
                    f"{number} of {sizes.rebuild_rounds} rounds: another would pass"
                    f" the {sizes.rebuild_budget:.0f} s budget"
                )
                break
        figure.tool = "bench.rebuild.measure_rebuild (ReadModels.rebuild), in the harness"


def measure_loading(
    services: Services, sizes: Sizes, population: Population, figures: dict[str, Figure]
) -> None:
    app = services.app
    long_id, short_id = population.long_history_id, population.short_history_id
    aggregate_loading.load_seconds(app, long_id, 2)  # warm the connection and caches

    def long_ms() -> float:
        return aggregate_loading.load_seconds(app, long_id, 5) * 1000

    def short_ms() -> float:
        return aggregate_loading.load_seconds(app, short_id, 50) * 1000

    plain, snapshotted = (figures[name] for name in planned.LOADING)
    interleave(sizes.rounds, long_ms, short_ms, plain)
    plain.tool = snapshotted.tool = "in the harness: application.repository.get"
    if app.snapshots is None:
        snapshotted.not_measured("the application keeps no snapshots")
        return
    # The data were appended in bulk, bypassing the snapshots the application takes for
    # Customer every 100 events: take the one its last save would have taken.
    app.take_snapshot(long_id)
    interleave(sizes.rounds, long_ms, short_ms, snapshotted)
    snapshotted.note = "with the snapshot the application takes every 100 events"


def _failures(results: Sequence[LoadResult]) -> str:
    errors = sum(r.errors for r in results)
    requests = sum(r.requests for r in results)
    return f"{errors} of {requests:,} requests failed" if errors else ""


def measure_search(
    load: LoadGenerator,
    url: str,
    database_url: str,
    sizes: Sizes,
    population: Population,
    figures: dict[str, Figure],
) -> None:
    seconds = sizes.load_seconds
    big, small = population.search_token, population.small_search_token
    organization_id = population.big.organization_id
    runs: dict[str, Callable[[float], LoadResult]] = {
        "constant": lambda s: search.constant_pages(load, url, 16, s),
        "big": lambda s: search.searches(load, url, big, 16, s),
        "small": lambda s: search.searches(load, url, small, 16, s),
    }
    for warm_up in runs.values():
        warm_up(1)
    search.sql_searches_per_second(database_url, organization_id, 16, 1)
    versus_sql, throughput, latency = (figures[name] for name in planned.SEARCHES)
    seen: list[LoadResult] = []
    for number in range(sizes.rounds):
        names = list(runs)
        order = names[number % 3 :] + names[: number % 3]  # rotate who goes first
        done = {name: runs[name](seconds) for name in order}
        sql = search.sql_searches_per_second(database_url, organization_id, 16, seconds)
        seen.extend(done.values())
        versus_sql.record(done["big"].rate, sql)
        throughput.record(done["big"].rate, done["constant"].rate)
        latency.record(done["big"].p95_ms, done["small"].p95_ms)
    throughput.tool = latency.tool = load.name
    versus_sql.tool = f"{load.name}; baseline: psycopg threads in the harness"
    throughput.note = latency.note = versus_sql.note = _failures(seen)


def measure_creates(
    load: LoadGenerator,
    url: str,
    database_url: str,
    sizes: Sizes,
    population: Population,
    figures: dict[str, Figure],
) -> None:
    """Creates from 1 and 16 clients beside raw INSERTs; the 1-client rounds also beside
    the bare save on the same server."""
    writes.prepare_raw_table(database_url)
    tokens = [t.token for t in population.writers]
    writes.creates(load, url, tokens, WRITERS, 1)  # warm-up
    writes.bare_saves(load, url, 1, 1)
    one, sixteen, versus_bare = (figures[name] for name in planned.CREATES)
    seen: list[LoadResult] = []
    runs: dict[str, Callable[[], float | LoadResult]] = {
        "raw": lambda: writes.raw_inserts_per_second(database_url, 1, sizes.load_seconds),
        "created": lambda: writes.creates(load, url, tokens, 1, sizes.load_seconds),
        "bare": lambda: writes.bare_saves(load, url, 1, sizes.load_seconds),
    }
    for number in range(sizes.rounds):
        names = list(runs)
        order = names[number % 3 :] + names[: number % 3]  # rotate who goes first
        done = {name: runs[name]() for name in order}
        raw, created, bare = done["raw"], done["created"], done["bare"]
        assert isinstance(raw, float)
        assert isinstance(created, LoadResult) and isinstance(bare, LoadResult)
        seen.append(created)
        one.record(created.rate, raw)
        versus_bare.record(created.rate, bare.rate)

    def over_http() -> float:
        result = writes.creates(load, url, tokens, WRITERS, sizes.load_seconds)
        seen.append(result)
        return result.rate

    def raw_16() -> float:
        return writes.raw_inserts_per_second(database_url, WRITERS, sizes.load_seconds)

    interleave(sizes.rounds, over_http, raw_16, sixteen)
    one.tool = sixteen.tool = f"{load.name}; baseline: psycopg threads in the harness"
    versus_bare.tool = load.name
    sixteen.note = "0.4 is the goal; 0.2 what the recorder's table lock leaves (README)"
    one.note = versus_bare.note = _failures(seen)


def measure_read_your_writes(
    services: Services, url: str, sizes: Sizes, population: Population, figure: Figure
) -> None:
    headers = {"Authorization": f"Bearer {population.big.token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        read_your_writes.visible_after_create(client, 3)  # warm-up

        def visible_ms() -> float:
            delays = read_your_writes.visible_after_create(client, sizes.ryw_samples)
            return read_your_writes.percentile(delays, 0.95) * 1000

        def save_ms() -> float:
            timings = read_your_writes.save_seconds(
                services.app, population.saves, sizes.ryw_samples
            )
            return read_your_writes.percentile(timings, 0.5) * 1000

        interleave(sizes.rounds, visible_ms, save_ms, figure)
    figure.tool = "httpx, 1 client, in the harness; baseline: application.save in the harness"


def measure_cost(
    database_url: str,
    work: Path,
    sizes: Sizes,
    population: Population,
    figures: dict[str, Figure],
    clock: Clock,
) -> None:
    """Round trips and CPU per create, and the idle server: a server of its own that reaches
    PostgreSQL through the counting proxy (nothing else runs on the database meanwhile)."""
    trips, cpu, idle = (figures[name] for name in planned.COST)
    address = urlsplit(database_url)
    proxy = CountingProxy(address.hostname or "127.0.0.1", address.port or 5432)
    user = address.netloc.rpartition("@")[0]
    proxied = address._replace(
        netloc=f"{user}@127.0.0.1:{proxy.port}" if user else f"127.0.0.1:{proxy.port}"
    )
    settings = {
        "DOCINTAKE_DATABASE_URL": urlunsplit(proxied),
        "DOCINTAKE_MASTER_KEY": BENCH_MASTER_KEY.encoded(),
        "DOCINTAKE_DATA_DIR": str(work / "server-cost"),
    }
    headers = {"Authorization": f"Bearer {population.writers[0].token}"}
    try:
        with (
            running_server(settings, work / "server-cost.log") as server,
            httpx.Client(base_url=server.url, headers=headers, timeout=30) as client,
        ):

            def create(number: int) -> None:
                answer = client.post("/api/v1/customers", json={"name": f"Kosten {number}"})
                answer.raise_for_status()

            for number in range(10):  # warm-up: pools filled, organisation kept
                create(number)
            time.sleep(3)  # the start's own work (tables, leases, periodic jobs) is done
            clock.say(f"  idle for {sizes.idle_seconds:.0f} s")
            counted, cpu_before = proxy.counts(), cpu_seconds(server.pid)
            started = time.monotonic()
            time.sleep(sizes.idle_seconds)
            queries = (proxy.counts() - counted).statements
            busy = cpu_seconds(server.pid) - cpu_before
            idle.record(100 * busy / (time.monotonic() - started))
            if queries:
                idle.met = False
            idle.note = f"{queries} statements sent to the database while idle (goal: none)"
            database_ms: list[float] = []
            requests: list[float] = []
            statements: list[float] = []
            creates = sizes.cost_creates
            for _ in range(sizes.rounds):
                counted, cpu_before = proxy.counts(), cpu_seconds(server.pid)
                database_before = database_backends_cpu_seconds(database_url)
                for number in range(creates):
                    create(number)
                time.sleep(1)  # the host applies the last ones
                done = proxy.counts() - counted
                trips.record(done.round_trips / creates)
                requests.append(done.requests / creates)
                statements.append(done.statements / creates)
                cpu.record((cpu_seconds(server.pid) - cpu_before) * 1000 / creates)
                database_ms.append(
                    (database_backends_cpu_seconds(database_url) - database_before) * 1000 / creates
                )
            trips.note = (
                f"{statistics.median(requests):.1f} requests (counting a pipeline's flushes),"
                f" {statistics.median(statements):.1f} statements per create"
            )
            cpu.note = (
                f"PostgreSQL backends: {statistics.median(database_ms):.2f} ms CPU per create"
            )
    finally:
        proxy.close()
    trips.tool = "a counting TCP proxy between server and PostgreSQL (bench.round_trips)"
    cpu.tool = idle.tool = "/proc/PID/stat of the server (utime + stime)"


def encryption_scenario(
    sizes: Sizes, figures: dict[str, Figure], work: Path, payload: Path, clock: Clock
) -> None:
    """What encryption at rest costs: sealing a file, and a create with and without it."""
    store, creates = figures[planned.ENCRYPT_STORE], figures[planned.CREATE_ENCRYPTED]
    with section(clock, "encryption figures", [store, creates]):
        folder = work / "encryption"
        folder.mkdir(parents=True, exist_ok=True)
        interleave(
            sizes.rounds,
            lambda: encryption.sealed_write_mib_per_second(payload, folder),
            lambda: copy_mib_per_second(payload, folder),
            store,
        )
        store.tool = "the encrypting file store over local files, in the harness"
        with (
            scratch_database("create_encrypted") as encrypted_url,
            scratch_database("create_plain") as plain_url,
            encryption.create_harness(encrypted_url, work / "enc", True) as encrypted,
            encryption.create_harness(plain_url, work / "plain", False) as plain,
        ):
            interleave(sizes.rounds, encrypted, plain, creates)
        creates.tool = "create_customer commands in the harness, with and without encryption"


def two_processes(
    load: LoadGenerator,
    sizes: Sizes,
    server_settings: dict[str, str],
    work: Path,
    population: Population,
    processes: Sequence[Figure],
) -> None:
    """Creates and searches from the same clients against one API process and two."""
    with (
        running_server(server_settings, work / "server-a.log") as first,
        running_server(
            {**server_settings, "DOCINTAKE_DATA_DIR": str(work / "server-b")},
            work / "server-b.log",
        ) as second,
    ):
        measure_processes(
            load,
            first.url,
            second.url,
            sizes,
            [t.token for t in population.writers],
            population.search_token,
            *processes,
        )


def processes_scenario(
    load: LoadGenerator, sizes: Sizes, figures: dict[str, Figure], work: Path, clock: Clock
) -> None:
    """Only the 1-against-2-processes figures (`--only-processes`), on their own data."""
    processes = [figures[name] for name in planned.PROCESSES]
    with (
        section(clock, "preparing the database and the data", processes),
        scratch_database("processes") as database_url,
    ):
        services = bootstrap(
            Settings(
                database_url=database_url,
                data_dir=work / "harness",
                run_projections=False,
                master_key=BENCH_MASTER_KEY,
            ),
            pool_size=HARNESS_POOL,
        )
        try:
            population = dataset.populate(services.app, database_url, sizes, clock.say)
            build_read_models(services, clock)
        finally:
            services.close()
        server_settings = {
            "DOCINTAKE_DATABASE_URL": database_url,
            "DOCINTAKE_MASTER_KEY": BENCH_MASTER_KEY.encoded(),
            "DOCINTAKE_DATA_DIR": str(work / "server"),
            "DOCINTAKE_BENCH_ROUTES": "true",
        }
        with section(clock, "1 against 2 API processes on the same database", processes):
            two_processes(load, sizes, server_settings, work, population, processes)


def main_scenario(
    load: LoadGenerator, sizes: Sizes, figures: dict[str, Figure], work: Path, clock: Clock
) -> None:
    """The server's figures and the loading ones: one database, its data, one server."""
    creates = [figures[name] for name in planned.CREATES]
    searches = [figures[name] for name in planned.SEARCHES]
    loading = [figures[name] for name in planned.LOADING]
    cost = [figures[name] for name in planned.COST]
    ryw = figures[planned.READ_YOUR_WRITES]
    processes = [figures[name] for name in planned.PROCESSES]
    everything = [*creates, *searches, *loading, ryw, *cost, *processes]
    with (
        section(clock, "preparing the database and the data", everything),
        scratch_database("main") as database_url,
    ):
        services = bootstrap(
            Settings(
                database_url=database_url,
                data_dir=work / "harness",
                run_projections=False,
                master_key=BENCH_MASTER_KEY,
            ),
            pool_size=HARNESS_POOL,
        )
        try:
            population = dataset.populate(services.app, database_url, sizes, clock.say)
            clock.say(f"  {services.app.head():,} events; building the read models")
            build_read_models(services, clock)
            with section(clock, "customer loading figures", loading):
                measure_loading(services, sizes, population, figures)
            server_settings = {
                "DOCINTAKE_DATABASE_URL": database_url,
                "DOCINTAKE_MASTER_KEY": BENCH_MASTER_KEY.encoded(),
                "DOCINTAKE_DATA_DIR": str(work / "server"),
                "DOCINTAKE_BENCH_ROUTES": "true",
            }
            clock.say("starting docintake serve")
            with running_server(server_settings, work / "server.log") as server:
                with section(clock, "search figures", searches):
                    measure_search(load, server.url, database_url, sizes, population, figures)
                with section(clock, "create figures", creates):
                    measure_creates(load, server.url, database_url, sizes, population, figures)
                with section(clock, "read-your-writes figure", [ryw]):
                    measure_read_your_writes(services, server.url, sizes, population, ryw)
            with section(clock, "1 against 2 API processes on the same database", processes):
                two_processes(load, sizes, server_settings, work, population, processes)
            with section(clock, "cost of a create, idle server (through a counting proxy)", cost):
                measure_cost(database_url, work, sizes, population, figures, clock)
        finally:
            services.close()


def embedded_scenario(
    load: LoadGenerator, sizes: Sizes, figures: dict[str, Figure], work: Path, clock: Clock
) -> None:
    """Embedded mode: a server on SQLite files, creating and searching beside raw SQLite."""
    create, searching = (figures[name] for name in planned.EMBEDDED)
    data = work / "embedded"
    with section(clock, "embedded figures (SQLite)", [create, searching]):
        services = bootstrap(Settings(data_dir=data, run_projections=False), pool_size=2)
        try:
            tenant = embedded.populate(services.app, sizes.embedded_customers, clock.say)
            search_token = dataset.another_token(services.app, tenant, "bench-search")
            clock.say(f"  {services.app.head():,} events; building the read models")
            build_read_models(services, clock)
        finally:
            services.close()
        settings = {"DOCINTAKE_DATA_DIR": str(data), "DOCINTAKE_BENCH_ROUTES": "true"}
        with running_server(settings, work / "server-embedded.log") as server:
            seconds = sizes.load_seconds
            read_models = data / "read_models.sqlite"
            seen: list[LoadResult] = []

            def created() -> float:
                result = writes.creates(load, server.url, [tenant.token], 1, seconds)
                seen.append(result)
                return result.rate

            def searched() -> float:
                result = search.searches(load, server.url, search_token, 16, seconds)
                seen.append(result)
                return result.rate

            created()
            searched()
            interleave(
                sizes.rounds,
                created,
                lambda: embedded.raw_inserts_per_second(data, seconds),
                create,
            )
            interleave(
                sizes.rounds,
                searched,
                lambda: embedded.sql_searches_per_second(
                    read_models, tenant.organization_id, 16, seconds
                ),
                searching,
            )
        create.tool = f"{load.name}; baseline: sqlite3 in the harness"
        searching.tool = f"{load.name}; baseline: sqlite3 threads in the harness"
        create.note = searching.note = _failures(seen)


@contextmanager
def storage_under_test(
    kind: str, work: Path, payload: Path
) -> Iterator[tuple[dict[str, str], Callable[[], float]]]:
    """The server's storage settings for `kind` (local or s3), and the matching baseline."""
    if kind == "local":
        copies = work / "server-local" / "copies"  # the disk the server's store writes to
        copies.mkdir(parents=True, exist_ok=True)
        yield {}, lambda: copy_mib_per_second(payload, copies)
        return
    with s3_server(work / "s3-data") as s3:
        bucket = "bench-bucket"
        client = s3.client()
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)
        settings = {
            "DOCINTAKE_STORAGE_URL": f"s3://{bucket}",
            "DOCINTAKE_S3_ENDPOINT": s3.endpoint,
            "DOCINTAKE_S3_ACCESS_KEY": s3.access_key,
            "DOCINTAKE_S3_SECRET_KEY": s3.secret_key,
            "DOCINTAKE_S3_SECURE": "false",
            "DOCINTAKE_S3_REGION": REGION,
        }
        yield settings, lambda: put_mib_per_second(client, bucket, payload)


def _signup(url: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/signup",
        json={
            "organization_name": "Upload Bench",
            "email": f"upload-{uuid.uuid4().hex[:12]}@bench.example.org",
            "password": dataset.BENCH_PASSWORD,
            "plan": "team",
        },
        timeout=30,
    )
    answer.raise_for_status()
    token: str = answer.json()["token"]
    return token


def upload_scenario(
    kind: str, sizes: Sizes, figures: dict[str, Figure], work: Path, payload: Path, clock: Clock
) -> None:
    """One server with `kind` storage on its own database: the upload and its memory."""
    speed, memory = figures[f"upload_{kind}"], figures[f"upload_{kind}_memory"]
    limit = sizes.upload_bytes + 16 * MiB
    with (
        section(clock, f"upload figures ({kind} storage)", [speed, memory]),
        storage_under_test(kind, work, payload) as (storage, baseline),
        scratch_database(f"upload_{kind}") as database_url,
    ):
        settings = {
            **storage,
            "DOCINTAKE_DATABASE_URL": database_url,
            "DOCINTAKE_MASTER_KEY": BENCH_MASTER_KEY.encoded(),
            "DOCINTAKE_DATA_DIR": str(work / f"server-{kind}"),
            "DOCINTAKE_MAX_UPLOAD_SIZE": str(limit),
        }
        with (
            running_server(settings, work / f"server-{kind}.log") as server,
            httpx.Client(
                base_url=server.url,
                headers={"Authorization": f"Bearer {_signup(server.url)}"},
                timeout=60,
            ) as api,
        ):
            memories: list[float] = []

            def upload() -> float:
                result = upload_once(server, api, link, payload)
                memories.append(result.memory_growth_mib)
                return result.mib_per_second

            try:
                link = open_link(api, limit)
                interleave(sizes.rounds, upload, baseline, speed)
            except UploadUnavailable as missing:
                for figure in (speed, memory):
                    figure.not_measured(str(missing))
                return
            for value in memories:
                memory.record(value)
            speed.tool = "httpx streaming the file from disk, 1 client, in the harness"
            memory.tool = "/proc/PID/status of the server: VmRSS every 10 ms, and VmHWM"


def large_files_scenario(
    sizes: Sizes, figures: dict[str, Figure], work: Path, payload: Path, clock: Clock
) -> None:
    """A server with local storage on its own database: the payload sent resumably (tus,
    8 MiB requests) beside a copy, then the file it left as one ZIP beside its download."""
    upload, upload_memory, archive, archive_memory = (figures[name] for name in planned.LARGE_FILES)
    limit = sizes.upload_bytes + 16 * MiB
    copies = work / "server-large" / "copies"
    copies.mkdir(parents=True, exist_ok=True)
    with (
        section(clock, "resumable upload figures (tus, local storage)", [upload, upload_memory]),
        scratch_database("large_files") as database_url,
    ):
        settings = {
            "DOCINTAKE_DATABASE_URL": database_url,
            "DOCINTAKE_MASTER_KEY": BENCH_MASTER_KEY.encoded(),
            "DOCINTAKE_DATA_DIR": str(work / "server-large"),
            "DOCINTAKE_MAX_UPLOAD_SIZE": str(limit),
            # No clamd here: files are handed out unscanned, so the ZIP holds them.
            "DOCINTAKE_VIRUS_SCAN": "off",
        }
        with (
            running_server(settings, work / "server-large.log") as server,
            httpx.Client(
                base_url=server.url,
                headers={"Authorization": f"Bearer {_signup(server.url)}"},
                timeout=60,
            ) as api,
        ):
            created = api.post("/api/v1/customers", json={"name": "Große Dateien GmbH"})
            created.raise_for_status()
            customer_id = created.json()["id"]
            link = api.post(
                f"/api/v1/customers/{customer_id}/links",
                json={"title": "Benchmark", "max_file_size": limit},
            )
            link.raise_for_status()
            token = link.json()["url"].rstrip("/").rsplit("/", 1)[-1]

            def files() -> list[str]:
                answer = api.get(f"/api/v1/customers/{customer_id}/files")
                answer.raise_for_status()
                return [item["id"] for item in answer.json()["items"]]

            memories: list[float] = []

            def resumable() -> float:
                for file_id in files():  # the previous round's file: the disk stays free
                    api.delete(f"/api/v1/files/{file_id}")
                result, _ = large_files.tus_upload_once(server, token, payload)
                memories.append(result.memory_growth_mib)
                return result.mib_per_second

            interleave(
                sizes.rounds, resumable, lambda: copy_mib_per_second(payload, copies), upload
            )
            for value in memories:
                upload_memory.record(value)
            upload.tool = "httpx, 8 MiB PATCH requests read from disk, 1 client, in the harness"
            upload_memory.tool = "/proc/PID/status of the server: VmRSS every 10 ms, and VmHWM"

            with section(clock, "ZIP stream figures", [archive, archive_memory]):
                deadline = time.monotonic() + 60
                while not (stored := files()) and time.monotonic() < deadline:
                    time.sleep(0.2)
                zip_memories: list[float] = []

                def zipped() -> float:
                    result = large_files.zip_once(server, api, customer_id)
                    zip_memories.append(result.memory_growth_mib)
                    return result.mib_per_second

                interleave(
                    sizes.rounds,
                    zipped,
                    lambda: large_files.contents_mib_per_second(server, api, stored),
                    archive,
                )
                for value in zip_memories:
                    archive_memory.record(value)
                archive.tool = "httpx streaming and discarding the answer, 1 client"
                archive_memory.tool = upload_memory.tool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes, under 3 minutes")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument(
        "--load", choices=("wrk", "python"), default="wrk", help="load generator (default wrk)"
    )
    parser.add_argument(
        "--only-processes",
        action="store_true",
        help="only the 1-against-2-API-processes figures (their own data)",
    )
    parser.add_argument(
        "--only-large-files",
        action="store_true",
        help="only the resumable-upload and ZIP-stream figures",
    )
    arguments = parser.parse_args(argv)
    sizes = QUICK if arguments.quick else FULL
    clock = Clock()
    load_at_start = machine.load_average()
    clock.say(f"docintake bench, {sizes.mode} sizes (load average {load_at_start})")
    free = free_connections()
    if free < 80:
        clock.say(f"warning: PostgreSQL has only {free} connections free; this run needs ~70")
    load = load_generator(arguments.load)
    figures = planned.define(sizes)
    try:
        with tempfile.TemporaryDirectory(prefix="docintake-bench-") as temporary:
            work = Path(temporary)
            if arguments.only_processes:
                figures = {name: figures[name] for name in planned.PROCESSES}
                processes_scenario(load, sizes, figures, work, clock)
                return 0
            payload = work / "payload.bin"
            if arguments.only_large_files:
                figures = {name: figures[name] for name in planned.LARGE_FILES}
                clock.say(f"writing the {sizes.upload_bytes // MiB} MiB payload")
                make_payload(payload, sizes.upload_bytes)
                large_files_scenario(sizes, figures, work, payload, clock)
                return 0
            rebuild_scenario(sizes, figures[planned.REBUILD], work, clock)
            main_scenario(load, sizes, figures, work, clock)
            embedded_scenario(load, sizes, figures, work, clock)
            clock.say(f"writing the {sizes.upload_bytes // MiB} MiB payload")
            make_payload(payload, sizes.upload_bytes)
            for kind in ("local", "s3"):
                upload_scenario(kind, sizes, figures, work, payload, clock)
            large_files_scenario(sizes, figures, work, payload, clock)
            encryption_scenario(sizes, figures, work, payload, clock)
    finally:
        # Whatever was measured is written, even when the run is cut short.
        info = machine.describe(sizes.mode, load.version, load_at_start)
        info["sizes"] = asdict(sizes)
        info["seconds"] = round(time.monotonic() - clock.started, 1)
        write_results(arguments.output, info, list(figures.values()))
        print()
        print(table(list(figures.values())))
        print()
        for figure in figures.values():
            if figure.note:
                print(f"- {figure.name}: {figure.note}")
        clock.say(f"wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
