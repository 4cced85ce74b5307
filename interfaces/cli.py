"""The `docintake` command: serve the API; operators' and auditors' subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping

from infrastructure.settings import Settings, SettingsError
from interfaces.cli_audit import add_commands as audit_commands
from interfaces.cli_jobs import add_commands as job_commands
from interfaces.cli_projections import add_commands as projection_commands
from interfaces.cli_storage import add_commands as storage_commands


def settings_loader(environ: Mapping[str, str]) -> Callable[[], Settings]:
    """Reads the settings from `environ` when a command needs them; exits 2 with one line
    naming the variable if one is broken."""

    def load_settings() -> Settings:
        try:
            return Settings.from_environ(environ)
        except SettingsError as error:
            print(f"docintake: {error}", file=sys.stderr)
            raise SystemExit(2) from None

    return load_settings


def serve(_: argparse.Namespace, load_settings: Callable[[], Settings]) -> int:
    """Serve the HTTP API on DOCINTAKE_HOST:DOCINTAKE_PORT until interrupted."""
    import uvicorn

    from infrastructure.bootstrap import bootstrap, configure_logging
    from interfaces.http.app import create_app
    from interfaces.http.server import server_config

    settings = load_settings()
    configure_logging(settings.log_level)
    services = bootstrap(settings)
    app = create_app(services)
    uvicorn.Server(server_config(app, settings, host=settings.host, port=settings.port)).run()
    return 0


def parser(environ: Mapping[str, str] = os.environ) -> argparse.ArgumentParser:
    load_settings = settings_loader(environ)
    root = argparse.ArgumentParser(prog="docintake", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help=serve.__doc__).set_defaults(
        run=lambda arguments: serve(arguments, load_settings)
    )
    projection_commands(commands, load_settings)
    audit_commands(commands, load_settings)
    storage_commands(commands, load_settings)
    job_commands(commands, load_settings)
    return root


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Run the command `argv` (the process's arguments if None) with the settings `environ`
    holds (the process's environment unless given)."""
    arguments = parser(environ).parse_args(argv)
    result: int = arguments.run(arguments)
    return result


if __name__ == "__main__":
    sys.exit(main())
