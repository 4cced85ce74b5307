"""S3 servers on loopback for tests: moto (in-process) and nanio (a subprocess that checks
signatures and expiry). Fixtures `moto_server` and `nanio_server` are session-scoped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minio import Minio
from minio.error import S3Error
from moto.server import ThreadedMotoServer

from infrastructure.file_store_s3 import S3FileStore

REGION = "us-east-1"
SMALL_PART = 5 * 1024 * 1024
NANIO = Path(sys.executable).with_name("nanio")


@dataclass(frozen=True)
class S3Server:
    """An S3 server on loopback and the credentials it accepts."""

    name: str
    endpoint: str
    access_key: str
    secret_key: str
    region: str = REGION

    def client(self, secret_key: str | None = None) -> Minio:
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=secret_key or self.secret_key,
            secure=False,
            region=self.region,
        )

    def new_store(self, part_size: int = SMALL_PART, prefix: str = "") -> S3FileStore:
        """A store on a new, empty bucket; remove it with `drop_bucket`."""
        store = S3FileStore(self.client(), self.new_bucket_name(), part_size, prefix=prefix)
        store.ensure_bucket(self.region)
        return store

    @staticmethod
    def new_bucket_name() -> str:
        return f"test-{uuid.uuid4().hex[:20]}"

    def drop_bucket(self, bucket: str) -> None:
        """Best-effort removal of a test bucket with its objects and open uploads."""
        client = self.client()
        with contextlib.suppress(S3Error):
            for upload in client._list_multipart_uploads(bucket).uploads:
                if upload.object_name and upload.upload_id:
                    client._abort_multipart_upload(bucket, upload.object_name, upload.upload_id)
            for item in client.list_objects(bucket, recursive=True):
                if item.object_name:
                    client.remove_object(bucket, item.object_name)
            client.remove_bucket(bucket)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nanio exited early with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nanio did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[S3Server]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        # moto checks no signature: any non-empty key pair is accepted.
        yield S3Server("moto", f"{host}:{port}", "moto-access", "moto-secret")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nanio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    data_dir = tmp_path_factory.mktemp("nanio-data")
    access_key, secret_key = "docintake-test", uuid.uuid4().hex
    env = {**os.environ, "NANIO_ACCESS_KEY": access_key, "NANIO_SECRET_KEY": secret_key}
    log_path = data_dir.parent / "nanio.log"
    # A port taken between probing and binding makes nanio exit: try again.
    for _attempt in range(3):
        port = _free_port()
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    str(NANIO),
                    "serve",
                    "--host", "127.0.0.1",
                    "--port", str(port),
                    "--data-dir", str(data_dir),
                    "--region", REGION,
                    "--log-level", "warning",
                    "--no-access-log",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait_for_port(port, process, timeout=15)
            break
        except RuntimeError:
            process.kill()
            process.wait()
    else:
        pytest.fail(f"nanio did not start, see {log_path}:\n{log_path.read_text()[-2000:]}")
    try:
        yield S3Server("nanio", f"127.0.0.1:{port}", access_key, secret_key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
