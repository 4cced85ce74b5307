"""What auditors and operators do with the event store itself: verify the hash chain,
sign checkpoints, export a customer's or an organisation's events, rotate the
master key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from application.docintake import DocIntake
from application.history import describe
from domain.branding import Branding
from domain.erasure import ErasedEvent
from domain.organization import Organization
from infrastructure.encryption import EventStore, audit_signing_key, event_store_of, master_key_for
from infrastructure.event_chain import ChainReport, Checkpoint, verify_chain
from infrastructure.master_key import MasterKey, write_key_file
from infrastructure.settings import Settings
from infrastructure.webhook_secrets import MasterKeySealer

EVENTS_FILE = "events.jsonl"
MANIFEST_FILE = "manifest.json"
SCAN_PAGE = 1000


@dataclass(frozen=True)
class ExportCheck:
    ok: bool
    problems: list[str]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _export_line(position: int, event: Any, state: bytes) -> dict[str, Any]:
    """One event as an export's JSON line holds it (plain where readable, else a skeleton)."""
    described = describe(event)
    return {
        "position": position,
        "aggregate_type": described.aggregate_type,
        "aggregate_id": str(described.aggregate_id),
        "version": described.version,
        "type": described.type,
        "timestamp": described.timestamp.isoformat(),
        "actor_id": str(described.actor_id) if described.actor_id else None,
        "erased": isinstance(event, ErasedEvent),
        "stored_sha256": hashlib.sha256(state).hexdigest(),
        "data": described.data,
    }


def _json_line(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True)


class AuditLog:
    def __init__(self, app: DocIntake, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.store: EventStore = event_store_of(app)

    # The chain ----------------------------------------------------------------------

    def verify(self, stop: int | None = None) -> ChainReport:
        return verify_chain(self.store, stop)

    def checkpoint(self) -> Checkpoint:
        report = self.verify()
        if not report.intact:
            raise ValueError(
                f"the chain is broken at position {report.broken_at}: {report.problem}"
            )
        return Checkpoint.sign(report.head_position, report.head_hash, self.signing_key())

    def signing_key(self) -> Any:
        return audit_signing_key(self.settings)

    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key().public_key()

    def verify_checkpoint(
        self, checkpoint: Checkpoint, trusted: Ed25519PublicKey
    ) -> tuple[bool, str]:
        if not checkpoint.signature_valid(trusted):
            return False, "the checkpoint's signature is not valid for the trusted key"
        report = self.verify(stop=checkpoint.position)
        if not report.intact:
            return False, f"position {report.broken_at}: {report.problem}"
        if report.head_position != checkpoint.position:
            return False, f"the log does not reach position {checkpoint.position}"
        if report.head_hash.hex() != checkpoint.head_hash:
            return False, (
                f"position {checkpoint.position}: the log up to here differs from the"
                " checkpoint (rewritten and re-chained?)"
            )
        return True, f"the log up to position {checkpoint.position} is unchanged"

    # Exports ------------------------------------------------------------------------

    def _scope(self, customer_id: UUID | None, organization_id: UUID | None) -> set[UUID]:
        if customer_id is not None:
            return {customer_id, *self.store.aggregates_of(customer_id)}
        assert organization_id is not None
        # The organisation, its branding, and every customer it held with their parts.
        aggregates = {organization_id, Branding.id_for(organization_id)}
        for event in self.app.events.get(organization_id):
            if isinstance(event, Organization.CustomerSlotTaken):
                aggregates.add(event.customer_id)
                aggregates.update(self.store.aggregates_of(event.customer_id))
        return aggregates

    def _events(self, scope: set[UUID]) -> Iterator[tuple[int, Any, bytes]]:
        after = 0
        while True:
            page = self.store.select_notifications(
                start=after, limit=SCAN_PAGE, inclusive_of_start=False
            )
            if not page:
                return
            for notification in page:
                if notification.originator_id in scope:
                    yield (
                        notification.id,
                        self.app.mapper.to_domain_event(notification),
                        notification.state,
                    )
            after = page[-1].id

    def export(
        self, out: Path, *, customer_id: UUID | None = None, organization_id: UUID | None = None
    ) -> dict[str, Any]:
        """Write the events in scope as JSON lines (plain where readable, skeletons where
        erased) and a manifest naming the chain positions they cover, with their hashes."""
        out.mkdir(parents=True, exist_ok=True)
        scope = self._scope(customer_id, organization_id)
        positions: list[int] = []
        with (out / EVENTS_FILE).open("w", encoding="utf-8") as file:
            for position, event, state in self._events(scope):
                file.write(_json_line(_export_line(position, event, state)) + "\n")
                positions.append(position)
        report = verify_chain(self.store, remember=set(positions))
        if not report.intact:
            raise ValueError(
                f"the chain is broken at position {report.broken_at}: {report.problem}"
            )
        hashes = report.hash_at or {}
        manifest = {
            "format": "docintake audit export v1",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scope": {
                "customer_id": str(customer_id) if customer_id else None,
                "organization_id": str(organization_id) if organization_id else None,
            },
            "head": {"position": report.head_position, "hash": report.head_hash.hex()},
            "positions": [{"position": p, "hash": hashes[p].hex()} for p in positions],
            "files": {EVENTS_FILE: _sha256_file(out / EVENTS_FILE)},
        }
        (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        return manifest

    def verify_export(self, folder: Path) -> ExportCheck:
        """The files are as the manifest says, and every position it names still has the
        same hash in this event store's chain."""
        problems: list[str] = []
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text())
        except (OSError, ValueError) as error:
            return ExportCheck(False, [f"{MANIFEST_FILE}: {error}"])
        for name, expected in manifest.get("files", {}).items():
            path = folder / name
            if not path.is_file():
                problems.append(f"{name}: missing")
            elif _sha256_file(path) != expected:
                problems.append(f"{name}: its SHA-256 differs from the manifest")
        listed = {int(e["position"]): e["hash"] for e in manifest.get("positions", [])}
        try:
            with (folder / EVENTS_FILE).open(encoding="utf-8") as file:
                exported = [json.loads(line) for line in file if line.strip()]
            for line in exported:
                line["position"] = int(line["position"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{EVENTS_FILE}: {error}")
            exported = []
        if sorted(line["position"] for line in exported) != sorted(listed):
            problems.append(f"{EVENTS_FILE}: its positions differ from the manifest's")
        problems.extend(self._lines_against_the_log(exported))
        head = int(manifest.get("head", {}).get("position", 0))
        report = verify_chain(self.store, stop=head, remember=set(listed))
        if not report.intact:
            problems.append(f"the log: position {report.broken_at}: {report.problem}")
        else:
            found = report.hash_at or {}
            for position, expected_hash in sorted(listed.items()):
                actual = found.get(position)
                if actual is None or actual.hex() != expected_hash:
                    problems.append(f"position {position}: the log's hash differs from the export")
        return ExportCheck(not problems, problems)

    def _lines_against_the_log(self, exported: list[dict[str, Any]]) -> list[str]:
        """Each exported line is what the log holds at its position today: the same stored
        bytes (by hash), ids, type and time, and the same data where the event is still
        readable (once its customer is erased only the rest can be compared)."""
        problems = []
        for line in exported:
            position = line["position"]
            found = self.store.select_notifications(start=position, limit=1)
            if not found or found[0].id != position:
                problems.append(f"position {position}: no event there in the log")
                continue
            notification = found[0]
            try:
                event = self.app.mapper.to_domain_event(notification)
                now = json.loads(_json_line(_export_line(position, event, notification.state)))
            except Exception as error:  # an altered row: the chain check names it too
                problems.append(
                    f"position {position}: the log's event does not decode ({type(error).__name__})"
                )
                continue
            if now["erased"] and not line.get("erased"):
                now = {**now, "erased": False, "data": line.get("data")}
            if now != line:
                differing = sorted(k for k in now.keys() | line.keys() if now.get(k) != line.get(k))
                problems.append(
                    f"position {position}: the export's line differs from the log"
                    f" ({', '.join(differing)})"
                )
        return problems

    # Keys ---------------------------------------------------------------------------

    def rotate_master_key(self, new: MasterKey) -> int:
        """Rewrap every data key under `new` (and seal webhook secrets anew); events and
        files stay as they are."""
        old = master_key_for(self.settings)
        if new == old:
            raise ValueError("DOCINTAKE_NEW_MASTER_KEY is the current master key")
        embedded_file = self.settings.master_key is None
        if embedded_file:
            # Keep the new key beside the old one until the table is rewrapped.
            pending = self.settings.data_dir / "master.key.new"
            write_key_file(pending, new.encoded())
        # Webhook secrets first: a failure here leaves the data keys as they were, and a
        # second run skips what was resealed already.
        self.app.webhooks.reseal_webhook_secrets(MasterKeySealer(old), MasterKeySealer(new))
        count = self.store.rewrap_keys(old, new)
        if embedded_file:
            pending.replace(self.settings.data_dir / "master.key")
        return count
