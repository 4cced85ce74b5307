"""A 160 MiB upload streams through the server without holding the file in memory: its
peak memory grows by less than 64 MiB, where holding the file would take 160 MiB.

The server runs as its own process (`docintake serve`); its peak resident memory
(VmHWM) is reset right before the upload (/proc/PID/clear_refs) and read after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infrastructure.master_key import MasterKey
from tests.support.api import signup
from tests.support.databases import fresh_postgres_database
from tests.support.jobs import wait_until_healthy
from tests.support.s3 import S3Server
from tests.support.server import free_port

MiB = 1024 * 1024
SIZE = 160 * MiB
DOCINTAKE = str(Path(sys.executable).with_name("docintake"))


def kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def multipart_stream(size: int, digest: hashlib._Hash) -> Iterator[bytes]:
    yield (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="gross.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
    )
    block = b"%PDF-1.7\n" + os.urandom(MiB - 9)
    sent = 0
    while sent < size:
        chunk = block[: min(MiB, size - sent)]
        digest.update(chunk)
        sent += len(chunk)
        yield chunk
    yield b"\r\n--b0undary--\r\n"


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTAKE_")}
    env.update(
        DOCINTAKE_DATA_DIR=str(tmp_path / "data"),
        DOCINTAKE_PORT=str(port),
        DOCINTAKE_MAX_UPLOAD_SIZE=str(512 * MiB),
        DOCINTAKE_LOG_LEVEL="WARNING",
    )
    with contextlib.ExitStack() as stack:
        if request.param == "s3":
            database_url = stack.enter_context(fresh_postgres_database())
            s3: S3Server = request.getfixturevalue("seaweedfs_server")
            env.update(
                DOCINTAKE_DATABASE_URL=database_url,
                DOCINTAKE_MASTER_KEY=MasterKey.generate().encoded(),
                DOCINTAKE_STORAGE_URL=f"s3://{s3.new_bucket_name()}",
                DOCINTAKE_S3_ENDPOINT=s3.endpoint,
                DOCINTAKE_S3_ACCESS_KEY=s3.access_key,
                DOCINTAKE_S3_SECRET_KEY=s3.secret_key,
                DOCINTAKE_S3_SECURE="false",
                DOCINTAKE_S3_REGION=s3.region,
                # Not a test of scanning (tests/integration/scanning): hand files out unscanned.
                DOCINTAKE_VIRUS_SCAN="off",
            )
        process = subprocess.Popen([DOCINTAKE, "serve"], env=env)
        try:

            def alive() -> None:
                assert process.poll() is None, "the server stopped"

            wait_until_healthy(f"http://127.0.0.1:{port}", alive)
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_a_160_mib_upload_grows_server_memory_by_less_than_64_mib(server: tuple[str, int]) -> None:
    base_url, pid = server
    with httpx.Client(base_url=base_url, timeout=300) as client:
        owner = signup(client)
        customer = owner.create_customer()
        link = owner.post(
            f"/api/v1/customers/{customer['id']}/links", json={"max_file_size": 400 * MiB}
        ).json()
        token = link["url"].rsplit("/", 1)[1]
        # Warm up the upload path once, so imports and pools are not counted as growth.
        client.post(f"/u/{token}/files", files={"file": ("klein.pdf", b"%PDF-1.4\n" + b"x" * 1000)})

        Path(f"/proc/{pid}/clear_refs").write_text("5")
        before = kib(pid, "VmRSS")
        digest = hashlib.sha256()
        started = time.perf_counter()
        response = client.post(
            f"/u/{token}/files",
            content=multipart_stream(SIZE, digest),
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )
        seconds = time.perf_counter() - started
        peak = kib(pid, "VmHWM")
        assert response.status_code == 201, response.text
        uploaded = response.json()["files"][0]
        assert uploaded["size"] == SIZE
        assert uploaded["sha256"] == digest.hexdigest()
        growth_mib = (peak - before) / 1024
        print(f"160 MiB upload: {SIZE / MiB / seconds:.0f} MiB/s, peak growth {growth_mib:.1f} MiB")
        assert growth_mib < 64

        content = owner.client.get(
            f"/api/v1/files/{uploaded['id']}/content",
            headers={"Authorization": f"Bearer {owner.token}"},
        )
        assert hashlib.sha256(content.content).hexdigest() == uploaded["sha256"]


@pytest.mark.parametrize("server", ["local"], indirect=True)
def test_the_export_of_a_customer_with_160_mib_of_files_grows_server_memory_by_less_than_64_mib(
    server: tuple[str, int],
) -> None:
    """The GDPR export and "download all" stream: two 80 MiB files leave as one ZIP while
    the server's peak memory grows by less than 64 MiB (holding any one file, or the archive,
    would exceed it). Local storage only: the S3 path reads through the same streaming
    decryption. `make bench` measures the same for 1 GiB beside reading the bytes."""
    base_url, pid = server
    parts, part_size = 2, 80 * MiB
    with httpx.Client(base_url=base_url, timeout=600) as client:
        owner = signup(client)
        customer = owner.create_customer("Großkunde Müller")
        link = owner.post(
            f"/api/v1/customers/{customer['id']}/links", json={"max_file_size": 400 * MiB}
        ).json()
        token = link["url"].rsplit("/", 1)[1]
        for _ in range(parts):
            response = client.post(
                f"/u/{token}/files",
                content=multipart_stream(part_size, hashlib.sha256()),
                headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
            )
            assert response.status_code == 201, response.text
        headers = {"Authorization": f"Bearer {owner.token}"}
        for name in ("export", "files.zip"):
            path = f"/api/v1/customers/{customer['id']}/{name}"
            # Warm up the path (imports, pools) on a request that is abandoned early.
            with client.stream("GET", path, headers=headers) as response:
                next(response.iter_bytes())

            Path(f"/proc/{pid}/clear_refs").write_text("5")
            before = kib(pid, "VmRSS")
            received = 0
            with client.stream("GET", path, headers=headers) as response:
                assert response.status_code == 200
                assert response.headers["content-type"] == "application/zip"
                for chunk in response.iter_bytes():
                    received += len(chunk)
            peak = kib(pid, "VmHWM")
            assert received > parts * part_size
            growth_mib = (peak - before) / 1024
            print(f"160 MiB {name}: peak growth {growth_mib:.1f} MiB")
            assert growth_mib < 64
