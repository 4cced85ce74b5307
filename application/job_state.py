"""The tables background jobs keep in the read-model database, and their small queries.

- `job_outcomes`: one row per finished job key (event identity), so a job
  delivered twice acts once; `outcome` is `done`, `sent`, `failed` or `skipped`.
- `job_link_expiry`: links still to be marked expired, written by the job policy.
- `upload_notice_files`, `upload_notice_digests`, `upload_notice_links`: files
  not yet told to the team, digests cut but not yet delivered, and each link's
  last digest time (for "at most one mail per link per window").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from projections.database import Transaction

OUTCOMES = "job_outcomes"
LINK_EXPIRY = "job_link_expiry"
NOTICE_FILES = "upload_notice_files"
NOTICE_DIGESTS = "upload_notice_digests"
NOTICE_LINKS = "upload_notice_links"

TABLES: Sequence[str] = (OUTCOMES, LINK_EXPIRY, NOTICE_FILES, NOTICE_DIGESTS, NOTICE_LINKS)


def table_exists(tx: Transaction, table: str) -> bool:
    if tx.dialect == "postgres":
        row = tx.fetchone("SELECT to_regclass(%s) IS NOT NULL AS found", (table,))
        return bool(row and row["found"])
    row = tx.fetchone(
        "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = %s", (table,)
    )
    return row is not None


def create_job_tables(tx: Transaction, suffix: str = "") -> None:
    uuid, time = ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {OUTCOMES}{suffix} ("
        " job_key TEXT PRIMARY KEY, kind TEXT NOT NULL, outcome TEXT NOT NULL,"
        f" finished_at {time} NOT NULL, detail TEXT)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {OUTCOMES}{suffix}_outcome_idx"
        f" ON {OUTCOMES}{suffix} (outcome, kind)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {LINK_EXPIRY}{suffix} ("
        f" link_id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, expires_at {time} NOT NULL)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {LINK_EXPIRY}{suffix}_expires_idx"
        f" ON {LINK_EXPIRY}{suffix} (expires_at)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {LINK_EXPIRY}{suffix}_customer_idx"
        f" ON {LINK_EXPIRY}{suffix} (customer_id)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {NOTICE_FILES}{suffix} ("
        f" file_id {uuid} PRIMARY KEY, link_id {uuid} NOT NULL, customer_id {uuid} NOT NULL,"
        f" organization_id {uuid} NOT NULL, filename TEXT NOT NULL, size BIGINT NOT NULL,"
        f" uploader_name TEXT, uploaded_at {time} NOT NULL, digest_id {uuid})"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {NOTICE_FILES}{suffix}_link_idx"
        f" ON {NOTICE_FILES}{suffix} (link_id, digest_id)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {NOTICE_DIGESTS}{suffix} ("
        f" id {uuid} PRIMARY KEY, link_id {uuid} NOT NULL, cut_at {time} NOT NULL,"
        " sent_to TEXT NOT NULL)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {NOTICE_DIGESTS}{suffix}_link_idx"
        f" ON {NOTICE_DIGESTS}{suffix} (link_id)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {NOTICE_LINKS}{suffix} ("
        f" link_id {uuid} PRIMARY KEY, last_digest_at {time}, wake_at {time})"
    )


def outcome_of(tx: Transaction, key: str) -> str | None:
    row = tx.fetchone(f"SELECT outcome FROM {OUTCOMES} WHERE job_key = %s", (key,))
    return str(row["outcome"]) if row else None


def record_outcome(
    tx: Transaction, key: str, kind: str, outcome: str, at: datetime, detail: str | None = None
) -> None:
    """Remember that the job `key` has finished (the first outcome stays)."""
    tx.execute(
        f"INSERT INTO {OUTCOMES} (job_key, kind, outcome, finished_at, detail)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (job_key) DO NOTHING",
        (key, kind, outcome, at, detail),
    )


def failed_counts(tx: Transaction, since: datetime) -> dict[str, int]:
    """Jobs given up and recorded as failed since `since`, per kind."""
    rows = tx.fetchall(
        f"SELECT kind, COUNT(*) AS n FROM {OUTCOMES}"
        " WHERE outcome = 'failed' AND finished_at >= %s GROUP BY kind",
        (since,),
    )
    return {str(row["kind"]): int(row["n"]) for row in rows}
