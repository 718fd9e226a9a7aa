"""Issue 7 item 1 (and the exit code): every bad file is an `error` finding with a clear reason,
the scan goes on, and every other asset gets exactly the finding it gets without them.

One delivery holds the clean seeds, one AI-marked PNG and every broken or crafted file from
`fixtures.hostile`; it is scanned once through the installed `provscan` command, as a pipeline
would. A baseline delivery with only the clean files is scanned too, for comparison.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from fixtures import hostile
from scanner import scan as scan_module
from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.engine.bounds import Limits
from scanner.engine.runner import run_analyses
from scanner.model import AssetResult
from scanner.policy.load import load_policy
from scanner.scan import ScanConfig, scan_delivery

SCAN_TIMEOUT = 300

# Each bad file -> words its `unreadable` reason must contain: what is wrong, not just "error".
BAD_FILE_REASONS = {
    "truncated/truncated.jpg": "image file is truncated",
    "truncated/truncated.png": "truncated: chunk IDAT",
    "truncated/truncated.tif": "image file is truncated",
    "truncated/truncated.webp": "truncated: RIFF header declares 1570 bytes, the file has 942",
    "truncated/truncated.mp4": "truncated: box 'mdat'",
    "truncated/truncated.mov": "truncated: box 'mdat'",
    "truncated/truncated.wav": "truncated: RIFF header declares 8044 bytes, the file has 4826",
    "bitflip/bitflip.jpg": "not a valid JPEG file",
    "bitflip/bitflip.png": "broken data stream",
    "bitflip/bitflip.tif": "image file is truncated",
    "bitflip/bitflip.webp": "cannot decode image",
    "bitflip/bitflip.mp4": "no audio or video stream found",
    "bitflip/bitflip.mov": "no audio or video stream found",
    "bitflip/bitflip.wav": "no audio or video stream found",
    "empty/empty.jpg": "empty file (0 bytes)",
    "empty/empty.mp4": "empty file (0 bytes)",
    "empty/empty.wav": "empty file (0 bytes)",
    "bomb/bomb_100000x100000.png": "over the bound of 89478485 pixels",
    "bomb/bomb_65500x65500.jpg": "over the bound of 89478485 pixels",
    "xml/xmp_billion_laughs.jpg": "declares a DTD or entities",
    "xml/xmp_billion_laughs.png": "declares a DTD or entities",
    "xml/xmp_xxe_file.jpg": "declares a DTD or entities",
    "xml/xmp_xxe_http.jpg": "declares a DTD or entities",
    "jumbf/jumbf_malformed.jpg": "expected JUMD",
    "jumbf/jumbf_malformed.png": "expected JUMD",
    "mp4/box_size_2e63.mp4": "claims 9223372036854775808 bytes, only 2291 left in file",
    "mp4/box_smaller_than_header.mp4": "box 'free' at byte 32 has size 4",
    "mp4/largesize_past_eof.mp4": "claims 1002278 bytes, only 2291 left in file",
}
# What the other assets get on their own (checked against a baseline scan, too).
NORMAL_STATUS = {rel: "clean" for rel in hostile.clean_files()} | {"ai/a1111.png": "violation"}
COMPARED_KEYS = ("status", "reasons", "ai", "credentials", "generators", "signals", "sha256",
                 "media_type", "format", "size", "evidence", "approval")  # fmt: skip


@dataclass(frozen=True)
class Scan:
    exit_code: int
    report: dict
    stderr: str

    @property
    def assets(self) -> dict[str, dict]:
        return {asset["path"]: asset for asset in self.report["assets"]}


def run_scan(delivery: Path, out_dir: Path, *extra: str) -> Scan:
    done = subprocess.run(
        hostile.scan_command(delivery, out_dir, *extra), capture_output=True, timeout=SCAN_TIMEOUT
    )
    stderr = done.stderr.decode(errors="replace")
    assert done.returncode in (0, 1, 3), stderr[-3000:]
    return Scan(done.returncode, hostile.read_report(out_dir), stderr)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    base = tmp_path_factory.mktemp("baseline")
    hostile.write_files(base / "delivery", hostile.clean_files())
    return run_scan(base / "delivery", base / "out")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    base = tmp_path_factory.mktemp("hostile_files")
    hostile.write_files(base / "delivery", hostile.clean_files())
    cases = hostile.write_bad_files(base / "delivery")
    assert {case.rel for case in cases} == set(BAD_FILE_REASONS)
    return run_scan(base / "delivery", base / "out")


def _reason_detail(asset: dict, code: str) -> str:
    details = [reason["detail"] for reason in asset["reasons"] if reason["code"] == code]
    assert details, f"{asset['path']}: no {code!r} reason in {asset['reasons']}"
    return details[0]


@pytest.mark.parametrize("rel", sorted(BAD_FILE_REASONS))
def test_bad_file_is_an_error_with_a_clear_reason(scanned: Scan, rel: str) -> None:
    asset = scanned.assets[rel]
    assert asset["status"] == "error"
    assert asset["reasons"][0]["code"] == "unreadable"
    assert BAD_FILE_REASONS[rel] in _reason_detail(asset, "unreadable")
    fatal = [p for p in asset["problems"] if p["fatal"]]
    assert any(BAD_FILE_REASONS[rel] in p["message"] for p in fatal)


def test_no_asset_is_lost_and_the_others_get_their_normal_finding(
    scanned: Scan, baseline: Scan
) -> None:
    assert set(scanned.assets) == set(BAD_FILE_REASONS) | set(NORMAL_STATUS)
    assert scanned.report["skipped"] == []
    assert {rel: baseline.assets[rel]["status"] for rel in NORMAL_STATUS} == NORMAL_STATUS
    for rel in NORMAL_STATUS:
        alone = {key: baseline.assets[rel][key] for key in COMPARED_KEYS}
        among_bad = {key: scanned.assets[rel][key] for key in COMPARED_KEYS}
        assert among_bad == alone, rel
    summary = scanned.report["summary"]["by_status"]
    assert summary["error"] == len(BAD_FILE_REASONS)
    assert summary["violation"] == 1


def test_external_entities_are_never_resolved(scanned: Scan) -> None:
    for rel in ("xml/xmp_xxe_file.jpg", "xml/xmp_xxe_http.jpg", "xml/xmp_billion_laughs.jpg"):
        values = [item["value"] for item in scanned.assets[rel]["evidence"]]
        assert not any(hostile.PASSWD_MARKER in v or "lollol" in v for v in values), rel


def test_exit_code_is_1_with_a_violation_among_unreadable_files(scanned: Scan) -> None:
    assert scanned.exit_code == 1


def test_exit_code_is_3_when_only_unreadable_and_clean_files(tmp_path: Path) -> None:
    delivery = tmp_path / "delivery"
    clean = {rel: data for rel, data in hostile.clean_files().items() if rel.startswith("clean/")}
    hostile.write_files(delivery, clean)
    hostile.write_files(delivery, {"truncated/truncated.jpg": hostile.bad_files()[
        "truncated/truncated.jpg"][1], "empty/empty.mp4": b""})  # fmt: skip
    scan = run_scan(delivery, tmp_path / "out")
    assert scan.exit_code == 3
    assert scan.report["summary"]["by_status"] == {
        "violation": 0, "error": 2, "review": 0, "waived": 0, "approved": 0, "clean": len(clean),
    }  # fmt: skip

    clean_only = tmp_path / "clean_only"
    hostile.write_files(clean_only, clean)
    assert run_scan(clean_only, tmp_path / "out2").exit_code == 0


def test_unreadable_permissions(tmp_path: Path) -> None:
    """A file and a folder the scanning user may not read: errors, the rest scanned.

    Root ignores permission bits, so the scan runs with the capabilities that let it
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) dropped from its bounding set: it is then held to
    the bits like any user. Without root the bits already apply.
    """
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, {"ok.jpg": hostile.seed_bytes()["jpg"]})
    hostile.write_files(delivery, {"locked.jpg": hostile.seed_bytes()["jpg"]})
    hostile.write_files(delivery, {"closed/inside.png": hostile.seed_bytes()["png"]})
    os.chmod(delivery / "locked.jpg", 0)
    os.chmod(delivery / "closed", 0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv cannot be held to permission bits")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    out = tmp_path / "out"
    try:
        done = subprocess.run(
            [*prefix, *hostile.scan_command(delivery, out)],
            capture_output=True,
            timeout=SCAN_TIMEOUT,
        )
    finally:
        os.chmod(delivery / "locked.jpg", 0o644)
        os.chmod(delivery / "closed", 0o755)
    assert done.returncode == 3, done.stderr.decode(errors="replace")[-3000:]
    report = hostile.read_report(out)
    assets = {asset["path"]: asset for asset in report["assets"]}
    assert assets["ok.jpg"]["status"] == "clean"
    locked = assets["locked.jpg"]
    assert locked["status"] == "error"
    assert "Permission denied" in _reason_detail(locked, "unreadable")
    assert report["skipped"] == [
        {"path": "closed", "reason": "unreadable folder: Permission denied; contents not scanned"}
    ]


# --- files that vanish or change during the scan -----------------------------------------------


def _scan_with_event(delivery: Path, event: Callable[[], None]) -> dict[str, AssetResult]:
    """A library scan with `event` (a real change on disk) between the walk and the analysis."""
    real_walk = scan_module.walk

    def walk_then_event(root: Path, **kwargs: object) -> Iterator[object]:
        items = list(real_walk(root, **kwargs))
        event()
        return iter(items)

    config = ScanConfig(policy=load_policy(delivery), as_of=date.today(), jobs=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scan_module, "walk", walk_then_event)
        result = scan_delivery(delivery, config)
    return {asset.analysis.path: asset for asset in result.assets}


def _unreadable_detail(asset: AssetResult) -> str:
    assert asset.finding.status == "error"
    assert asset.finding.reasons[0].code == "unreadable"
    return asset.finding.reasons[0].detail


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("vanish", "cannot read file: No such file or directory"),
        ("grow", "file changed after it was listed: 2694 bytes then, 3718 now"),
        ("swap_fifo", "cannot read file: not a regular file"),
        ("swap_dir", "cannot read file: not a regular file"),
    ],
)
def test_file_that_changes_after_the_walk(tmp_path: Path, event: str, reason: str) -> None:
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, hostile.clean_files())
    victim = delivery / "clean" / "clean.jpg"

    def change() -> None:
        if event == "vanish":
            victim.unlink()
        elif event == "grow":  # still being copied or rendered
            with open(victim, "ab") as handle:
                handle.write(b"\0" * 1024)
        elif event == "swap_fifo":  # opening a FIFO for reading would block for ever
            victim.unlink()
            os.mkfifo(victim)
        else:
            victim.unlink()
            victim.mkdir()

    assets = _scan_with_event(delivery, change)
    assert set(assets) == set(NORMAL_STATUS)
    assert reason in _unreadable_detail(assets["clean/clean.jpg"])
    others = {rel: assets[rel].finding.status for rel in NORMAL_STATUS if rel != "clean/clean.jpg"}
    assert others == {rel: s for rel, s in NORMAL_STATUS.items() if rel != "clean/clean.jpg"}


def test_file_changing_while_it_is_read(tmp_path: Path) -> None:
    """A render still being written: a thread appends to the file for the whole scan."""
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, hostile.clean_files())
    growing = delivery / "clean" / "clean.mov"
    stop = threading.Event()

    def writer() -> None:
        with open(growing, "ab", buffering=0) as handle:
            while not stop.is_set():
                handle.write(b"\0" * 512)
                time.sleep(0.002)

    thread = threading.Thread(target=writer)
    try:
        assets = _scan_with_event(delivery, thread.start)
    finally:
        stop.set()
        thread.join()
    assert "file changed" in _unreadable_detail(assets["clean/clean.mov"])
    assert assets["clean/clean.jpg"].finding.status == "clean"


# --- item 3: per-asset time and memory bounds ----------------------------------------------------


def test_an_asset_over_the_time_bound_is_an_error_naming_it(tmp_path: Path) -> None:
    """A 16 GiB sparse master (all zeros, no disk used) must be hashed in full: far more than a
    tight bound allows. The worker is killed, the asset names the bound, the rest is normal."""
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, hostile.clean_files())
    huge = delivery / "masters" / "huge.mov"
    huge.parent.mkdir()
    with open(huge, "wb") as handle:
        handle.write(hostile.seed_bytes()["mov"])
        handle.truncate(16 << 30)
    medias = [m for m in walk(delivery) if isinstance(m, MediaFile)]
    limits = Limits(time_s=2.0, time_per_gib_s=0.0)
    started = time.monotonic()
    analyses = {
        a.path: a
        for a in run_analyses(medias, AnalyseOptions(), jobs=1, cache=None,
                              analyse=analyse, limits=limits)
    }  # fmt: skip
    assert time.monotonic() - started < 60
    assert [p.message for p in analyses["masters/huge.mov"].problems] == [
        "analysis exceeded the 2 s time bound"
    ]
    fatal = {rel: [p.message for p in analyses[rel].problems if p.fatal] for rel in NORMAL_STATUS}
    assert fatal == {rel: [] for rel in NORMAL_STATUS}


def test_an_asset_over_the_memory_bound_is_an_error_naming_it(tmp_path: Path) -> None:
    """A 340 KB PNG of 9400x9400 RGBA pixels: under Pillow's pixel bound, but its pixels alone
    take 353 MB decoded and today's fingerprint peaks near 1.7 GB on it. Under a 400 MiB
    bound the worker's allocation fails, the asset names the bound, the worker is replaced
    and the rest is normal. (Much tighter bounds starve MediaInfo's forked child and FFmpeg's
    threads on ordinary files: address space, not just memory, is what RLIMIT_AS counts.)"""
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, hostile.clean_files())
    hostile.write_files(delivery, {"bomb/under_pixel_bound.png": hostile.png_memory_bomb()})
    medias = [m for m in walk(delivery) if isinstance(m, MediaFile)]
    limits = Limits(memory_bytes=400 << 20)
    analyses = {
        a.path: a
        for a in run_analyses(medias, AnalyseOptions(), jobs=1, cache=None,
                              analyse=analyse, limits=limits)
    }  # fmt: skip
    assert [p.message for p in analyses["bomb/under_pixel_bound.png"].problems] == [
        "analysis exceeded the 400 MiB memory bound"
    ]
    fatal = {rel: [p.message for p in analyses[rel].problems if p.fatal] for rel in NORMAL_STATUS}
    assert fatal == {rel: [] for rel in NORMAL_STATUS}
    assert analyses["ai/a1111.png"].assessment.ai == "generated"
