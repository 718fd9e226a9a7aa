"""Where a path really is: the one check behind "provscan never writes inside the delivery"."""

from __future__ import annotations

from pathlib import Path


def is_within(path: Path, folder: Path) -> bool:
    """True when `path` is `folder` or lies below it, after resolving symlinks on both (a
    path that does not exist yet is resolved as far as it exists)."""
    target, root = Path(path).resolve(), Path(folder).resolve()
    return target == root or root in target.parents
