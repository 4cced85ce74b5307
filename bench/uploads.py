"""One big file through `POST /u/{token}/files`, beside copying or putting the same bytes.

The client streams the file from disk (httpx reads a file part in 64 KiB
chunks), so the harness never holds the payload in memory. While the upload
runs, the server's resident memory is sampled from /proc, and its peak (VmHWM,
reset beforehand where the kernel lets us) is read afterwards: the growth is
that peak minus the resident memory just before.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from minio import Minio

from bench.server import ServerProcess
from bench.sizes import MiB

PART_SIZE = 8 * MiB  # what the service's S3 store uses, so the baseline sends the same parts


class UploadUnavailable(Exception):
    """The upload endpoints are missing or refused the upload: the figure is not measured."""


@dataclass(frozen=True)
class UploadRound:
    mib_per_second: float
    memory_growth_mib: float


def make_payload(path: Path, size: int) -> None:
    """`size` bytes of incompressible data on disk (a random block repeated)."""
    block = os.urandom(4 * MiB)
    with path.open("wb") as out:
        left = size
        while left > 0:
            piece = block[: min(left, len(block))]
            out.write(piece)
            left -= len(piece)


def open_link(api: httpx.Client, max_file_size: int) -> str:
    """A customer and an upload link for it; returns the link's token (the URL's last part)."""
    created = api.post("/api/v1/customers", json={"name": "Upload Bench"})
    created.raise_for_status()
    customer_id = created.json()["id"]
    link = api.post(
        f"/api/v1/customers/{customer_id}/links",
        json={"title": "Benchmark", "max_file_size": max_file_size},
    )
    if link.status_code != 201:
        raise UploadUnavailable(
            f"POST /api/v1/customers/{{id}}/links answered {link.status_code}: {link.text[:200]}"
        )
    url: str = link.json()["url"]
    return url.rstrip("/").rsplit("/", 1)[-1]


class MemorySampler:
    """The highest VmRSS seen while running, polled every few milliseconds."""

    def __init__(self, server: ServerProcess, interval: float = 0.01) -> None:
        self.server = server
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_kib = max(self.peak_kib, self.server.status_kib("VmRSS"))
            except (OSError, KeyError):
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def upload_once(
    server: ServerProcess, api: httpx.Client, link_token: str, payload: Path
) -> UploadRound:
    size = payload.stat().st_size
    before_kib = server.status_kib("VmRSS")
    peak_reset = server.reset_peak()
    with MemorySampler(server) as sampler, payload.open("rb") as body:
        started = time.perf_counter()
        response = httpx.post(
            f"{server.url}/u/{link_token}/files",
            files={"file": ("bench.bin", body, "application/octet-stream")},
            timeout=httpx.Timeout(600, connect=10),
        )
        elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise UploadUnavailable(
            f"POST /u/{{token}}/files answered {response.status_code}: {response.text[:200]}"
        )
    peak_kib = sampler.peak_kib
    if peak_reset:
        peak_kib = max(peak_kib, server.status_kib("VmHWM"))
    for stored in response.json().get("files", []):
        # Free the disk (or the S3 server's) for the next round; losing this is harmless.
        api.delete(f"/api/v1/files/{stored['id']}")
    return UploadRound(size / MiB / elapsed, max(0, peak_kib - before_kib) / 1024)


def copy_mib_per_second(payload: Path, folder: Path) -> float:
    """Copy the payload to the same disk in 1 MiB pieces and fsync, as the local store does."""
    target = folder / f"copy-{uuid.uuid4().hex}"
    started = time.perf_counter()
    with payload.open("rb") as source, target.open("wb") as out:
        while piece := source.read(MiB):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return payload.stat().st_size / MiB / elapsed


def put_mib_per_second(client: Minio, bucket: str, payload: Path) -> float:
    """Put the payload with the MinIO client directly (multipart, the service's part size)."""
    key = f"baseline/{uuid.uuid4().hex}"
    started = time.perf_counter()
    client.fput_object(bucket, key, str(payload), part_size=PART_SIZE)
    elapsed = time.perf_counter() - started
    client.remove_object(bucket, key)
    return payload.stat().st_size / MiB / elapsed
