"""`docintake audit verify|checkpoint|public-key|export|verify-export` and
`docintake keys rotate-master`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.event_chain import Checkpoint, public_key_from_text, public_key_text
from infrastructure.settings import Settings, SettingsError

LoadSettings = Callable[[], Settings]


def _services(load_settings: LoadSettings) -> Services:
    return bootstrap(load_settings(), pool_size=1)


def _fail(message: str) -> int:
    print(f"docintake: {message}", file=sys.stderr)
    return 1


def verify(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Recompute the hash chain over every stored event; exit 1 naming the first broken
    position. With --checkpoint, also prove the log up to the checkpoint is unchanged."""
    services = _services(load_settings)
    try:
        audit = services.audit_log()
        if arguments.checkpoint is None:
            report = audit.verify()
            if not report.intact:
                return _fail(f"chain broken at position {report.broken_at}: {report.problem}")
            print(
                f"chain intact: {report.checked} events, head {report.head_position}"
                f" {report.head_hash.hex()}"
            )
            return 0
        checkpoint = Checkpoint.from_json(arguments.checkpoint.read_text())
        try:
            trusted = (
                public_key_from_text(arguments.public_key)
                if arguments.public_key
                else audit.public_key()
            )
        except (ValueError, SettingsError) as error:
            return _fail(f"no key to trust: {error} (pass --public-key)")
        ok, message = audit.verify_checkpoint(checkpoint, trusted)
        if not ok:
            return _fail(f"checkpoint not confirmed: {message}")
        print(message)
        return 0
    finally:
        services.close()


def checkpoint(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Sign the chain's current head (position, hash, time) with the audit signing key."""
    services = _services(load_settings)
    try:
        try:
            signed = services.audit_log().checkpoint()
        except (ValueError, SettingsError) as error:
            return _fail(str(error))
        arguments.out.write_text(signed.to_json())
        print(f"checkpoint at position {signed.position} written to {arguments.out}")
        return 0
    finally:
        services.close()


def public_key(_: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Print the public key that checks checkpoints (give it to your auditors)."""
    services = _services(load_settings)
    try:
        try:
            print(public_key_text(services.audit_log().public_key()))
        except SettingsError as error:
            return _fail(str(error))
        return 0
    finally:
        services.close()


def export(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Write a customer's or an organisation's events (JSON lines, skeletons where erased)
    and a manifest of the chain positions and file hashes they cover."""
    services = _services(load_settings)
    try:
        try:
            manifest = services.audit_log().export(
                arguments.out,
                customer_id=arguments.customer,
                organization_id=arguments.organization,
            )
        except ValueError as error:
            return _fail(str(error))
        print(f"{len(manifest['positions'])} events exported to {arguments.out}")
        return 0
    finally:
        services.close()


def verify_export(arguments: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Check an export folder against its manifest and against this event store's chain."""
    services = _services(load_settings)
    try:
        check = services.audit_log().verify_export(arguments.folder)
        for problem in check.problems:
            print(f"docintake: {problem}", file=sys.stderr)
        if not check.ok:
            return 1
        print(f"export {arguments.folder} confirmed")
        return 0
    finally:
        services.close()


def rotate_master(_: argparse.Namespace, load_settings: LoadSettings) -> int:
    """Rewrap every customer's data key under DOCINTAKE_NEW_MASTER_KEY (events and files
    stay untouched); then run every process with the new key as DOCINTAKE_MASTER_KEY."""
    settings = load_settings()
    if settings.new_master_key is None:
        return _fail("DOCINTAKE_NEW_MASTER_KEY: required (base64 of 32 random bytes)")
    services = bootstrap(settings, pool_size=1)
    try:
        try:
            count = services.audit_log().rotate_master_key(settings.new_master_key)
        except ValueError as error:
            return _fail(str(error))
        print(f"{count} data keys rewrapped under the new master key")
        return 0
    finally:
        services.close()


def add_log_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    load_settings: LoadSettings,
) -> None:
    def run(command: Callable[[argparse.Namespace, LoadSettings], int]) -> object:
        return lambda arguments: command(arguments, load_settings)

    parser = actions.add_parser("verify", help=verify.__doc__)
    parser.add_argument("--checkpoint", type=Path, metavar="FILE")
    parser.add_argument("--public-key", metavar="BASE64", help="the key the auditor trusts")
    parser.set_defaults(run=run(verify))
    parser = actions.add_parser("checkpoint", help=checkpoint.__doc__)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.set_defaults(run=run(checkpoint))
    actions.add_parser("public-key", help=public_key.__doc__).set_defaults(run=run(public_key))
    parser = actions.add_parser("export", help=export.__doc__)
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--customer", type=UUID, metavar="ID")
    scope.add_argument("--organization", type=UUID, metavar="ID")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.set_defaults(run=run(export))
    parser = actions.add_parser("verify-export", help=verify_export.__doc__)
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.set_defaults(run=run(verify_export))

    keys = commands.add_parser("keys", help="The master key that wraps customers' data keys.")
    key_actions = keys.add_subparsers(dest="action", required=True)
    key_actions.add_parser("rotate-master", help=rotate_master.__doc__).set_defaults(
        run=run(rotate_master)
    )
