"""What a rebuild needs to know about tables from the database's own catalog, in both dialects.

A rebuild works on any projection without asking it: it finds the copy's
indexes, columns and primary key here, so that it can defer secondary indexes
while loading, rename the copy into place, and compare row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.database import Transaction


@dataclass(frozen=True)
class Index:
    name: str
    sql: str | None  # None for the index SQLite makes for a primary key itself
    secondary: bool  # neither primary key nor unique: safe to build after loading


def table_exists(tx: Transaction, table: str) -> bool:
    if tx.dialect == "postgres":
        row = tx.fetchone("SELECT to_regclass(%s) IS NOT NULL AS found", (table,))
        return bool(row and row["found"])
    row = tx.fetchone(
        "SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = %s", (table,)
    )
    return bool(row and row["found"])


def indexes(tx: Transaction, table: str) -> list[Index]:
    if tx.dialect == "postgres":
        rows = tx.fetchall(
            "SELECT c.relname AS name, pg_get_indexdef(c.oid) AS sql,"
            " NOT (ix.indisunique OR ix.indisprimary) AS secondary"
            " FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid"
            " WHERE ix.indrelid = to_regclass(%s) ORDER BY c.relname",
            (table,),
        )
        return [Index(r["name"], r["sql"], bool(r["secondary"])) for r in rows]
    listed = {
        r["name"]: bool(r["unique"])
        for r in tx.fetchall('SELECT name, "unique" FROM pragma_index_list(%s)', (table,))
    }
    rows = tx.fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s ORDER BY name",
        (table,),
    )
    return [
        Index(r["name"], r["sql"], r["sql"] is not None and not listed.get(r["name"], False))
        for r in rows
    ]


def columns(tx: Transaction, table: str) -> list[str]:
    if tx.dialect == "postgres":
        rows = tx.fetchall(
            "SELECT attname AS name FROM pg_attribute"
            " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
            " ORDER BY attnum",
            (table,),
        )
    else:
        rows = tx.fetchall("SELECT name FROM pragma_table_info(%s) ORDER BY cid", (table,))
    return [str(r["name"]) for r in rows]


def primary_key(tx: Transaction, table: str) -> list[str]:
    if tx.dialect == "postgres":
        rows = tx.fetchall(
            "SELECT a.attname AS name FROM pg_index ix"
            " JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ANY(ix.indkey)"
            " WHERE ix.indrelid = to_regclass(%s) AND ix.indisprimary"
            " ORDER BY array_position(ix.indkey::int2[], a.attnum)",
            (table,),
        )
    else:
        rows = tx.fetchall(
            "SELECT name FROM pragma_table_info(%s) WHERE pk > 0 ORDER BY pk", (table,)
        )
    return [str(r["name"]) for r in rows]


def drop_table(tx: Transaction, table: str) -> None:
    tx.execute(f"DROP TABLE IF EXISTS {table}")


def drop_index(tx: Transaction, index: str) -> None:
    tx.execute(f"DROP INDEX IF EXISTS {index}")


def move_table(tx: Transaction, source: str, target: str) -> None:
    """Rename `source` to `target`, and its indexes named after `source` to names after `target`.

    Index names must carry their table's name (as every projection's do), or a
    copy's index would collide with the live one's.
    """
    tx.execute(f"ALTER TABLE {source} RENAME TO {target}")
    for index in indexes(tx, target):
        if source not in index.name:
            continue
        new_name = index.name.replace(source, target, 1)
        if tx.dialect == "postgres":
            tx.execute(f"ALTER INDEX {index.name} RENAME TO {new_name}")
        elif index.sql is not None:
            # SQLite cannot rename an index: make it again under the new name.
            tx.execute(f"DROP INDEX {index.name}")
            tx.execute(index.sql.replace(index.name, new_name, 1))
