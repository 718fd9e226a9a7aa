"""A file the walk found and sniffed as media: what every later stage is handed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MediaFile:
    """A file the walker found and sniffed as media."""

    path: Path  # absolute path, opened read-only
    rel: str  # relative to the delivery root, POSIX style
    media_type: str  # MIME type from the bytes, e.g. image/jpeg
    format: str  # short name, e.g. JPEG, PNG, MP4, MOV, WAV
    kind: str  # image | video | audio | document | other
    size: int
    # The C2PA sidecar the walk bound to this file (scanner.discover.sidecars): its path, to
    # open, and its delivery-relative path as reports show it. "" when none.
    sidecar: str = ""
    sidecar_rel: str = ""
