"""Incremental results: one SQLite file mapping a file's identity to its AssetAnalysis.

Key: (scope, device, inode) holding (size, mtime_ns, ctime_ns). A row answers only while
size, mtime and ctime still match, so a changed file misses and its new result replaces the
row. The ctime is the kernel's own (no one can set it back): a file rewritten in place with its
size kept and its mtime put back (`touch -r`, an SFTP `put -p`) still misses, never answering
with the old bytes' verdict; so does a file renamed or hard-linked (the kernel stamps its ctime
then), which is read again once. A hit gets the current path on load. The
scope folds in everything else a result depends on: provscan version, rule-catalog version,
the versions of the readers' libraries and the analysis options (trust anchors, fingerprints
on/off). A lookup is a `stat` and a query: no media byte is read.

Several scans may share one cache file: WAL journal, a busy timeout, one write transaction
per batch. A cache that cannot be opened or turns out corrupt is moved out of the way with a
warning and the scan goes on (fresh, or without a cache): the cache only ever saves time. A
cache someone else could have written is refused before it is opened (`cache_trust`): that
stops the scan, since it is the gatekeeper's set-up that needs fixing.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.common.serialize import to_plain
from scanner.engine.cache_codec import MAX_VALUE_BYTES, decode_analysis, encode_analysis
from scanner.engine.cache_schema import SCHEMA_VERSION, NotOurDatabase, connect
from scanner.engine.cache_trust import prepare_private_cache
from scanner.model import AssetAnalysis

log = logging.getLogger("provscan.cache")

FILE_NAME = "results.sqlite3"
# Rows not stored or hit for this long are dropped (checked at most once a day per cache).
KEEP_UNUSED_S = 90 * 86_400
REFRESH_USED_AFTER_S = 30 * 86_400
PRUNE_EVERY_S = 86_400
PRUNE_BATCH = 1_000
# A file modified this recently may change again within the same mtime tick (coarse clocks on
# network shares): its result is used but not stored, as git treats "racily clean" entries.
RACY_WINDOW_NS = 2_000_000_000
# A row must match the file's whole identity, and its columns are checked for type and size in
# SQLite: a hostile row never reaches Python bigger than the caps (an oversized or mistyped
# value comes back NULL: unusable, a miss).
_LOOKUP = (
    "SELECT CASE WHEN typeof(used_at)='integer' THEN used_at END,"
    " CASE WHEN typeof(value)='blob' AND length(value)<=? THEN value END"
    " FROM results WHERE scope=? AND dev=? AND ino=? AND size=? AND mtime_ns=? AND ctime_ns=?"
)
_KNOWN_TYPE = (
    "SELECT media_type, format, kind FROM results"
    " WHERE scope=? AND dev=? AND ino=? AND size=? AND mtime_ns=? AND ctime_ns=?"
    " AND typeof(media_type)='text' AND typeof(format)='text' AND typeof(kind)='text'"
    " AND length(media_type)+length(format)+length(kind)<=?"
)
MAX_TYPE_CHARS = 200
# Libraries whose version changes what a file reads as.
RESULT_LIBRARIES = ("c2pa-python", "pillow", "pillow-heif", "exifread", "pymediainfo",
                    "imagehash", "av", "defusedxml", "openimageio", "psd-tools")  # fmt: skip


@contextlib.contextmanager
def opened(path: Path | None) -> Iterator[ResultCache | None]:
    """The cache at `path` for one scan (walk and analysis share it), None when `path` is."""
    if path is None:
        yield None
        return
    with ResultCache.open(path) as cache:
        yield cache


def default_cache_path() -> Path:
    """The cache file in the user's cache folder (platformdirs), e.g. ~/.cache/provscan/."""
    from platformdirs import user_cache_path

    return user_cache_path("provscan", appauthor=False) / FILE_NAME


@dataclass(frozen=True)
class FileIdentity:
    """What says a file is unchanged without reading it."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, path: Path | str) -> FileIdentity | None:
        try:
            return cls.from_stat(os.stat(path))
        except (OSError, ValueError):
            return None

    @classmethod
    def from_stat(cls, st: os.stat_result) -> FileIdentity | None:
        """None where the file system has no stable inode numbers (some FUSE and SMB mounts
        report 0): such files are always read."""
        if st.st_ino == 0:
            return None
        return cls(
            _signed64(st.st_dev), _signed64(st.st_ino), st.st_size, st.st_mtime_ns, st.st_ctime_ns
        )

    def racy(self, now_ns: int | None = None) -> bool:
        now_ns = time.time_ns() if now_ns is None else now_ns
        return now_ns - self.mtime_ns < RACY_WINDOW_NS


def _signed64(value: int) -> int:
    """SQLite integers are signed 64-bit; device and inode numbers may use the top bit."""
    return value - (1 << 64) if value >= (1 << 63) else value


def result_scope(*, tool_version: str, catalog_version: str, options: Any) -> str:
    """A short digest of everything besides the file's bytes that a result depends on."""
    from importlib import metadata

    libraries = {}
    for name in RESULT_LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = ""
    material = {
        "schema": SCHEMA_VERSION,
        "tool": tool_version,
        "catalog": catalog_version,
        "libraries": libraries,
        "options": to_plain(options),
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Unusable(enum.Enum):
    """A row that matched the file but did not decode: a miss whose stored type (what
    `known_type` told the walk) is no more to be trusted than its value."""

    ROW = "unusable"


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stored: int = 0
    unusable: int = 0  # rows that matched but did not decode: treated as misses


class ResultCache:
    """Open with `ResultCache.open(path)`; use `lookup` and `store`; `close` when done.

    Every method swallows SQLite trouble (with a warning) and degrades to "no cache".
    """

    def __init__(self, path: Path, conn: sqlite3.Connection | None) -> None:
        self.path = path
        self._conn = conn
        self.stats = CacheStats()
        self._refresh: list[tuple[str, int, int]] = []

    @property
    def enabled(self) -> bool:
        return self._conn is not None

    @classmethod
    def open(cls, path: Path | str) -> ResultCache:
        """Raises CacheTrustError (a ConfigError) for a cache someone else could have written;
        any other trouble is a warning and a disabled or fresh cache."""
        path = Path(path)
        try:
            return cls(path, _connect(path))
        except NotOurDatabase as exc:
            log.warning("%s: scanning without a cache", exc)
            return cls(path, None)
        except (sqlite3.DatabaseError, OSError) as first:
            if isinstance(first, (sqlite3.OperationalError, OSError)):
                # busy, read-only, permissions: nothing says the file itself is bad
                log.warning("cannot use cache %s (%s): scanning without it", path, first)
                return cls(path, None)
            log.warning(
                "cache %s is corrupt (%s): moved to %s.corrupt, starting fresh",
                path,
                first,
                path.name,
            )
            _set_aside(path)
        try:
            return cls(path, _connect(path))
        except (sqlite3.DatabaseError, OSError) as second:
            log.warning("cannot create cache %s (%s): scanning without a cache", path, second)
            return cls(path, None)

    def lookup(
        self, scope: str, items: Sequence[tuple[FileIdentity | None, str]]
    ) -> list[AssetAnalysis | Unusable | None]:
        """For each (identity, current relative path): the stored analysis; Unusable for a row
        that matched but did not decode; None when nothing matched. Both are misses."""
        found: list[AssetAnalysis | Unusable | None] = [None] * len(items)
        if self._conn is None:
            self.stats.misses += len(items)
            return found
        stale_before = int(time.time()) - REFRESH_USED_AFTER_S
        try:
            for i, (identity, rel) in enumerate(items):
                if identity is None:
                    continue
                row = self._conn.execute(
                    _LOOKUP, (MAX_VALUE_BYTES, scope, *_key(identity))
                ).fetchone()
                if row is None:
                    continue  # unknown, or changed since
                used_at, value = row
                try:
                    found[i] = decode_analysis(value, rel)
                except Exception:  # noqa: BLE001 - a damaged or hostile row is a miss, never a crash
                    self.stats.unusable += 1
                    found[i] = Unusable.ROW
                    continue
                if used_at is None or used_at < stale_before:
                    self._refresh.append((scope, identity.dev, identity.ino))
        except sqlite3.DatabaseError as exc:
            self._fail("read", exc)
        hits = sum(1 for f in found if isinstance(f, AssetAnalysis))
        self.stats.hits += hits
        self.stats.misses += len(items) - hits
        return found

    def known_type(self, scope: str, identity: FileIdentity) -> tuple[str, str, str] | None:
        """(media_type, format, kind) of an unchanged file analysed before: lets the walk skip
        sniffing its first bytes. None when unknown or changed."""
        if self._conn is None:
            return None
        try:
            found = self._conn.execute(
                _KNOWN_TYPE, (scope, *_key(identity), MAX_TYPE_CHARS)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            self._fail("read", exc)
            return None
        return None if found is None else (found[0], found[1], found[2])

    def store(self, scope: str, entries: Iterable[tuple[FileIdentity, AssetAnalysis]]) -> None:
        """Store results in one transaction. Racily-fresh files are left out (see above)."""
        now_ns = time.time_ns()
        now_s = now_ns // 1_000_000_000
        rows = [
            (scope, ident.dev, ident.ino, ident.size, ident.mtime_ns, ident.ctime_ns, now_s,
             a.media_type, a.format, a.kind, value)
            for ident, a in entries
            if not ident.racy(now_ns) and (value := encode_analysis(a)) is not None
        ]  # fmt: skip
        refresh, self._refresh = self._refresh, []
        if self._conn is None or not (rows or refresh):
            return
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "INSERT OR REPLACE INTO results (scope, dev, ino, size, mtime_ns, ctime_ns,"
                    " used_at, media_type, format, kind, value) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                self._conn.executemany(
                    "UPDATE results SET used_at=? WHERE scope=? AND dev=? AND ino=?",
                    [(now_s, *key) for key in refresh],
                )
            self.stats.stored += len(rows)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                log.warning("cache %s stayed busy; %d results not stored", self.path, len(rows))
                return
            self._fail("write", exc)
        except sqlite3.DatabaseError as exc:
            self._fail("write", exc)

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is None:
            return
        try:
            self._prune_now_and_then()
            self._conn.close()
        except sqlite3.DatabaseError as exc:
            log.warning("cache %s: %s", self.path, exc)
        self._conn = None

    def _prune_now_and_then(self) -> None:
        conn = self._conn
        if conn is None:
            return
        now = int(time.time())
        recently = conn.execute(
            "SELECT 1 FROM meta WHERE key='pruned_at' AND typeof(value)='text'"
            " AND CAST(value AS INTEGER) > ?",
            (now - PRUNE_EVERY_S,),
        ).fetchone()
        if recently:
            return
        try:
            with conn:
                deleted = PRUNE_BATCH
                while deleted == PRUNE_BATCH:  # in batches: each stays far inside its time bound
                    deleted = conn.execute(
                        "DELETE FROM results WHERE rowid IN"
                        " (SELECT rowid FROM results WHERE used_at < ? LIMIT ?)",
                        (now - KEEP_UNUSED_S, PRUNE_BATCH),
                    ).rowcount
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('pruned_at', ?)", (str(now),)
                )
        except sqlite3.OperationalError:
            pass  # busy (another scan holds the write lock) or slow: prune another time

    def _fail(self, what: str, exc: sqlite3.DatabaseError) -> None:
        """A corrupt or unusable cache mid-scan: stop using it; drop it if it is corrupt."""
        log.warning("cache %s failed to %s (%s): going on without it", self.path, what, exc)
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                conn.close()
        self._conn = None
        if not isinstance(exc, sqlite3.OperationalError):
            _set_aside(self.path)


def _key(identity: FileIdentity) -> tuple[int, int, int, int, int]:
    return identity.dev, identity.ino, identity.size, identity.mtime_ns, identity.ctime_ns


def _connect(path: Path) -> sqlite3.Connection:
    prepare_private_cache(path)
    return connect(path)


def _set_aside(path: Path) -> None:
    """Move a corrupt cache to PATH.corrupt (never delete what might not be ours) and remove
    its WAL and shared-memory files: a stale -wal beside a new database would be replayed."""
    try:
        os.replace(path, f"{path}.corrupt")
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("cannot move %s aside: %s", path, exc)
    for suffix in ("-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove %s%s: %s", path, suffix, exc)
