"""Before the cache is opened: its file and folder must be the user's alone (owner, mode, no link).

Whoever can write the cache decides what a warm scan reports, so a cache file, its folder or
SQLite's files beside it (the write-ahead log is replayed into the database when it is opened)
that another user owns, that group or others may write, or that is a symbolic link is refused
with a CacheTrustError: a usage error (exit 2) that the person running the gate must fix, not
a warning scrolling past in a pipeline log. Checking the folder first makes the file checks
race-free against other users: nobody else can replace a file in a folder only we can write.
New folders are made 0700 and a new cache file 0600 (SQLite gives its side files the
database's mode).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from scanner.errors import CacheTrustError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_HOW_TO_GO_ON = "choose a cache of your own with --cache, or scan with --no-cache"


def prepare_private_cache(path: Path) -> None:
    """Create the cache's missing folders (0700) and an empty cache file (0600), then check the
    folder, the file and its side files. CacheTrustError when one is not the user's alone;
    OSError when the folder or file cannot be made (the caller goes on without a cache)."""
    folder = path.parent
    _make_folders(folder)
    _check(folder, "folder", stat.S_ISDIR)
    _create_file(path)
    _check(path, "file", stat.S_ISREG)
    for suffix in SIDE_FILE_SUFFIXES:
        _check(Path(f"{path}{suffix}"), "file", stat.S_ISREG, missing_ok=True)


def _make_folders(folder: Path) -> None:
    missing: list[Path] = []
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile: checked like any other
            os.mkdir(each, FOLDER_MODE)


def _create_file(path: Path) -> None:
    try:
        fd = os.open(path, _CREATE_FLAGS, FILE_MODE)
    except FileExistsError:
        return  # also a symbolic link, dangling or not: the check refuses it
    os.close(fd)


def _check(
    path: Path, what: str, right_kind: Callable[[int], bool], *, missing_ok: bool = False
) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    where = f"cache {what} {path}"
    if stat.S_ISLNK(info.st_mode):
        raise CacheTrustError(f"{where} is a symbolic link: give its real path, or {_HOW_TO_GO_ON}")
    if not right_kind(info.st_mode):
        kind = "a folder" if what == "folder" else "a regular file"
        raise CacheTrustError(f"{where} is not {kind}: {_HOW_TO_GO_ON}")
    user = os.geteuid()
    if info.st_uid != user:
        raise CacheTrustError(
            f"{where} is owned by uid {info.st_uid}, not by you (uid {user}); whoever can write"
            f" the cache decides what a scan reports: {_HOW_TO_GO_ON}"
        )
    if info.st_mode & _WRITABLE_BY_OTHERS:
        who = {stat.S_IWGRP: "its group", stat.S_IWOTH: "others"}.get(
            info.st_mode & _WRITABLE_BY_OTHERS, "its group and others"
        )
        raise CacheTrustError(
            f"{where} is writable by {who} (mode {stat.S_IMODE(info.st_mode):04o}); whoever can"
            f" write the cache decides what a scan reports: run `chmod go-w` on it, or"
            f" {_HOW_TO_GO_ON}"
        )
