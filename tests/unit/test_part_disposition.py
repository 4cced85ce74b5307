"""Reading a multipart part's `Content-Disposition` from its raw bytes."""

from __future__ import annotations

import pytest

from interfaces.http.part_disposition import PartDisposition, part_disposition


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b'form-data; name="file"; filename="M\xc3\xbcller.pdf"', ("file", "Müller.pdf")),
        # Not UTF-8: an old client's Latin-1.
        (b'form-data; name="file"; filename="M\xfcller.pdf"', ("file", "Müller.pdf")),
        (
            b"form-data; name=\"file\"; filename*=UTF-8''K%C3%BCndigung%20%E2%80%93%202024.pdf",
            ("file", "Kündigung – 2024.pdf"),
        ),
        # filename* wins; an unusable one falls back to filename.
        (
            b"form-data; name=file; filename=\"a.pdf\"; filename*=utf-8'de'b%C3%A4r.pdf",
            ("file", "bär.pdf"),
        ),
        (b"form-data; name=file; filename=\"a.pdf\"; filename*=koi8-r''%C1.pdf", ("file", "a.pdf")),
        (b"form-data; name=file; filename*=broken", ("file", "")),
        (b'form-data; NAME="file"; FileName="x;y.pdf"', ("file", "x;y.pdf")),
        (
            b'form-data; name="file"; filename="C:\\Users\\anna\\a.pdf"',
            ("file", "C:\\Users\\anna\\a.pdf"),
        ),
        (b'form-data; name="uploader_name"', ("uploader_name", None)),
        (b"form-data", ("", None)),
        (b"", ("", None)),
    ],
)
def test_names_come_out_as_sent(header: bytes, expected: tuple[str, str | None]) -> None:
    assert part_disposition(header) == PartDisposition(*expected)
