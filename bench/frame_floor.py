"""The floor of a cold scan's per-frame work: each file read once, hashed, its readers run.

    .venv/bin/python bench/frame_floor.py DIR [--jobs N] [--run 16] [--analyse]

Lists DIR in name order and hands the files to N processes (default: all cores) in runs of
--run files. For each file, what a sequence frame's own pass in `provscan scan
--no-fingerprints` does with it: open it read-only, type it from its first bytes, read it
whole once while computing its sha256 (`scanner.engine.digests.read_digests`), run every
provenance reader on it and the rules on their evidence. With --analyse, it calls
`scanner.engine.analyse.analyse` itself instead (the same reads plus the checks that the file
did not change, the AssetAnalysis built and capped) and sends every analysis back. The files
next in line are hinted to the kernel by the scan's own prefetcher.

No message per file, no cache, no sequence grouping, no report: what the per-frame work costs
by itself, so the studio benchmark can tell it from the pipeline around it (the scanning
process, a message per frame each way, the per-frame cache rows): docs/performance.md.
Prints the files, the seconds and the machine's CPU-seconds (from /proc/stat).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vfx_scan import cpu_seconds, cpu_spent  # noqa: E402

from scanner.discover.identify import sniffed, unread_frame  # noqa: E402
from scanner.discover.media import FrameOf, MediaFile  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.discover.sniff import HEAD_BYTES  # noqa: E402
from scanner.engine.analyse import AnalyseOptions, _run_extractors, analyse  # noqa: E402
from scanner.engine.digests import read_digests  # noqa: E402
from scanner.engine.prefetch import Prefetcher  # noqa: E402
from scanner.model import AssetAnalysis  # noqa: E402
from scanner.rules.signals import signals_for  # noqa: E402

OPTIONS = AnalyseOptions(fingerprints=False)


def read_run(run: list[MediaFile]) -> int:
    """Each file's own pass, reduced to the work it must do; the count of signals found."""
    found = 0
    for media in run:
        with open_readonly(media.path) as handle:
            typed = sniffed(media, handle.read(HEAD_BYTES))
            # a byte profile as for uncompressed frames (DPX); EXR frames here are compressed
            read_digests(handle, typed.size, profile=typed.format != "EXR")
            evidence, _problems, _c2pa = _run_extractors(typed, handle, OPTIONS.extract)
        found += len(signals_for(evidence))
    return found


def analyse_run(run: list[MediaFile]) -> list[AssetAnalysis]:
    return [analyse(media, OPTIONS) for media in run]


def listing(folder: Path) -> list[MediaFile]:
    files: list[MediaFile] = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for number, name in enumerate(sorted(names)):
            path = Path(root, name)
            rel = path.relative_to(folder).as_posix()
            media = unread_frame(path, rel, path.stat().st_size)
            # a frame's own pass: hashes, readers and a byte profile, no fingerprint
            files.append(replace(media, frame=FrameOf(sequence=root, number=number)))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--run", type=int, default=16, help="files handed over at a time")
    parser.add_argument("--analyse", action="store_true", help="call analyse() itself")
    args = parser.parse_args(argv)
    before = cpu_seconds()
    started = time.perf_counter()
    files = listing(args.folder)
    runs = [files[at : at + args.run] for at in range(0, len(files), args.run)]
    prefetch = Prefetcher()
    prefetch.ahead(files)
    context = get_context("forkserver")
    context.set_forkserver_preload(["scanner.engine.preload"])
    with context.Pool(args.jobs) as pool:
        work = analyse_run if args.analyse else read_run
        for done, _result in enumerate(pool.imap(work, runs)):  # type: ignore[arg-type]
            for media in runs[done]:
                prefetch.handed(media)
            prefetch.ahead(media for run in runs[done + 1 :] for media in run)
    prefetch.close()
    seconds = time.perf_counter() - started
    spent = ", ".join(f"{name} {value:.1f}" for name, value in cpu_spent(before).items())
    print(f"{len(files)} files, {seconds:.2f} s; CPU-s: {spent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
