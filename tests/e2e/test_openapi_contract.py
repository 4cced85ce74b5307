"""Schemathesis against our own OpenAPI document: every operation, bounded, on both backends.

The document must describe the service: 0 server errors and 0 contract findings outside
the short allow-list below. Data is seeded first so that the ids schemathesis sends
exist (a customer, its link, a received and a sent file, a member, an invitation, a
second API token for the DELETE, a staff session). It talks to the test's own server on
127.0.0.1 only, with a fixed seed and a fixed number of examples per operation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.support.api import PASSWORD, Account
from tests.support.team import add_member, invite
from tests.support.uploads import create_link, pdf_bytes, token_of, upload

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
# Examples per operation of the fuzzing phase. The coverage phase (about 3,000 boundary
# and negative cases, nine in ten of the run) exercises validation, which both backends
# share: it runs on SQLite. PostgreSQL adds what only it refuses (NUL bytes in text, its
# own integer range), which fuzzing reaches (tests/e2e/test_hostile_json.py tries those on
# purpose); there the coverage phase is left out, which keeps the suite within ten minutes.
EXAMPLES_PER_OPERATION = {"sqlite": 5, "postgres": 5}
COVERAGE_PHASE = {"sqlite": True, "postgres": False}
SEED = 20_241_205

# The state the run itself brings about answers before the data is looked at: it
# revokes the link, deletes the customer, uses the invitation (410 gone, 423 locked).
STATE = ["410", "423"]
POSITIVE = ["2xx", "401", "403", "404", "409", "429", *STATE]
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429", *STATE]

# The allow-list: (check, operation) pairs whose rule a JSON schema cannot state.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "positive_data_acceptance",
        "^/api/v1/customers$",
    ): "a cursor is opaque: only one this list handed out is taken (else 422 naming it)",
    (
        "positive_data_acceptance",
        "^/api/v1/customers/[^/]+/activity$",
    ): "a cursor is opaque: only one this list handed out is taken (else 422 naming it)",
    (
        "positive_data_acceptance",
        "^/api/v1/customers/[^/]+/(links|sent-files)$",
    ): "expires_at must lie in the future (and within a year): relative to now",
    (
        "positive_data_acceptance",
        "^/api/v1/links/[^/]+/(extend|reactivate)$",
    ): "expires_at must lie in the future, within a year, and (to extend) after the link's"
    " current expiry: relative to now and to the link",
    (
        "positive_data_acceptance",
        "^/api/v1/links/[^/]+$",
    ): "due_at must lie in the future and not after the link's expiry: relative to now",
    (
        "positive_data_acceptance",
        "^/api/v1/customers/[^/]+/files[.]zip$",
    ): "link_id and file_id must name this customer's links and files (else 422 naming them)",
    (
        "positive_data_acceptance",
        "^/u/[^/]+/tus(/[^/]+)?$",
    ): "tus: its headers (Tus-Resumable, Upload-Offset where the upload stands) are the"
    " protocol's; tests/e2e/test_tus_uploads.py drives them with a real client",
    (
        "status_code_conformance",
        "^/u/[^/]+/tus/[^/]+$",
    ): "tus: HEAD answers carry no body, so their documented statuses are not matched",
    (
        "positive_data_acceptance",
        "^/api/v1/webhooks(/[^/]+)?$",
    ): "a webhook URL must lead to a global address, decided by address after resolution",
    (
        "positive_data_acceptance",
        "^/api/v1/organization/branding$",
    ): "an accent colour must leave white text a contrast of 4.5:1 (computed, not a pattern)",
    (
        "positive_data_acceptance",
        "^/api/v1/organization/branding/logo$",
    ): "a logo must be a decodable PNG or JPEG image; tests/e2e/test_branding.py sends real ones",
}


def _seed(account: Account, http: httpx.Client, services: Services) -> dict[str, Any]:
    data_dir = Path(services.settings.data_dir)
    customer = account.create_customer("Anna Schmidt", email="anna@example.com")
    link = create_link(account, customer["id"], requested_items=["Lohnsteuerbescheinigung"])
    uploaded = upload(http, link, ("Müller.pdf", pdf_bytes(2_000)))
    assert uploaded.status_code == 201, uploaded.text
    sent = account.post(
        f"/api/v1/customers/{customer['id']}/sent-files",
        files={"file": ("Bescheid.pdf", pdf_bytes(2_000), "application/pdf")},
    )
    assert sent.status_code == 201, sent.text
    spare = account.post("/api/v1/tokens", json={"name": "zum Widerrufen"})
    assert spare.status_code == 201, spare.text
    member = add_member(account, data_dir, "member")
    webhook = account.post(
        "/api/v1/webhooks",
        json={"url": "https://93.184.215.14/docintake", "events": ["link.expired"]},
    )
    assert webhook.status_code == 201, webhook.text
    session = http.post("/api/v1/sessions", json={"email": account.email, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return {
        "customer_id": customer["id"],
        "link_id": link["id"],
        "upload_token": token_of(link),
        "file_id": uploaded.json()["files"][0]["id"],
        "download_token": sent.json()["download_url"].rsplit("/", 1)[1],
        "token_id": spare.json()["id"],
        "user_id": member.user_id,
        "webhook_id": webhook.json()["id"],
        "invitation_token": invite(account, data_dir, "viewer"),
        "session": session.cookies["docintake_session"],
        "csrf": session.json()["csrf_token"],
    }


def _config(seeded: dict[str, Any], account: Account, examples: int, coverage: bool) -> str:
    def operation(path: str, **parameters: str) -> str:
        values = "\n".join(f'"path.{k}" = "{v}"' for k, v in parameters.items())
        return f'[[operations]]\ninclude-path-regex = "{path}"\n[operations.parameters]\n{values}\n'

    names = ("customer_id", "link_id", "file_id", "token_id", "user_id", "webhook_id")
    ids = {k: seeded[k] for k in names}
    return "\n".join(
        [
            f"seed = {SEED}",
            "[generation]",
            f"max-examples = {examples}",
            "deterministic = true",
            "[parameters]",
            *(f'"path.{k}" = "{v}"' for k, v in ids.items()),
            "[auth.openapi.bearer]",
            f'bearer = "{account.token}"',
            "[auth.openapi.session]",
            f'api_key = "{seeded["session"]}"',
            "[headers]",
            f'X-CSRF-Token = "{seeded["csrf"]}"',
            "[phases.coverage]",
            f"enabled = {str(coverage).lower()}",
            "[phases.stateful]",
            "enabled = false",
            "[checks.positive_data_acceptance]",
            f"expected-statuses = {json.dumps(POSITIVE)}",
            "[checks.negative_data_rejection]",
            f"expected-statuses = {json.dumps(NEGATIVE)}",
            *(
                f'[[operations]]\ninclude-path-regex = "{path}"\n[operations.checks.{check}]\n'
                "enabled = false\n"
                for check, path in ALLOWED
            ),
            operation("^/u/", token=seeded["upload_token"]),
            operation("^/d/", token=seeded["download_token"]),
            operation("^/api/v1/invitations/", token=seeded["invitation_token"]),
        ]
    )


@pytest.mark.timeout(300)
def test_the_openapi_document_describes_the_service(
    account: Account, http: httpx.Client, services: Services, base_url: str, tmp_path: Path
) -> None:
    assert base_url.startswith("http://127.0.0.1:")
    seeded = _seed(account, http, services)
    config = tmp_path / "schemathesis.toml"
    backend = "sqlite" if services.settings.database_url is None else "postgres"
    config.write_text(
        _config(seeded, account, EXAMPLES_PER_OPERATION[backend], COVERAGE_PHASE[backend])
    )
    report = tmp_path / "report.json"
    finished = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(config),
            "run",
            f"{base_url}/schema/openapi.json",
            "--workers",
            "1",
            "--report",
            "json",
            "--report-json-path",
            str(report),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert report.exists(), finished.stdout[-5_000:] + finished.stderr[-5_000:]
    summary = json.loads(report.read_text())
    # Every operation was tried, every phase ran to its end, and nothing was found:
    # no 5xx (not_a_server_error) and no contract finding outside ALLOWED.
    assert summary["complete"], finished.stdout[-10_000:]
    assert summary["operations"]["tested"] == summary["operations"]["total"] >= 47
    assert summary["errors"] == [], finished.stdout[-10_000:]
    assert summary["failures"] == [], finished.stdout[-10_000:]
    assert finished.returncode == 0, finished.stdout[-10_000:]
