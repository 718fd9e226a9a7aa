"""The pixel-decode floor of fingerprinting: decode every image the way a scan does, nothing else.

    .venv/bin/python bench/decode_floor.py DIR [--jobs N]

For each image under DIR (sniffed from its bytes, as the scan does), runs exactly the decode
step of `scanner.fingerprint.hashing.decode_still` (header check, JPEG draft, full decode of
the other formats, fit to the working size) in N processes (default: all cores) and prints
the count and the seconds. No hashing, no metadata, no report: any scan that fingerprints
every still cannot be faster than this. `bench/run.py` runs it as the `decode-floor` tool, so
the benchmark table shows how much of a cold scan is the pixels themselves.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.discover.media import MediaFile  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.discover.walk import walk  # noqa: E402
from scanner.fingerprint.hashing import decode_still  # noqa: E402


def decode_one(media: MediaFile) -> bool:
    with open_readonly(media.path) as handle:
        picture, _problem = decode_still(media, handle)
    return picture is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    images = [m for m in walk(args.folder) if isinstance(m, MediaFile) and m.kind == "image"]
    with get_context("forkserver").Pool(args.jobs) as pool:
        decoded = sum(pool.imap_unordered(decode_one, images, chunksize=16))
    seconds = time.perf_counter() - started
    print(f"{len(images)} images, {decoded} decoded, {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
