"""`docintake audit ...` and `docintake keys ...`: what auditors and operators do with the
event store itself (histories, the hash chain, signed checkpoints, exports, the master key)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.errors import NotFound
from application.history import HistoryEvent
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from interfaces.cli_audit_log import add_log_commands

LoadSettings = Callable[[], Settings]


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time such as 2025-03-01T12:00:00+00:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _event(event: HistoryEvent) -> dict[str, Any]:
    return {
        "timestamp": event.timestamp.isoformat(),
        "aggregate_type": event.aggregate_type,
        "aggregate_id": str(event.aggregate_id),
        "version": event.version,
        "type": event.type,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "data": event.data,
    }


def _table(events: list[HistoryEvent], state: dict[str, Any] | None, at: datetime | None) -> None:
    header = ("time", "aggregate", "version", "type", "actor", "data")
    rows = [
        (
            e.timestamp.isoformat(timespec="milliseconds"),
            f"{e.aggregate_type} {str(e.aggregate_id)[:8]}",
            str(e.version),
            e.type,
            str(e.actor_id)[:8] if e.actor_id else "-",
            json.dumps(e.data, ensure_ascii=False, sort_keys=True),
        )
        for e in events
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    if state is not None and at is not None:
        print(f"\nstate as of {at.isoformat()}:")
        print(json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True))


def history(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Print every stored event of a customer and of its links and files, oldest first;
    with --at, the events up to that moment and the customer's state then."""
    services = bootstrap(load_settings(), pool_size=1)
    try:
        try:
            events = services.app.history.of_customer(arguments.customer_id)
            state = None
            if arguments.at is not None:
                events = [e for e in events if e.timestamp <= arguments.at]
                state = services.app.history.customer_state_at(
                    arguments.customer_id, at=arguments.at
                )
        except NotFound as error:
            print(f"docintake: {error}", file=sys.stderr)
            return 1
        if arguments.format == "table":
            _table(events, state, arguments.at)
            return 0
        for event in events:
            print(json.dumps(_event(event), ensure_ascii=False))
        if state is not None:
            print(json.dumps({"state_at": arguments.at.isoformat(), "state": state}))
        return 0
    finally:
        services.close()


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], load_settings: LoadSettings
) -> None:
    """Register `docintake audit ...`."""
    group = commands.add_parser("audit", help="Replay what the event store holds, for auditors.")
    actions = group.add_subparsers(dest="action", required=True)
    parser = actions.add_parser("history", help=history.__doc__)
    parser.add_argument("customer_id", type=UUID, metavar="CUSTOMER_ID")
    parser.add_argument("--at", type=_moment, metavar="TIME", help="ISO 8601; UTC if no offset")
    parser.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    parser.set_defaults(run=lambda arguments: history(arguments, load_settings))
    add_log_commands(commands, actions, load_settings)
