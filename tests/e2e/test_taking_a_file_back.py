"""A client's second thoughts: a file sent by mistake taken back from the upload page
within 15 minutes, with the secret its upload answered; refused with another secret,
on another link, twice, and after the quarter of an hour (clock under the test's control)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.e2e.test_uploads import stored_keys, wait_until
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, token_of, upload


def test_a_file_taken_back_within_15_minutes(
    account: Account,
    other_account: Account,
    http: httpx.Client,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    link = create_link(account, customer["id"], requested_items=["Kündigung – 2024", "Mietvertrag"])
    item = link["requested_items"][0]["id"]
    sent = upload(http, link, ("Müller.pdf", pdf_bytes(3_000)), data={"item_id": item})
    assert sent.status_code == 201, sent.text
    [file] = sent.json()["files"]
    assert len(file["removal_key"]) >= 40
    until = datetime.fromisoformat(file["removable_until"])
    assert timedelta(minutes=14) < until - datetime.now(UTC) <= timedelta(minutes=15)
    remove = f"/u/{token_of(link)}/files/{file['id']}/remove"

    # Another secret, or the file through another link: refused, nothing changes.
    wrong = http.post(remove, json={"removal_key": "x" * 43}, params={"lang": "de"})
    assert wrong.status_code == 403, wrong.text
    assert (
        wrong.json()["error"]["message"] == "Diese Datei kann von hier aus nicht entfernt werden."
    )
    theirs = other_account.create_customer("Fremd GmbH")
    other_link = create_link(other_account, theirs["id"])
    elsewhere = http.post(
        f"/u/{token_of(other_link)}/files/{file['id']}/remove",
        json={"removal_key": file["removal_key"]},
    )
    assert elsewhere.status_code == 404
    # Said to the client about the file, not "... not your organisation's" as to staff.
    said = elsewhere.json()["error"]["message"]
    assert said == "Diese Datei gibt es über diesen Link nicht (mehr).", said
    assert account.get(f"/api/v1/files/{file['id']}").status_code == 200
    bad = http.post(remove, json={"removal_key": ""})
    assert bad.status_code in (400, 422) and "removal_key" in bad.text
    # A key no upload answered (far too long) is no "Bitte ausfüllen." (left empty).
    long = http.post(remove, json={"removal_key": "x" * 1000}, params={"lang": "de"})
    assert long.status_code == 422
    assert long.json()["error"]["message"] == "Diese Angabe ist nicht gültig."

    assert f"files/{file['id']}" in stored_keys(services)
    taken = http.post(remove, json={"removal_key": file["removal_key"]})
    assert taken.status_code == 204, taken.text
    assert account.get(f"/api/v1/files/{file['id']}").status_code == 404
    # Its bytes go too (the cleanup policy, as for a file staff delete).
    wait_until(lambda: f"files/{file['id']}" not in stored_keys(services))
    now = account.get(f"/api/v1/links/{link['id']}").json()
    assert now["upload_count"] == 0
    assert now["requested_items"][0]["state"] == "missing"
    again = http.post(remove, json={"removal_key": file["removal_key"]})
    assert again.status_code == 404
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    summaries = {item["summary"]: item for item in activity[:2]}
    taken_back = "Datei „Müller.pdf“ vom Absender innerhalb von 15 Minuten zurückgenommen"
    assert taken_back in summaries, activity[:2]
    assert summaries[taken_back]["actor_id"] is None
    # Its only file gone, the status that moved to partial by itself is open again, by
    # itself: in the activity, the list's status counts and its filter.
    reopened = (
        "Status von „teilweise“ auf „offen“ geändert (automatisch, keine Datei mehr vorhanden)"
    )
    assert reopened in summaries, activity[:2]
    english = account.get(
        f"/api/v1/customers/{customer['id']}/activity", params={"lang": "en"}
    ).json()["items"]
    assert "Status changed from “partial” to “open” (automatically, no file left)" in [
        item["summary"] for item in english[:2]
    ], english[:2]
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["status"] == "open"
    found = account.get("/api/v1/customers", params={"status": "open"}).json()["items"]
    assert [c["id"] for c in found] == [customer["id"]]
    counts = account.get("/api/v1/customers/status-counts").json()
    assert (counts["open"], counts["partial"]) == (1, 0), counts

    # Sixteen minutes later the next one stays: a clear refusal in the page's language.
    late = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes(3_000)), data={"item_id": item})
    [kept] = late.json()["files"]
    real_now = services.app.now()
    monkeypatch.setattr(services.app, "now", lambda: real_now + timedelta(minutes=16))
    refused = http.post(
        f"/u/{token_of(link)}/files/{kept['id']}/remove",
        json={"removal_key": kept["removal_key"]},
        params={"lang": "en"},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"].startswith(
        "A file can be removed only within 15 minutes of its upload."
    )
    german = http.post(
        f"/u/{token_of(link)}/files/{kept['id']}/remove",
        json={"removal_key": kept["removal_key"]},
        params={"lang": "de"},
    )
    assert "nur innerhalb von 15 Minuten" in german.json()["error"]["message"]
    assert account.get(f"/api/v1/files/{kept['id']}").status_code == 200
