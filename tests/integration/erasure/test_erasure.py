"""Deleting a customer erases it everywhere (crypto-shredding), on both backends.

One customer with everything personal a customer can have (renamed, a note, a link
with title and message, a mailed link, an upload with an uploader name, a file sent
to it, a review comment) is deleted; then the raw storage is searched for every
personal string: the SQLite files or a `pg_dump`, the file storage (disk or bucket)
and the outbox. The log keeps every event, still chained, as skeletons.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from domain.erasure import ERASED
from infrastructure.bootstrap import Services
from tests.support.api import Account, signup
from tests.support.jobs import wait_until
from tests.support.s3 import S3Server
from tests.support.server import running_server
from tests.support.team import outbox
from tests.support.uploads import create_link, pdf_bytes, token_of, upload

pytestmark = pytest.mark.timeout(240)


def needles_for(marker: str) -> dict[str, str]:
    """Personal values, each carrying an ASCII marker that survives any escaping."""
    return {
        "name": f"Zoë Müller-Strauß {marker}name",
        "old name": f"Jürgen Ölßner {marker}old",
        "email": f"kunde.{marker}mail@example.org",
        "company": f"Bäckerei Groß {marker}comp GmbH",
        "note": f"Steuer-ID 12 345 678 901 {marker}note",
        "edited note": f"Ruft Dienstag an {marker}edited",
        "customer number": f"K-{marker}number",
        "link title": f"Unterlagen 2024 {marker}title",
        "message": f"Bitte bis Freitag 🦊 {marker}msg",
        "file name": f"Kündigung 2024 {marker}file.pdf",
        "sent file name": f"Bescheid {marker}sent.pdf",
        "file content": f"Geheimer Inhalt {marker}content",
        "uploader name": f"Ömer Çelik {marker}uploader",
        "review comment": f"Seite 2 fehlt {marker}review",
    }


def forms(value: str) -> list[bytes]:
    """The value as UTF-8 and its ASCII marker alone (JSON escapes, MIME encodings)."""
    return [value.encode(), value.split()[-1].encode()]


def found_in(data: bytes, needles: dict[str, str]) -> list[str]:
    return [what for what, value in needles.items() if any(form in data for form in forms(value))]


def every_file(folder: Path) -> Iterator[Path]:
    yield from (p for p in folder.rglob("*") if p.is_file())


def storage_bytes(services: Services, s3: S3Server | None) -> Iterator[tuple[str, bytes]]:
    settings = services.settings
    for path in every_file(settings.data_dir):
        yield str(path), path.read_bytes()
    if settings.database_url is not None:
        dump = subprocess.run(
            ["pg_dump", "--no-owner", settings.database_url],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        yield "pg_dump", dump
    if s3 is not None and settings.storage_url:
        bucket = settings.storage_url.removeprefix("s3://").split("/")[0]
        client = s3.client()
        for item in client.list_objects(bucket, recursive=True):
            assert item.object_name is not None
            response = client.get_object(bucket, item.object_name)
            try:
                yield f"s3:{item.object_name}", response.read()
            finally:
                response.close()
                response.release_conn()


def caught_up(services: Services) -> Callable[[], bool]:
    def check() -> bool:
        return all(s.lag_events == 0 for s in services.read_model_status())

    return check


def personal_customer(
    account: Account, http: httpx.Client, needles: dict[str, str]
) -> dict[str, Any]:
    customer = account.create_customer(
        needles["old name"],
        email=needles["email"],
        company=needles["company"],
        customer_number=needles["customer number"],
    )
    cid = customer["id"]
    renamed = account.patch(f"/api/v1/customers/{cid}", json={"name": needles["name"]})
    assert renamed.status_code == 200, renamed.text
    note = account.post(f"/api/v1/customers/{cid}/notes", json={"text": needles["note"]})
    assert note.status_code == 201, note.text
    edited = account.patch(
        f"/api/v1/customers/{cid}/notes/{note.json()['id']}", json={"text": needles["edited note"]}
    )
    assert edited.status_code == 200, edited.text
    link = create_link(account, cid, title=needles["link title"], message=needles["message"])
    content = pdf_bytes(70_000)[:30_000] + needles["file content"].encode() + b"\n" * 100
    uploaded = upload(
        http,
        link,
        (needles["file name"], content),
        data={"uploader_name": needles["uploader name"]},
    )
    assert uploaded.status_code == 201, uploaded.text
    [file] = uploaded.json()["files"]
    reviewed = account.put(
        f"/api/v1/files/{file['id']}/review",
        json={"state": "query", "comment": needles["review comment"]},
    )
    assert reviewed.status_code == 200, reviewed.text
    sent = account.post(
        f"/api/v1/customers/{cid}/sent-files",
        files=[("file", (needles["sent file name"], content, "application/pdf"))],
    )
    assert sent.status_code == 201, sent.text
    assert account.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
    return {"customer": customer, "link": link, "file": file, "content": content}


@pytest.fixture
def s3_or_none(backend: str, request: pytest.FixtureRequest) -> S3Server | None:
    if backend == "sqlite":
        return None
    server: S3Server = request.getfixturevalue("seaweedfs_server")
    return server


def test_deleting_a_customer_leaves_no_personal_byte_in_any_storage(
    make_services: Callable[..., Services], s3_or_none: S3Server | None
) -> None:
    services = make_services(notification_digest_seconds=0.0)
    needles = needles_for(uuid4().hex[:10])
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as http:
        account = signup(http, plan="team")
        made = personal_customer(account, http, needles)
        cid = made["customer"]["id"]
        needles["token"] = token_of(made["link"])

        def mails() -> list[Any]:
            data_dir = services.settings.data_dir
            return [m for m in outbox(data_dir) if needles["email"] in str(m["To"])]

        wait_until(lambda: len(mails()) == 1, what="the link mail in the outbox")
        wait_until(lambda: len(outbox(services.settings.data_dir)) >= 2, what="the upload notice")
        # The job records the sending after the mail is out: wait for that event too, or
        # it may land between the two counts of the log below.
        wait_until(
            lambda: account.get(f"/api/v1/links/{made['link']['id']}").json().get("last_sent_at"),
            what="the sending recorded on the link",
        )
        wait_until(caught_up(services), what="read models and policies caught up")
        # Everything is in place and readable before the deletion.
        assert account.get(f"/api/v1/customers/{cid}").json()["name"] == needles["name"]
        before = services.audit_log().verify()
        assert before.intact
        # The search finds what the read models hold in plain text (so it can find leaks),
        # and nothing of the file's content, which is stored encrypted.
        seen = {
            w for _, data in storage_bytes(services, s3_or_none) for w in found_in(data, needles)
        }
        # (The note's first words were edited away: only its events keep them, sealed.)
        assert {"name", "email", "edited note", "customer number", "link title"} <= seen
        assert "file name" in seen
        assert "file content" not in seen

        assert account.delete(f"/api/v1/customers/{cid}").status_code == 204
        wait_until(caught_up(services), what="read models and policies caught up")
        wait_until(lambda: not outbox(services.settings.data_dir), what="the outbox emptied")

        # The API knows nothing of it any more; the upload page refuses.
        for path in (
            f"/api/v1/customers/{cid}",
            f"/api/v1/customers/{cid}/links",
            f"/api/v1/customers/{cid}/files",
            f"/api/v1/customers/{cid}/history",
            f"/api/v1/customers/{cid}/export",
            f"/api/v1/files/{made['file']['id']}",
            f"/api/v1/files/{made['file']['id']}/content",
        ):
            assert account.get(path).status_code == 404, path
        assert http.get(f"/u/{needles['token']}").status_code in (404, 410)
        listed = account.get("/api/v1/customers").json()
        assert listed["total"] == 0

        # The log holds every event, plus the deletion (the customer's and the organisation's).
        after = services.audit_log().verify()
        assert after.intact, after.problem
        assert after.checked == before.checked + 2
        for name in [p.name for p in services.projections]:
            assert services.read_models().verify(name).total == 0, name

        history = services.app.history.of_customer(UUID(cid))
        assert history and history[0].type == "CustomerCreated"
        assert history[-1].type == "CustomerDeleted" or any(
            e.type == "CustomerDeleted" for e in history
        )
        assert history[0].data["name"] == ERASED and history[0].data["email"] == ERASED
        assert not found_in(repr(history).encode(), needles)

        leaks = {
            where: found
            for where, data in storage_bytes(services, s3_or_none)
            if (found := found_in(data, needles))
        }
        assert leaks == {}
