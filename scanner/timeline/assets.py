"""The delivery's assets as a timeline sees them: by path, name, stem and sequence frame.

By path, by file name, by name without its extension, and by frame-sequence pattern.

Built once per scan from the delivery's file paths (`scanner.discover.walk.list_paths`: names
only, nothing is opened), before any asset is analysed, so every clip is resolved before the
first asset is judged. A sequence is keyed by the part of the file name before its frame
number and the part after it (`sh010_comp_v003.` + `.exr`). A frame sequence asset's path names
its frame range (`sh010_comp_v003.[1001-1048].exr`, `scanner.discover.sequences`): every frame
it holds is filed under that one path (the frames of its gaps are not: a clip that plays them
plays media the delivery lacks), so a clip's frames resolve to the sequence asset; with
`--no-sequences` each frame is its own asset (`sh010_comp_v003.1001.exr`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# name.1001.exr, name_1001.exr, name1001.exr: the last run of digits before the extension.
_FRAME_FILE = re.compile(r"(?P<prefix>.*?)(?P<frame>\d{1,9})(?P<suffix>\.[A-Za-z0-9]{1,8})")
# name.[1001-1048].exr: a sequence asset's frame range.
_FRAME_RANGE = re.compile(
    r"(?P<prefix>.*?)\[(?P<first>\d{1,9})-(?P<last>\d{1,9})\](?P<suffix>\.[A-Za-z0-9]{1,8})"
)
MAX_RANGE_FRAMES = 10_000_000

SequenceKey = tuple[str, str]  # (prefix, suffix), case-folded


@dataclass(frozen=True)
class FrameFile:
    """A file name split around its frame number."""

    prefix: str
    frame: int
    suffix: str

    @property
    def key(self) -> SequenceKey:
        return (self.prefix.casefold(), self.suffix.casefold())


def frame_file(name: str) -> FrameFile | None:
    match = _FRAME_FILE.fullmatch(name)
    if match is None:
        return None
    return FrameFile(match["prefix"], int(match["frame"]), match["suffix"])


def numbered_frame(name: str) -> bool:
    """A file name written the way frames of a sequence are (`sh010.1001.exr`,
    `plate_1001.dpx`: a dot before the number, or four digits or more), not a still that
    happens to be numbered (`camera_001.jpg`)."""
    match = _FRAME_FILE.fullmatch(name)
    return match is not None and (match["prefix"].endswith(".") or len(match["frame"]) >= 4)


def stem(name: str) -> str:
    """A file name without its extension."""
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name


class AssetIndex:
    """Answers "which asset is at this path", "which assets have this name", "which assets
    hold frames N to M of this sequence". Every answer is in path order."""

    def __init__(self, paths: Iterable[str] | Mapping[str, tuple[int, ...] | None]) -> None:
        """`paths`, or path -> the frame numbers a sequence asset holds (None: every number
        of the range its name gives)."""
        self.paths: set[str] = set()
        self._names: dict[str, list[str]] = {}
        self._folded_names: dict[str, list[str]] = {}
        self._stems: dict[str, list[str]] = {}
        # (prefix, suffix) -> folder -> frame -> asset path
        self._sequences: dict[SequenceKey, dict[str, dict[int, str]]] = {}
        held = paths if isinstance(paths, Mapping) else dict.fromkeys(paths)
        for path in sorted(held):
            self._add(path, held[path])

    def _add(self, path: str, held: tuple[int, ...] | None = None) -> None:
        self.paths.add(path)
        folder, name = posixpath.split(path)
        self._names.setdefault(name, []).append(path)
        self._folded_names.setdefault(name.casefold(), []).append(path)
        self._stems.setdefault(stem(name).casefold(), []).append(path)
        ranged = _FRAME_RANGE.fullmatch(name)
        if ranged is not None:
            first, last = int(ranged["first"]), int(ranged["last"])
            key = (ranged["prefix"].casefold(), ranged["suffix"].casefold())
            frames = self._sequences.setdefault(key, {}).setdefault(folder, {})
            numbers = held or range(first, min(last, first + MAX_RANGE_FRAMES) + 1)
            for frame in numbers:
                frames.setdefault(frame, path)
            return
        single = frame_file(name)
        if single is not None:
            frames = self._sequences.setdefault(single.key, {}).setdefault(folder, {})
            frames.setdefault(single.frame, path)

    def __len__(self) -> int:
        return len(self.paths)

    def by_name(self, name: str) -> list[str]:
        """Assets with this file name: exactly, else ignoring case."""
        return self._names.get(name) or self._folded_names.get(name.casefold(), [])

    def by_stem(self, name: str) -> list[str]:
        """Assets whose file name without extension is `name` (case ignored); a reel or
        clip name rarely carries the extension."""
        return self._stems.get(name.casefold(), [])

    def sequence(self, key: SequenceKey) -> dict[str, dict[int, str]]:
        """Per folder, frame -> asset path of the sequence `key` (empty when there is none)."""
        return self._sequences.get(key, {})

    def frames_of(self, path: str) -> tuple[SequenceKey, str] | None:
        """(sequence key, folder) when `path` is one frame of a sequence of several."""
        folder, name = posixpath.split(path)
        single = frame_file(name)
        if single is None:
            return None
        frames = self._sequences.get(single.key, {}).get(folder, {})
        return (single.key, folder) if len(frames) > 1 else None
