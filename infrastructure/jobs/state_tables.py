"""The tables background jobs keep in the read-model database, and every query on them
(implements `application.jobs.ports.JobState`).

- `job_outcomes`: one row per finished job key (event identity), so a job
  delivered twice acts once; `outcome` is `done`, `sent`, `failed` or `skipped`.
- `job_link_expiry`: links still to be marked expired, written by the job policy.
- `upload_notice_files`, `upload_notice_digests`, `upload_notice_links`: files
  not yet told to the team, digests cut but not yet delivered, and each link's
  last digest time (for "at most one mail per link per window").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from application.jobs.ports import Digest, JobOutcome, NoticeFile
from projections.database import Database, Transaction
from projections.rows import as_datetime, as_uuid

OUTCOMES = "job_outcomes"
LINK_EXPIRY = "job_link_expiry"
REMINDER_LINKS = "job_reminder_links"
NOTICE_FILES = "upload_notice_files"
NOTICE_DIGESTS = "upload_notice_digests"
NOTICE_LINKS = "upload_notice_links"

TABLES: Sequence[str] = (
    OUTCOMES,
    LINK_EXPIRY,
    NOTICE_FILES,
    NOTICE_DIGESTS,
    NOTICE_LINKS,
    REMINDER_LINKS,
)


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
        f"CREATE TABLE IF NOT EXISTS {REMINDER_LINKS}{suffix} ("
        f" link_id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {REMINDER_LINKS}{suffix}_customer_idx"
        f" ON {REMINDER_LINKS}{suffix} (customer_id)"
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


class JobStateTables:
    """The jobs' state in the read-model database `database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def tables(self) -> Sequence[str]:
        return TABLES

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> bool:
        first_run = not table_exists(tx, f"{OUTCOMES}{table_suffix}")
        create_job_tables(tx, table_suffix)
        return first_run

    # The job policy's part, in its batch ---------------------------------------------

    def will_expire(
        self,
        tx: Transaction,
        link_id: UUID,
        customer_id: UUID,
        expires_at: datetime,
        table_suffix: str = "",
    ) -> None:
        tx.execute(
            f"INSERT INTO {LINK_EXPIRY}{table_suffix} (link_id, customer_id, expires_at)"
            " VALUES (%s, %s, %s) ON CONFLICT (link_id) DO NOTHING",
            (link_id, customer_id, expires_at),
        )

    def wont_expire(self, tx: Transaction, link_id: UUID, table_suffix: str = "") -> None:
        tx.execute(f"DELETE FROM {LINK_EXPIRY}{table_suffix} WHERE link_id = %s", (link_id,))

    def may_remind(
        self, tx: Transaction, link_id: UUID, customer_id: UUID, table_suffix: str = ""
    ) -> None:
        tx.execute(
            f"INSERT INTO {REMINDER_LINKS}{table_suffix} (link_id, customer_id) VALUES (%s, %s)"
            " ON CONFLICT (link_id) DO NOTHING",
            (link_id, customer_id),
        )

    def wont_remind(self, tx: Transaction, link_id: UUID, table_suffix: str = "") -> None:
        tx.execute(f"DELETE FROM {REMINDER_LINKS}{table_suffix} WHERE link_id = %s", (link_id,))

    def links_to_remind(self, after: UUID | None, limit: int) -> list[UUID]:
        with self.database.reading() as tx:
            if after is None:
                rows = tx.fetchall(
                    f"SELECT link_id FROM {REMINDER_LINKS} ORDER BY link_id LIMIT {int(limit)}"
                )
            else:
                rows = tx.fetchall(
                    f"SELECT link_id FROM {REMINDER_LINKS} WHERE link_id > %s"
                    f" ORDER BY link_id LIMIT {int(limit)}",
                    (after,),
                )
        return [as_uuid(row["link_id"]) for row in rows]

    def forget_customer(
        self, tx: Transaction, customer_id: UUID, link_job_prefix: str, table_suffix: str = ""
    ) -> None:
        tx.erasing()
        links = tx.fetchall(
            f"SELECT link_id FROM {LINK_EXPIRY}{table_suffix} WHERE customer_id = %s",
            (customer_id,),
        )
        for row in links:
            tx.execute(
                f"UPDATE {OUTCOMES}{table_suffix} SET detail = NULL WHERE job_key LIKE %s",
                (f"{link_job_prefix}{row['link_id']}:%",),
            )
        tx.execute(
            f"DELETE FROM {LINK_EXPIRY}{table_suffix} WHERE customer_id = %s", (customer_id,)
        )
        tx.execute(
            f"DELETE FROM {NOTICE_FILES}{table_suffix} WHERE customer_id = %s", (customer_id,)
        )
        tx.execute(
            f"DELETE FROM {REMINDER_LINKS}{table_suffix} WHERE customer_id = %s", (customer_id,)
        )

    # Outcomes ------------------------------------------------------------------------

    def outcome(self, key: str) -> JobOutcome | None:
        with self.database.reading() as tx:
            row = tx.fetchone(f"SELECT outcome, detail FROM {OUTCOMES} WHERE job_key = %s", (key,))
        if row is None:
            return None
        return JobOutcome(str(row["outcome"]), row["detail"])

    def record_outcome(
        self, key: str, kind: str, outcome: str, at: datetime, detail: str | None = None
    ) -> None:
        with self.database.transaction() as tx:
            _record_outcome(tx, key, kind, outcome, at, detail)

    def failed_counts(self, since: datetime) -> dict[str, int]:
        with self.database.reading() as tx:
            # Before the job policy's first start there is nothing to count.
            if not table_exists(tx, OUTCOMES):
                return {}
            rows = tx.fetchall(
                f"SELECT kind, COUNT(*) AS n FROM {OUTCOMES}"
                " WHERE outcome = 'failed' AND finished_at >= %s GROUP BY kind",
                (since,),
            )
        return {str(row["kind"]): int(row["n"]) for row in rows}

    # Upload notices ------------------------------------------------------------------

    def file_notice(self, key: str, kind: str, file: NoticeFile | None, at: datetime) -> None:
        with self.database.transaction() as tx:
            row = tx.fetchone(f"SELECT 1 AS found FROM {OUTCOMES} WHERE job_key = %s", (key,))
            if row is not None:
                return
            if file is not None:
                tx.execute(
                    f"INSERT INTO {NOTICE_FILES} (file_id, link_id, customer_id,"
                    " organization_id, filename, size, uploader_name, uploaded_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (file_id) DO NOTHING",
                    (
                        file.file_id,
                        file.link_id,
                        file.customer_id,
                        file.organization_id,
                        file.filename,
                        file.size,
                        file.uploader_name,
                        file.uploaded_at,
                    ),
                )
            _record_outcome(tx, key, kind, "done", at)

    def cut_digest(self, link_id: UUID, now: datetime, window: float) -> datetime | None:
        with self.database.transaction() as tx:
            tx.execute(
                f"INSERT INTO {NOTICE_LINKS} (link_id) VALUES (%s)"
                " ON CONFLICT (link_id) DO NOTHING",
                (link_id,),
            )
            state = tx.fetchone(
                f"SELECT last_digest_at, wake_at FROM {NOTICE_LINKS} WHERE link_id = %s",
                (link_id,),
            )
            assert state is not None
            last, wake = as_datetime(state["last_digest_at"]), as_datetime(state["wake_at"])
            waiting = tx.fetchone(
                f"SELECT COUNT(*) AS n FROM {NOTICE_FILES}"
                " WHERE link_id = %s AND digest_id IS NULL",
                (link_id,),
            )
            if not waiting or not int(waiting["n"]):
                return None
            due = now if last is None else last + timedelta(seconds=window)
            if now < due:
                if wake is not None and now < wake:
                    return None  # a wake-up is asked for already
                tx.execute(
                    f"UPDATE {NOTICE_LINKS} SET wake_at = %s WHERE link_id = %s", (due, link_id)
                )
                return due
            digest_id = uuid4()
            tx.execute(
                f"INSERT INTO {NOTICE_DIGESTS} (id, link_id, cut_at, sent_to)"
                " VALUES (%s, %s, %s, '[]')",
                (digest_id, link_id, now),
            )
            tx.execute(
                f"UPDATE {NOTICE_FILES} SET digest_id = %s"
                " WHERE link_id = %s AND digest_id IS NULL",
                (digest_id, link_id),
            )
            tx.execute(
                f"UPDATE {NOTICE_LINKS} SET last_digest_at = %s, wake_at = NULL WHERE link_id = %s",
                (now, link_id),
            )
        return None

    def digests(self, link_id: UUID) -> list[Digest]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT id, sent_to FROM {NOTICE_DIGESTS} WHERE link_id = %s ORDER BY cut_at",
                (link_id,),
            )
        return [
            Digest(as_uuid(row["id"]), link_id, list(json.loads(row["sent_to"]))) for row in rows
        ]

    def digest_files(self, digest_id: UUID) -> list[NoticeFile]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT file_id, link_id, customer_id, organization_id, filename, size,"
                f" uploader_name, uploaded_at FROM {NOTICE_FILES}"
                " WHERE digest_id = %s ORDER BY uploaded_at, filename",
                (digest_id,),
            )
        return [
            NoticeFile(
                file_id=as_uuid(row["file_id"]),
                link_id=as_uuid(row["link_id"]),
                customer_id=as_uuid(row["customer_id"]),
                organization_id=as_uuid(row["organization_id"]),
                filename=str(row["filename"]),
                size=int(row["size"]),
                uploader_name=row["uploader_name"],
                uploaded_at=as_datetime(row["uploaded_at"]) or datetime.now(UTC),
            )
            for row in rows
        ]

    def digest_sent_to(self, digest_id: UUID, sent_to: list[str]) -> None:
        with self.database.transaction() as tx:
            tx.execute(
                f"UPDATE {NOTICE_DIGESTS} SET sent_to = %s WHERE id = %s",
                (json.dumps(sent_to), digest_id),
            )

    def drop_digest(self, digest_id: UUID) -> None:
        with self.database.transaction() as tx:
            tx.execute(f"DELETE FROM {NOTICE_FILES} WHERE digest_id = %s", (digest_id,))
            tx.execute(f"DELETE FROM {NOTICE_DIGESTS} WHERE id = %s", (digest_id,))

    def links_with_notices(self) -> list[UUID]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT DISTINCT link_id FROM {NOTICE_FILES} WHERE digest_id IS NULL"
                f" UNION SELECT DISTINCT link_id FROM {NOTICE_DIGESTS}"
            )
        return [as_uuid(row["link_id"]) for row in rows]

    # Link expiry ---------------------------------------------------------------------

    def links_expired_by(self, now: datetime, limit: int) -> list[UUID]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT link_id FROM {LINK_EXPIRY} WHERE expires_at <= %s"
                f" ORDER BY expires_at LIMIT {int(limit)}",
                (now,),
            )
        return [as_uuid(row["link_id"]) for row in rows]

    def expiry_marked(self, link_id: UUID) -> None:
        with self.database.transaction() as tx:
            tx.execute(f"DELETE FROM {LINK_EXPIRY} WHERE link_id = %s", (link_id,))


def _record_outcome(
    tx: Transaction, key: str, kind: str, outcome: str, at: datetime, detail: str | None = None
) -> None:
    tx.execute(
        f"INSERT INTO {OUTCOMES} (job_key, kind, outcome, finished_at, detail)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (job_key) DO NOTHING",
        (key, kind, outcome, at, detail),
    )
