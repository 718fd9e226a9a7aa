"""Where a cold scan's time goes, per kind of still and per stage, in one process.

    .venv/bin/python bench/stage_costs.py [DIR] [--every N]

DIR defaults to bench/out/delivery/stills/b0 (1,000 stills of every kind; `bench/run.py`
makes it). For each file (every Nth with --every), times each stage exactly as the scan runs
it: sha256, each metadata reader (c2pa, xmp, exif, png-text, container, file integrity), then
the fingerprint's decode (JPEG draft, full decode of the others, fit), hashes and thumbnail.
Prints milliseconds per file as a Markdown table, one row per kind (the file name's prefix in
the benchmark delivery) and a total row. CPU-bound and single-threaded: run it on a quiet
machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import BinaryIO

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scanner.discover.media import MediaFile  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.discover.walk import walk  # noqa: E402
from scanner.engine.analyse import EXTRACTORS, sha256_of  # noqa: E402
from scanner.extract.interface import ExtractOptions  # noqa: E402
from scanner.fingerprint import picture  # noqa: E402
from scanner.fingerprint.hashing import decode_still  # noqa: E402

STAGES = ("sha256", *(name for name, _ in EXTRACTORS), "decode", "hashes", "thumbnail")


def kind_of(media: MediaFile) -> str:
    stem = Path(media.rel).stem
    return stem.rsplit("_", 1)[0] if "_" in stem else media.format


def costs(media: MediaFile, options: ExtractOptions) -> dict[str, float]:
    with open_readonly(media.path) as handle:  # one open per file, as the analysis does
        return _costs(media, handle, options)


def _costs(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> dict[str, float]:
    spent: dict[str, float] = {}
    started = time.perf_counter()
    sha256_of(handle, media.size)
    spent["sha256"] = time.perf_counter() - started
    for name, extract in EXTRACTORS:
        started = time.perf_counter()
        handle.seek(0)
        extract(media, handle, options)
        spent[name] = time.perf_counter() - started
    started = time.perf_counter()
    work, _problem = decode_still(media, handle)
    spent["decode"] = time.perf_counter() - started
    if work is not None:
        started = time.perf_counter()
        picture.hash_picture(work, tiles=True)
        spent["hashes"] = time.perf_counter() - started
        started = time.perf_counter()
        picture.thumbnail_uri(work)
        spent["thumbnail"] = time.perf_counter() - started
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=REPO / "bench" / "out" / "delivery" / "stills" / "b0",
    )
    parser.add_argument("--every", type=int, default=1, help="time every Nth file only")
    args = parser.parse_args(argv)
    medias = [m for m in walk(args.folder) if isinstance(m, MediaFile) and m.kind == "image"]
    medias = medias[:: max(1, args.every)]
    if not medias:
        print(f"no stills under {args.folder}", file=sys.stderr)
        return 2
    options = ExtractOptions()
    costs(medias[0], options)  # first call pays for lazy imports and SDK set-up
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    counts: Counter[str] = Counter()
    for media in medias:
        kind = kind_of(media)
        counts[kind] += 1
        totals[kind].update(costs(media, options))
    header = "| kind | files | " + " | ".join(STAGES) + " | all |"
    lines = [header, "|---|---:|" + "---:|" * (len(STAGES) + 1)]
    grand: Counter[str] = Counter()
    for kind in sorted(counts):
        grand.update(totals[kind])
        lines.append(_row(kind, counts[kind], totals[kind]))
    lines.append(_row("**all**", len(medias), grand))
    print("\n".join(lines))
    return 0


def _row(label: str, count: int, spent: Counter[str]) -> str:
    cells = [f"{spent[stage] / count * 1e3:.2f}" for stage in STAGES]
    total = sum(spent.values()) / count * 1e3
    return f"| {label} | {count} | " + " | ".join(cells) + f" | {total:.2f} |"


if __name__ == "__main__":
    sys.exit(main())
