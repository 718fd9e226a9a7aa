"""The cluster benchmark (issue 17): the same tree through the local pool and a Dask cluster.

    .venv/bin/python bench/cluster_throughput.py [--files 20000] [--workers 2]

Generates (once, into bench/out/cluster_delivery) a tree of small stills: 160x120 JPEGs with
camera EXIF, and one PNG in four with AUTOMATIC1111 parameters (an AI signal), every one
unique. Then, on the same cores, each scan a whole `scan_delivery` (walk, analysis,
judging, spool) with no cache:

    local     this machine's worker pool, --jobs = --workers
    cluster   a distributed.LocalCluster(processes=True, n_workers=--workers, one thread
              each): the same number of bounded analysis children, one per Dask worker
    warm      the cluster scan again with a cache it filled: nothing reaches the workers, so
              this is the client's own per-file cost (walk, cache look-up, judging, spool)
    tasks/s   2,000 empty tasks through the scheduler (client.map + gather): its overhead

and prints files/s, the per-file overhead of the cluster path, and the projection for
1,000,000 frames on 50 workers (the arithmetic spelled out). Results also go to
bench/out/cluster_results.json. Run once, on a quiet machine if you can: `uptime` is printed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, PngImagePlugin  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
PER_FOLDER = 1000
BATCH = 64
PROJECT_FRAMES = 1_000_000
PROJECT_WORKERS = 50


def _still(index: int) -> tuple[str, bytes]:
    colour = ((index * 37) % 256, (index * 91) % 256, (index * 13) % 256)
    picture = Image.new("RGB", (160, 120), colour)
    picture.putpixel((index % 160, (index // 160) % 120), (255 - colour[0], 0, 255))
    buffer = io.BytesIO()
    if index % 4 == 3:
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", f"a castle, Steps: 20, Seed: {index}, Model: sd_xl_base_1.0")
        picture.save(buffer, "PNG", pnginfo=info)
        return f"f{index // PER_FOLDER:03d}/s{index:06d}.png", buffer.getvalue()
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"
    picture.save(buffer, "JPEG", quality=85, exif=exif)
    return f"f{index // PER_FOLDER:03d}/s{index:06d}.jpg", buffer.getvalue()


def _write_range(args: tuple[str, int, int]) -> int:
    root, start, stop = args
    for index in range(start, stop):
        rel, data = _still(index)
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return stop - start


def make_tree(root: Path, count: int) -> None:
    marker = root / ".complete"
    if marker.exists() and marker.read_text() == str(count):
        return
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    chunks = [(str(root), start, min(count, start + 500)) for start in range(0, count, 500)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        written = sum(pool.map(_write_range, chunks))
    marker.write_text(str(written))


def _config(jobs: int, cache: Path | None, backend: object | None) -> object:
    from scanner.policy.areas import DEFAULT_POLICY
    from scanner.scan import ScanConfig

    return ScanConfig(
        policy=DEFAULT_POLICY, as_of=date(2026, 11, 1), jobs=jobs, cache_path=cache,
        backend=backend,  # type: ignore[arg-type]
    )  # fmt: skip


def timed_scan(root: Path, config: object) -> tuple[float, int]:
    from scanner.scan import scan_delivery

    started = time.perf_counter()
    with scan_delivery(root, config) as result:  # type: ignore[arg-type]
        count = len(result.assets)
    return time.perf_counter() - started, count


def scheduler_tasks_per_second(client: object, tasks: int = 2000) -> float:
    from scanner.engine.cluster.worker import hold

    client.gather(client.map(hold, range(50), pure=False))  # type: ignore[attr-defined]
    started = time.perf_counter()
    futures = client.map(hold, range(tasks), pure=False)  # type: ignore[attr-defined]
    client.gather(futures)  # type: ignore[attr-defined]
    return tasks / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    import dask
    import distributed

    from scanner.engine.cluster.connect import connect
    from scanner.engine.cluster.settings import ClusterSettings

    root = OUT / "cluster_delivery"
    started = time.perf_counter()
    make_tree(root, args.files)
    print(f"tree: {args.files} stills in {root} ({time.perf_counter() - started:.1f} s)")
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load before: {load_before}")

    # Both cold scans fill a fresh cache, as a default scan does (storing results is client
    # work on both paths); the warm re-scan then reads the cluster scan's.
    with tempfile.TemporaryDirectory() as scratch:
        config = _config(args.workers, Path(scratch) / "cache.sqlite", None)
        local_s, local_n = timed_scan(root, config)
    print(f"local pool, {args.workers} workers: {local_n} files in {local_s:.1f} s")

    settings = {"distributed.worker.daemon": False}
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        tempfile.TemporaryDirectory() as scratch,
    ):
        started = time.perf_counter()
        backend = connect(ClusterSettings(cluster.scheduler_address), str(root))
        connect_s = time.perf_counter() - started
        try:
            cache = Path(scratch) / "cache.sqlite"
            cluster_s, cluster_n = timed_scan(root, _config(args.workers, cache, backend))
            print(f"cluster, {args.workers} workers: {cluster_n} files in {cluster_s:.1f} s")
            warm_s, warm_n = timed_scan(root, _config(args.workers, cache, backend))
            tasks_per_s = scheduler_tasks_per_second(backend.client)
        finally:
            backend.close()
    load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    assert local_n == cluster_n == warm_n == args.files, (local_n, cluster_n, warm_n)

    local_rate, cluster_rate, warm_rate = (args.files / s for s in (local_s, cluster_s, warm_s))
    per_file_core_ms = 1000 * args.workers / local_rate  # analysis cost of one file, one core
    overhead_ms = 1000 * (cluster_s - local_s) / args.files * args.workers  # per file, per core
    client_ms = 1000 / warm_rate
    work_s = PROJECT_FRAMES * per_file_core_ms / 1000 / PROJECT_WORKERS
    sched_s = PROJECT_FRAMES / BATCH / tasks_per_s
    client_s = PROJECT_FRAMES * client_ms / 1000
    results = {
        "files": args.files,
        "workers": args.workers,
        "local_files_per_s": round(local_rate, 1),
        "cluster_files_per_s": round(cluster_rate, 1),
        "cluster_vs_local": round(cluster_rate / local_rate, 3),
        "cluster_overhead_ms_per_file_per_core": round(overhead_ms, 3),
        "connect_s": round(connect_s, 3),
        "warm_client_files_per_s": round(warm_rate, 1),
        "scheduler_tasks_per_s": round(tasks_per_s, 1),
        "projection_s": {
            "work": round(work_s),
            "scheduler": round(sched_s),
            "client": round(client_s),
        },  # fmt: skip
        "load_before": load_before,
        "load_after": load_after,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "cluster_results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"""
| | files/s | |
| --- | --- | --- |
| local pool ({args.workers} workers) | {local_rate:.0f} | {per_file_core_ms:.2f} ms per file per core |
| LocalCluster ({args.workers} workers) | {cluster_rate:.0f} | **{cluster_rate / local_rate:.2f}x** local (target >= 0.85x) |
| cluster path overhead | | {overhead_ms:.3f} ms per file per core |
| warm re-scan (client only) | {warm_rate:.0f} | {client_ms:.3f} ms per file in the client |
| scheduler, empty tasks | {tasks_per_s:.0f} tasks/s | {1000 / tasks_per_s:.2f} ms per task, {1000 / tasks_per_s / BATCH:.3f} ms per file in batches of {BATCH} |

Projection, {PROJECT_FRAMES:,} frames on {PROJECT_WORKERS} single-core workers, at these per-file costs:
  analysis:  {PROJECT_FRAMES:,} x {per_file_core_ms:.2f} ms / {PROJECT_WORKERS} workers = {work_s:,.0f} s
  scheduler: {PROJECT_FRAMES:,} / {BATCH} = {PROJECT_FRAMES // BATCH:,} tasks / {tasks_per_s:.0f} tasks/s = {sched_s:,.0f} s
  client:    {PROJECT_FRAMES:,} x {client_ms:.3f} ms = {client_s:,.0f} s
  they overlap (a pipeline): wall ~ max = {max(work_s, sched_s, client_s):,.0f} s ({max(work_s, sched_s, client_s) / 60:.1f} min)

load before: {load_before}
load after:  {load_after}""")  # noqa: E501
    return 0


if __name__ == "__main__":
    sys.exit(main())
