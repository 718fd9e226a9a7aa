"""The runner and its worker pool: order, bounded in-flight work, per-asset time and memory
bounds, crashes, clean shutdown; and through the real CLI, `--jobs 1` == `--jobs 2`.

The analysis functions below are real functions run in real worker processes (the pool sends
them by reference, so they live at module level): one that is slow, one that hangs, one that
allocates without limit, one that aborts like a crashing native reader.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from scanner.discover.media import MediaFile
from scanner.engine.bounds import Limits
from scanner.engine.runner import RunStats, run_analyses
from scanner.engine.workers import PREFETCH
from scanner.model import AssetAnalysis, Evidence, Problem

# --- analysis functions run inside the workers ----------------------------------------------


def hashing_analyse(media: MediaFile, options: object) -> AssetAnalysis:
    """Reads the file (its text may ask for a delay, a hang, an allocation or a crash)."""
    data = Path(media.path).read_bytes()
    command = data.decode("ascii", "replace")
    if command.startswith("sleep "):
        time.sleep(float(command.split()[1]))
    elif command.startswith("hang"):
        time.sleep(600)
    elif command.startswith("alloc "):
        block = bytearray(int(command.split()[1]) << 20)
        block[-1] = 1
    elif command.startswith("abort"):
        os.abort()
    elif command.startswith("exit"):
        sys.exit(3)
    return AssetAnalysis(
        path=media.rel,
        size=media.size,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media.media_type,
        kind=media.kind,
        format=media.format,
        notes=(f"pid={os.getpid()}", f"done={time.monotonic():.6f}"),
    )


def weighty_analyse(media: MediaFile, options: object) -> AssetAnalysis:
    """Like hashing_analyse, and each result carries 8 MB of evidence (a file full of metadata
    whose analysis was not capped: the runner's own bound must hold regardless)."""
    result = hashing_analyse(media, options)
    evidence = tuple(Evidence("xmp", f"f{i}", "x" * (1 << 20)) for i in range(8))
    return dataclasses.replace(result, evidence=evidence)


# --- helpers ---------------------------------------------------------------------------------


def make_files(root: Path, contents: dict[str, str]) -> list[MediaFile]:
    medias = []
    for name, text in contents.items():
        path = root / name
        path.write_text(text)
        medias.append(MediaFile(path, name, "application/x-test", "TEST", "other", len(text)))
    return medias


def run(medias: list[MediaFile], **kwargs: object) -> tuple[list[AssetAnalysis], RunStats]:
    stats = RunStats()
    options = {"jobs": 2, "cache": None, "analyse": hashing_analyse, **kwargs}
    results = list(run_analyses(medias, None, stats=stats, **options))
    return results, stats


def note(analysis: AssetAnalysis, key: str) -> str:
    return next(n.split("=", 1)[1] for n in analysis.notes if n.startswith(key + "="))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def process_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


# --- order and flow --------------------------------------------------------------------------


def test_results_come_out_in_input_order_whatever_finishes_first(tmp_path: Path) -> None:
    # The first files take longest, so with two workers later files finish first.
    contents = {f"f{i:02d}": f"sleep {0.3 if i < 2 else 0.0}\n{i}" for i in range(12)}
    medias = make_files(tmp_path, contents)
    results, stats = run(medias, jobs=2)
    assert [r.path for r in results] == list(contents)
    assert [r.sha256 for r in results] == [sha(t) for t in contents.values()]
    finished = [float(note(r, "done")) for r in results]
    assert finished != sorted(finished)  # the reordering really happened
    assert stats.analysed == 12 and stats.pool.analysed == 12
    assert len({note(r, "pid") for r in results}) == 2  # both workers did work


def test_in_flight_work_is_bounded_by_the_window(tmp_path: Path) -> None:
    contents = {f"f{i:03d}": "sleep 0.5" if i == 0 else str(i) for i in range(300)}
    medias = make_files(tmp_path, contents)
    results, stats = run(medias, jobs=2, window=16)
    assert [r.path for r in results] == list(contents)
    assert stats.most_in_flight == 16


def test_stopping_early_stops_the_workers(tmp_path: Path) -> None:
    medias = make_files(tmp_path, {f"f{i}": f"sleep 0.05\n{i}" for i in range(40)})
    results = run_analyses(medias, None, jobs=2, cache=None, analyse=hashing_analyse)
    first = next(results)
    results.close()
    pid = int(note(first, "pid"))
    deadline = time.monotonic() + 5
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(pid)


def test_in_process_mode_gives_the_same_results(tmp_path: Path) -> None:
    medias = make_files(tmp_path, {f"f{i}": str(i) for i in range(5)})
    pooled, _ = run(medias, jobs=2)
    inline, stats = run(medias, in_process=True)
    assert [(r.path, r.sha256) for r in inline] == [(r.path, r.sha256) for r in pooled]
    assert {note(r, "pid") for r in inline} == {str(os.getpid())}
    assert stats.pool.workers_started == 0


# --- per-asset bounds ------------------------------------------------------------------------


def test_time_bound_fails_only_the_stuck_asset_even_with_one_job(tmp_path: Path) -> None:
    contents = {"a": "a", "b-hangs": "hang", "c": "c", "d": "d"}
    medias = make_files(tmp_path, contents)
    started = time.monotonic()
    results, stats = run(medias, jobs=1, limits=Limits(time_s=1.0, time_per_gib_s=0.0))
    elapsed = time.monotonic() - started
    by_path = {r.path: r for r in results}
    assert by_path["b-hangs"].problems == (
        Problem("scan", "analysis exceeded the 1 s time bound", fatal=True),
    )
    assert by_path["b-hangs"].unreadable and by_path["b-hangs"].sha256 == ""
    for name in ("a", "c", "d"):
        assert by_path[name].sha256 == sha(contents[name]) and not by_path[name].problems
    assert elapsed < 8  # the hang sleeps 600 s
    assert stats.pool.timeouts == 1
    assert stats.pool.workers_started == 2  # the stuck worker was killed and replaced
    assert note(by_path["a"], "pid") != note(by_path["c"], "pid")


def test_time_bound_grows_with_file_size() -> None:
    limits = Limits()
    assert limits.time_for(0) == 120.0
    assert limits.time_for(4 << 30) == 120.0 + 4 * 60.0


def test_memory_bound_fails_the_asset_and_names_the_bound(tmp_path: Path) -> None:
    contents = {"a": "alloc 64", "b-hog": "alloc 1024", "c": "c"}
    medias = make_files(tmp_path, contents)
    results, stats = run(medias, jobs=1, limits=Limits(memory_bytes=256 << 20))
    by_path = {r.path: r for r in results}
    assert by_path["b-hog"].problems == (
        Problem("scan", "analysis exceeded the 256 MiB memory bound", fatal=True),
    )
    # under the bound allocations work; after the hog a fresh worker goes on
    assert by_path["a"].sha256 == sha("alloc 64") and not by_path["a"].problems
    assert by_path["c"].sha256 == sha("c") and not by_path["c"].problems
    assert stats.pool.memory_failures == 1
    assert note(by_path["a"], "pid") != note(by_path["c"], "pid")


def test_default_memory_bound_is_one_gib(tmp_path: Path) -> None:
    medias = make_files(tmp_path, {"hog": "alloc 2048"})
    results, _ = run(medias, jobs=1)
    assert results[0].problems == (
        Problem("scan", "analysis exceeded the 1 GiB memory bound", fatal=True),
    )


def test_a_crashing_worker_fails_only_its_asset(tmp_path: Path) -> None:
    contents = {"a": "a", "b-crash": "abort", "c": "c"}
    results, stats = run(make_files(tmp_path, contents), jobs=1)
    by_path = {r.path: r for r in results}
    (problem,) = by_path["b-crash"].problems
    assert problem.fatal and problem.source == "scan"
    assert problem.message.startswith("analysis process was killed by SIGABRT")
    assert "1 GiB memory bound" in problem.message
    assert by_path["a"].sha256 == sha("a") and by_path["c"].sha256 == sha("c")
    assert stats.pool.crashes == 1


def test_a_reader_calling_sys_exit_fails_only_its_asset(tmp_path: Path) -> None:
    results, stats = run(make_files(tmp_path, {"a": "a", "b": "exit", "c": "c"}), jobs=1)
    assert results[1].problems == (Problem("scan", "analysis failed: SystemExit: 3", fatal=True),)
    assert results[2].sha256 == sha("c") and stats.pool.workers_started == 1


# --- workers that cannot start ---------------------------------------------------------------


def test_workers_that_cannot_start_stop_the_scan_instead_of_failing_every_file(
    tmp_path: Path,
) -> None:
    from scanner.errors import ScannerError

    # A function the workers cannot import: its module exists only in this process.
    ghost = types.ModuleType("provscan_ghost_module")
    exec("def analyse(media, options):\n    raise AssertionError('never runs')", ghost.__dict__)
    sys.modules[ghost.__name__] = ghost
    try:
        medias = make_files(tmp_path, {f"f{i}": str(i) for i in range(50)})
        stats = RunStats()
        with pytest.raises(ScannerError, match="fail to start"):
            list(run_analyses(medias, None, jobs=1, cache=None, analyse=ghost.analyse,
                              stats=stats))  # fmt: skip
        assert stats.pool.workers_started == 3 and stats.pool.crashes == 0
    finally:
        del sys.modules[ghost.__name__]


def test_a_program_read_from_stdin_can_run_workers(tmp_path: Path) -> None:
    """multiprocessing re-imports the caller's __main__ in each worker, which fails for a
    program piped to python: the pool must not need it."""
    (tmp_path / "a.txt").write_text("hello")
    program = f"""
from pathlib import Path
from scanner.discover.media import MediaFile
from scanner.engine.runner import run_analyses
from test_runner import hashing_analyse
media = MediaFile(Path({str(tmp_path / "a.txt")!r}), "a.txt", "text/plain", "TXT", "other", 5)
(result,) = run_analyses([media], None, jobs=1, cache=None, analyse=hashing_analyse)
print(result.sha256, result.problems)
"""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(Path(__file__).parents[1])]),
    }
    done = subprocess.run([sys.executable, "-"], input=program, text=True, capture_output=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{sha('hello')} ()"
    assert "Traceback" not in done.stderr


def test_the_scanning_process_imports_no_reader(tmp_path: Path) -> None:
    """The scanning process walks, looks up and hands files to the workers; it never reads a
    picture. A cold scan (the workers analyse) and a warm one (the cache answers), both through
    the CLI: the scanning process imports neither the readers nor their libraries (they cost
    a warm re-scan a tenth of its time: docs/performance.md)."""
    from PIL import Image

    delivery = tmp_path / "delivery"
    (delivery / "sh010").mkdir(parents=True)
    Image.new("RGB", (64, 48), (200, 30, 30)).save(delivery / "still.png")
    for frame in range(1001, 1004):
        Image.new("RGB", (64, 48), (frame % 256, 90, 10)).save(
            delivery / f"sh010/plate.{frame}.png"
        )
    program = f"""
import sys
from scanner.cli.app import main
sys.argv = ["provscan", "scan", {str(delivery)!r}, "--cache", {str(tmp_path / "c.sqlite")!r},
            "--format", "json", "-o", {str(tmp_path / "out")!r}, "-q", "--jobs", "1"]
try:
    main()
except SystemExit as exit:
    print("exit", exit.code)
readers = ("scanner.engine.analyse", "scanner.extract.exif", "scanner.fingerprint.hashing",
           "numpy", "PIL", "OpenImageIO", "av", "imagehash", "psd_tools")
print("imported", sorted(m for m in readers if m in sys.modules))
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    for run in ("cold", "warm"):
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                              env=env, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "exit 0" in done.stdout, (run, done.stdout, done.stderr)
        assert "imported []" in done.stdout, (run, done.stdout)
    report = json.loads((tmp_path / "out" / "provscan.json").read_text(encoding="utf-8"))
    assert [a["path"] for a in report["assets"]] == ["sh010/plate.[1001-1003].png", "still.png"]


# --- through the real engine -----------------------------------------------------------------


def _cli_scan(delivery: Path, out: Path, *extra: str) -> dict:
    from click.testing import CliRunner

    from scanner.cli import cli

    result = CliRunner().invoke(
        cli, ["scan", str(delivery), "--format", "json", "-o", str(out), "-q", *extra]
    )
    assert result.exit_code in (0, 1, 3), result.output
    return json.loads((out / "provscan.json").read_text())


@pytest.fixture(scope="module")
def small_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fixtures.factory import a1111_png, camera_jpeg, h264_mp4, plain_webp, xmp_only_ai_jpeg

    root = tmp_path_factory.mktemp("delivery")
    for i in range(6):
        camera_jpeg(root / "plates" / f"plate_{i}.jpg", i, {"Make": "Canon"}, "2026:01:02 03:04:05")
        a1111_png(root / "concept" / f"sd_{i}.png", seed=i)
    xmp_only_ai_jpeg(root / "concept" / "xmp_ai.jpg")
    plain_webp(root / "stills" / "still.webp", 3)
    h264_mp4(root / "video" / "clip.mp4", seconds=1.0)
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return root


def _without_time(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "scanned_at"}


def test_jobs_1_and_jobs_2_give_identical_json(small_delivery: Path, tmp_path: Path) -> None:
    one = _cli_scan(small_delivery, tmp_path / "one", "--jobs", "1", "--no-cache")
    two = _cli_scan(small_delivery, tmp_path / "two", "--jobs", "2", "--no-cache")
    assert len(one["assets"]) == 16
    assert json.dumps(_without_time(one), sort_keys=True) == json.dumps(
        _without_time(two), sort_keys=True
    )
    assert [a["path"] for a in two["assets"]] == sorted(a["path"] for a in two["assets"])


def test_results_waiting_behind_a_slow_asset_do_not_pile_up(tmp_path: Path) -> None:
    """One slow asset first, then 60 results of 8 MB each: finished results wait for the slow
    one in this process, but past MAX_HELD_BYTES no more files are handed out (the workers
    wait), so the process holds about the bound, not 480 MB."""
    import tracemalloc

    from scanner.engine.runner import MAX_HELD_BYTES

    contents = {"a.bin": "sleep 4"} | {f"b{i:03}.bin": f"file {i}" for i in range(60)}
    medias = make_files(tmp_path, contents)
    stats = RunStats()
    tracemalloc.start()
    try:
        count = 0
        for _ in run_analyses(
            medias, None, jobs=2, cache=None, analyse=weighty_analyse, stats=stats
        ):
            count += 1  # each result is dropped at once, as the scan spools it
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 61
    result_bytes = (8 << 20) + 8192
    # At most the bound plus what was already handed out when it was reached (PREFETCH + 1
    # tasks a worker), against 61 results (490 MB) without it.
    in_flight = (PREFETCH + 1) * 2 * result_bytes
    assert stats.most_held_bytes <= MAX_HELD_BYTES + in_flight
    assert peak < MAX_HELD_BYTES + in_flight + 4 * result_bytes, f"peak {peak >> 20} MiB"


FORK_SERVER = "multiprocessing.forkserver import main"


def _scan_traced(delivery: Path, out: Path, cache: Path, trace: Path) -> tuple[dict, bool]:
    """A real `provscan scan` under `strace -f -e execve`: (its report, whether it started the
    workers' fork server)."""
    from fixtures.hostile import provscan_command, read_report

    command = ["strace", "-f", "-qq", "-s", "512", "-e", "trace=execve", "-o", str(trace),
               *provscan_command(), "scan", str(delivery), "--format", "json", "-o", str(out),
               "-q", "--cache", str(cache), "--jobs", "2"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, timeout=300)
    assert done.returncode in (0, 1, 3), done.stderr.decode(errors="replace")[-3000:]
    return read_report(out), FORK_SERVER in trace.read_text(errors="replace")


def _age(root: Path) -> None:
    """Every file an hour old: a file written within the cache's racy window is never stored."""
    past = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (past, past))


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_a_warm_rescan_starts_no_worker_until_a_file_misses_the_cache(
    small_delivery: Path, tmp_path: Path
) -> None:
    """A cold scan starts the fork server early (its imports overlap the scan's); a re-scan
    whose cache holds results does not, and one that finds a changed file starts it then."""
    delivery = tmp_path / "delivery"
    shutil.copytree(small_delivery, delivery)
    (delivery / "broken.jpg").unlink()  # an unreadable file's result is never cached
    _age(delivery)
    cache = tmp_path / "cache.sqlite3"
    cold, cold_started = _scan_traced(delivery, tmp_path / "cold", cache, tmp_path / "t1")
    warm, warm_started = _scan_traced(delivery, tmp_path / "warm", cache, tmp_path / "t2")
    assert cold_started
    assert not warm_started
    assert _without_time(warm) == _without_time(cold)
    changed = delivery / "plates" / "plate_0.jpg"
    shutil.copyfile(delivery / "plates" / "plate_1.jpg", changed)  # a new inode, other bytes
    _age(delivery)
    again, again_started = _scan_traced(delivery, tmp_path / "again", cache, tmp_path / "t3")
    assert again_started
    by_path = {a["path"]: a for a in again["assets"]}
    now = hashlib.sha256(changed.read_bytes()).hexdigest()
    assert by_path["plates/plate_0.jpg"]["sha256"] == now
