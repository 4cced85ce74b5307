"""Choose the file store from the settings: a local folder or an S3 bucket."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from application.ports import FileStore
from infrastructure.file_store_local import LocalFileStore

# Below the data directory rather than in it, so that listing the store never
# meets databases or other files that live there.
LOCAL_STORE_FOLDER = "objects"


def file_store_from_settings(
    storage_url: str | None,
    data_dir: Path,
    s3_endpoint: str | None,
    s3_access_key: str | None,
    s3_secret_key: str | None,
    s3_secure: bool,
    s3_region: str | None,
) -> FileStore:
    """Build the store that DOCINTAKE_STORAGE_URL names.

    - unset or empty: files below `data_dir/objects`
    - `file:///absolute/path`: files below that folder
    - `s3://bucket` or `s3://bucket/prefix`: that bucket on DOCINTAKE_S3_ENDPOINT,
      created if missing (this connects to the server)

    Raises ValueError naming the setting that is missing or malformed.
    """
    if storage_url is None or not storage_url.strip():
        return LocalFileStore(data_dir / LOCAL_STORE_FOLDER)
    storage_url = storage_url.strip()
    scheme = urlsplit(storage_url).scheme
    if scheme == "file":
        return LocalFileStore(_file_url_path(storage_url))
    if scheme == "s3":
        return _s3_store(
            storage_url, s3_endpoint, s3_access_key, s3_secret_key, s3_secure, s3_region
        )
    got = f", not a URL with scheme {scheme!r}" if scheme else ""
    raise ValueError(
        f"DOCINTAKE_STORAGE_URL must be file:///absolute/path or s3://bucket[/prefix]{got}"
    )


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(
            "DOCINTAKE_STORAGE_URL: a file URL needs three slashes and an absolute path "
            f"(file:///var/lib/docintake/objects), got host {parts.netloc!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError("DOCINTAKE_STORAGE_URL: a file URL takes no query or fragment")
    path = Path(unquote(parts.path))
    if not path.is_absolute() or str(path) == "/":
        raise ValueError(
            "DOCINTAKE_STORAGE_URL: a file URL must name an absolute folder other than /"
        )
    return path


def _s3_store(
    url: str,
    endpoint: str | None,
    access_key: str | None,
    secret_key: str | None,
    secure: bool,
    region: str | None,
) -> FileStore:
    # minio (about 0.3 s of CPU to import) only for an S3 store.
    from infrastructure.file_store_s3 import S3FileStore, parse_s3_url

    try:
        parse_s3_url(url)
    except ValueError as error:
        raise ValueError(f"DOCINTAKE_STORAGE_URL: {error}") from None
    if not (endpoint and access_key and secret_key):
        missing = [
            name
            for name, value in (
                ("DOCINTAKE_S3_ENDPOINT", endpoint),
                ("DOCINTAKE_S3_ACCESS_KEY", access_key),
                ("DOCINTAKE_S3_SECRET_KEY", secret_key),
            )
            if not value
        ]
        raise ValueError(
            f"DOCINTAKE_STORAGE_URL is an s3:// URL, so {', '.join(missing)} must be set too"
        )
    if "://" in endpoint or "/" in endpoint:
        raise ValueError(
            "DOCINTAKE_S3_ENDPOINT must be host or host:port without scheme or path "
            "(choose https with DOCINTAKE_S3_SECURE)"
        )
    return S3FileStore.from_url(url, endpoint, access_key, secret_key, secure, region or None)
