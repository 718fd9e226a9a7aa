"""The cache file's SQLite layout: create it, accept nothing but it, bound every statement.

A file only counts as a provscan cache when it carries our application id and its
`sqlite_master` holds exactly the objects `_SCHEMA` creates, each with the SQL SQLite stored
for it, and nothing else: no view, trigger, virtual table, extra table or other column list.
Anything else (someone else's database, or one made to run code or loop when provscan reads
it) is NotOurDatabase: the scan leaves the file alone and goes on without a cache. A layout
change must bump SCHEMA_VERSION and list the exact old layouts it may migrate from.

Every statement runs under a wall-clock bound (a progress handler): one that outruns it is
interrupted, an OperationalError the cache treats as "unusable for the rest of this scan".
"""

from __future__ import annotations

import functools
import math
import sqlite3
import time
from pathlib import Path
from typing import Any

from scanner.common.safetext import terminal_safe

SCHEMA_VERSION = "3"
APPLICATION_ID = 0x70726F76  # "prov": marks the SQLite file as a provscan cache
BUSY_TIMEOUT_MS = 30_000
# Every statement reads or writes one row by its key, or one batch of rows: microseconds to
# milliseconds on a local disk, up to about a second on a slow network home folder. Ten
# seconds leaves that slack, and a hostile file costs one such wait per scan (the first
# interrupted statement turns the cache off).
STATEMENT_BOUND_S = 10.0
PROGRESS_EVERY_OPS = 1_000  # SQLite VM instructions between two looks at the clock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    scope TEXT NOT NULL,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    used_at INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    format TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (scope, dev, ino)
);
CREATE INDEX IF NOT EXISTS results_used_at ON results (used_at);
"""

# The layouts this version empties and re-creates (its rows mean nothing here): version 2's,
# whose key had no ctime_ns.
_OLD_SCHEMAS = (_SCHEMA.replace("    ctime_ns INTEGER NOT NULL,\n", ""),)

Layout = frozenset[tuple[str, str, str, str | None]]  # (type, name, tbl_name, sql)
_LAYOUT_QUERY = "SELECT type, name, tbl_name, sql FROM sqlite_master"


class NotOurDatabase(sqlite3.DatabaseError):
    """The cache path holds someone else's SQLite database: leave it alone."""


class BoundedConnection(sqlite3.Connection):
    """A connection whose statements are interrupted once they have run STATEMENT_BOUND_S
    (counted from `execute`, fetching included)."""

    deadline = math.inf

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.deadline = time.monotonic() + STATEMENT_BOUND_S
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self.deadline = time.monotonic() + STATEMENT_BOUND_S
        return super().executemany(sql, parameters)

    def past_deadline(self) -> bool:
        return time.monotonic() > self.deadline


def connect(path: Path) -> BoundedConnection:
    """Open the cache at `path` (made a provscan cache if it is a new, empty database).
    NotOurDatabase for any other database; other sqlite3 errors as SQLite raises them."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, factory=BoundedConnection
    )
    try:
        conn.set_progress_handler(conn.past_deadline, PROGRESS_EVERY_OPS)
        # functions in a schema (views, triggers, defaults) run only if harmless: a second
        # line behind the layout check, which admits none of them anyway
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _claim(conn, path)
        _check_layout(conn, path)  # before anything reads a table or changes the file
        if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("cannot switch the cache to WAL mode")
        conn.execute("PRAGMA synchronous=NORMAL")
        if _outdated(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                _check_layout(conn, path)  # again, under the write lock
                if _outdated(conn):
                    # our layout, another version's rows (or none yet): they mean nothing here
                    conn.execute("DROP TABLE IF EXISTS results")
                    _create_schema(conn)
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)",
                        (SCHEMA_VERSION,),
                    )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
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


def _check_layout(conn: sqlite3.Connection, path: Path) -> None:
    """Our layout, or none yet (claimed, schema not made): anything else is not ours."""
    found: Layout = frozenset(conn.execute(_LAYOUT_QUERY).fetchall())
    expected = expected_layout()
    if not found or found == expected or found in old_layouts():
        return
    odd = sorted({_shown(kind, name) for kind, name, _table, _sql in found - expected})
    missing = sorted({_shown(kind, name) for kind, name, _table, _sql in expected - found})
    raise NotOurDatabase(
        f"{path} does not have the layout of a provscan cache (not ours or changed:"
        f" {', '.join(odd[:5]) or 'none'}; missing: {', '.join(missing) or 'none'})"
    )


def _shown(kind: object, name: object) -> str:
    """An object of a hostile schema, for a warning: its kind and name, shortened, safe."""
    return terminal_safe(f"{kind} {name}"[:80])


@functools.cache
def expected_layout() -> Layout:
    """The sqlite_master rows `_SCHEMA` makes, as this SQLite stores them (autoindexes too)."""
    return _layout_of(_SCHEMA)


@functools.cache
def old_layouts() -> tuple[Layout, ...]:
    return tuple(_layout_of(schema) for schema in _OLD_SCHEMAS)


def _layout_of(schema: str) -> Layout:
    conn = sqlite3.connect(":memory:")
    try:
        _create_schema(conn, schema)
        return frozenset(conn.execute(_LAYOUT_QUERY).fetchall())
    finally:
        conn.close()


def _create_schema(conn: sqlite3.Connection, schema: str = _SCHEMA) -> None:
    # executescript() would COMMIT the open transaction first; run the statements one by one.
    for statement in schema.split(";"):
        if statement.strip():
            conn.execute(statement)


def _outdated(conn: sqlite3.Connection) -> bool:
    """Another version's cache (or a new one): its rows are dropped, the table made anew."""
    layout = frozenset(conn.execute(_LAYOUT_QUERY).fetchall())
    return _schema_version(conn) != SCHEMA_VERSION or layout != expected_layout()


def _schema_version(conn: sqlite3.Connection) -> str | None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
    ).fetchone()
    if not has_meta:
        return None
    row = conn.execute(
        "SELECT value FROM meta WHERE key='schema' AND typeof(value)='text' AND length(value)<=16"
    ).fetchone()
    return row[0] if row else None
