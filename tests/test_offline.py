"""Issue 7 item 4: offline by construction. No connection is attempted, not even by native code.

- In process: `socket` is blocked (connect, getaddrinfo, ...) and every attempt recorded while a
  whole scan runs in this process (one job, so nothing escapes into workers).
- Native code: the C2PA SDK is Rust, so blocking Python sockets proves nothing about it. The scan
  runs under `strace -f` and the trace must hold no connect/sendto/sendmsg to an IP address.
  A positive control runs the SDK with its default settings on the same remote-manifest file
  and must show the DNS look-up, so the trace would see one if the scan made it.
- Under `unshare -n` (no network at all) the scan gives the same report.
- XMP external entities point at a local listener: it must never get a connection.

The delivery holds the sample delivery (fixtures/delivery: signed C2PA stills and video), the
hostile fixtures (XXE with file:// and http:// entities) plus, when the shared corpus is
present, its files whose manifests are remote (cloud.jpg and two with `dcterms:provenance`
URLs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures import hostile
from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.engine.runner import run_analyses

SCAN_TIMEOUT = 300
SAMPLE_DELIVERY = hostile.REPO / "fixtures" / "delivery"
CORPUS_REMOTE = (
    "contentauth+c2pa-rs/sdk/tests/fixtures/cloud.jpg",
    "contentauth+c2pa-rs/sdk/src/identity/tests/fixtures/claim_aggregation/"
    "adobe_connected_identities.jpg",
    "contentauth+c2pa-rs/sdk/tests/fixtures/IMG_0003_aca.png",
)
NETWORK_CALL = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(.*sa_family=AF_INET6?\b")


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it gets."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory, listener: Listener) -> Path:
    root = tmp_path_factory.mktemp("offline") / "delivery"
    if SAMPLE_DELIVERY.is_dir():  # the generated sample delivery: signed C2PA files and all
        shutil.copytree(SAMPLE_DELIVERY, root / "sample", symlinks=True)
    hostile.write_files(root, hostile.clean_files())
    hostile.write_bad_files(root)
    url = f"http://127.0.0.1:{listener.port}/x"
    packet = hostile.xmp_packet(hostile.external_entity_doctype(url), "&xxe;")
    hostile.write_files(root, {"xml/xmp_xxe_listener.jpg": hostile.jpeg_with_xmp(packet)})
    for rel in CORPUS_REMOTE:
        source = hostile.CORPUS / rel
        if source.exists():
            target = root / "corpus" / Path(rel).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return root


def _corpus_present() -> bool:
    return all((hostile.CORPUS / rel).exists() for rel in CORPUS_REMOTE)


def _assets(report: dict) -> dict[str, dict]:
    return {asset["path"]: asset for asset in report["assets"]}


def _check_report(report: dict) -> None:
    """What every offline scan of this delivery must say, network or not."""
    assets = _assets(report)
    for path, asset in assets.items():
        for item in asset["evidence"]:
            assert hostile.PASSWD_MARKER not in item["value"], path
    assert assets["clean/clean.jpg"]["status"] == "clean"
    if _corpus_present():
        cloud = assets["corpus/cloud.jpg"]
        assert cloud["credentials"] == "remote"
        assert cloud["c2pa"]["remote_url"].startswith("https://cai-manifests.adobe.com/manifests/")


def test_in_process_analysis_makes_no_socket_call(
    delivery: Path, monkeypatch: pytest.MonkeyPatch, listener: Listener
) -> None:
    """Every asset analysed in this process (the runner's in-process mode: all readers, the
    fingerprint, the C2PA SDK) with every socket call blocked and recorded."""
    attempts: list[str] = []

    def refuse(name: str):
        def blocked(*args: object, **kwargs: object) -> None:
            attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
            raise OSError(f"network blocked by test: {name}")

        return blocked

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        monkeypatch.setattr(socket, name, refuse(name))

    medias = [item for item in walk(delivery) if isinstance(item, MediaFile)]
    analyses = list(
        run_analyses(medias, AnalyseOptions(), jobs=1, cache=None, analyse=analyse,
                     in_process=True)
    )  # fmt: skip
    assert attempts == []
    assert listener.connections == 0
    assert len(analyses) == len(medias) >= 30
    by_path = {a.path: a for a in analyses}
    for analysis in analyses:
        assert not any(hostile.PASSWD_MARKER in e.value for e in analysis.evidence)
    if _corpus_present():
        cloud = by_path["corpus/cloud.jpg"].c2pa
        assert cloud is not None and cloud.credentials == "remote"
        assert cloud.remote_url.startswith("https://cai-manifests.adobe.com/manifests/")


def _strace(command: list[str], trace: Path) -> subprocess.CompletedProcess:
    strace = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o",
              str(trace)]  # fmt: skip
    return subprocess.run([*strace, *command], capture_output=True, timeout=SCAN_TIMEOUT)


def _network_calls(trace: Path) -> list[str]:
    text = trace.read_text(encoding="utf-8", errors="replace")
    return [line[:300] for line in text.splitlines() if NETWORK_CALL.search(line)]


DEFAULT_READER = """
import sys, c2pa
try:
    c2pa.Reader(sys.argv[1])
except Exception as exc:
    print(type(exc).__name__, exc)
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_native_code_makes_no_connection(delivery: Path, tmp_path: Path, listener: Listener):
    if _corpus_present():
        # Positive control: the SDK's defaults do reach for the network on cloud.jpg, and the
        # trace sees it (a DNS query at least), so an empty trace below means something.
        control = tmp_path / "control.txt"
        cloud = delivery / "corpus" / "cloud.jpg"
        _strace([sys.executable, "-c", DEFAULT_READER, str(cloud)], control)
        assert _network_calls(control), "strace did not see the SDK's default network access"

    trace, out = tmp_path / "trace.txt", tmp_path / "out"
    done = _strace(hostile.scan_command(delivery, out, "--jobs", "2"), trace)
    assert done.returncode in (1, 3), done.stderr.decode(errors="replace")[-3000:]
    assert _network_calls(trace) == []
    assert listener.connections == 0
    _check_report(hostile.read_report(out))


def _comparable(report: dict) -> str:
    report = dict(report)
    report.pop("scanned_at")
    return json.dumps(report, sort_keys=True)


def test_scan_without_any_network_gives_the_same_report(delivery: Path, tmp_path: Path):
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare -n")
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -n is not permitted here")
    online, offline = tmp_path / "online", tmp_path / "offline"
    first = subprocess.run(
        hostile.scan_command(delivery, online), capture_output=True, timeout=SCAN_TIMEOUT
    )
    second = subprocess.run(
        ["unshare", "-n", *hostile.scan_command(delivery, offline)],
        capture_output=True,
        timeout=SCAN_TIMEOUT,
    )
    assert second.returncode == first.returncode, second.stderr.decode(errors="replace")[-3000:]
    assert _comparable(hostile.read_report(offline)) == _comparable(hostile.read_report(online))


CLUSTER_SCAN = """
import sys
import dask, distributed
from scanner.cli import main

with dask.config.set({"distributed.worker.daemon": False}), distributed.LocalCluster(
    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
) as cluster:
    sys.argv = ["provscan", *sys.argv[1:], "--cluster", cluster.scheduler_address]
    try:
        main()
    except SystemExit as exc:
        code = exc.code
sys.exit(code)
"""
LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"')


@pytest.mark.cluster
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_cluster_scan_connects_to_nothing_but_its_cluster_on_loopback(
    delivery: Path, tmp_path: Path, listener: Listener
):
    """Issue 17: the client, the scheduler, both Dask workers and their analysis children all
    run under `strace -f`; every connection they make is to the cluster on 127.0.0.1."""
    pytest.importorskip("distributed", reason="distributed (the cluster extra) missing")
    trace, out = tmp_path / "trace.txt", tmp_path / "out"
    scan = hostile.scan_command(delivery, out)[1:]  # "scan DELIVERY ...": the program is ours
    done = _strace([sys.executable, "-c", CLUSTER_SCAN, *scan], trace)
    assert done.returncode in (1, 3), done.stderr.decode(errors="replace")[-3000:]
    calls = _network_calls(trace)
    assert calls, "strace saw no connection at all: the cluster's own should be there"
    assert [call for call in calls if not LOOPBACK.search(call)] == []
    assert listener.connections == 0
    report = hostile.read_report(out)
    assert report["tool"]["cluster"].startswith("tcp://127.0.0.1:")
    _check_report(report)
