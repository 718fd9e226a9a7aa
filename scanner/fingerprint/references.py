"""Approval references: the register's `reference` images identify covered assets after re-export.

A delivery asset (or one of its video frames) that matches an approval's reference image by
the same rule as the known-AI library is covered by that approval (`matched_by: reference`).
Reference paths are relative to the register file's folder (`Register.reference_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scanner.discover.media import MediaFile
from scanner.discover.sniff import sniff
from scanner.discover.walk import read_head
from scanner.errors import RegisterError
from scanner.fingerprint import similarity
from scanner.fingerprint.library import Library, library_from_media
from scanner.model import Approval, FrameHash


class RegisterLike(Protocol):
    file: str
    approvals: tuple[Approval, ...]

    def reference_path(self, reference: str) -> Path: ...


@dataclass(frozen=True)
class _References:
    library: Library
    owners: dict[str, tuple[str, ...]]  # reference as written in the register -> request ids


_LOADED: dict[tuple, _References] = {}


def load_references(register: RegisterLike) -> Library:
    """Fingerprint every approval's reference images once (cached per register contents).

    Raises RegisterError (file, row, field `reference`) for a reference that is missing, not a
    still or video, or cannot be decoded into a perceptual hash: such an approval could never
    match by reference, which the person who wrote the register needs to know before a scan.
    """
    cache_key = (register.file, tuple((a.request_id, a.reference) for a in register.approvals))
    if cache_key in _LOADED:
        return _LOADED[cache_key].library
    medias: list[MediaFile] = []
    owners: dict[str, list[str]] = {}  # reference path as written -> request ids
    for approval in register.approvals:
        for reference in approval.reference:
            if reference not in owners:
                medias.append(_reference_media(register, approval, reference))
            owners.setdefault(reference, []).append(approval.request_id)
    library = library_from_media(str(Path(register.file).parent), medias)
    hashed = {item.path for item in library.items}
    for approval in register.approvals:
        for reference in approval.reference:
            if reference not in hashed:
                why = "; ".join(p.message for path, p in library.problems if path == reference)
                raise RegisterError(register.file, approval.row, "reference",
                                    f"reference image {reference!r} gives no perceptual hash"
                                    + (f": {why}" if why else ""))
    _LOADED.clear()  # one register per run; do not grow
    _LOADED[cache_key] = _References(library, {k: tuple(v) for k, v in owners.items()})
    return library


def reference_hits(frames: Sequence[FrameHash], register: RegisterLike) -> dict[str, str]:
    """request_id -> what matched ("reference X: phash distance 3, dhash distance 5[, at ...]")."""
    if not any(a.reference for a in register.approvals):
        return {}
    library = load_references(register)
    owners = next(iter(_LOADED.values())).owners
    is_video = len(frames) > 1 or any(f.keyframe for f in frames)
    best: dict[str, tuple[similarity.Distance, str, float]] = {}
    for frame in frames:
        for d, item in library.near(frame, similarity.SEARCH_RADIUS):
            if not similarity.same_picture(d, video=is_video):
                continue
            for request_id in owners.get(item.path, ()):
                if request_id not in best or d.total < best[request_id][0].total:
                    best[request_id] = (d, item.path, frame.timecode)
    hits = {}
    for request_id, (d, path, timecode) in best.items():
        detail = f"reference {path}: {d.describe()}"
        if is_video:
            detail += f", at {similarity.timecode_text(timecode)}"
        hits[request_id] = detail
    return hits


def _reference_media(register: RegisterLike, approval: Approval, reference: str) -> MediaFile:
    path = register.reference_path(reference)
    try:
        head, size = read_head(path)
    except OSError as exc:
        raise RegisterError(register.file, approval.row, "reference",
                            f"reference image {reference!r} cannot be read: {exc}") from exc
    found = sniff(head)
    if found is None or found.kind not in ("image", "video"):
        raise RegisterError(register.file, approval.row, "reference",
                            f"reference {reference!r} is not an image or video")
    return MediaFile(path, reference, found.media_type, found.format, found.kind, size)
