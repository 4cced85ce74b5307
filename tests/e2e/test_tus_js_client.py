"""tus-js-client (npm, pinned in tests/support/tus_js) under the machine's Node.js uploads
to a link, is cut off mid-file by a relay that closes the connection, asks the server
where it stands, resumes from there and finishes with the original's bytes."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

from tests.e2e.test_tus_uploads import received
from tests.support.api import Account
from tests.support.tus_js import cutting_relay, run_upload
from tests.support.uploads import create_link, pdf_bytes, token_of

MiB = 1024 * 1024


def test_tus_js_client_resumes_after_the_connection_is_cut(
    account: Account, base_url: str, tmp_path: Path
) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    content = pdf_bytes(4 * MiB)
    path = tmp_path / "scan.pdf"
    path.write_bytes(content)

    # One PATCH would carry the whole file; the relay hangs up after about 2 MiB of it.
    with cutting_relay(base_url, cut_after=2 * MiB) as (relay_url, relay):
        reports = run_upload(
            f"{relay_url}/u/{token_of(link)}/tus", path, "Kündigung – 2024 😀.pdf", 8 * MiB
        )
    assert relay.cut
    assert [r for r in reports if "failed" in r] == []
    assert any("retry" in r for r in reports), reports
    assert "done" in reports[-1], reports

    requests = [(r["request"], r["offset"]) for r in reports if "request" in r]
    assert requests[:2] == [("POST", None), ("PATCH", "0")]
    # After the cut it asks for the offset (HEAD) before every new PATCH. While the server
    # still settles the cut request it answers the old offset, and a PATCH from there is
    # refused as a conflict: the client asks again. Its last PATCH goes on from what the
    # server kept of the cut one, never from the start.
    after_cut = requests[2:]
    assert after_cut[0][0] == "HEAD"
    for previous, (method, _) in itertools.pairwise(after_cut):
        if method == "PATCH":
            assert previous[0] == "HEAD"
    method, last_offset = after_cut[-1]
    assert method == "PATCH" and 0 < int(last_offset or 0) <= relay.cut_after, requests

    (file,) = received(account, customer["id"])
    assert file["filename"] == "Kündigung – 2024 😀.pdf"
    assert file["sha256"] == hashlib.sha256(content).hexdigest()
    downloaded = account.get(f"/api/v1/files/{file['id']}/content")
    assert hashlib.sha256(downloaded.content).hexdigest() == hashlib.sha256(content).hexdigest()
