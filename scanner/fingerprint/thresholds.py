"""The numbers that decide a perceptual match, each justified by the bench table.

Source of every number: `bench/fingerprint_thresholds.py` (310 unrelated pictures, 9 benign
transformations + 3 painted-in ones, 910,005 unrelated pairs); the tables and the reasoning are
in docs/fingerprints.md. Distances are Hamming distances between 64-bit hashes; "sum" is the
pHash distance + the dHash distance (0-128).
"""

from __future__ import annotations

# Pictures with less luma contrast than this (standard deviation, 0-255) or a side shorter
# than MIN_SIDE pixels are not hashed: black frames, fades and 1x1 stubs all look alike.
FLAT_STD = 4.0
MIN_SIDE = 8

# Same picture (known-AI library, approval references): pHash + dHash <= SAME_PICTURE_MAX.
# The sum beats "pHash <= a AND dHash <= b" (docs: "Combined rules"): with no false match in
# the bench, the widest sum (20) keeps 99.7% of logo overlays and 64% of one-sided reframes,
# the widest AND (10 & 10) 92% and 44%. No unrelated pair of the bench was nearer than 21.
# At 16: JPEG q60, 50% resize (+JPEG), centre crop, grade, letterbox, logo and H.264 frames
# match 98-100%; a one-sided 5% reframe 31%. 16 rather than 20 keeps a margin below the
# nearest unrelated pair, because a 10,000-item library queried with a 600-frame video is 6
# million comparisons, not the bench's 0.9 million (docs: "Choosing 16").
SAME_PICTURE_MAX = 16
# Frames of a delivery video are compared up to 600 times more often than a still, so the
# same false-match budget per asset needs a tighter sum: at 12, H.264 frames still match
# 99.7%, letterboxed 99.7%, graded 97.7%, with logo 92% (docs: "Choosing 16").
VIDEO_FRAME_MAX = 12

# Archival stills are compared tile by tile (4x4 grid, a pHash per tile): a source with at
# least ARCHIVE_MIN_SAME_TILES tiles within TILE_SAME_MAX at the same place is the same picture
# (no unrelated picture of the bench reached it); a comparable tile further than
# TILE_CHANGED_OVER from the source's tile means that part changed (painted in or out).
# Bench: 3% / 6% / 12% painted-in areas come out altered 88% / 98% / 97%; re-encode, resize,
# grade, letterbox and H.264 frames verified 96-100% (docs: "Archival verification").
TILE_SAME_MAX = 8
TILE_CHANGED_OVER = 16
ARCHIVE_MIN_SAME_TILES = 8

# Whole-picture fallback for frames without tiles (video) or without a tile-matched source:
# sum <= ARCHIVE_VERIFIED_MAX verified (benign handling lands there 92-100%); sum <=
# ARCHIVE_ALTERED_MAX altered (20: the largest sum no unrelated pair reached, so "altered"
# never names an unrelated source by chance); beyond: unverified.
ARCHIVE_VERIFIED_MAX = 8
ARCHIVE_ALTERED_MAX = 20
