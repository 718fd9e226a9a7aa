"""The numbers that decide a perceptual match, each justified by the bench table.

Source of every number: `bench/fingerprint_thresholds.py` (310 unrelated pictures, 9 benign
transformations + 3 painted-in ones, 910,005 unrelated pairs); the table and the reasoning are
in docs/fingerprints.md. Distances are Hamming distances between 64-bit hashes; "sum" is
pHash distance + dHash distance (0-128).
"""

from __future__ import annotations

# Pictures with less luma contrast than this (standard deviation, 0-255) or a side shorter
# than MIN_SIDE pixels are not hashed: black frames, fades and 1x1 stubs all look alike.
FLAT_STD = 4.0
MIN_SIDE = 8

# Same picture (known-AI library, approval references): pHash + dHash <= SAME_PICTURE_MAX.
# The sum beat "pHash AND dHash" at every false-match level (docs table "Combined rules").
# No unrelated pair of the bench was nearer than 21; at 16 re-encode, resize, centre crop,
# grade, letterbox, logo and H.264 frames match 97-100%, a one-sided 5% reframe 31%.
# 16 (not 20) keeps a margin of 5 below the nearest unrelated pair, because a 10,000-item
# library queried with a 600-frame video is 6 million comparisons, not the bench's 0.9 million.
SAME_PICTURE_MAX = 16

# Archival verification bands on the same sum:
# <= ARCHIVE_VERIFIED_MAX: the source itself after benign handling (re-encode, resize, grade,
#    letterbox, H.264: 91-100% of those land here);
# <= ARCHIVE_ALTERED_MAX: the same picture, altered (painted-in changes land here or beyond);
#    20 is the largest sum with no unrelated pair in the bench, so "altered" never names an
#    unrelated source by chance;
# beyond: no source near enough: unverified.
ARCHIVE_VERIFIED_MAX = 8
ARCHIVE_ALTERED_MAX = 20

# Archival stills are also compared tile by tile (4x4 grid, pHash per tile): a source with at
# least ARCHIVE_MIN_SAME_TILES tiles within TILE_SAME_MAX at the same place is the same
# picture; a comparable tile further than TILE_CHANGED_OVER from the source's means it changed.
TILE_SAME_MAX = 8
TILE_CHANGED_OVER = 16
ARCHIVE_MIN_SAME_TILES = 8
