"""`docintake projections run|status|rebuild|verify`: the operators' read-model commands."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from infrastructure.bootstrap import Services, bootstrap, configure_logging
from infrastructure.settings import Settings
from projections.poison import NotPoison
from projections.rebuild import ReadModelBusy, UnknownReadModel, Verification

if TYPE_CHECKING:
    # rich (progress bars) is imported by rebuild and verify only: every other `docintake`
    # process, `serve` and `worker` included, starts without it (about 0.07 s of CPU).
    from rich.console import Console
    from rich.progress import Progress, TaskID

log = logging.getLogger(__name__)

LoadSettings = Callable[[], Settings]


def _services(load_settings: LoadSettings) -> Services:
    settings = load_settings()
    configure_logging(settings.log_level)
    return bootstrap(settings, pool_size=2)


def _chosen(arguments: argparse.Namespace, known: list[str]) -> list[str] | None:
    """The read models named on the command line (all with --all); None after an error."""
    names: list[str] = known if getattr(arguments, "all", False) else list(arguments.names)
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        problem = f"unknown {', '.join(unknown)}" if unknown else "name one or give --all"
        print(f"docintake: {problem} (read models: {', '.join(known)})", file=sys.stderr)
        return None
    return names


def run(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Follow the event log for the named read models and policies (all by default) until
    SIGTERM or Ctrl-C; then finish the batch in hand and stop."""
    services = _services(load_settings)
    known = services.follower_names()
    names = list(arguments.names) or known
    unknown = [n for n in names if n not in known]
    if unknown:
        print(
            f"docintake: unknown {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr
        )
        services.close()
        return 2
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            # A second signal: do not wait any longer. The database rolls back whatever
            # batch was open, as after a crash.
            log.warning("%s received again: exiting now", name)
            os._exit(1)
        log.info("%s received: stopping after the batch in hand", name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        services.prepare_read_models()
        host = services.runtime.run_followers(names)
        services.runtime.listen()
        log.info("running %s", ", ".join(names))
        while not stop.wait(1.0):
            pass
        host.stop()
        host.finished.wait()
    finally:
        services.close()
    log.info("stopped")
    return 0


def status(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Each read model's position, the head of the event log, the lag, who runs it, and the
    poison events it passed over."""
    services = _services(load_settings)
    try:
        statuses = services.read_model_status()
    finally:
        services.close()
    header = ("read model", "position", "head", "lag events", "lag seconds", "runner")
    rows = [
        (
            s.name
            + (f" (rebuild at {s.rebuild_position})" if s.rebuild_position is not None else ""),
            str(s.position),
            str(s.head),
            str(s.lag_events),
            f"{s.lag_seconds:.1f}",
            s.holder or "none",
        )
        for s in statuses
    ]
    _print_table(header, rows)
    poison = [(s.name, p) for s in statuses for p in s.poison_events]
    if poison:
        print()
        print(f"poison events ({len(poison)}): applying them failed; they were passed over")
        _print_table(
            ("read model", "position", "recorded", "event", "error"),
            [
                (
                    name,
                    str(p.position),
                    p.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
                    p.topic.rpartition(":")[2],
                    " ".join(p.error.split())[:200],
                )
                for name, p in poison
            ],
        )
        print("apply one again, once the cause is fixed: docintake projections retry NAME POSITION")
    return 0


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def retry(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Apply poison events again (one position, several, or --all of a read model); each
    that works is forgotten. Exits 1 if any still fails."""
    services = _services(load_settings)
    failed = False
    try:
        positions: list[int] = list(arguments.positions)
        if arguments.all:
            positions = [
                p.position
                for s in services.read_model_status()
                if s.name == arguments.name
                for p in s.poison_events
            ]
        if not positions:
            print("docintake: name a POSITION or give --all", file=sys.stderr)
            return 2
        for position in positions:
            try:
                services.retry_poison(arguments.name, position)
            except (NotPoison, UnknownReadModel) as error:
                print(f"docintake: {error}", file=sys.stderr)
                return 2
            except Exception as error:
                failed = True
                print(f"{arguments.name} {position}: still fails: {type(error).__name__}: {error}")
            else:
                print(f"{arguments.name} {position}: applied")
    finally:
        services.close()
    return 1 if failed else 0


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _progress(console: Console) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Events per second so far."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} events/s" if speed else "… events/s")

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _reporter(progress: Progress, task: TaskID, name: str) -> Callable[[str, int, int], None]:
    def report(phase: str, position: int, target: int) -> None:
        progress.update(
            task, description=f"{name}: {phase}", completed=position, total=max(target, 1)
        )

    return report


def rebuild(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Rebuild read models beside the live ones, then swap them in (no downtime)."""
    services = _services(load_settings)
    console = _console()
    try:
        models = services.read_models()
        names = _chosen(arguments, list(models.projections))
        if names is None:
            return 2
        services.prepare_read_models()
        if arguments.dry_run:
            for name in names:
                print(f"{name}: would read {models.events_to_read(name)} events")
            return 0
        for name in names:
            with _progress(console) as progress:
                task = progress.add_task(name, total=None)
                result = models.rebuild(name, _reporter(progress, task, name))
            rate = result.events / result.seconds if result.seconds else 0.0
            print(
                f"{name}: rebuilt from {result.events} events in {result.seconds:.1f} s"
                f" ({rate:,.0f} events/s), now at position {result.position}"
            )
    except (ReadModelBusy, UnknownReadModel) as error:
        print(f"docintake: {error}", file=sys.stderr)
        return 1
    finally:
        services.close()
    return 0


def _show(verification: Verification) -> None:
    print(
        f"{verification.name}: {verification.total} difference(s)"
        f" at position {verification.position}"
    )
    for problem in verification.schema_problems:
        print(f"  schema: {problem}")
    for table, count in verification.counts.items():
        print(f"  {table}: {count} row(s) differ")
    for difference in verification.shown:
        key = ", ".join(f"{k}={v}" for k, v in difference.key.items())
        print(f"  {difference.kind} {difference.table} [{key}]")
        live: dict[str, Any] = difference.live or {}
        rebuilt: dict[str, Any] = difference.rebuilt or {}
        for column in sorted(live.keys() | rebuilt.keys()):
            if live.get(column) != rebuilt.get(column):
                print(f"      {column}: live={live.get(column)!r} rebuilt={rebuilt.get(column)!r}")


def verify(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Rebuild into scratch tables and compare with the live read model row by row;
    exits 1 if anything differs."""
    services = _services(load_settings)
    console = _console()
    differ = False
    try:
        models = services.read_models()
        names = _chosen(arguments, list(models.projections))
        if names is None:
            return 2
        services.prepare_read_models()
        for name in names:
            with _progress(console) as progress:
                task = progress.add_task(name, total=None)
                verification = models.verify(name, _reporter(progress, task, name))
            _show(verification)
            differ = differ or not verification.equal
    except (ReadModelBusy, UnknownReadModel) as error:
        print(f"docintake: {error}", file=sys.stderr)
        return 1
    finally:
        services.close()
    return 1 if differ else 0


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], load_settings: LoadSettings
) -> None:
    """Register `docintake projections ...`."""
    group = commands.add_parser("projections", help="Run, inspect, rebuild and verify read models.")
    actions = group.add_subparsers(dest="action", required=True)

    def bind(command: Callable[[argparse.Namespace, LoadSettings], int]) -> Any:
        return lambda arguments: command(arguments, load_settings)

    run_parser = actions.add_parser("run", help=run.__doc__)
    run_parser.add_argument("names", nargs="*", metavar="NAME")
    run_parser.set_defaults(run=bind(run))
    actions.add_parser("status", help=status.__doc__).set_defaults(run=bind(status))
    retry_parser = actions.add_parser("retry", help=retry.__doc__)
    retry_parser.add_argument("name", metavar="NAME")
    retry_parser.add_argument("positions", nargs="*", type=int, metavar="POSITION")
    retry_parser.add_argument("--all", action="store_true", help="every poison event of NAME")
    retry_parser.set_defaults(run=bind(retry))
    for name, command in (("rebuild", rebuild), ("verify", verify)):
        parser = actions.add_parser(name, help=command.__doc__)
        parser.add_argument("names", nargs="*", metavar="NAME")
        parser.add_argument("--all", action="store_true", help="every read model")
        if name == "rebuild":
            parser.add_argument(
                "--dry-run", action="store_true", help="only say how many events it would read"
            )
        parser.set_defaults(run=bind(command))
