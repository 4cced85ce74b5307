"""Settings, from `DOCINTAKE_*` environment variables only.

Anything unknown or malformed stops the process at start with one line naming
the variable: a typo in production must not silently fall back to a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from application.virus_scanning import VirusScanMode
from infrastructure.clamd_scanner import DEFAULT_CLAMD_URL, parse_clamd_url
from infrastructure.master_key import MasterKey

PREFIX = "DOCINTAKE_"
MiB = 1024 * 1024


MASTER_KEY_REQUIRED = (
    "DOCINTAKE_MASTER_KEY: required when DOCINTAKE_DATABASE_URL is set"
    " (base64 of 32 random bytes, e.g. from openssl rand -base64 32)"
)


class SettingsError(Exception):
    """One setting is wrong; the message names it."""


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"must be a whole number, not {value!r}") from None


def _port(value: str) -> int:
    port = _whole_number(value)
    if not 1 <= port <= 65535:
        raise ValueError("must be a port number 1..65535")
    return port


def _positive_int(value: str) -> int:
    number = _whole_number(value)
    if number < 1:
        raise ValueError("must be a whole number above 0")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a number, not {value!r}") from None
    if number <= 0:
        raise ValueError("must be a number above 0")
    return number


def _non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a number, not {value!r}") from None
    if number < 0:
        raise ValueError("must be a number of at least 0")
    return number


def _non_negative_int(value: str) -> int:
    number = _whole_number(value)
    if number < 0:
        raise ValueError("must be a whole number of at least 0")
    return number


def _queue_prefix(value: str) -> str:
    # dramatiq's rule for queue names, which the prefix starts.
    if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9._-]{0,100}", value):
        raise ValueError("must be letters, digits, '.', '_' or '-', starting with a letter")
    return value


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _database_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"postgresql", "postgres"} or not parts.path.strip("/"):
        raise ValueError("must look like postgresql://user@host:5432/dbname")
    return value


def _url(*schemes: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise ValueError(f"must be a URL with scheme {' or '.join(schemes)}")
        return value

    return check


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://docs.example.com")
    return value.rstrip("/")


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _signing_seed(value: str) -> bytes:
    import base64
    import binascii

    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("must be base64 of a 32-byte Ed25519 seed (openssl rand -base64 32)")
    return raw


def _proxies(value: str) -> str:
    """Addresses or networks, comma-separated: `10.0.0.5, 192.168.1.0/24`."""
    import ipaddress

    networks = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ValueError(
                f"{item.strip()!r} is no IP address or network (e.g. 10.0.0.5,192.168.1.0/24)"
            ) from None
    if not networks:
        raise ValueError("must name at least one address, e.g. 127.0.0.1")
    return ",".join(networks)


def _virus_scan(value: str) -> VirusScanMode:
    try:
        return VirusScanMode(value.strip().lower())
    except ValueError:
        raise ValueError("must be required or off") from None


def _clamd_url(value: str) -> str:
    parse_clamd_url(value.strip())
    return value.strip()


def _setting(default: Any, parse: Callable[[str], Any], help: str, secret: bool = False) -> Any:
    return field(default=default, repr=not secret, metadata={"parse": parse, "help": help})


@dataclass(frozen=True)
class Settings:
    """Every setting of the service; each field is read from DOCINTAKE_<FIELD NAME>."""

    host: str = _setting("127.0.0.1", _text, "Address the HTTP server binds to.")
    port: int = _setting(8000, _port, "Port of the HTTP server.")
    data_dir: Path = _setting(
        Path("data"), Path, "Folder for SQLite files, local file storage and the mail outbox."
    )
    database_url: str | None = _setting(
        None, _database_url, "postgresql://... puts event store and read models in PostgreSQL."
    )
    public_url: str | None = _setting(
        None, _public_url, "Base URL clients see in upload links (default http://HOST:PORT)."
    )
    run_projections: bool = _setting(
        True, _boolean, "Run the projection host (read models, policies) in the API process."
    )
    read_wait_seconds: float = _setting(
        5.0, _positive_float, "How long a query waits for the read models to catch up."
    )
    projection_batch_size: int = _setting(
        1000, _positive_int, "Events the projection host reads and applies per transaction."
    )
    projection_batch_pause: float = _setting(
        0.0,
        _non_negative_float,
        "Seconds the projection host holds each batch open before committing; crash tests only.",
    )
    storage_url: str | None = _setting(
        None, _url("s3", "file"), "s3://bucket[/prefix] for an S3 bucket; default local files."
    )
    s3_endpoint: str | None = _setting(None, _text, "S3 endpoint host:port.")
    s3_access_key: str | None = _setting(None, _text, "S3 access key.")
    s3_secret_key: str | None = _setting(None, _text, "S3 secret key.")
    s3_secure: bool = _setting(True, _boolean, "Use TLS towards the S3 endpoint.")
    s3_region: str | None = _setting(None, _text, "S3 region, where the store needs one.")
    max_upload_size: int = _setting(
        100 * MiB, _positive_int, "Ceiling for one uploaded file in bytes (links may set less)."
    )
    virus_scan: VirusScanMode | None = _setting(
        None,
        _virus_scan,
        "required: every file waits for a clean scan by clamd before it can be downloaded;"
        " off: files are marked 'nicht geprüft'. Default: required with a database URL,"
        " off in embedded mode.",
    )
    clamd_url: str | None = _setting(
        None,
        _clamd_url,
        f"clamd's socket, unix:///path or tcp://127.0.0.1:3310 (default {DEFAULT_CLAMD_URL}).",
    )
    broker_url: str | None = _setting(
        None, _url("amqp", "redis"), "amqp://... (RabbitMQ) or redis://...; default in-process."
    )
    smtp_url: str | None = _setting(
        None, _url("smtp", "smtps"), "smtp://user:pass@host:587?starttls=true; default outbox."
    )
    mail_from: str = _setting(
        "docintake <no-reply@docintake.localhost>", _text, "From address of outgoing mail."
    )
    notification_digest_seconds: float = _setting(
        300.0,
        _non_negative_float,
        "At most one upload notification per link and member within this many seconds"
        " (0: one per upload).",
    )
    job_retries: int = _setting(
        8, _non_negative_int, "Retries of a failing job before it is given up."
    )
    job_backoff_seconds: float = _setting(
        1.0, _positive_float, "Wait before a job's first retry; doubles per retry up to 5 minutes."
    )
    job_queue_prefix: str = _setting(
        "docintake", _queue_prefix, "Start of the broker's queue names (one queue per job kind)."
    )
    job_redelivery_seconds: float = _setting(
        60.0,
        _positive_float,
        "Redis: how long a dead worker's unfinished jobs wait before another worker gets them.",
    )
    maintenance_interval_seconds: float = _setting(
        300.0,
        _positive_float,
        "How often the workers mark expired links and sweep interrupted uploads.",
    )
    login_failures_per_account: int = _setting(
        10, _positive_int, "Failed logins allowed per account within the login window."
    )
    login_failures_per_address: int = _setting(
        50, _positive_int, "Failed logins allowed per client address within the login window."
    )
    login_window_seconds: float = _setting(
        900.0, _positive_float, "Sliding window of the failed-login limits, in seconds."
    )
    master_key: MasterKey | None = _setting(
        None,
        MasterKey.parse,
        "Base64 of 32 random bytes: wraps every customer's data key. Required with a"
        " database URL; embedded mode generates one into DATA_DIR/master.key.",
        secret=True,
    )
    new_master_key: MasterKey | None = _setting(
        None,
        MasterKey.parse,
        "Only for `docintake keys rotate-master`: the master key to move to.",
        secret=True,
    )
    audit_signing_key: bytes | None = _setting(
        None,
        _signing_seed,
        "Base64 of a 32-byte Ed25519 seed that signs audit checkpoints; embedded mode"
        " generates one into DATA_DIR/audit-signing.key.",
        secret=True,
    )
    trusted_proxies: str | None = _setting(
        None,
        _proxies,
        "Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed"
        " (comma-separated); default none: the peer's address counts.",
    )
    body_idle_seconds: float = _setting(
        30.0,
        _positive_float,
        "A request body that sends nothing for this long is aborted (408) and what it"
        " staged is removed.",
    )
    header_timeout_seconds: float = _setting(
        10.0,
        _positive_float,
        "A connection must send a request's complete headers within this long (then closed).",
    )
    keep_alive_seconds: int = _setting(
        5, _positive_int, "An idle keep-alive connection is closed after this long."
    )
    idempotency_takeover_seconds: float = _setting(
        10.0,
        _positive_float,
        "A request with an idempotency key still in flight in another process after this"
        " long is presumed dead: a retry takes the key over.",
    )
    webhooks_allow_private: bool = _setting(
        False,
        _boolean,
        "Let webhooks go to loopback, private and link-local addresses (tests, closed networks).",
    )
    webhooks_retry_scale: float = _setting(
        1.0,
        _positive_float,
        "Scales the waits between webhook retries (about three days in all); tests only.",
    )
    metrics_token: str | None = _setting(
        None,
        _text,
        "Serve Prometheus metrics at /metrics to requests with this bearer token; unset: no"
        " /metrics.",
        secret=True,
    )
    log_level: str = _setting("INFO", _log_level, "DEBUG, INFO, WARNING or ERROR.")
    bench_routes: bool = _setting(
        False, _boolean, "Serve GET /bench/constant, the baseline route of `make bench`."
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        known = {f"{PREFIX}{f.name.upper()}": f for f in fields(cls)}
        for name in environ:
            if name.startswith(PREFIX) and name not in known:
                raise SettingsError(f"{name}: unknown setting (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for name, setting in known.items():
            raw = environ.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[setting.name] = setting.metadata["parse"](raw)
            except ValueError as error:
                raise SettingsError(f"{name}: {error}") from None
        settings = cls(**values)
        if settings.database_url is not None and settings.master_key is None:
            raise SettingsError(MASTER_KEY_REQUIRED)
        if settings.storage_url and settings.storage_url.startswith("s3:"):
            for name in ("s3_endpoint", "s3_access_key", "s3_secret_key"):
                if getattr(settings, name) is None:
                    raise SettingsError(
                        f"{PREFIX}{name.upper()}: required when DOCINTAKE_STORAGE_URL is s3://"
                    )
        return settings

    @property
    def virus_scan_mode(self) -> VirusScanMode:
        if self.virus_scan is not None:
            return self.virus_scan
        return VirusScanMode.OFF if self.database_url is None else VirusScanMode.REQUIRED

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(variable, default, meaning) for every setting: the README's table."""
        return [
            (
                f"{PREFIX}{f.name.upper()}",
                "" if f.default is None else str(f.default),
                f.metadata["help"],
            )
            for f in fields(cls)
        ]
