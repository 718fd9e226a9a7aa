"""A folder of reference media, fingerprinted and indexed; and the known-AI matcher (--known-ai).

A still or video frame of the delivery that matches a library item is AI material found again
after its metadata was stripped: evidence `fingerprint` / `known-ai:<library path>` and a
strong FP-KNOWN-AI signal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.fingerprint import similarity
from scanner.fingerprint.hashing import FingerprintResult
from scanner.fingerprint.index import HashIndex
from scanner.model import KNOWN_AI_RULE_ID, Evidence, FrameHash, Problem, Signal

RULE_ID = KNOWN_AI_RULE_ID
RUN_GAP = 5.0  # seconds: matches of one library file further apart are reported separately
MAX_HITS = 20  # per delivery asset, nearest first
WHOLE_SHARE = 0.8  # matched share of a delivery's frames above which the asset IS the item


@dataclass(frozen=True)
class LibraryItem:
    path: str  # relative to the library folder, POSIX style
    kind: str  # image | video
    frame: FrameHash


@dataclass
class Library:
    """Fingerprints of every picture in a folder, indexed on pHash+dHash."""

    root: str
    items: tuple[LibraryItem, ...] = ()
    files: int = 0  # media files found (hashed or not)
    problems: tuple[tuple[str, Problem], ...] = ()  # (library path, problem)
    thumbnails: dict[str, str] = field(default_factory=dict, repr=False)  # path -> data: URI
    index: HashIndex[LibraryItem] = field(default_factory=HashIndex, repr=False)
    extras: dict[str, Any] = field(default_factory=dict, repr=False)  # lazily built indexes

    @classmethod
    def from_items(
        cls,
        root: str,
        items: Iterable[LibraryItem],
        files: int = 0,
        problems: Sequence[tuple[str, Problem]] = (),
        thumbnails: dict[str, str] | None = None,
    ) -> Library:
        library = cls(root, tuple(items), files, tuple(problems), dict(thumbnails or {}))
        for item in library.items:
            library.index.add(similarity.key(item.frame), item)
        return library

    def near(self, frame: FrameHash, radius: int) -> list[tuple[similarity.Distance, LibraryItem]]:
        """Items whose pHash+dHash distance to `frame` is at most `radius`, nearest first."""
        if not similarity.valid(frame):
            return []
        probe_key = similarity.key(frame)
        return [
            (similarity.split(probe_key ^ similarity.key(item.frame)), item)
            for _total, item in self.index.within(probe_key, radius)
        ]


@dataclass(frozen=True)
class KnownAiHit:
    library_file: str  # relative to the --known-ai folder
    distance: similarity.Distance
    timecode: float | None = None  # where in the delivery video; None for a still
    library_timecode: float | None = None  # where in the library video; None for a still
    share: float = 1.0  # share of the delivery's hashed frames that match this library file
    frame: int | None = None  # the frame number, in a frame sequence

    @property
    def meaning(self) -> str:
        """The asset is the AI item (a still, or a video all of it) or has AI material cut in."""
        return "ai-generated" if self.share >= WHOLE_SHARE else "ai-composite"

    def describe(self) -> str:
        text = self.distance.describe()
        if self.frame is not None:
            text += f", at frame {self.frame}"
        elif self.timecode is not None:
            text += f", at {similarity.timecode_text(self.timecode)}"
        if self.library_timecode is not None:
            text += f", library frame at {similarity.timecode_text(self.library_timecode)}"
        return text


def library_media(folder: Path) -> list[MediaFile]:
    """The stills and videos under `folder`, found the way a delivery's are (type from the
    bytes, symlinks not followed, opened read-only); audio and non-media files are left out."""
    return [
        m for m in walk(Path(folder)) if isinstance(m, MediaFile) and m.kind in ("image", "video")
    ]


def library_from_results(
    root: str, medias: Sequence[MediaFile], results: Sequence[FingerprintResult]
) -> Library:
    """A library from each media file's fingerprint result (in the same order)."""
    items: list[LibraryItem] = []
    problems: list[tuple[str, Problem]] = []
    thumbnails: dict[str, str] = {}
    for media, result in zip(medias, results, strict=True):
        items.extend(LibraryItem(media.rel, media.kind, frame) for frame in result.frames)
        problems.extend((media.rel, p) for p in result.problems)
        if result.thumbnail:
            thumbnails[media.rel] = result.thumbnail
    return Library.from_items(root, items, len(medias), problems, thumbnails)


def match_known_ai(
    frames: Sequence[FrameHash], library: Library, kind: str = ""
) -> tuple[KnownAiHit, ...]:
    """Library files the delivery asset's frames match, one hit per file and run of frames.

    `kind` is the delivery asset's kind; when not given, several frames or a keyframe flag mean
    video (a still has exactly one frame, never a keyframe).
    """
    frames = [f for f in frames if similarity.valid(f)]
    if not frames or not library.items:
        return ()
    is_video = kind == "video" or (kind == "" and (len(frames) > 1 or frames[0].keyframe))
    per_file: dict[str, list[tuple[FrameHash, similarity.Distance, LibraryItem]]] = {}
    for frame in frames:
        best_per_file: dict[str, tuple[similarity.Distance, LibraryItem]] = {}
        for d, item in library.near(frame, similarity.SEARCH_RADIUS):
            if similarity.same_picture(d, video=is_video) and item.path not in best_per_file:
                best_per_file[item.path] = (d, item)
        for path, (d, item) in best_per_file.items():
            per_file.setdefault(path, []).append((frame, d, item))

    hits: list[KnownAiHit] = []
    for path, matched in per_file.items():
        share = len({id(f) for f, _d, _i in matched}) / len(frames)
        for run in _runs(matched):
            frame, d, item = min(run, key=lambda m: (m[1].total, m[0].timecode))
            hits.append(
                KnownAiHit(
                    library_file=path,
                    distance=d,
                    timecode=frame.timecode if is_video else None,
                    library_timecode=item.frame.timecode if item.kind == "video" else None,
                    share=share,
                    frame=frame.frame,
                )
            )
    hits.sort(key=lambda h: (h.distance.total, h.library_file, h.timecode or 0.0))
    return tuple(hits[:MAX_HITS])


def _runs(
    matched: list[tuple[FrameHash, similarity.Distance, LibraryItem]],
) -> list[list[tuple[FrameHash, similarity.Distance, LibraryItem]]]:
    """Split one library file's matches into runs of delivery time at most RUN_GAP apart."""
    ordered = sorted(matched, key=lambda m: m[0].timecode)
    runs = [[ordered[0]]]
    for m in ordered[1:]:
        if m[0].timecode - runs[-1][-1][0].timecode > RUN_GAP:
            runs.append([])
        runs[-1].append(m)
    return runs


def hits_as_evidence(hits: Sequence[KnownAiHit]) -> tuple[tuple[Evidence, ...], tuple[Signal, ...]]:
    """Evidence and FP-KNOWN-AI signals for known-AI hits, ready to add to an asset."""
    evidence: list[Evidence] = []
    signals: list[Signal] = []
    for hit in hits:
        field_name = f"known-ai:{hit.library_file}"
        value = hit.describe()
        evidence.append(Evidence(source="fingerprint", field=field_name, value=value))
        signals.append(
            Signal(
                rule_id=RULE_ID,
                meaning=hit.meaning,
                strength="strong",
                source="fingerprint",
                field=field_name,
                value=value,
                description="the picture matches a file of the production's known-AI library "
                "(--known-ai), found by perceptual hash",
            )
        )
    return tuple(evidence), tuple(signals)
