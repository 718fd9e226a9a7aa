"""The provscan benchmark (issue 6, item 4): a documented script, not a test.

    make bench                                   # or:
    .venv/bin/python bench/run.py [--runs 3] [--stills 5000] [--large-gib 4] [--jobs N]

It generates the synthetic delivery once (bench/make_delivery.py, into bench/out/delivery),
then measures on the same tree, folder by folder:

    stills      bench/out/delivery/stills       5,000 stills of mixed formats, 750 C2PA-signed
    stills-1k   bench/out/delivery/stills/b0    the first 1,000 of them (is memory flat?)
    video       bench/out/delivery/video        20 short clips
    large       bench/out/delivery/master       one real H.264 MP4 of 4 GiB
    all         bench/out/delivery              everything

with these tools:

    provscan-cold   provscan scan DIR --cache FRESH --format json -o OUT (cache deleted first)
    provscan-warm   the same command again with the cache the cold run filled
    provscan-nofp   provscan-cold with --no-fingerprints (no pixel decoding: what exiftool does)
    exiftool        exiftool -r -j -G1 DIR > OUT    (Debian's libimage-exiftool-perl)
    sha256sum       find DIR -type f -print0 | xargs -0 sha256sum > OUT   (the read floor)
    openssl         the same with `openssl dgst -sha256` (SHA-NI: the honest floor here)
    decode-floor    bench/decode_floor.py DIR: only the pixel decode fingerprints need, on
                    every core (no hashing, no metadata): the floor of any scan that
                    fingerprints every still

Each cell is the median of --runs runs (after one untimed warm-up run of each tool on each
folder, so every tool reads from the same warm page cache: this measures the tools, not the
disk). Peak memory is sampled every 20 ms over the whole process tree (provscan, its fork
server and workers): RSS summed over the processes (shared pages counted once per process,
so an upper bound), PSS (shared pages split: what the tree really costs) and the RSS of the
largest single process (what `/usr/bin/time -v` would report as "Maximum resident set size").

Results: a Markdown table on stdout and bench/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
DELIVERY = OUT / "delivery"
PROVSCAN = REPO / ".venv" / "bin" / "provscan"
SAMPLE_S = 0.02

TARGETS = {
    "stills": "stills",
    "stills-1k": "stills/b0",
    "video": "video",
    "large": "master",
    "all": ".",
}
TOOLS = (
    "provscan-cold",
    "provscan-warm",
    "provscan-nofp",
    "exiftool",
    "sha256sum",
    "openssl",
    "decode-floor",
)


@dataclass
class Measure:
    target: str
    tool: str
    files: int
    bytes: int
    seconds: float  # median
    runs: list[float]
    peak_rss_mb: float  # max over runs of the tree's summed RSS
    peak_pss_mb: float
    peak_one_rss_mb: float  # max over runs of the largest single process's RSS
    exit_codes: list[int]
    load: float = 0.0  # 1-minute load average after the runs: other work on the machine

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


# --- memory of a process tree ---------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as handle:
                todo.extend(int(p) for p in handle.read().split())
        except OSError:
            pass
    return pids


def _memory_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.peak_one_rss_kb = 0  # the largest single process (what /usr/bin/time reports)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            rss = pss = 0
            for pid in _tree(self.pid):
                r, p = _memory_kb(pid)
                rss, pss = rss + r, pss + p
                self.peak_one_rss_kb = max(self.peak_one_rss_kb, r)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self._done.wait(SAMPLE_S)

    def stop(self) -> None:
        self._done.set()
        self.join()


def timed(
    command: list[str] | str, *, stdout: Path | None = None
) -> tuple[float, int, int, int, int]:
    """Run a command; (seconds, exit code, peak tree RSS, peak tree PSS, peak one-process RSS)
    in KiB."""
    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.DEVNULL, shell=isinstance(command, str)
        )
        sampler = TreeSampler(process.pid)
        sampler.start()
        code = process.wait()
        seconds = time.perf_counter() - started
        sampler.stop()
    finally:
        if stdout:
            sink.close()
    return seconds, code, sampler.peak_rss_kb, sampler.peak_pss_kb, sampler.peak_one_rss_kb


# --- the tools --------------------------------------------------------------------------------


def command_for(tool: str, folder: Path, work: Path, jobs: int | None) -> list[str] | str:
    cache = work / "cache.sqlite3"
    if tool.startswith("provscan"):
        cmd = [str(PROVSCAN), "scan", str(folder), "--cache", str(cache), "--format", "json",
               "-o", str(work / "report"), "-q",
               "--trust-anchors", str(OUT / "ca" / "root.pem")]  # fmt: skip
        if tool == "provscan-nofp":
            cmd.append("--no-fingerprints")
        return cmd + (["--jobs", str(jobs)] if jobs else [])
    if tool == "exiftool":
        return ["exiftool", "-r", "-j", "-G1", str(folder)]
    if tool == "sha256sum":
        return f"find '{folder}' -type f -print0 | xargs -0 sha256sum"
    if tool == "decode-floor":
        return [sys.executable, str(HERE / "decode_floor.py"), str(folder)] + (
            ["--jobs", str(jobs)] if jobs else []
        )
    if tool == "openssl":
        return f"find '{folder}' -type f -print0 | xargs -0 openssl dgst -sha256"
    raise ValueError(tool)


def reset_cache(work: Path) -> None:
    for name in ("cache.sqlite3", "cache.sqlite3-wal", "cache.sqlite3-shm"):
        (work / name).unlink(missing_ok=True)


def measure(target: str, tool: str, runs: int, jobs: int | None) -> Measure:
    folder = (DELIVERY / TARGETS[target]).resolve()
    work = OUT / "work" / target
    work.mkdir(parents=True, exist_ok=True)
    files = [p for p in folder.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    command = command_for(tool, folder, work, jobs)
    times, codes, rss, pss, one = [], [], 0, 0, 0
    for attempt in range(runs + 1):  # the first run only warms up
        if tool in ("provscan-cold", "provscan-nofp"):
            reset_cache(work)
        elif tool == "provscan-warm" and not (work / "cache.sqlite3").exists():
            timed(command_for("provscan-cold", folder, work, jobs))
        seconds, code, peak_rss, peak_pss, peak_one = timed(command, stdout=work / f"{tool}.out")
        if attempt == 0:
            continue
        times.append(seconds)
        codes.append(code)
        rss, pss, one = max(rss, peak_rss), max(pss, peak_pss), max(one, peak_one)
    return Measure(
        target,
        tool,
        len(files),
        total,
        statistics.median(times),
        times,
        rss / 1024,
        pss / 1024,
        one / 1024,
        codes,
        os.getloadavg()[0],
    )


# --- report ---------------------------------------------------------------------------------


def table(measures: list[Measure]) -> str:
    lines = [
        "| folder | tool | files | MB | median s | files/s | MB/s | peak RSS MB (tree) "
        "| peak PSS MB (tree) | peak RSS MB (largest process) | exit | load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for m in measures:
        lines.append(
            f"| {m.target} | {m.tool} | {m.files} | {m.bytes / 1e6:,.0f} | {m.seconds:.2f} "
            f"| {m.files_per_s:,.0f} | {m.mb_per_s:,.0f} | {m.peak_rss_mb:,.0f} "
            f"| {m.peak_pss_mb:,.0f} | {m.peak_one_rss_mb:,.0f} "
            f"| {','.join(map(str, sorted(set(m.exit_codes))))} "
            f"| {m.load:.1f} |"
        )
    return "\n".join(lines)


def ratios(measures: list[Measure]) -> list[str]:
    by = {(m.target, m.tool): m for m in measures}
    out = []

    def ratio(target: str, a: str, b: str, what: str, *, inverse: bool = False) -> None:
        if (target, a) in by and (target, b) in by:
            x, y = by[(target, a)].seconds, by[(target, b)].seconds
            value = x / y if inverse else y / x
            out.append(f"- {what} ({target}): {value:.2f}x")

    ratio(
        "stills", "provscan-cold", "exiftool", "provscan cold throughput / exiftool (target >= 2)"
    )
    for target in ("large", "video", "all"):
        ratio(
            target,
            "provscan-cold",
            "sha256sum",
            "provscan cold time / sha256sum floor (target <= 1.5)",
            inverse=True,
        )
        ratio(
            target, "provscan-cold", "openssl", "provscan cold time / openssl floor", inverse=True
        )
    ratio("stills", "provscan-nofp", "exiftool", "provscan --no-fingerprints throughput / exiftool")
    ratio(
        "stills",
        "decode-floor",
        "exiftool",
        "pixel-decode floor throughput / exiftool (the most any fingerprinting scan can reach)",
    )
    ratio(
        "stills",
        "provscan-cold",
        "decode-floor",
        "provscan cold time / pixel-decode floor",
        inverse=True,
    )
    for target in ("stills", "all"):
        ratio(target, "provscan-warm", "provscan-cold", "warm speed-up over cold (target >= 20)")
    small, big = by.get(("stills-1k", "provscan-cold")), by.get(("stills", "provscan-cold"))
    if small and big:
        out.append(
            f"- provscan cold peak PSS, 1,000 -> 5,000 stills: {small.peak_pss_mb:.0f} -> "
            f"{big.peak_pss_mb:.0f} MB (RSS sum {small.peak_rss_mb:.0f} -> "
            f"{big.peak_rss_mb:.0f} MB)"
        )
    every = by.get(("all", "provscan-cold"))
    if every:
        out.append(
            f"- provscan cold peak with the 4 GiB video in the tree: PSS "
            f"{every.peak_pss_mb:.0f} MB, RSS sum {every.peak_rss_mb:.0f} MB, largest "
            f"process RSS {every.peak_one_rss_mb:.0f} MB (target < 300)"
        )
    return out


def machine() -> str:
    cpu = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="ascii") as handle:
        mem_kb = int(next(x for x in handle if x.startswith("MemTotal")).split()[1])
    exiftool = subprocess.run(["exiftool", "-ver"], capture_output=True, text=True).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, "
        f"Python {sys.version.split()[0]}, exiftool {exiftool}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="provscan benchmark (see the module doc)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stills", type=int, default=5000)
    parser.add_argument("--large-gib", type=float, default=4.0)
    parser.add_argument("--jobs", type=int, default=None, help="provscan --jobs (default: all)")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--tools", default=",".join(TOOLS))
    args = parser.parse_args(argv)
    if not shutil.which("exiftool"):
        print("exiftool missing: apt-get install -y libimage-exiftool-perl", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE))
    import make_delivery

    make_delivery.main([str(DELIVERY), "--stills", str(args.stills),
                        "--large-gib", str(args.large_gib)])  # fmt: skip
    measures = []
    for target in args.targets.split(","):
        if not (DELIVERY / TARGETS[target]).exists():
            continue
        for tool in args.tools.split(","):
            print(f"measuring {tool} on {target} ...", file=sys.stderr, flush=True)
            measures.append(measure(target, tool, args.runs, args.jobs))
    report = "\n".join([f"Machine: {machine()}", "", table(measures), "", *ratios(measures)])
    print(report)
    (OUT / "results.json").write_text(
        json.dumps({"machine": machine(), "measures": [asdict(m) for m in measures]}, indent=2)
    )
    (OUT / "results.md").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
