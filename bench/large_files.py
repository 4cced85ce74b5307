"""A resumable (tus) upload in 8 MiB requests, and the customer's files as one streamed ZIP.

Both run against a server of their own with the server's memory sampled as in
`bench.uploads`: resident memory every 10 ms and the peak (VmHWM, reset before
where the kernel lets us), the growth being that peak minus the resident memory
just before. The harness reads the payload from disk one request at a time and
throws the ZIP away as it arrives, so it never holds either whole.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx

from bench.server import ServerProcess
from bench.sizes import MiB
from bench.uploads import MemorySampler, UploadRound, UploadUnavailable

#: The upload page's request size: one PATCH per 8 MiB.
TUS_REQUEST = 8 * MiB
TUS = {"Tus-Resumable": "1.0.0"}


def _measured(server: ServerProcess) -> tuple[int, bool]:
    return server.status_kib("VmRSS"), server.reset_peak()


def _growth_mib(server: ServerProcess, sampler: MemorySampler, before: int, reset: bool) -> float:
    peak = sampler.peak_kib
    if reset:
        peak = max(peak, server.status_kib("VmHWM"))
    return max(0, peak - before) / 1024


def tus_upload_once(
    server: ServerProcess, link_token: str, payload: Path
) -> tuple[UploadRound, str]:
    """Create an upload of the payload's size and send it in 8 MiB PATCH requests; the round
    and the upload's URL path."""
    size = payload.stat().st_size
    name = base64.b64encode("Großer Ordner – Scan.bin".encode()).decode()
    before, reset = _measured(server)
    with (
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(600, connect=10)) as client,
        MemorySampler(server) as sampler,
        payload.open("rb") as source,
    ):
        started = time.perf_counter()
        created = client.post(
            f"/u/{link_token}/tus",
            headers={**TUS, "Upload-Length": str(size), "Upload-Metadata": f"filename {name}"},
        )
        if created.status_code != 201:
            raise UploadUnavailable(f"tus creation answered {created.status_code}: {created.text}")
        location = created.headers["location"]
        offset = 0
        while piece := source.read(TUS_REQUEST):
            answer = client.patch(
                location,
                content=piece,
                headers={
                    **TUS,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            if answer.status_code != 204:
                raise UploadUnavailable(f"tus PATCH answered {answer.status_code}: {answer.text}")
            offset = int(answer.headers["upload-offset"])
        elapsed = time.perf_counter() - started
    return UploadRound(size / MiB / elapsed, _growth_mib(server, sampler, before, reset)), location


def _drain(server: ServerProcess, api: httpx.Client, path: str, **params: str) -> int:
    """GET `path` streamed, bytes thrown away as they come; how many there were."""
    received = 0
    with api.stream("GET", f"{server.url}{path}", params=params) as answer:
        if answer.status_code != 200:
            answer.read()
            raise UploadUnavailable(f"GET {path} answered {answer.status_code}: {answer.text}")
        for chunk in answer.iter_raw(MiB):
            received += len(chunk)
    return received


def zip_once(server: ServerProcess, api: httpx.Client, customer_id: str) -> UploadRound:
    """The customer's files as one ZIP (`GET .../files.zip`), read to the end."""
    before, reset = _measured(server)
    with MemorySampler(server) as sampler:
        started = time.perf_counter()
        size = _drain(server, api, f"/api/v1/customers/{customer_id}/files.zip")
        elapsed = time.perf_counter() - started
    return UploadRound(size / MiB / elapsed, _growth_mib(server, sampler, before, reset))


def contents_mib_per_second(server: ServerProcess, api: httpx.Client, file_ids: list[str]) -> float:
    """The same files one by one (`GET /api/v1/files/{id}/content`): the same bytes read and
    decrypted by the same server, without the ZIP."""
    started = time.perf_counter()
    size = sum(_drain(server, api, f"/api/v1/files/{file_id}/content") for file_id in file_ids)
    return size / MiB / (time.perf_counter() - started)
