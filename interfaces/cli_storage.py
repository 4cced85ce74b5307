"""`docintake storage sweep`: finish or remove what interrupted uploads left in storage."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import timedelta

from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings

LoadSettings = Callable[[], Settings]


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], load_settings: LoadSettings
) -> None:
    storage = commands.add_parser("storage", help="file storage maintenance")
    actions = storage.add_subparsers(dest="storage_command", required=True)
    sweep = actions.add_parser(
        "sweep",
        help="move recorded uploads left under incoming/ to their final key; delete the rest",
    )
    sweep.add_argument(
        "--older-than-minutes",
        type=float,
        default=60.0,
        help="leave younger objects alone: they may belong to uploads in flight (default 60)",
    )

    def run(arguments: argparse.Namespace) -> int:
        services = bootstrap(load_settings())
        try:
            result = services.app.storage.sweep(timedelta(minutes=arguments.older_than_minutes))
        finally:
            services.close()
        print(json.dumps(result))
        return 0

    sweep.set_defaults(run=run)
