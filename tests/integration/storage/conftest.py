"""S3 servers on loopback and a `store` fixture that runs each test on every file store.

Fixtures:
- `seaweedfs_server` (session): a running SeaweedFS, as an `S3Server` (`nanio_server`
  exists for the one case only it can show).
- `s3_server`: the S3 server of the suite (SeaweedFS). An `S3Server` has `endpoint`,
  `access_key`, `secret_key`, `region`, `client()`, `new_store()`,
  `new_bucket_name()` and `drop_bucket()`.
- `store`: parametrised over local and SeaweedFS; a fresh, empty store per test
  (a folder below tmp_path, or a new bucket with a 5 MiB part size so that
  multipart uploads happen with small objects).
- `store_config`: parametrised the same way, but a JSON-able description of a fresh
  store (`kind` plus `root`, or `endpoint`, keys, `region` and `bucket`) for tests
  that build the store in a subprocess.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.ports import FileStore
from infrastructure.file_store_local import LocalFileStore
from tests.support.s3 import S3Server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "memory: streams 300 MiB through a store in a subprocess (slow but required)",
    )


@pytest.fixture(params=["seaweedfs"])
def s3_server(request: pytest.FixtureRequest) -> S3Server:
    server: S3Server = request.getfixturevalue(f"{request.param}_server")
    return server


@pytest.fixture(params=["local", "seaweedfs"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FileStore]:
    if request.param == "local":
        root = tmp_path / "store"
        yield LocalFileStore(root)
        shutil.rmtree(root, ignore_errors=True)
        return
    server: S3Server = request.getfixturevalue(f"{request.param}_server")
    s3_store = server.new_store()
    yield s3_store
    server.drop_bucket(s3_store.bucket)


@pytest.fixture(params=["local", "seaweedfs"])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    if request.param == "local":
        root = tmp_path / "store"
        yield {"kind": "local", "root": str(root)}
        shutil.rmtree(root, ignore_errors=True)
        return
    server: S3Server = request.getfixturevalue(f"{request.param}_server")
    bucket = server.new_bucket_name()
    server.client().make_bucket(bucket)
    yield {
        "kind": server.name,
        "endpoint": server.endpoint,
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        "region": server.region,
        "bucket": bucket,
    }
    server.drop_bucket(bucket)
