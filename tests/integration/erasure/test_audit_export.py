"""`docintake audit export` and `audit verify-export`: an auditor's copy of a customer's or an
organisation's events, checked against its manifest and against the log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings
from tests.integration.erasure.test_log_and_keys import raw_events, some_history
from tests.support.cli import docintake_in_process, environment

pytestmark = pytest.mark.timeout(240)


def lines_of(folder: Path) -> list[dict[str, Any]]:
    text = (folder / "events.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def write_lines(folder: Path, lines: list[dict[str, Any]], *, update_manifest: bool) -> None:
    path = folder / "events.jsonl"
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines),
        encoding="utf-8",
    )
    if update_manifest:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["files"]["events.jsonl"] = hashlib.sha256(path.read_bytes()).hexdigest()
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def copy_of(folder: Path, to: Path) -> Path:
    to.mkdir()
    for name in ("events.jsonl", "manifest.json"):
        (to / name).write_bytes((folder / name).read_bytes())
    return to


def test_an_export_verifies_and_a_tampered_one_is_refused(
    make_services: Callable[..., Services], settings: Settings, tmp_path: Path
) -> None:
    services = make_services(run_projections=False)
    customer, principal = some_history(services)
    organization = principal.organization_id
    env = environment(settings)

    out = tmp_path / "kunde"
    made = docintake_in_process(
        env, "audit", "export", "--customer", str(customer), "--out", str(out)
    )
    assert made.returncode == 0, made.stderr
    lines = lines_of(out)
    assert [line["type"] for line in lines] == ["CustomerCreated"] + ["NoteAdded"] * 3
    assert lines[0]["data"]["name"] == "Anna Österreich"
    assert not any(line["erased"] for line in lines)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [p["position"] for p in manifest["positions"]] == [line["position"] for line in lines]
    checked = docintake_in_process(env, "audit", "verify-export", str(out))
    assert checked.returncode == 0, checked.stderr

    # The organisation's export covers its own events and its customer's.
    whole = tmp_path / "kanzlei"
    made = docintake_in_process(
        env, "audit", "export", "--organization", str(organization), "--out", str(whole)
    )
    assert made.returncode == 0, made.stderr
    exported = {line["position"] for line in lines_of(whole)}
    assert {line["position"] for line in lines} < exported
    assert docintake_in_process(env, "audit", "verify-export", str(whole)).returncode == 0

    def refused(folder: Path, *expected: str) -> None:
        check = services.audit_log().verify_export(folder)
        assert not check.ok, folder.name
        for text in expected:
            assert any(text in problem for problem in check.problems), (folder.name, check)

    # A changed line, the manifest left as it was: refused by the command too.
    edited = [dict(line) for line in lines]
    edited[2]["data"] = {**edited[2]["data"], "text": "erfundene Notiz"}
    plain_edit = copy_of(out, tmp_path / "edited")
    write_lines(plain_edit, edited, update_manifest=False)
    result = docintake_in_process(env, "audit", "verify-export", str(plain_edit))
    assert result.returncode == 1, result.stdout
    assert "events.jsonl: its SHA-256 differs from the manifest" in result.stderr
    # The same change with the manifest's hash recomputed: the log still tells.
    covered = copy_of(out, tmp_path / "covered")
    write_lines(covered, edited, update_manifest=True)
    refused(covered, f"position {lines[2]['position']}: the export's line differs")
    # A line left out (and the manifest's hash recomputed).
    dropped = copy_of(out, tmp_path / "dropped")
    write_lines(dropped, lines[:1] + lines[2:], update_manifest=True)
    refused(dropped, "positions differ")
    # The log changed after the export.
    with raw_events(settings) as sql:
        sql("UPDATE stored_events SET state = %s WHERE rowid = %s", (b"{}", lines[1]["position"]))
    refused(out, f"position {lines[1]['position']}")


def test_an_export_made_before_the_erasure_still_verifies_after_it(
    make_services: Callable[..., Services], settings: Settings, tmp_path: Path
) -> None:
    services = make_services(run_projections=False)
    customer, principal = some_history(services)
    env = environment(settings)
    before = tmp_path / "vorher"
    assert (
        docintake_in_process(
            env, "audit", "export", "--customer", str(customer), "--out", str(before)
        ).returncode
        == 0
    )

    services.app.customers.delete(principal, customer)

    # The chain is over ciphertext: the auditor's copy is still proven by the log.
    checked = docintake_in_process(env, "audit", "verify-export", str(before))
    assert checked.returncode == 0, checked.stderr
    after = tmp_path / "nachher"
    assert (
        docintake_in_process(
            env, "audit", "export", "--customer", str(customer), "--out", str(after)
        ).returncode
        == 0
    )
    lines = lines_of(after)
    assert lines and all(line["erased"] for line in lines)
    assert "Anna" not in (after / "events.jsonl").read_text(encoding="utf-8")
    assert docintake_in_process(env, "audit", "verify-export", str(after)).returncode == 0
