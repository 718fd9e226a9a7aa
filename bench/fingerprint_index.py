"""A known-AI library of 10,000 items: build time, match time per delivery file, scan time.

Run:  .venv/bin/python bench/fingerprint_index.py [--items 10000] [--jobs 2]
      (about 3 minutes on a 2-core machine, most of it making the 10,000 pictures)

What it does: writes `items` unrelated photo-like PNG stills (bench/photolike.py, 192 px long
side) into a temporary folder and builds the library from it exactly as `--known-ai` does
(`build_library`); makes a delivery of 20 re-exports of library items (50% resize + JPEG
q=75, no metadata), 20 unrelated stills and one 30 s H.264 clip with a library item cut in at
12 s; then times `match_known_ai` per delivery file with the multi-index hash against the same
search done by comparing with every library item, and a whole `scan_delivery` with and
without the library.

Prints: a Markdown table of those timings and what was found (hits must be exactly the 20
re-exports and the clip, at 12 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import av
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import photolike  # noqa: E402

from scanner.discover.media import MediaFile  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.discover.walk import walk  # noqa: E402
from scanner.engine.libraries import build_library
from scanner.fingerprint import similarity  # noqa: E402
from scanner.fingerprint.hashing import fingerprint_media  # noqa: E402
from scanner.fingerprint.library import Library, match_known_ai  # noqa: E402
from scanner.model import FrameHash  # noqa: E402
from scanner.policy.areas import Policy  # noqa: E402
from scanner.scan import ScanConfig, scan_delivery  # noqa: E402

SEED = 200_000


def make_library(folder: Path, items: int) -> None:
    folder.mkdir()
    for i in range(items):
        photolike.photo(SEED + i, 192).save(folder / f"gen_{i:05d}.png", compress_level=1)


def make_delivery(folder: Path, items: int) -> None:
    folder.mkdir()
    for k in range(20):
        source = photolike.photo(SEED + (k * 487) % items, 192)
        source.resize((96, round(96 * source.height / source.width))).save(
            folder / f"reexport_{k:02d}.jpg", quality=75
        )
    for k in range(20):
        photolike.photo(900_000 + k, 640).save(folder / f"unrelated_{k:02d}.jpg", quality=85)
    cut_in = photolike.photo(SEED + 4242 % items, 192)
    with av.open(str(folder / "reel.mp4"), "w") as out:
        stream = out.add_stream("libx264", rate=24, options={"preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for i in range(30 * 24):
            if 12 * 24 <= i < 15 * 24:
                frame = Image.new("RGB", (640, 360))
                shown = cut_in.resize((540, 360))
                frame.paste(shown, (50, 0))
            else:
                wide = photolike.photo(800_000 + i // 72, 640)
                frame = wide.resize((640, 360))
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def linear_match(frames: tuple[FrameHash, ...], library: Library, kind: str) -> set[str]:
    """The same search without the index: every frame against every library item."""
    found = set()
    for frame in frames:
        probe = similarity.key(frame)
        for _total, item in library.index.linear_within(probe, similarity.SEARCH_RADIUS):
            d = similarity.split(probe ^ similarity.key(item.frame))
            if similarity.same_picture(d, video=kind == "video"):
                found.add(item.path)
    return found


def timed(function, *args):  # noqa: ANN001, ANN202 - a stopwatch
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fp-index-") as tmp:
        root = Path(tmp)
        _, made = timed(make_library, root / "known-ai", args.items)
        print(f"made {args.items} library pictures in {made:.0f} s", file=sys.stderr)
        make_delivery(root / "delivery", args.items)
        library, build = timed(build_library, root / "known-ai", args.jobs)
        rebuilt, index_build = timed(Library.from_items, "rebuilt", library.items)
        assert len(rebuilt.index) == len(library.items)

        medias = [m for m in walk(root / "delivery") if isinstance(m, MediaFile)]
        rows = []
        for media in medias:
            with open_readonly(media.path) as handle:
                frames = fingerprint_media(media, handle).frames
            hits, indexed = timed(match_known_ai, frames, library, media.kind)
            linear, brute = timed(linear_match, frames, library, media.kind)
            assert {h.library_file for h in hits} == linear, media.rel
            rows.append((media, frames, hits, indexed, brute))

        config = ScanConfig(policy=Policy(), as_of=date(2026, 11, 1), jobs=1)
        scan_delivery(root / "delivery", config)  # warm-up: imports, OS file cache
        runs: dict[str, list[float]] = {"plain": [], "library": []}
        for _ in range(3):  # alternate, keep the median of each
            plain, seconds = timed(scan_delivery, root / "delivery", config)
            runs["plain"].append(seconds)
            with_library, seconds = timed(
                scan_delivery, root / "delivery", replace(config, known_ai=library)
            )
            runs["library"].append(seconds)
        scan_plain, scan_lib = (sorted(runs[k])[1] for k in ("plain", "library"))

    stills = [r for r in rows if r[0].kind == "image"]
    clip = next(r for r in rows if r[0].kind == "video")
    caught = sorted(r[0].rel for r in rows if r[2])
    print(f"## Known-AI library of {len(library.items):,} items\n")
    print("| measure | value |\n|---|---|")
    print(
        f"| library build (`build_library`, {args.jobs} jobs, 192 px PNGs) | {build:.1f} s "
        f"({len(library.items) / build:.0f} files/s) |"
    )
    print(
        f"| index build alone ({len(library.items):,} pHash+dHash keys) | "
        f"{index_build * 1000:.0f} ms |"
    )
    mean_still = sum(r[3] for r in stills) / len(stills)
    mean_still_brute = sum(r[4] for r in stills) / len(stills)
    print(f"| match one still (multi-index hash) | {mean_still * 1000:.2f} ms |")
    print(f"| match one still (compare with every item) | {mean_still_brute * 1000:.2f} ms |")
    print(
        f"| match the 30 s clip, {len(clip[1])} frames (multi-index hash) | "
        f"{clip[3] * 1000:.0f} ms |"
    )
    print(f"| match the 30 s clip (compare with all) | {clip[4] * 1000:.0f} ms |")
    print(
        f"| whole scan of the 41-file delivery, no library (median of 3, 1 job) | "
        f"{scan_plain:.2f} s |"
    )
    print(
        f"| whole scan of the 41-file delivery, with the library (median of 3, 1 job) | "
        f"{scan_lib:.2f} s |"
    )
    reel_hits = clip[2]
    print(
        f"\nFound: {len(caught)} files ({sum(1 for c in caught if c.startswith('reexport'))} "
        f"of 20 re-exports, {sum(1 for c in caught if c.startswith('unrelated'))} of 20 "
        f"unrelated, reel: {[(h.library_file, h.timecode) for h in reel_hits]}); "
        f"AI assets in the scan: without library "
        f"{sum(1 for a in plain.assets if a.analysis.assessment.ai != 'none')}, with "
        f"{sum(1 for a in with_library.assets if a.analysis.assessment.ai != 'none')}."
    )


if __name__ == "__main__":
    main()
