"""Approval references: the register's `reference` images identify covered assets after re-export.

A delivery asset (or one of its video frames) that matches an approval's reference image by
the same rule as the known-AI library is covered by that approval (`matched_by: reference`).
Reference paths are relative to the register file's folder (`Register.reference_path`).

Building the set takes two steps so that the decoding runs where the scan's bounds hold:
`reference_media` finds and sniffs each image (a RegisterError for one that is missing or not
a picture), the engine fingerprints them in its bounded workers, and `References.build` checks
every reference gave a hash (a RegisterError naming the row otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scanner.discover.identify import read_head
from scanner.discover.media import MediaFile
from scanner.discover.sniff import sniff
from scanner.errors import RegisterError
from scanner.fingerprint import similarity
from scanner.fingerprint.hashing import FingerprintResult
from scanner.fingerprint.library import Library, library_from_results
from scanner.model import Approval, FrameHash


class RegisterLike(Protocol):
    @property
    def file(self) -> str: ...

    @property
    def approvals(self) -> tuple[Approval, ...]: ...

    def reference_path(self, reference: str) -> Path: ...


@dataclass(frozen=True)
class References:
    """The register's reference images, fingerprinted, and which requests each belongs to."""

    library: Library
    owners: dict[str, tuple[str, ...]]  # reference as written in the register -> request ids

    @classmethod
    def build(
        cls,
        register: RegisterLike,
        medias: Sequence[MediaFile],
        results: Sequence[FingerprintResult],
    ) -> References:
        """From the fingerprints of `reference_media(register)`; RegisterError (file, row,
        field `reference`) for a reference that gave no perceptual hash: such an approval could
        never match by reference, which the person who wrote the register needs to know."""
        library = library_from_results(str(Path(register.file).parent), medias, results)
        hashed = {item.path for item in library.items}
        owners: dict[str, list[str]] = {}
        for approval in register.approvals:
            for reference in approval.reference:
                if reference not in hashed:
                    why = "; ".join(p.message for path, p in library.problems if path == reference)
                    raise RegisterError(
                        register.file,
                        approval.row,
                        "reference",
                        f"reference image {reference!r} gives no perceptual hash"
                        + (f": {why}" if why else ""),
                    )
                owners.setdefault(reference, []).append(approval.request_id)
        return cls(library, {k: tuple(v) for k, v in owners.items()})


def reference_media(register: RegisterLike) -> list[MediaFile]:
    """Each distinct reference image of the register, sniffed; RegisterError for one that is
    missing, unreadable, or not a still or video."""
    medias: list[MediaFile] = []
    seen: set[str] = set()
    for approval in register.approvals:
        for reference in approval.reference:
            if reference not in seen:
                seen.add(reference)
                medias.append(_reference_media(register, approval, reference))
    return medias


def reference_hits(frames: Sequence[FrameHash], references: References) -> dict[str, str]:
    """request_id -> what matched ("reference X: phash distance 3, dhash distance 5[, at ...]")."""
    is_video = len(frames) > 1 or any(f.keyframe for f in frames)
    best: dict[str, tuple[similarity.Distance, str, float]] = {}
    for frame in frames:
        for d, item in references.library.near(frame, similarity.SEARCH_RADIUS):
            if not similarity.same_picture(d, video=is_video):
                continue
            for request_id in references.owners.get(item.path, ()):
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
        raise RegisterError(
            register.file,
            approval.row,
            "reference",
            f"reference image {reference!r} cannot be read: {exc}",
        ) from exc
    found = sniff(head)
    if found is None or found.kind not in ("image", "video"):
        raise RegisterError(
            register.file,
            approval.row,
            "reference",
            f"reference {reference!r} is not an image or video",
        )
    return MediaFile(path, reference, found.media_type, found.format, found.kind, size)
