"""The cache file's SQLite layout: create it, recognise it, and open a connection to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = "2"
APPLICATION_ID = 0x70726F76  # "prov": marks the SQLite file as a provscan cache
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    scope TEXT NOT NULL,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    used_at INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    format TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (scope, dev, ino)
);
CREATE INDEX IF NOT EXISTS results_used_at ON results (used_at);
"""


class NotOurDatabase(sqlite3.DatabaseError):
    """The cache path holds someone else's SQLite database: leave it alone."""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _claim(conn, path)
        if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("cannot switch the cache to WAL mode")
        conn.execute("PRAGMA synchronous=NORMAL")
        if _schema_version(conn) != SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = _schema_version(conn)  # again, under the write lock
                if version != SCHEMA_VERSION:
                    # an older or newer layout: its rows mean nothing to this version
                    conn.execute("DROP TABLE IF EXISTS results")
                    _create_schema(conn)
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)",
                        (SCHEMA_VERSION,),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    except BaseException:
        conn.close()
        raise
    return conn


def _claim(conn: sqlite3.Connection, path: Path) -> None:
    """Mark a new, empty database as a provscan cache; refuse a database that is not one."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == APPLICATION_ID:
        return
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id != 0 or tables:
        raise NotOurDatabase(f"{path} is an SQLite database but not a provscan cache")
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")


def _create_schema(conn: sqlite3.Connection) -> None:
    # executescript() would COMMIT the open transaction first; run the statements one by one.
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _schema_version(conn: sqlite3.Connection) -> str | None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
    ).fetchone()
    if not has_meta:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    return row[0] if row else None
