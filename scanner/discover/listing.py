"""Listing a folder and lstat'ing a name for the walk, also past PATH_MAX (one folder at a time)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

# Paths longer than PATH_MAX cannot be listed or stat'ed by name: reach them one folder at a
# time through directory fds, so a deep file is still listed (as an asset the analysis reports
# as unreadable, "File name too long") instead of its top folder standing in for it.
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_folder_deep(folder: Path) -> int:
    fd = os.open(folder.anchor or "/", _DIR_FLAGS)
    try:
        for part in folder.parts[1:]:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except OSError:
        os.close(fd)
        raise
    return fd


def list_folder(folder: Path, follow_links: bool) -> tuple[list[str], set[str]]:
    """The folder's entry names, and which of them are folders for the order (links that
    `follow_links` would follow: by their target). From the listing's file types; only links
    are stat'ed."""
    fd = _open_folder(folder)
    try:
        names: list[str] = []
        folders: set[str] = set()
        with os.scandir(fd) as entries:
            for entry in entries:
                names.append(entry.name)
                if _sorts_as_folder(entry, follow_links):
                    folders.add(entry.name)
        return names, folders
    finally:
        os.close(fd)


def _sorts_as_folder(entry: os.DirEntry[str], follow_links: bool) -> bool:
    try:
        if entry.is_symlink():
            return follow_links and entry.is_dir(follow_symlinks=True)
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False  # the walk reports it (an unreadable asset) where a file would be


def _open_folder(folder: Path) -> int:
    try:
        return os.open(folder, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    return _open_folder_deep(folder)


def lstat_deep(path: Path) -> os.stat_result:
    try:
        return os.lstat(path)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    fd = _open_folder_deep(path.parent)
    try:
        return os.stat(path.name, dir_fd=fd, follow_symlinks=False)
    finally:
        os.close(fd)
