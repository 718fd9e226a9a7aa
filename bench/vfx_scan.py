"""The studio-delivery benchmark (issue 15): provscan on a VFX delivery against the read floor.

    .venv/bin/python bench/make_vfx_delivery.py bench/out/vfx   # 20,000 2K frames in 40 shots
    .venv/bin/python bench/vfx_scan.py bench/out/vfx [--subset-shots 10] [--jobs 2] [--repeat 3]
                                       [--read-limit MB_PER_S]

On the delivery make_vfx_delivery.py built (EXR half ZIP/PIZ and 10-bit DPX shots, a DNxHR MXF
master), measured in this order (openssl, cold and bare --repeat times, alternately; the median
is reported, every run kept in the JSON: on a VM one run varies by a few seconds):

    openssl       find DIR -type f -print0 | xargs -0 -P JOBS -n 256 openssl dgst -sha256
                  the read-and-hash floor, on every core (SHA-NI)
    cold          provscan scan DIR --cache FRESH --format json (every frame's header read,
                  sampled frames decoded and fingerprinted, every byte hashed)
    bare          the cold scan with --no-fingerprints: every header and cache row, no picture
                  decoded (what the per-frame work alone costs against the floor)
    warm          the same again with the cache the cold run filled (median of 5 runs, or of
                  --repeat when more)
    exiftool      exiftool -r -j -G1 DIR (headers only; its files/s printed beside provscan's)

and the cold and warm scans again on the first --subset-shots shots (about a quarter of the
frames, hard-linked into a scratch folder on the same disk), so the peak memory at 5,000 and
at 20,000 frames can be compared: it must not grow with the frame count. Peak memory is the
PSS of the whole process tree (bench/run.py's sampler). The page cache is dropped before
openssl and before each cold scan (when run as root), so both read every frame from the disk;
run nothing else meanwhile. Around openssl and each cold scan the machine's CPU time is read
from /proc/stat (user, system, idle, I/O wait, in CPU-seconds): the work each needs, so a ratio
can be told apart as waiting on the disk or computing.

--read-limit runs everything with the disk's read rate capped (root: a block-I/O cgroup,
bench/read_limit.py), as on the storage deliveries arrive on (a shuttle drive, a 10 GbE NAS):
where the floor waits on the disk, the scan's CPU work can hide behind it; on this machine's
own disk it cannot. The uncapped run is the benchmark; a capped one is reported beside it.

Results: a Markdown table on stdout, and OUT/vfx_results.json (OUT/vfx_results_read<MB/s>.json
with --read-limit).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from read_limit import read_limit  # noqa: E402
from run import PROVSCAN, timed  # noqa: E402  (bench/run.py: the tree sampler)


def frame_files(folder: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(folder))


NO_FINGERPRINTS = ("--no-fingerprints",)
WARM_RUNS = 5


def provscan(
    folder: Path, cache: Path, out: Path, jobs: int, extra: tuple[str, ...] = ()
) -> list[str]:
    return [str(PROVSCAN), "scan", str(folder), "--cache", str(cache), "--format", "json",
            "-o", str(out), "-q", "--jobs", str(jobs), "--trust-list", "none", *extra]  # fmt: skip


def compile_bytecode() -> None:
    """Byte-compile the scanner first, as an installed provscan is (pip compiles at install;
    with PYTHONDONTWRITEBYTECODE set, as here, every run would compile it again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    package = HERE.parent / "scanner"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, env=env)


def drop_page_cache() -> bool:
    """Start a run with nothing of the delivery in memory (root only); False when not allowed."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError:
        return False
    return True


CPU_FIELDS = ("user", "system", "idle", "iowait")


def cpu_seconds() -> dict[str, float]:
    """The machine's CPU time so far from /proc/stat, in CPU-seconds ({} where there is none)."""
    try:
        first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()
    except (OSError, IndexError):
        return {}
    ticks = [int(value) for value in first[1:9]]
    hertz = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, _steal = ticks
    spent = (user + nice, system + irq + softirq, idle, iowait)
    return {name: value / hertz for name, value in zip(CPU_FIELDS, spent, strict=True)}


def cpu_spent(before: dict[str, float]) -> dict[str, float]:
    after = cpu_seconds()
    return {name: round(after[name] - before[name], 2) for name in before}


def median_run(runs: list[dict]) -> dict:
    """The run of median seconds, with every run's seconds beside it."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    middle = dict(ordered[(len(ordered) - 1) // 2])
    middle["runs_seconds"] = [round(run["seconds"], 2) for run in runs]
    return middle


def openssl_floor(folder: Path, jobs: int) -> dict[str, object]:
    dropped = drop_page_cache()
    command = f"find '{folder}' -type f -print0 | xargs -0 -P {jobs} -n 256 openssl dgst -sha256"
    before = cpu_seconds()
    seconds, code, _rss, pss, _one = timed(command)
    return {"seconds": seconds, "exit": code, "pss_mb": pss / 1024, "cpu": cpu_spent(before),
            "page_cache_dropped": dropped}  # fmt: skip


def provscan_run(
    folder: Path, cache: Path, out: Path, jobs: int, *, cold: bool, extra: tuple[str, ...] = ()
) -> dict:
    files = frame_files(folder)
    shutil.rmtree(out, ignore_errors=True)
    if cold:
        cache.unlink(missing_ok=True)
        drop_page_cache()
    before = cpu_seconds()
    seconds, code, _rss, pss, _one = timed(provscan(folder, cache, out, jobs, extra))
    cpu = cpu_spent(before)
    report = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    return {
        "seconds": seconds, "exit": code, "pss_mb": pss / 1024, "cpu": cpu,
        "files_per_s": files / seconds, "rows": len(report["assets"]),
        "sequences": sum(1 for a in report["assets"] if a.get("sequence")),
        "by_status": report["summary"]["by_status"],
    }  # fmt: skip


def measure(
    folder: Path, work: Path, jobs: int, *, floor: bool, repeat: int = 1
) -> dict[str, object]:
    """openssl (when `floor`), cold provscan and (when `floor`) cold provscan
    --no-fingerprints `repeat` times each, alternately, then warm provscan (on the last cold
    run's cache) and exiftool on `folder`; the page cache dropped before openssl and before each
    cold scan, so each reads the frames from the disk. The run without fingerprints splits the
    cold scan's distance from the floor into the per-frame work (every header, every frame's
    cache row) and the sampled frames' picture decodes."""
    files = frame_files(folder)
    results: dict[str, object] = {"folder": str(folder), "files": files}
    cache = work / "cache.sqlite3"
    bare_cache = work / "bare.sqlite3"  # its own: the warm run below uses the cold run's cache
    floors: list[dict] = []
    colds: list[dict] = []
    bare: list[dict] = []  # cold, no fingerprints
    for _ in range(max(1, repeat)):
        if floor:
            floors.append(openssl_floor(folder, jobs))
        colds.append(provscan_run(folder, cache, work / "cold", jobs, cold=True))
        if floor:
            bare.append(
                provscan_run(
                    folder, bare_cache, work / "bare", jobs, cold=True, extra=NO_FINGERPRINTS
                )
            )
    if floor:
        results["openssl"] = median_run(floors)
        results["cold_no_fingerprints"] = median_run(bare)
        results["page_cache_dropped"] = all(run["page_cache_dropped"] for run in floors)
    results["cold"] = median_run(colds)
    # a warm scan takes about a second, in which this VM's speed moves by half (1.1-1.7 s, runs
    # back to back): the median of several
    warms = [
        provscan_run(folder, cache, work / "warm", jobs, cold=False)
        for _ in range(max(WARM_RUNS, repeat))
    ]
    results["warm"] = median_run(warms)
    if floor:
        seconds, code, _rss, pss, _one = timed(["exiftool", "-r", "-j", "-G1", str(folder)])
        results["exiftool"] = {"seconds": seconds, "exit": code, "files_per_s": files / seconds}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="what bench/make_vfx_delivery.py built")
    parser.add_argument("--subset-shots", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1, help="openssl and cold runs, each")
    parser.add_argument(
        "--read-limit", type=int, metavar="MB_PER_S", help="cap the disk's reads (root)"
    )
    args = parser.parse_args(argv)
    delivery = args.out / "delivery"
    if not (delivery / "vfx").is_dir():
        parser.error(f"{delivery} holds no vfx/: run bench/make_vfx_delivery.py {args.out}")
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="scan-", dir=args.out))  # same disk: hard links
    limit = ""
    try:
        subset = work / "subset"
        (subset / "vfx").mkdir(parents=True)
        for shot in sorted((delivery / "vfx").iterdir())[: args.subset_shots]:
            # hard links: the same frames (no copy on disk), as regular files of the subset
            shutil.copytree(shot, subset / "vfx" / shot.name, copy_function=os.link)
        with contextlib.ExitStack() as stack:
            if args.read_limit:
                limit = stack.enter_context(read_limit(delivery, args.read_limit * 1_000_000))
            whole = measure(delivery, work, args.jobs, floor=True, repeat=args.repeat)
            part = measure_subset(subset, work, args.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {"whole": whole, "subset": part, "read_limit": limit}
    name = f"vfx_results_read{args.read_limit}.json" if args.read_limit else "vfx_results.json"
    (args.out / name).write_text(json.dumps(results, indent=2), encoding="utf-8")
    if limit:
        print(limit + "\n")
    print(table(whole, part))
    return 0


def measure_subset(subset: Path, work: Path, jobs: int) -> dict[str, object]:
    """Cold and warm on the subset."""
    files = frame_files(subset)
    cache = work / "subset.sqlite3"
    results: dict[str, object] = {"files": files}
    for name in ("cold", "warm"):
        out = work / f"subset-{name}"
        if name == "cold":
            drop_page_cache()
        seconds, code, _rss, pss, _one = timed(provscan(subset, cache, out, jobs))
        report = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
        results[name] = {"seconds": seconds, "exit": code, "pss_mb": pss / 1024,
                         "rows": len(report["assets"])}  # fmt: skip
    return results


def table(whole: dict, part: dict) -> str:
    rows = [
        "| run | files | seconds | files/s | peak PSS MB | rows |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    files = whole["files"]
    for name in ("openssl", "cold", "warm", "exiftool"):
        cell = whole[name]
        rows.append(
            f"| {name} | {files:,} | {cell['seconds']:.1f} | {files / cell['seconds']:,.0f} | "
            f"{cell.get('pss_mb', 0):.0f} | {cell.get('rows', '')} |"
        )
    for name in ("cold", "warm"):
        cell = part[name]
        rows.append(
            f"| subset {name} | {part['files']:,} | {cell['seconds']:.1f} | "
            f"{part['files'] / cell['seconds']:,.0f} | {cell['pss_mb']:.0f} | {cell['rows']} |"
        )
    cold, warm, floor = whole["cold"], whole["warm"], whole["openssl"]
    rows.append("")
    rows.append("| run (median) | seconds | runs | CPU-s user | system | idle | I/O wait |")
    rows.append("|---|---:|---|---:|---:|---:|---:|")
    bare = whole["cold_no_fingerprints"]
    runs_of = (("openssl", floor), ("cold", cold), ("cold --no-fingerprints", bare), ("warm", warm))
    for name, cell in runs_of:
        cpu = cell.get("cpu") or {}
        runs = ", ".join(f"{s:.1f}" for s in cell.get("runs_seconds", [cell["seconds"]]))
        spent = " | ".join(f"{cpu.get(field, 0):.1f}" for field in CPU_FIELDS)
        rows.append(f"| {name} | {cell['seconds']:.1f} | {runs} | {spent} |")
    rows.append("")
    rows.append(f"cold / openssl floor: {cold['seconds'] / floor['seconds']:.2f}x (target <= 1.3)")
    rows.append(
        f"cold --no-fingerprints / openssl floor: {bare['seconds'] / floor['seconds']:.2f}x "
        "(every header and cache row, no picture decoded)"
    )
    busy = sum((cold.get("cpu") or {}).get(field, 0.0) for field in ("user", "system"))
    cores = os.cpu_count() or 1
    rows.append(
        f"cold scan's CPU work: {busy:.1f} CPU-s, at least {busy / cores:.1f} s on {cores} cores "
        f"({busy / cores / floor['seconds']:.2f}x the floor even with no wait at all)"
    )
    rows.append(f"cold / warm: {cold['seconds'] / warm['seconds']:.1f}x (target >= 30)")
    rows.append(f"rows: {cold['rows']} ({cold['sequences']} sequences)")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
