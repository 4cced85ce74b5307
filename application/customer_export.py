"""Everything stored about one customer in one ZIP (GDPR Art. 15: right of access).

Details, notes, links and both kinds of files, plus the history in plain words.
Streamed: the archive is written as it is sent (ZIP with data descriptors), each
file read and decrypted a segment at a time, so a customer with gigabytes of
files costs the server no more memory than one with a few.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from application.docintake import DocIntake
from application.history import plain
from application.permissions import Action, authorize
from application.principal import Principal
from domain.file_name import safe_file_name
from domain.sent_file import SentFile
from projections.activity import ActivityView
from projections.customer_detail import CustomerDetailView

ZIP64_FROM = 2**31


class _Sink(io.RawIOBase):
    """Collects what zipfile writes, for the generator to hand on."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _without_token(row: Any) -> Any:
    """Links and sent files without their tokens: the archive may travel by mail."""
    return plain({k: v for k, v in vars(row).items() if k != "token"})


def _when(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y, %H:%M UTC")


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({number}){dot}{suffix}"
        number += 1
    taken.add(candidate.casefold())
    return candidate


class CustomerExport:
    def __init__(self, app: DocIntake, detail: CustomerDetailView, activity: ActivityView) -> None:
        self.app = app
        self.detail = detail
        self.activity = activity

    def export(self, principal: Principal, customer_id: UUID) -> tuple[str, Iterator[bytes]]:
        """The archive's file name and its bytes, produced as they are read."""
        authorize(principal, Action.READ)
        customer = self.app.customer_of(principal, customer_id)
        notes = self.detail.notes(customer_id)
        links = self.detail.links(customer_id)
        files = self.detail.files(customer_id)
        sent = self.detail.sent_files(customer_id)
        details = {
            "id": str(customer.id),
            "name": customer.name,
            "email": customer.email,
            "company": customer.company,
            "language": customer.language,
            "status": customer.status,
            "created_at": customer.created_on.isoformat(),
            "modified_at": customer.modified_on.isoformat(),
            "notes": [plain(vars(n)) for n in notes],
            "links": [
                plain({k: v for k, v in vars(link).items() if k != "token"}) for link in links
            ],
            "received_files": [plain(vars(f)) for f in files],
            "sent_files": [_without_token(s) for s in sent],
        }
        history = self._history(customer_id)
        name = safe_file_name(f"Auskunft {customer.name}.zip")

        def archive() -> Iterator[bytes]:
            sink = _Sink()
            with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
                zipped.writestr(
                    "kunde.json", json.dumps(details, ensure_ascii=False, indent=2) + "\n"
                )
                zipped.writestr("verlauf.txt", history)
                yield sink.take()
                taken: set[str] = set()
                for item in files:
                    path = f"eingegangen/{_unique(item.filename, taken)}"
                    key = f"files/{item.id}"
                    yield from self._file(zipped, sink, path, item, customer_id, key)
                for sent_item in sent:
                    path = f"gesendet/{_unique(sent_item.filename, taken)}"
                    key = self.app.load(sent_item.id, SentFile).object_key
                    yield from self._file(zipped, sink, path, sent_item, customer_id, key)
            yield sink.take()

        return name, archive()

    def _file(
        self,
        zipped: zipfile.ZipFile,
        sink: _Sink,
        path: str,
        item: Any,
        customer_id: UUID,
        key: str,
    ) -> Iterator[bytes]:
        temporary = f"incoming/{key.rsplit('/', 1)[-1]}"
        content = self.app.read_object(customer_id, key, temporary)
        info = zipfile.ZipInfo(path, date_time=_zip_time(item))
        info.compress_type = zipfile.ZIP_STORED  # documents are compressed already
        with zipped.open(info, "w", force_zip64=item.size >= ZIP64_FROM) as target:
            for chunk in content:
                target.write(chunk)
                yield sink.take()

    def _history(self, customer_id: UUID) -> str:
        lines = ["Verlauf (neueste Einträge zuerst)", ""]
        cursor: str | None = None
        while True:
            page = self.activity.page(customer_id, limit=200, cursor=cursor)
            lines += [f"{_when(item.at)} – {item.summary}" for item in page.items]
            if page.next_cursor is None:
                return "\n".join(lines) + "\n"
            cursor = page.next_cursor


def _zip_time(item: Any) -> tuple[int, int, int, int, int, int]:
    moment: datetime = getattr(item, "uploaded_at", None) or item.created_at
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)
