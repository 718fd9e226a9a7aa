"""A listed regular file -> the MediaFile to analyse, or the reason it is skipped, by its bytes.

The walk's policy (`scanner.discover.walk`): type from the first bytes (`sniff`), the name only
when the bytes say nothing; a file that cannot be opened is still an asset (format UNKNOWN),
so it ends up as an error finding.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from scanner.discover.checksums import MANIFEST_FILE, is_manifest_name
from scanner.discover.exclude import dropping_reason
from scanner.discover.media import MediaFile
from scanner.discover.names import named_like_media, rel_path
from scanner.discover.safe_open import file_size, open_readonly
from scanner.discover.sniff import (
    DOCUMENTS,
    HEAD_BYTES,
    UNKNOWN_FORMAT,
    UNKNOWN_MEDIA_TYPE,
    UNREAD_FORMAT,
    sniff,
)
from scanner.model import Skipped

SKIP_NOT_MEDIA = "not media"
SKIP_EMPTY = "empty file, not media"


def identify(path: Path, rel: str, size: int, in_history: bool) -> MediaFile | Skipped:
    try:
        head, size = read_head(path)
    except OSError as exc:
        return unknown_file(path, rel, size, exc)
    found = sniff(head)
    if found is not None:
        return MediaFile(path, rel, found.media_type, found.format, found.kind, size)
    dropping = dropping_reason(path.name, head)
    if dropping:
        return Skipped(rel, dropping)
    if is_manifest_name(path.name, in_history):
        return Skipped(rel, MANIFEST_FILE)
    if named_like_media(path.name):
        return MediaFile(path, rel, UNKNOWN_MEDIA_TYPE, UNKNOWN_FORMAT, "other", size)
    return Skipped(rel, SKIP_EMPTY if size == 0 else SKIP_NOT_MEDIA)


def unread_frame(path: Path, rel: str, size: int) -> MediaFile:
    """A sequence frame whose type its analysis finds (UNREAD_FORMAT, see `sniffed`)."""
    return MediaFile(path, rel, UNKNOWN_MEDIA_TYPE, UNREAD_FORMAT, "other", size)


def sniffed(media: MediaFile, head: bytes) -> MediaFile:
    """A frame the walk did not read, typed by its first bytes as the walk would have: a frame
    is named like media, so bytes of no known type make it an asset of format UNKNOWN."""
    found = sniff(head)
    if found is None:
        return dataclasses.replace(
            media, media_type=UNKNOWN_MEDIA_TYPE, format=UNKNOWN_FORMAT, kind="other"
        )
    return dataclasses.replace(
        media, media_type=found.media_type, format=found.format, kind=found.kind
    )


def with_sidecar(
    media: MediaFile | Skipped, path: Path, rel: str, sidecar: Path, rel_parts: tuple[str, ...]
) -> MediaFile:
    """The asset with its sidecar; a file no type was found for becomes a FILE document, since
    what carries a manifest is an asset."""
    if isinstance(media, Skipped):
        found = DOCUMENTS["FILE"]
        media = MediaFile(path, rel, found.media_type, found.format, found.kind, _size_of(path))
    sidecar_rel = rel_path((*rel_parts[:-1], sidecar.name))
    return dataclasses.replace(media, sidecar=str(sidecar), sidecar_rel=sidecar_rel)


def _size_of(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def read_head(path: Path, limit: int = HEAD_BYTES) -> tuple[bytes, int]:
    """The first `limit` bytes of a regular file and its size (read-only, non-blocking open)."""
    with open_readonly(path) as handle:
        return handle.read(limit), file_size(handle)


def unknown_file(path: Path, rel: str, size: int, exc: OSError) -> MediaFile:
    # Not a Skipped: a file that exists but cannot be read must end up as an error finding.
    del exc  # the analysis re-opens the file and reports the actual error
    return MediaFile(path, rel, UNKNOWN_MEDIA_TYPE, UNKNOWN_FORMAT, "other", size)
