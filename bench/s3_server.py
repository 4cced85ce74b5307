"""An S3 server on loopback for the upload figure: nanio (objects as files), else moto."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from minio import Minio

from bench.server import free_port

REGION = "us-east-1"
NANIO = Path(sys.executable).with_name("nanio")


@dataclass(frozen=True)
class S3Endpoint:
    kind: str
    endpoint: str
    access_key: str
    secret_key: str

    def client(self) -> Minio:
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region=REGION,
        )


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@contextmanager
def _nanio(data_dir: Path) -> Iterator[S3Endpoint]:
    access_key, secret_key = "docintake-bench", uuid.uuid4().hex
    env = {**os.environ, "NANIO_ACCESS_KEY": access_key, "NANIO_SECRET_KEY": secret_key}
    port = free_port()
    log = (data_dir.parent / "nanio.log").open("ab")
    process = subprocess.Popen(
        [
            str(NANIO), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(data_dir), "--region", REGION,
            "--log-level", "warning", "--no-access-log",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nanio did not start")
            time.sleep(0.05)
        yield S3Endpoint("nanio", f"127.0.0.1:{port}", access_key, secret_key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def _moto() -> Iterator[S3Endpoint]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Endpoint("moto", f"{host}:{port}", "moto-access", "moto-secret")
    finally:
        server.stop()


@contextmanager
def s3_server(data_dir: Path) -> Iterator[S3Endpoint]:
    """nanio keeps objects on disk, which a 1 GiB upload needs; moto keeps them in memory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        endpoint: S3Endpoint | None = None
        if NANIO.exists():
            try:
                endpoint = stack.enter_context(_nanio(data_dir))
            except RuntimeError:
                print("bench: nanio did not start; using moto", flush=True)
        if endpoint is None:
            endpoint = stack.enter_context(_moto())
        yield endpoint
