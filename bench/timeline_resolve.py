"""A 5,000-event EDL against a 20,000-frame delivery: reading it and resolving every clip.

Run:  .venv/bin/python bench/timeline_resolve.py [--events 5000] [--frames 20000] [--runs 3]
      (under a minute on a 2-core machine)

What it does: writes a delivery of `frames` one-byte files, per-frame EXRs of 200 shots
(`plates/sh0042/sh0042_plate.1001.exr` ...) plus 40 movies, and an EDL of `events` cuts, 24 fps,
each naming its media the way editors do: most by an Avid-style Windows path to the first frame
of a 4-frame pull (`S:\\pulls\\sh0042\\sh0042_plate.1013.exr`, resolved to that frame and grown
to the four it plays), some by movie path, clip name or reel, some missing. Then times, median
of `runs`:

  1. listing the delivery and building the AssetIndex (names only, nothing opened);
  2. reading the EDL in this process (our event-line pass + the CMX3600 adapter);
  3. resolving every clip (Cut.build);
  4. the whole of it as a scan does it: the EDL read in a bounded worker process
     (`read_sources`, worker start included), then `prepare_cut` (listing, index, packages,
     resolution).

Prints a Markdown table. Target (issue 16): the resolution under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.discover.walk import list_paths  # noqa: E402
from scanner.timeline.assets import AssetIndex  # noqa: E402
from scanner.timeline.cut import Cut  # noqa: E402
from scanner.timeline.load import prepare_cut, read_sources  # noqa: E402
from scanner.timeline.model import TimelineSource  # noqa: E402
from scanner.timeline.read import ReadRequest, read_timeline  # noqa: E402

FPS = 24
SHOTS = 200
PULL = 4  # frames each event plays


def _tc(frames: int) -> str:
    seconds, frame = divmod(frames, FPS)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frame:02d}"


def build(root: Path, events: int, frames: int) -> Path:
    delivery = root / "delivery"
    per_shot = frames // SHOTS
    for shot in range(SHOTS):
        folder = delivery / "plates" / f"sh{shot:04d}"
        folder.mkdir(parents=True)
        for frame in range(1001, 1001 + per_shot):
            (folder / f"sh{shot:04d}_plate.{frame}.exr").write_bytes(b"\0")
    movies = delivery / "editorial"
    movies.mkdir(parents=True)
    for movie in range(40):
        (movies / f"temp_{movie:03d}.mov").write_bytes(b"\0")
    lines = ["TITLE: bench", "FCM: NON-DROP FRAME"]
    record = 86_400
    for n in range(events):
        shot, chunk = n % SHOTS, (n // SHOTS) % (per_shot // PULL)
        first = 1001 + chunk * PULL
        how = n % 20
        if how == 0:
            comments = [f"* FROM CLIP: /Volumes/edit/editorial/temp_{n % 40:03d}.mov"]
        elif how == 1:
            comments = [f"* FROM CLIP NAME: temp_{n % 40:03d}"]
        elif how == 2:
            comments = [f"* FROM CLIP NAME: missing_{n:05d}.mov"]
        else:
            comments = [f"* FROM CLIP: S:\\pulls\\sh{shot:04d}\\sh{shot:04d}_plate.{first}.exr"]
        lines.append(
            f"{n % 1000:03d}  SH{shot:04d}   V     C        {_tc(0)} {_tc(PULL)} "
            f"{_tc(record)} {_tc(record + PULL)}"
        )
        lines += comments
        record += PULL
    edl = root / "bench.edl"
    edl.write_text("\n".join(lines) + "\n", encoding="ascii")
    return edl


def median(runs: int, job: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        edl = build(root, args.events, args.frames)
        delivery = root / "delivery"
        data = edl.read_bytes()
        listed, index = median(args.runs, lambda: AssetIndex(list_paths(delivery)))
        assert isinstance(index, AssetIndex)
        read, timeline = median(
            args.runs, lambda: read_timeline(ReadRequest(str(edl), data, Fraction(FPS), "option"))
        )
        resolved, cut = median(args.runs, lambda: Cut.build([timeline], [], index))  # type: ignore[list-item]
        assert isinstance(cut, Cut)

        def whole() -> Cut:
            source = TimelineSource(str(edl), Fraction(FPS), "option")
            timelines = read_sources([source], delivery, jobs=2)
            return prepare_cut(delivery, timelines, jobs=2)

        total, _ = median(args.runs, whole)
        events = cut.placed[0]
        found = sum(1 for e in events if e.resolution.assets)
        played = sum(len(e.resolution.assets) for e in events)
        how = Counter(event.resolution.how or "missing" for event in events)
    print(
        f"{args.events:,} events, {len(index):,} files ({args.frames:,} frames); "
        f"median of {args.runs}\n"
    )
    print("| step | seconds |\n| --- | --- |")
    print(f"| list the delivery + build the index | {listed:.3f} |")
    print(f"| read the EDL (event lines + CMX3600 adapter) | {read:.3f} |")
    print(f"| resolve every clip | {resolved:.3f} |")
    print(f"| **read + index + resolve** | **{listed + read + resolved:.3f}** |")
    print(f"| as a scan does it (worker read, start included, + prepare_cut) | {total:.3f} |")
    print(
        f"\nresolved {found:,} of {len(events):,} events to {played:,} asset uses; by: {dict(how)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
