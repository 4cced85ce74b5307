"""`docintake worker` and `docintake jobs status`: running background jobs and watching them."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from infrastructure.bootstrap import Services, bootstrap, configure_logging
from infrastructure.settings import Settings

log = logging.getLogger(__name__)

LoadSettings = Callable[[], Settings]


def _services(load_settings: LoadSettings, pool_size: int) -> Services:
    settings = load_settings()
    configure_logging(settings.log_level)
    return bootstrap(settings, pool_size=pool_size)


def worker(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Run background jobs (mail, notices, expiry, storage sweep) until SIGTERM or Ctrl-C.

    With DOCINTAKE_BROKER_URL it consumes the broker's queues; without, it runs
    the embedded queue's jobs whenever no API process does. Several workers may
    run at once. On SIGTERM it lets the jobs in hand finish (up to 10 s) and
    exits 0; a job cut off is delivered again.
    """
    threads: int = arguments.threads
    services = _services(load_settings, pool_size=threads + 2)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received: stopping after the jobs in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        services.prepare_read_models()
        services.runtime.run_job_workers(threads)
        mode = "broker" if services.settings.broker_url else "embedded queue"
        log.info("worker running %d threads on the %s", threads, mode)
        while not stop.wait(1.0):
            pass
    finally:
        services.close()
    log.info("worker stopped")
    return 0


def status(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Queued, delayed, failed and dead-lettered jobs per kind."""
    services = _services(load_settings, pool_size=1)
    try:
        services.jobs.prepare()
        counts = services.job_status()
    except Exception as error:
        # Name the problem in one line; the broker's URL may hold a password, so not that.
        print(f"docintake: cannot count jobs: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        services.close()
    header = ("job", "queued", "delayed", "failed", "dead-lettered")
    rows = [
        (c.kind, str(c.queued), str(c.delayed), str(c.failed), str(c.dead_lettered)) for c in counts
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def add_commands(commands: Any, load_settings: LoadSettings) -> None:
    run = commands.add_parser("worker", help="run background jobs until stopped")
    run.add_argument("--threads", type=int, default=2, help="jobs run at the same time (default 2)")
    run.set_defaults(run=lambda arguments: worker(arguments, load_settings))
    jobs = commands.add_parser("jobs", help="background jobs")
    actions = jobs.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help=status.__doc__).set_defaults(
        run=lambda arguments: status(arguments, load_settings)
    )
