"""Perceptual fingerprints: find the same picture again after metadata is gone.

hashing (stills + video frames -> FrameHash + thumbnail) -> index (multi-index hashing)
-> library (--known-ai) / archive (--archive-source) / references (register `reference`).
The numbers that decide a match live in `thresholds.py`, measured by
`bench/fingerprint_thresholds.py` (table in docs/fingerprints.md).
"""
