"""Issue 17: the analysis on a real Dask cluster (`distributed.LocalCluster`, two worker
processes under nannies), against the same scan on this machine's worker pool.

- the JSON report of a cluster scan equals the local scan's, but for `scanned_at` and
  `tool.cluster` (with the reference libraries built on the cluster);
- a Dask worker process killed (SIGKILL) mid-scan loses no asset: its batches run elsewhere;
- on the workers the per-asset bounds hold (a hanging file meets the time bound, an aborting
  reader kills only its child) and a file whose worker dies every time it is analysed becomes
  an `error` ("worker lost while analysing, N times"), every file exactly once;
- a worker running another provscan (a real copy of the package with another version) is
  refused before anything is scanned (exit 2);
- a finished result the scan cannot fetch (its workers stopped with SIGSTOP, as a frozen farm
  node is) runs afresh instead of hanging the scan: no wait on Dask is unbounded.

The no-network check of a cluster scan is in tests/test_offline.py. Marked `cluster`: the
module's cluster starts once (about a second).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures import hostile
from scanner import __version__
from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.engine.bounds import Limits, failed_analysis
from scanner.engine.runner import RunStats, run_analyses
from scanner.model import AssetAnalysis

distributed = pytest.importorskip("distributed", reason="distributed (the cluster extra) missing")
dask = pytest.importorskip("dask", reason="dask (the cluster extra) missing")

pytestmark = pytest.mark.cluster
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SCAN_TIMEOUT = 300
# The worker's nanny restarts it after a kill; a batch lost on 2 workers is split into
# one-file tasks, and a file lost on 2 workers is an error (kept small: each loss is a restart).
ALLOWED_FAILURES = 1


# --- analysis functions run on the Dask workers' bounded children --------------------------


def _dask_worker_pid() -> int:
    """The analysis child's parent is the fork server; its parent is the Dask worker."""
    fork_server = os.getppid()
    with open(f"/proc/{fork_server}/stat", encoding="ascii") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])


def analyse_or_misbehave(media: MediaFile, options: AnalyseOptions) -> AssetAnalysis:
    """The real analysis, except for files named to hang, abort, or kill the Dask worker
    holding them (what the OOM killer or a pre-empted farm node does to a worker)."""
    name = Path(media.path).name
    if name.startswith("hang"):
        time.sleep(600)
    elif name.startswith("abort"):
        os.abort()
    elif name.startswith("kills-worker"):
        os.kill(_dask_worker_pid(), signal.SIGKILL)
        time.sleep(10)
    return analyse(media, options)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    settings = {
        "distributed.worker.daemon": False,  # the workers start bounded analysis children
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    }
    # LocalCluster's scheduler and nannies live in this process: the settings stay in force
    # for workers the nannies restart.
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
    ):
        yield local


def _stills(root: Path, count: int) -> list[str]:
    from PIL import Image

    names = []
    for index in range(count):
        picture = Image.new("RGB", (48, 32), ((index * 7) % 256, (index * 13) % 256, index % 256))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=80)
        name = f"stills/s{index:04d}.jpg"
        (root / "stills").mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(buffer.getvalue())
        names.append(name)
    return names


def _medias(root: Path) -> list[MediaFile]:
    return [item for item in walk(root) if isinstance(item, MediaFile)]


def _backend(cluster: object, root: Path) -> object:
    from scanner.engine.cluster.connect import connect
    from scanner.engine.cluster.settings import ClusterSettings

    return connect(ClusterSettings(cluster.scheduler_address), str(root))  # type: ignore[attr-defined]


def _comparable(report: dict) -> dict:
    report = json.loads(json.dumps(report))
    report.pop("scanned_at")
    assert report["tool"].pop("cluster") is not None
    return report


DEMO_OPTIONS = (
    "--approvals", str(FIXTURES / "approvals.csv"),
    "--policy", str(FIXTURES / "policy.toml"),
    "--trust-anchors", str(FIXTURES / "ca" / "root.pem"),
    "--as-of", "2026-11-01",
    "--known-ai", str(FIXTURES / "known_ai"),
    "--archive-source", str(FIXTURES / "archive_source"),
    # the policy makes the cut final: the demo's three reels are the cut
    *(arg for name in ("reel1.edl", "reel2.xml", "reel3.otio")
      for arg in ("--timeline", str(FIXTURES / "timelines" / name))),
    "--timeline-rate", "24",
)  # fmt: skip


# --- tests ----------------------------------------------------------------------------------


def test_cluster_report_equals_the_local_report(cluster: object, tmp_path: Path) -> None:
    """The sample delivery with the demo's register (reference images), known-AI and archive
    libraries: those are fingerprinted on the cluster too."""
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    delivery = FIXTURES / "delivery"
    local, remote = tmp_path / "local", tmp_path / "remote"
    first = subprocess.run(
        hostile.scan_command(delivery, local, *DEMO_OPTIONS),
        capture_output=True,
        timeout=SCAN_TIMEOUT,
    )
    second = subprocess.run(
        hostile.scan_command(delivery, remote, *DEMO_OPTIONS, "--cluster", address),
        capture_output=True,
        timeout=SCAN_TIMEOUT,
    )
    assert first.returncode == 1, first.stderr.decode(errors="replace")[-3000:]
    assert second.returncode == first.returncode, second.stderr.decode(errors="replace")[-3000:]
    on_cluster = hostile.read_report(remote)
    assert on_cluster["tool"]["cluster"] == address
    assert hostile.read_report(local)["tool"]["cluster"] == ""
    assert _comparable(on_cluster) == _comparable(hostile.read_report(local))
    assert len(on_cluster["assets"]) >= 30
    # the frame sequences were assembled from the workers' frames as from local ones
    sequences = [a["path"] for a in on_cluster["assets"] if a.get("sequence")]
    assert sequences == ["final/vfx/sh010/sh010_comp_v003.[1001-1008].exr",
                         "final/vfx/sh020/sh020_plate.[1001-1006].dpx"]  # fmt: skip


def test_a_worker_killed_mid_scan_loses_no_asset(cluster: object, tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    names = _stills(root, 240)
    medias = _medias(root)
    backend = _backend(cluster, root)
    client = backend.client  # type: ignore[attr-defined]
    before = client.run(os.getpid)
    victim = sorted(before.values())[0]
    results = []
    try:
        run = run_analyses(
            medias, AnalyseOptions(), jobs=2, cache=None, analyse=analyse, backend=backend
        )
        for analysis in run:
            results.append(analysis)
            if len(results) == 1:  # the first batch is back, the rest are in flight
                os.kill(victim, signal.SIGKILL)
    finally:
        backend.close()  # type: ignore[attr-defined]
    assert [a.path for a in results] == names  # each once, in path order
    local = list(run_analyses(medias, AnalyseOptions(), jobs=2, cache=None, analyse=analyse))
    assert results == local
    client_after = distributed.Client(cluster, set_as_default=False)
    try:
        client_after.wait_for_workers(2, timeout=60)
        assert victim not in client_after.run(os.getpid).values()  # it was killed, and replaced
    finally:
        client_after.close()


def test_bounds_hold_on_the_workers_and_a_worker_killing_file_is_an_error(
    cluster: object, tmp_path: Path
) -> None:
    root = tmp_path / "delivery"
    names = _stills(root, 40)
    for bad in ("abort.jpg", "hang.jpg", "kills-worker.jpg"):
        shutil.copyfile(root / names[0], root / "stills" / bad)
    medias = _medias(root)
    backend = _backend(cluster, root)
    stats = RunStats()
    try:
        results = list(
            run_analyses(
                medias,
                AnalyseOptions(),
                jobs=2,
                cache=None,
                analyse=analyse_or_misbehave,
                limits=Limits(time_s=8.0),  # slack for a loaded machine: ordinary stills take ms
                backend=backend,
                stats=stats,
            )
        )
    finally:
        backend.close()  # type: ignore[attr-defined]
    assert [a.path for a in results] == [m.rel for m in medias]  # every file, exactly once
    by_path = {a.path: a for a in results}
    problems = {
        path: [p.message for p in by_path[path].problems if p.fatal]
        for path in ("stills/abort.jpg", "stills/hang.jpg", "stills/kills-worker.jpg")
    }
    assert problems["stills/hang.jpg"] == ["analysis exceeded the 8 s time bound"]
    assert len(problems["stills/abort.jpg"]) == 1
    assert problems["stills/abort.jpg"][0].startswith("analysis process was killed by SIGABRT")
    assert len(problems["stills/kills-worker.jpg"]) == 1
    lost = problems["stills/kills-worker.jpg"][0]
    assert lost.startswith(f"worker lost while analysing, {ALLOWED_FAILURES + 1} times")
    for name in names:  # a file that shared a worker with the killer is not blamed for it
        assert [p.message for p in by_path[name].problems if p.fatal] == [], name
        assert by_path[name].sha256
    assert stats.pool.lost == 1  # type: ignore[attr-defined]


def test_a_worker_with_another_provscan_is_refused(tmp_path: Path) -> None:
    """A real worker process importing a copy of provscan whose version differs: the client
    refuses (exit 2) and names the worker and the difference; nothing is scanned."""
    copy = tmp_path / "other-install"
    skip_caches = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "scanner", copy / "scanner", ignore=skip_caches)
    init = copy / "scanner" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    init.write_text(text.replace('__version__ = "', '__version__ = "99.'), encoding="utf-8")
    delivery = tmp_path / "delivery"
    _stills(delivery, 3)
    env = {**os.environ, "PYTHONPATH": str(copy), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    with distributed.LocalCluster(
        n_workers=0, processes=True, dashboard_address=None
    ) as scheduler_only:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", scheduler_only.scheduler_address,
             "--nthreads", "1", "--no-dashboard"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            done = subprocess.run(
                hostile.scan_command(
                    delivery, tmp_path / "out", "--cluster", scheduler_only.scheduler_address
                ),
                capture_output=True,
                timeout=SCAN_TIMEOUT,
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    stderr = done.stderr.decode(errors="replace")
    assert done.returncode == 2, stderr[-3000:]
    assert "nothing was scanned" in stderr
    assert f"provscan version {__version__} here, 99.{__version__} there" in stderr
    assert not (tmp_path / "out" / "provscan.json").exists()


def test_cluster_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    """`distributed` made unimportable in a real provscan process: exit 2 with the install
    line, before anything is scanned."""
    delivery = tmp_path / "delivery"
    _stills(delivery, 1)
    program = (
        "import sys; sys.modules['distributed'] = None; sys.argv[0] = 'provscan';"
        "from scanner.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, "scan", str(delivery), "--cluster", "tcp://127.0.0.1:9",
         "--no-cache", "-q"],
        capture_output=True, timeout=SCAN_TIMEOUT, cwd=REPO,
    )  # fmt: skip
    stderr = done.stderr.decode(errors="replace")
    assert done.returncode == 2, stderr
    assert "pip install 'provscan[cluster]'" in stderr


def test_a_tls_cluster_takes_the_users_tls_files_and_refuses_without(tmp_path: Path) -> None:
    """A scheduler and worker that speak only TLS with client certificates: the scan works
    with the [tls] table of the user's config.toml, and without it is refused (exit 2)."""
    from distributed.security import Security

    security = Security.temporary()
    files = {}
    for name, pem in (("ca_file", security.tls_ca_file), ("cert", security.tls_client_cert),
                      ("key", security.tls_client_key)):  # fmt: skip
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(pem, encoding="ascii")
    config_home = tmp_path / "config"
    (config_home / "provscan").mkdir(parents=True)
    table = "".join(f'{name} = "{path}"\n' for name, path in files.items())
    (config_home / "provscan" / "config.toml").write_text(f"[tls]\n{table}", encoding="utf-8")
    delivery = tmp_path / "delivery"
    _stills(delivery, 3)
    with dask.config.set({"distributed.worker.daemon": False}), distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, protocol="tls://",
        security=security, dashboard_address=None,
    ) as tls_cluster:  # fmt: skip
        address = tls_cluster.scheduler_address
        assert address.startswith("tls://")
        with_files = subprocess.run(
            hostile.scan_command(delivery, tmp_path / "out", "--cluster", address),
            capture_output=True, timeout=SCAN_TIMEOUT,
            env={**os.environ, "XDG_CONFIG_HOME": str(config_home)},
        )  # fmt: skip
        without = subprocess.run(
            hostile.scan_command(delivery, tmp_path / "out2", "--cluster", address),
            capture_output=True, timeout=SCAN_TIMEOUT,
        )  # fmt: skip
    assert with_files.returncode in (0, 1, 3), with_files.stderr.decode(errors="replace")[-3000:]
    report = hostile.read_report(tmp_path / "out")
    assert report["tool"]["cluster"] == address
    assert [a["path"] for a in report["assets"]] == [f"stills/s{i:04d}.jpg" for i in range(3)]
    assert without.returncode == 2
    assert "a tls:// cluster needs TLS files" in without.stderr.decode(errors="replace")


def _holders_once_done(client: object) -> set[str]:
    """The workers holding the scan's batch results, once none is still being computed."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [
            key
            for keys in client.processing().values()  # type: ignore[attr-defined]
            for key in keys
            if str(key).startswith("provscan-")
        ]
        held = [
            set(addresses)
            for key, addresses in client.who_has().items()  # type: ignore[attr-defined]
            if str(key).startswith("provscan-") and addresses
        ]
        if held and not busy:
            return set().union(*held)
        time.sleep(0.05)
    raise AssertionError("the scan's batches were not computed within 120 s")


def test_a_result_the_scan_cannot_fetch_runs_afresh_instead_of_hanging(
    cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batches finish, then every worker holding a result stops (SIGSTOP) before the scan
    fetches it. Dask alone waits for them (forever, for a worker that never wakes up). The
    scan's fetch gives up after RESULT_LIMIT_S and runs those batches afresh; the stopped
    workers wake up after 10 s (a safety timer), so the scan ends either way, and only the
    count of batches run afresh tells the two apart."""
    from scanner.engine.cluster import pool as cluster_pool

    monkeypatch.setattr(cluster_pool, "RESULT_LIMIT_S", 2.0)
    root = tmp_path / "delivery"
    names = _stills(root, 4)
    medias = _medias(root)
    backend = _backend(cluster, root)
    client = backend.client  # type: ignore[attr-defined]
    pool = backend.pool(  # type: ignore[attr-defined]
        analyse, AnalyseOptions(), limits=Limits(), failed=failed_analysis
    )
    stopped: list[int] = []

    def wake() -> None:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)

    timer = threading.Timer(10.0, wake)
    results: list[tuple[int, AssetAnalysis]] = []
    try:
        for index, media in enumerate(medias):
            pool.submit(index, media)
        results += pool.collect(timeout=0.0)  # sends the batches
        holders = _holders_once_done(client)
        stopped += client.run(os.getpid, workers=sorted(holders)).values()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        timer.start()
        deadline = time.monotonic() + 120
        while len(results) < len(medias) and time.monotonic() < deadline:
            results += pool.collect(timeout=1.0)
    finally:
        timer.cancel()
        wake()
        pool.close()
        backend.close()  # type: ignore[attr-defined]
    assert pool.stats.resent >= 1
    assert sorted(index for index, _analysis in results) == list(range(len(medias)))
    local = {m.rel: analyse(m, AnalyseOptions()) for m in medias}
    assert {a.path: a for _index, a in results} == local
    assert sorted(local) == names
