"""Perceptual fingerprints: find the same picture again after metadata is gone.

hashing (stills + video frames -> FrameHash + thumbnail) -> index (multi-index hashing)
-> library (--known-ai) / archive (--archive-source) / references (register `reference`).
The numbers that decide a match live in `thresholds.py`, measured by
`bench/fingerprint_thresholds.py` (table in docs/fingerprints.md).
"""

# Bumped whenever a change moves hash values (normalisation, resize, draft scale): part of the
# cache scope, so a cached result never mixes fingerprints made two ways.
# 2: `fit` with reducing_gap 2.0 (was 3.0).
FINGERPRINT_VERSION = 2
