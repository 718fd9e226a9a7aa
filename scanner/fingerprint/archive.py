"""Archival verification (--archive-source): is this archival still one of the original scans?

Stills carry pHashes of a 4x4 grid of tiles. A source with at least ARCHIVE_MIN_SAME_TILES
tiles (same place, within TILE_SAME_MAX) is the same picture: if no comparable tile differs by
more than TILE_CHANGED_OVER it is `verified`, otherwise `altered` (something was painted in or
out where those tiles are). A global hash moves a lot or hardly at all with a local change;
tiles locate it (bench table: docs/fingerprints.md).

Frames without tiles (video frames) or without such a source fall back to the whole-picture
pHash+dHash bands: <= ARCHIVE_VERIFIED_MAX verified, <= ARCHIVE_ALTERED_MAX altered.
Anything else is `unverified`. A video is as good as its worst frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.fingerprint import picture, similarity, thresholds
from scanner.fingerprint.index import HashIndex
from scanner.fingerprint.library import Library, LibraryItem
from scanner.model import ArchivalCheck, FrameHash

_RANK = {"verified": 0, "altered": 1, "unverified": 2}
TILE_CHANGED = thresholds.TILE_CHANGED_OVER


def verify_archival(frames: Sequence[FrameHash], archive: Library) -> ArchivalCheck:
    """Compare an archival asset's frames with the archive sources. Distance = pHash + dHash."""
    checks = [_check_frame(f, archive) for f in frames if similarity.valid(f)]
    if not checks:
        return ArchivalCheck(outcome="unverified")
    return max(checks, key=lambda c: (_RANK[c.outcome], c.distance))


@dataclass(frozen=True)
class TileComparison:
    item: LibraryItem
    same: int  # tiles within TILE_SAME_MAX
    changed: tuple[int, ...]  # positions (row-major, 0-15) of tiles further than TILE_CHANGED
    distance: similarity.Distance  # whole-picture distance

    @property
    def outcome(self) -> str:
        return "altered" if self.changed else "verified"


def compare_tiles(frame: FrameHash, archive: Library) -> TileComparison | None:
    """The source sharing the most tiles with `frame`, when it shares enough to be the same."""
    tiles = picture.split_tiles(frame.tiles)
    if not tiles:
        return None
    votes: dict[int, int] = {}
    index = _tile_index(archive)
    for position, tile in enumerate(tiles):
        if tile is None:
            continue
        for _d, (slot, where) in index.within(tile, thresholds.TILE_SAME_MAX):
            if where == position:
                votes[slot] = votes.get(slot, 0) + 1
    best: TileComparison | None = None
    for slot, count in votes.items():
        if count < thresholds.ARCHIVE_MIN_SAME_TILES:
            continue
        item = archive.items[slot]
        source_tiles = picture.split_tiles(item.frame.tiles)
        changed = tuple(
            position
            for position, (a, b) in enumerate(zip(tiles, source_tiles, strict=True))
            if a is not None and b is not None and (a ^ b).bit_count() > TILE_CHANGED
        )
        found = TileComparison(item, count, changed, similarity.distance(frame, item.frame))
        if best is None or _rank(found) < _rank(best):
            best = found
    return best


def _rank(c: TileComparison) -> tuple[int, int, int]:
    return len(c.changed), -c.same, c.distance.total


def _check_frame(frame: FrameHash, archive: Library) -> ArchivalCheck:
    by_tiles = compare_tiles(frame, archive)
    if by_tiles is not None:
        return _result(
            by_tiles.outcome, by_tiles.item, by_tiles.distance, archive, by_tiles.changed
        )
    near = archive.near(frame, thresholds.ARCHIVE_ALTERED_MAX)
    if not near:
        return ArchivalCheck(outcome="unverified")
    d, item = near[0]
    outcome = "verified" if d.total <= thresholds.ARCHIVE_VERIFIED_MAX else "altered"
    return _result(outcome, item, d, archive)


def _result(
    outcome: str,
    item: LibraryItem,
    d: similarity.Distance,
    archive: Library,
    changed: tuple[int, ...] = (),
) -> ArchivalCheck:
    return ArchivalCheck(
        outcome=outcome,
        source=item.path,
        distance=d.total,
        source_thumbnail=archive.thumbnails.get(item.path, ""),
        changed_tiles=changed,
    )


def _tile_index(archive: Library) -> HashIndex[tuple[int, int]]:
    """Every source tile, stored with (item slot, tile position); built once per library."""
    cached: HashIndex[tuple[int, int]] | None = archive.extras.get("tile_index")
    if cached is not None:
        return cached
    index: HashIndex[tuple[int, int]] = HashIndex(bits=64, chunks=4)
    for slot, item in enumerate(archive.items):
        for position, tile in enumerate(picture.split_tiles(item.frame.tiles)):
            if tile is not None:
                index.add(tile, (slot, position))
    archive.extras["tile_index"] = index
    return index
