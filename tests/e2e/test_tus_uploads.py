"""Resumable uploads (tus 1.0) through an upload link, driven by a real client (tuspy)
and by hand where the protocol's refusals are under test."""

from __future__ import annotations

import base64
import hashlib
import io
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader import Uploader

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, png_bytes, token_of

TUS = {"Tus-Resumable": "1.0.0"}
KiB = 1024


class Sha256Uploader(Uploader):
    """tuspy's uploader with the checksum this server takes (tuspy defaults to sha1)."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def tus_client(base_url: str, link: dict[str, Any], **headers: str) -> TusClient:
    return TusClient(f"{base_url}/u/{token_of(link)}/tus", headers=headers)


def received(account: Account, customer_id: str) -> list[dict[str, Any]]:
    """The customer's files. One read suffices: an upload's last request records its file
    before it answers, and a query waits for the read models to show everything recorded
    before it (read your writes); a stale answer would say so, and fails here."""
    response = account.get(f"/api/v1/customers/{customer_id}/files")
    assert response.status_code == 200, response.text
    assert "x-read-model-stale" not in response.headers
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def create(http: httpx.Client, link: dict[str, Any], length: int, **headers: str) -> str:
    response = http.post(
        f"/u/{token_of(link)}/tus",
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(filename="Müller.pdf"),
            **headers,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


def cut_off_patch(base_url: str, path: str, offset: int, body: bytes, send: int) -> None:
    """A PATCH announcing `body` that sends only `send` bytes of it and hangs up."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        connection.sendall(head + body[:send])
        time.sleep(0.5)


def offset_of(http: httpx.Client, path: str, **headers: str) -> int:
    response = http.head(path, headers={**TUS, **headers})
    assert response.status_code == 200, response.status_code
    assert response.headers["cache-control"] == "no-store"
    return int(response.headers["upload-offset"])


def test_tuspy_uploads_with_checksums_and_the_file_is_recorded(
    http: httpx.Client, account: Account, base_url: str
) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"], requested_items=["Kündigung"])
    item_id = link["requested_items"][0]["id"]
    content = pdf_bytes(1_500 * KiB)
    uploader = Sha256Uploader(
        client=tus_client(base_url, link),
        file_stream=io.BytesIO(content),
        chunk_size=256 * KiB,
        metadata={"filename": "Kündigung – 2024.pdf", "item_id": item_id},
        upload_checksum=True,
    )
    uploader.upload()
    (file,) = received(account, customer["id"])
    assert file["filename"] == "Kündigung – 2024.pdf"
    assert file["size"] == len(content)
    assert file["sha256"] == hashlib.sha256(content).hexdigest()
    assert file["content_type"] == "application/pdf"
    assert file["item_id"] == item_id
    downloaded = account.get(f"/api/v1/files/{file['id']}/content")
    assert hashlib.sha256(downloaded.content).hexdigest() == hashlib.sha256(content).hexdigest()
    # The finished upload's staging is gone.
    assert http.head(urlsplit(uploader.url).path, headers=TUS).status_code == 404


def test_a_cut_connection_resumes_where_it_stopped(
    http: httpx.Client, account: Account, base_url: str, services: Services
) -> None:
    customer = account.create_customer("Straße 5 GmbH")
    link = create_link(account, customer["id"])
    content = pdf_bytes(3 * 1024 * KiB)
    marker = b"KLARTEXT-MARKER-" * 64
    content = content[: 400 * KiB] + marker + content[400 * KiB + len(marker) :]
    uploader = tus_client(base_url, link).uploader(
        file_stream=io.BytesIO(content),
        chunk_size=512 * KiB,
        metadata={"filename": "Scan 😀 Ordner.pdf"},
    )
    uploader.upload(stop_at=512 * KiB)
    path = urlsplit(uploader.url).path
    assert offset_of(http, path) == 512 * KiB

    # The next request is cut off after 700 KiB of 2 MiB: what arrived is kept.
    cut_off_patch(base_url, path, 512 * KiB, content[512 * KiB :], send=700 * KiB)
    deadline = time.monotonic() + 10
    while offset_of(http, path) == 512 * KiB and time.monotonic() < deadline:
        time.sleep(0.1)
    resumed_at = offset_of(http, path)
    assert 512 * KiB < resumed_at <= 1212 * KiB

    # Staged bytes are encrypted at rest.
    staged = b"".join(p.read_bytes() for p in (services.settings.data_dir / "tus").rglob("data"))
    assert marker[:32] not in staged

    # A new client resumes from the server's offset and finishes.
    resumed = tus_client(base_url, link).uploader(
        file_stream=io.BytesIO(content), chunk_size=1024 * KiB, url=uploader.url
    )
    assert resumed.offset == resumed_at
    resumed.upload()
    (file,) = received(account, customer["id"])
    assert file["sha256"] == hashlib.sha256(content).hexdigest()
    assert file["filename"] == "Scan 😀 Ordner.pdf"


def test_a_checksum_mismatch_is_refused_with_460_and_the_offset_stays(
    http: httpx.Client, account: Account
) -> None:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(account, customer["id"])
    content = pdf_bytes(64 * KiB)
    path = create(http, link, len(content))
    wrong = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()
    response = http.patch(
        path,
        content=content[: 16 * KiB],
        headers={
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha256 {wrong}",
        },
    )
    assert response.status_code == 460
    assert offset_of(http, path) == 0
    right = base64.b64encode(hashlib.sha256(content[: 16 * KiB]).digest()).decode()
    response = http.patch(
        path,
        content=content[: 16 * KiB],
        headers={
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha256 {right}",
        },
    )
    assert response.status_code == 204
    assert response.headers["upload-offset"] == str(16 * KiB)
    # A request that does not continue at the offset conflicts.
    stale = http.patch(
        path,
        content=content[:1024],
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert stale.status_code == 409
    assert offset_of(http, path) == 16 * KiB


def test_options_creation_with_upload_and_termination(http: httpx.Client, account: Account) -> None:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(account, customer["id"])
    options = http.options(f"/u/{token_of(link)}/tus")
    assert options.status_code == 204
    assert options.headers["tus-version"] == "1.0.0"
    assert set(options.headers["tus-extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert options.headers["tus-checksum-algorithm"] == "sha256"
    content = png_bytes(20 * KiB)
    response = http.post(
        f"/u/{token_of(link)}/tus",
        content=content[: 10 * KiB],
        headers={
            **TUS,
            "Upload-Length": str(len(content)),
            "Upload-Metadata": metadata(filename="Foto.png"),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["upload-offset"] == str(10 * KiB)
    assert "upload-expires" in response.headers
    path = response.headers["location"]
    # The creating request let go of the upload: it stands at its offset, and giving it up
    # is answered at once (nothing waits on the first request's hold).
    assert offset_of(http, path) == 10 * KiB
    started = time.monotonic()
    assert http.delete(path, headers=TUS).status_code == 204
    assert time.monotonic() - started < 2
    assert http.head(path, headers=TUS).status_code == 404
    assert received(account, customer["id"]) == []


def test_limits_hold_on_every_route(
    http: httpx.Client, account: Account, other_account: Account
) -> None:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(
        account,
        customer["id"],
        max_file_size=100 * KiB,
        allowed_types=["application/pdf"],
        password="geheim123",
    )
    token = token_of(link)
    password = {"X-Link-Password": "geheim123"}
    # No version header, no password, wrong password, no length, too large.
    assert http.post(f"/u/{token}/tus", headers={"Upload-Length": "10"}).status_code == 412
    assert http.post(f"/u/{token}/tus", headers={**TUS, "Upload-Length": "10"}).status_code == 401
    wrong = {"X-Link-Password": "falsch!!"}
    assert (
        http.post(f"/u/{token}/tus", headers={**TUS, **wrong, "Upload-Length": "10"}).status_code
        == 401
    )
    missing = http.post(
        f"/u/{token}/tus",
        headers={**TUS, **password, "Upload-Metadata": metadata(filename="a.pdf")},
    )
    assert missing.status_code == 422
    assert "Upload-Length" in missing.json()["error"]["fields"]
    too_large = http.post(
        f"/u/{token}/tus",
        headers={
            **TUS,
            **password,
            "Upload-Length": str(100 * KiB + 1),
            "Upload-Metadata": metadata(filename="a.pdf"),
        },
    )
    assert too_large.status_code == 413
    path = create(http, link, 50 * KiB, **password)
    # Every later request checks the password too.
    assert http.head(path, headers=TUS).status_code == 401
    assert offset_of(http, path, **password) == 0
    patch_headers = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    assert http.patch(path, content=b"%PDF", headers=patch_headers).status_code == 401
    # More bytes than announced are refused and none kept.
    over = http.patch(path, content=pdf_bytes(50 * KiB + 1), headers={**patch_headers, **password})
    assert over.status_code == 413
    assert offset_of(http, path, **password) == 0
    # The type is told from the first bytes: a PNG is refused once they are there.
    wrong_type = http.patch(
        path, content=png_bytes(20 * KiB), headers={**patch_headers, **password}
    )
    assert wrong_type.status_code == 415
    assert http.head(path, headers={**TUS, **password}).status_code == 404
    # Another link's token does not reach this upload.
    other_link = create_link(account, customer["id"])
    path = create(http, link, 50 * KiB, **password)
    foreign = path.replace(token, token_of(other_link))
    assert http.head(foreign, headers=TUS).status_code == 404
    gone = http.delete(foreign, headers=TUS)
    assert gone.status_code == 404
    # Said to a client, who has no organisation (staff read "... your organisation's").
    said = gone.json()["error"]["message"]
    assert said == "Das gibt es hier nicht (mehr). Bitte prüfen Sie die Adresse.", said
    # Bad headers are named.
    bad = http.patch(
        path, content=b"x", headers={**patch_headers, **password, "Upload-Offset": "-1"}
    )
    assert bad.status_code == 422
    assert "Upload-Offset" in bad.json()["error"]["fields"]


def test_a_full_link_refuses_new_uploads(
    http: httpx.Client, account: Account, base_url: str
) -> None:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(account, customer["id"], max_files=1)
    content = pdf_bytes(10 * KiB)
    tus_client(base_url, link).uploader(
        file_stream=io.BytesIO(content), metadata={"filename": "eins.pdf"}
    ).upload()
    assert len(received(account, customer["id"])) == 1
    with pytest.raises(TusCommunicationError) as refused:
        tus_client(base_url, link).uploader(
            file_stream=io.BytesIO(content), metadata={"filename": "zwei.pdf"}
        ).upload()
    assert refused.value.status_code == 409


def test_abandoned_uploads_expire_and_are_swept(
    http: httpx.Client, account: Account, services: Services
) -> None:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(account, customer["id"])
    path = create(http, link, 50 * KiB)
    upload_id = path.rsplit("/", 1)[1]
    folder = services.settings.data_dir / "tus" / upload_id.replace("-", "")
    assert folder.is_dir()
    (folder / "expires").write_text(repr(time.time() - 1))
    assert services.resumable_uploads.sweep() >= 1
    assert not folder.exists()
    assert http.head(path, headers=TUS).status_code == 404
