"""file_store_from_settings: which store a DOCINTAKE_STORAGE_URL gives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from infrastructure.file_store import file_store_from_settings
from infrastructure.file_store_local import LocalFileStore
from infrastructure.file_store_s3 import S3FileStore

if TYPE_CHECKING:
    from tests.support.s3 import S3Server


def settings(storage_url: str | None, data_dir: Path, **s3: Any) -> dict[str, Any]:
    return {
        "storage_url": storage_url,
        "data_dir": data_dir,
        "s3_endpoint": s3.get("endpoint"),
        "s3_access_key": s3.get("access_key"),
        "s3_secret_key": s3.get("secret_key"),
        "s3_secure": s3.get("secure", False),
        "s3_region": s3.get("region"),
    }


@pytest.mark.parametrize("url", [None, "", "  "])
def test_no_url_means_a_folder_in_the_data_dir(tmp_path: Path, url: str | None) -> None:
    store = file_store_from_settings(**settings(url, tmp_path))
    assert isinstance(store, LocalFileStore)
    assert store.root == tmp_path / "objects"


def test_a_file_url_names_the_folder(tmp_path: Path) -> None:
    for url in [f"file://{tmp_path}/files", f"file://localhost{tmp_path}/files"]:
        store = file_store_from_settings(**settings(url, tmp_path / "data"))
        assert isinstance(store, LocalFileStore)
        assert store.root == tmp_path / "files"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file://relative/path", "DOCINTAKE_STORAGE_URL"),
        ("file:///", "DOCINTAKE_STORAGE_URL"),
        ("file:relative", "DOCINTAKE_STORAGE_URL"),
        ("/var/lib/docintake", "DOCINTAKE_STORAGE_URL must be file:///"),
        ("https://example.com/bucket", "not a URL with scheme 'https'"),
        ("s3://", "DOCINTAKE_STORAGE_URL"),
        ("s3://Not_A_Bucket", "DOCINTAKE_STORAGE_URL"),
        ("s3://docs/../up", "DOCINTAKE_STORAGE_URL"),
    ],
)
def test_malformed_urls_name_the_setting(tmp_path: Path, url: str, message: str) -> None:
    complete = {"endpoint": "127.0.0.1:9", "access_key": "a", "secret_key": "b"}
    with pytest.raises(ValueError, match=message):
        file_store_from_settings(**settings(url, tmp_path, **complete))


def test_credentials_in_the_url_are_refused_without_echoing_them(tmp_path: Path) -> None:
    complete = {"endpoint": "127.0.0.1:9", "access_key": "a", "secret_key": "b"}
    with pytest.raises(ValueError) as refused:
        file_store_from_settings(**settings("s3://key:hunter2@docs", tmp_path, **complete))
    assert "DOCINTAKE_STORAGE_URL" in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "DOCINTAKE_S3_ENDPOINT, DOCINTAKE_S3_ACCESS_KEY, DOCINTAKE_S3_SECRET_KEY"),
        ({"endpoint": "127.0.0.1:9"}, "DOCINTAKE_S3_ACCESS_KEY, DOCINTAKE_S3_SECRET_KEY"),
        ({"endpoint": "127.0.0.1:9", "access_key": "a"}, "DOCINTAKE_S3_SECRET_KEY must"),
        ({"access_key": "a", "secret_key": "b"}, "DOCINTAKE_S3_ENDPOINT must"),
    ],
)
def test_missing_s3_settings_are_named(tmp_path: Path, given: dict[str, str], missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        file_store_from_settings(**settings("s3://docs", tmp_path, **given))


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9000", "127.0.0.1:9000/s3"])
def test_an_endpoint_with_scheme_or_path_is_refused(tmp_path: Path, endpoint: str) -> None:
    with pytest.raises(ValueError, match="DOCINTAKE_S3_ENDPOINT"):
        file_store_from_settings(
            **settings("s3://docs", tmp_path, endpoint=endpoint, access_key="a", secret_key="b")
        )


def test_an_s3_url_gives_a_working_s3_store(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket_name()
    store = file_store_from_settings(
        **settings(
            f"s3://{bucket}/docintake",
            tmp_path,
            endpoint=s3_server.endpoint,
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
            region=s3_server.region,
        )
    )
    try:
        assert isinstance(store, S3FileStore)
        assert (store.bucket, store.prefix) == (bucket, "docintake/")
        store.check()
        writer = store.writer("incoming/u1")
        writer.write(b"hello")
        writer.commit()
        assert b"".join(store.read("incoming/u1")) == b"hello"
        assert s3_server.client().stat_object(bucket, "docintake/incoming/u1").size == 5
        assert not any(tmp_path.iterdir())  # nothing on the local disk
    finally:
        s3_server.drop_bucket(bucket)
