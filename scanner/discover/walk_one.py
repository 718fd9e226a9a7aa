"""One file of a delivery, as the walk would yield it (`provscan scan FILE --root DIR`)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from scanner.discover.listing import list_folder, lstat_deep
from scanner.discover.names import rel_path
from scanner.discover.sidecars import pair_sidecars
from scanner.discover.walk import (
    SKIP_SYMLINK,
    KnownHook,
    Walker,
    WalkItem,
    resolve_inside,
)
from scanner.model import Skipped


def walk_one(
    root: Path, file: Path, *, follow_links: bool = False, known: KnownHook | None = None
) -> Iterator[WalkItem]:
    """One file of the delivery under `root`, as `walk` would yield it: its `rel` is its path
    from `root`, and a symlink, a special file or a non-media file is skipped for the same
    reasons. ValueError when `file` is not under `root`."""
    root = Path(os.path.abspath(root))
    path = Path(os.path.abspath(file))  # not resolved: a link given as FILE is still a link
    parts = path.relative_to(root).parts
    if not parts:
        raise ValueError(f"{file} is the delivery folder itself, not a file in it")
    real_root = Path(os.path.realpath(root))
    # The folders on the way are held to the walk's rule too: one that is a link is not
    # entered unless followed, and never when it leads out of the delivery.
    folder = root
    for depth, part in enumerate(parts[:-1], 1):
        folder = folder / part
        try:
            is_link = stat.S_ISLNK(lstat_deep(folder).st_mode)
        except OSError:
            break  # the file's own lstat below reports what is wrong
        if not is_link:
            continue
        reason = SKIP_SYMLINK
        if follow_links:
            target, reason = resolve_inside(folder, real_root)
            if target is not None:
                continue
        yield Skipped(rel_path(parts), f"its folder {rel_path(parts[:depth])}/: {reason}")
        return
    walker = Walker(follow_links, known, False, False, None, False)
    walker.real_root = real_root
    try:  # its C2PA sidecar, bound by the folder's names as the walk binds it
        pairing = pair_sidecars(*list_folder(path.parent, follow_links))
    except OSError:
        pairing = None  # the file's own read below reports what is wrong
    if pairing is not None and path.name in pairing.asset_of:
        pairing = None  # FILE is a sidecar itself, scanned alone: read as what it is
    yield from walker.entry(path, parts, (), pairing)
