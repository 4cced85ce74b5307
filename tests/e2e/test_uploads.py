"""The upload endpoint and files: caps, types, names, counts, status, review, deletion."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.uploads import (
    create_link,
    path_of,
    pdf_bytes,
    png_bytes,
    raw_upload,
    token_of,
    upload,
)


def stored_keys(services: Services) -> set[str]:
    """Every key in the store (shared with other tests of this worker: compare sets)."""
    return {key for key, _ in services.file_store.list("")}


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_uploaded_bytes_come_back_identical(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    before = stored_keys(services)
    first, second = pdf_bytes(300_000), png_bytes(70_000)
    response = upload(http, link, ("beleg.pdf", first), ("foto.png", second))
    assert response.status_code == 201, response.text
    files = response.json()["files"]
    assert [f["filename"] for f in files] == ["beleg.pdf", "foto.png"]
    assert [f["sha256"] for f in files] == [
        hashlib.sha256(first).hexdigest(),
        hashlib.sha256(second).hexdigest(),
    ]
    for sent, described in zip((first, second), files, strict=True):
        content = account.get(f"/api/v1/files/{described['id']}/content")
        assert content.status_code == 200
        assert hashlib.sha256(content.content).hexdigest() == described["sha256"]
        assert content.content == sent
        assert content.headers["content-disposition"].startswith("attachment;")
        assert content.headers["x-content-type-options"] == "nosniff"
    listed = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert {f["content_type"] for f in listed} == {"application/pdf", "image/png"}
    assert stored_keys(services) - before == {f"files/{f['id']}" for f in files}


def test_the_size_cap_refuses_one_byte_over_and_keeps_nothing(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], max_file_size=50_000)
    before = stored_keys(services)
    exactly = upload(http, link, ("genau.pdf", pdf_bytes(50_000)))
    assert exactly.status_code == 201
    over = upload(http, link, ("zu-gross.pdf", pdf_bytes(50_001)))
    assert over.status_code == 413
    assert over.json()["error"]["code"] == "file_too_large"
    # A refused file in the middle of a request takes the whole request down with it.
    mixed = upload(http, link, ("klein.pdf", pdf_bytes(100)), ("zu-gross.pdf", pdf_bytes(60_000)))
    assert mixed.status_code == 413
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert [f["filename"] for f in files] == ["genau.pdf"]
    assert stored_keys(services) - before == {f"files/{files[0]['id']}"}


def test_the_type_is_judged_from_the_bytes(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    images_only = create_link(account, customer["id"], allowed_types=["image/*"])
    renamed_pdf = upload(http, images_only, ("foto.jpg", pdf_bytes()))
    assert renamed_pdf.status_code == 415
    assert renamed_pdf.json()["error"]["code"] == "file_type_not_allowed"
    assert upload(http, images_only, ("scan.pdf", png_bytes())).status_code == 201
    pdf_only = create_link(account, customer["id"], allowed_types=["application/pdf"])
    assert upload(http, pdf_only, ("brief.pdf", b"just some text, not a pdf")).status_code == 415
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert [(f["filename"], f["content_type"]) for f in files] == [("scan.pdf", "image/png")]


@pytest.mark.parametrize(
    ("sent_name", "safe_name"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path/beleg.pdf", "beleg.pdf"),
        ("bad\x01na\x1fme\x7f.pdf", "badname.pdf"),
        ("...", "datei"),
        # Only an extension left: it stays one, not the whole name.
        (" .pdf", "datei.pdf"),
        ("..pdf", "datei.pdf"),
        ("Kündigung – 2024.pdf. ", "Kündigung – 2024.pdf"),
        ("a" * 300 + ".pdf", "a" * 176 + ".pdf"),
        ("CON.pdf", "_CON.pdf"),
        ('what?<>|*".pdf', "what______.pdf"),
    ],
)
def test_file_names_are_made_safe(
    account: Account, http: httpx.Client, sent_name: str, safe_name: str
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    response = raw_upload(http, link, sent_name.encode(), pdf_bytes(1000))
    assert response.status_code == 201, response.text
    assert response.json()["files"][0]["filename"] == safe_name
    file_id = response.json()["files"][0]["id"]
    content = account.get(f"/api/v1/files/{file_id}/content")
    assert "/" not in content.headers["content-disposition"].split("filename=")[1].split(";")[0]


def test_max_files_is_enforced(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], max_files=2)
    too_many = upload(
        http, link, ("a.pdf", pdf_bytes()), ("b.pdf", pdf_bytes()), ("c.pdf", pdf_bytes())
    )
    assert too_many.status_code == 409
    assert too_many.json()["error"]["code"] == "max_files_reached"
    assert upload(http, link, ("a.pdf", pdf_bytes()), ("b.pdf", pdf_bytes())).status_code == 201
    full = upload(http, link, ("c.pdf", pdf_bytes()))
    assert full.status_code == 409
    assert full.json()["error"]["code"] == "max_files_reached"
    assert account.get(f"/api/v1/links/{link['id']}").json()["upload_count"] == 2


def test_bad_multipart_input_is_refused_cleanly(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    before = stored_keys(services)
    path = f"/u/{token_of(link)}/files"
    not_multipart = http.post(path, content=b"hello", headers={"Content-Type": "text/plain"})
    assert not_multipart.status_code == 422
    assert "body" in not_multipart.json()["error"]["fields"]
    no_file = http.post(path, data={"uploader_name": "Anna"}, files={"x": ("", b"")})
    assert no_file.status_code == 422
    empty = upload(http, link, ("leer.pdf", b""))
    assert empty.status_code == 422
    assert "file" in empty.json()["error"]["fields"]
    bad_item = upload(http, link, ("a.pdf", pdf_bytes()), data={"item_id": "nope"})
    assert bad_item.status_code == 422
    assert "item_id" in bad_item.json()["error"]["fields"]
    foreign_item = upload(
        http, link, ("a.pdf", pdf_bytes()), data={"item_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert foreign_item.status_code == 422
    bad_email = upload(http, link, ("a.pdf", pdf_bytes()), data={"uploader_email": "x"})
    assert bad_email.status_code == 422
    assert "uploader_email" in bad_email.json()["error"]["fields"]
    truncated = http.post(
        path,
        content=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF',
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert truncated.status_code == 422
    assert account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"] == []
    assert stored_keys(services) - before == set()


def test_the_first_upload_sets_partial_automatically_and_once(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        assert upload(http, link, (name, pdf_bytes())).status_code == 201
    summary = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert summary["status"] == "partial"
    assert summary["file_count"] == 3
    assert summary["last_upload_at"] is not None
    history = account.get(f"/api/v1/customers/{customer['id']}/history").json()["events"]
    automatic = [e for e in history if e["type"] == "StatusChanged"]
    assert [(e["data"]["new_status"], e["data"]["reason"]) for e in automatic] == [
        ("partial", "automatic")
    ]


@pytest.mark.parametrize("status", ["partial", "complete"])
def test_uploads_never_move_partial_or_complete(
    account: Account, http: httpx.Client, status: str
) -> None:
    customer = account.create_customer()
    account.put(f"/api/v1/customers/{customer['id']}/status", json={"status": status})
    link = create_link(account, customer["id"])
    assert upload(http, link, ("a.pdf", pdf_bytes())).status_code == 201
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["status"] == status


def test_requested_items_show_as_received(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], requested_items=["Ausweis", "Gehaltsnachweis"])
    ausweis = link["requested_items"][0]["id"]
    response = upload(
        http, link, ("ausweis.png", png_bytes()), data={"item_id": ausweis, "uploader_name": "Anna"}
    )
    assert response.status_code == 201
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    items = detail["active_links"][0]["requested_items"]
    assert [(i["label"], i["received"]) for i in items] == [
        ("Ausweis", True),
        ("Gehaltsnachweis", False),
    ]
    assert detail["received_files"][0]["item_id"] == ausweis
    assert detail["received_files"][0]["uploader_name"] == "Anna"
    assert detail["recent_files"][0]["id"] == detail["received_files"][0]["id"]
    page = http.get(f"/u/{token_of(link)}").text
    assert 'class="received"' in page


def test_review_states(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    file_id = upload(http, link, ("a.pdf", pdf_bytes())).json()["files"][0]["id"]
    path = f"/api/v1/files/{file_id}/review"
    checked = account.put(path, json={"state": "checked"})
    assert checked.status_code == 200
    assert checked.json()["review"]["state"] == "checked"
    assert checked.json()["review"]["reviewer_id"] == account.user_id
    no_comment = account.put(path, json={"state": "query"})
    assert no_comment.status_code == 422
    assert "comment" in no_comment.json()["error"]["fields"]
    bad_state = account.put(path, json={"state": "approved"})
    assert bad_state.status_code == 422
    assert "state" in bad_state.json()["error"]["fields"]
    query = account.put(path, json={"state": "query", "comment": "Seite 2 fehlt"})
    assert query.json()["review"] == {
        **query.json()["review"],
        "state": "query",
        "comment": "Seite 2 fehlt",
    }
    listed = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"][0]
    assert listed["review"]["state"] == "query"
    assert listed["review"]["comment"] == "Seite 2 fehlt"
    pending = account.put(path, json={"state": "pending"})
    assert pending.json()["review"]["state"] == "pending"


def test_deleting_a_file_removes_it_and_its_bytes(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], max_files=1)
    file_id = upload(http, link, ("a.pdf", pdf_bytes())).json()["files"][0]["id"]
    assert f"files/{file_id}" in stored_keys(services)
    assert account.delete(f"/api/v1/files/{file_id}").status_code == 204
    assert account.get(f"/api/v1/files/{file_id}/content").status_code == 404
    assert account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"] == []
    assert account.get("/api/v1/customers").json()["items"][0]["file_count"] == 0
    wait_until(lambda: f"files/{file_id}" not in stored_keys(services))
    # The slot is free again.
    assert upload(http, link, ("b.pdf", pdf_bytes())).status_code == 201


def test_deleting_a_customer_stops_links_and_empties_storage(
    account: Account, http: httpx.Client, services: Services
) -> None:
    before = stored_keys(services)
    keep = account.create_customer("Bleibt")
    keep_link = create_link(account, keep["id"])
    assert upload(http, keep_link, ("bleibt.pdf", pdf_bytes())).status_code == 201
    customer = account.create_customer("Geht")
    link = create_link(account, customer["id"])
    for name in ("a.pdf", "b.pdf"):
        assert upload(http, link, (name, pdf_bytes())).status_code == 201
    sent = account.post(
        f"/api/v1/customers/{customer['id']}/sent-files",
        files={"file": ("antwort.pdf", pdf_bytes())},
    )
    assert sent.status_code == 201
    assert len(stored_keys(services) - before) == 4

    assert account.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
    refused = upload(http, link, ("c.pdf", pdf_bytes()))
    assert refused.status_code == 410
    assert http.get(f"/u/{token_of(link)}").status_code == 410
    assert http.get(
        sent.json()["download_url"].split("127.0.0.1", 1)[1].split("/", 1)[1].join(["/", ""])
    ).status_code in (404, 410)
    wait_until(lambda: len(stored_keys(services) - before) == 1)
    remaining = account.get(f"/api/v1/customers/{keep['id']}/files").json()["items"]
    assert stored_keys(services) - before == {f"files/{remaining[0]['id']}"}


def test_sent_files_are_downloaded_by_the_client_and_recorded(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    payload = pdf_bytes(40_000)
    sent = account.post(
        f"/api/v1/customers/{customer['id']}/sent-files", files={"file": ("Bescheid.pdf", payload)}
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["filename"] == "Bescheid.pdf" and body["size"] == 40_000
    assert body["downloaded_at"] is None
    path = path_of(body["download_url"])
    page = http.get(path)
    assert page.status_code == 200 and "Bescheid.pdf" in page.text
    content = http.get(path + "/content")
    assert content.content == payload
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert detail["sent_files"][0]["downloaded_at"] is not None
    assert http.get("/d/unknown-token").status_code == 404


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_image_wildcard_takes_raster_images_only(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    images = create_link(account, customer["id"], allowed_types=["image/*"])
    refused = upload(http, images, ("logo.svg", SVG))
    assert refused.status_code == 415, refused.text
    assert refused.json()["error"]["code"] == "file_type_not_allowed"
    disguised = upload(http, images, ("foto.png", SVG))
    assert disguised.status_code == 415, disguised.text
    assert upload(http, images, ("foto.png", png_bytes())).status_code == 201
    named = create_link(account, customer["id"], allowed_types=["image/svg+xml"])
    taken = upload(http, named, ("logo.svg", SVG))
    assert taken.status_code == 201, taken.text
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert sorted(f["content_type"] for f in files) == ["image/png", "image/svg+xml"]
