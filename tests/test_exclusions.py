"""OS droppings and exclusions: left out with their reason, never an error, never a hiding place.

A Mac-copied delivery holds an AppleDouble `._name` beside every file; Finder and Windows leave
`.DS_Store`, `Thumbs.db` and `desktop.ini`. They are skipped as OS files only when their bytes
say so (a JPEG named `._still.jpg` is still an asset). `--exclude GLOB` and the policy file's
`exclude = [...]` leave paths out, listed as skipped with the glob; the delivery's own
provscan.toml may never exclude anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fixtures.factory import a1111_png, plain_jpeg
from fixtures.media import exr_frame
from scanner.cli import cli

APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 64
DS_STORE = b"\x00\x00\x00\x01Bud1" + b"\x00" * 64
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 64


def scan(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any] | None, str]:
    out = tmp_path / "out"
    args = ["scan", str(root), "--format", "json", "-o", str(out), "--no-cache", "-j", "1"]
    result = CliRunner().invoke(cli, [*args, "--no-fingerprints", *extra])
    report = out / "provscan.json"
    doc = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return result.exit_code, doc, result.output


def skipped(doc: dict[str, Any]) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in doc["skipped"]}


def test_a_mac_copied_delivery_passes_with_its_droppings_skipped(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    plain_jpeg(root / "final" / "still.jpg", 1)
    exr_frame(root / "final" / "shot.exr", size=(16, 8))
    (root / "final" / "._still.jpg").write_bytes(APPLEDOUBLE)
    (root / "final" / "._shot.exr").write_bytes(APPLEDOUBLE)
    (root / ".DS_Store").write_bytes(DS_STORE)
    (root / "final" / "Thumbs.db").write_bytes(OLE)
    (root / "final" / "desktop.ini").write_text("[.ShellClassInfo]\r\n")
    code, doc, _ = scan(root, tmp_path, "--exclude", "final/shot.exr")
    assert doc is not None and code == 0, doc
    assert [a["path"] for a in doc["assets"]] == ["final/still.jpg"]
    reasons = skipped(doc)
    assert reasons["final/._still.jpg"].startswith("OS file: macOS AppleDouble")
    assert reasons["final/._shot.exr"].startswith("OS file: macOS AppleDouble")
    assert reasons[".DS_Store"].startswith("OS file: macOS Finder")
    assert reasons["final/Thumbs.db"].startswith("OS file: Windows thumbnail")
    assert reasons["final/desktop.ini"].startswith("OS file: Windows folder")
    assert reasons["final/shot.exr"] == "excluded by --exclude 'final/shot.exr'"


def test_a_dropping_name_hides_nothing(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    a1111_png(root / "._concept.png")  # a real PNG under an AppleDouble name: an asset
    (root / "._broken.jpg").write_bytes(b"not AppleDouble, not a JPEG")  # as without the ._
    code, doc, _ = scan(root, tmp_path)
    assert doc is not None and code == 1
    found = {a["path"]: a["status"] for a in doc["assets"]}
    assert found == {"._concept.png": "violation", "._broken.jpg": "error"}


def test_many_droppings_in_one_folder_are_counted_past_fifty(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    folder = root / "vfx"
    folder.mkdir(parents=True)
    for n in range(1, 121):
        (folder / f"._sh010.{n:04d}.exr").write_bytes(APPLEDOUBLE)
    plain_jpeg(root / "still.jpg", 1)  # droppings alone are no delivery (exit 3)
    code, doc, _ = scan(root, tmp_path)
    assert doc is not None and code == 0
    listed = [s for s in doc["skipped"] if s["path"].startswith("vfx/._")]
    assert len(listed) == 50
    assert {"path": "vfx/…", "reason": "OS file (70 more, not listed)"} in doc["skipped"]


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    plain_jpeg(root / "final" / "still.jpg", 1)
    a1111_png(root / "proxies" / "proxy.png")
    a1111_png(root / "final" / "scratch.tmp.png")
    for n in range(1, 4):
        exr_frame(root / "work" / f"tmp.{n:04d}.exr", seed=n, size=(16, 8))
    return root


def test_exclude_globs_leave_files_folders_and_sequences_out(delivery: Path, tmp_path: Path):
    code, doc, _ = scan(
        delivery, tmp_path,
        "--exclude", "proxies/", "--exclude", "**/*.tmp.png", "--exclude", "work/*.exr",
    )  # fmt: skip
    assert doc is not None and code == 0
    assert [a["path"] for a in doc["assets"]] == ["final/still.jpg"]
    assert skipped(doc) == {
        "proxies": "excluded by --exclude 'proxies/**'",
        "final/scratch.tmp.png": "excluded by --exclude '**/*.tmp.png'",
        "work/tmp.[0001-0003].exr": "excluded by --exclude 'work/*.exr'",
    }


def test_the_policy_file_excludes_too(delivery: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('exclude = ["proxies/", "**/*.tmp.png", "work/"]\n')
    code, doc, _ = scan(delivery, tmp_path, "--policy", str(policy))
    assert doc is not None and code == 0
    assert skipped(doc)["proxies"] == "excluded by the policy's exclude 'proxies/**'"


def test_the_deliverys_own_policy_never_excludes(delivery: Path, tmp_path: Path):
    (delivery / "provscan.toml").write_text('exclude = ["proxies/", "final/"]\n')
    code, doc, _ = scan(delivery, tmp_path)
    assert doc is not None and code == 1  # the vendor cannot hide its AI proxies
    assert "proxies/proxy.png" in {a["path"] for a in doc["assets"]}

    # even when the gatekeeper honours the delivery's own policy, it may not leave paths out
    # (like [gate] waivable): its files would vanish from the scan on the vendor's word
    code, doc, output = scan(delivery, tmp_path / "second", "--policy-from-delivery")
    assert code == 2 and doc is None
    assert "the delivery's own policy may not leave paths out of the scan" in output


@pytest.mark.parametrize("glob", ["/abs/path", "../outside", "a\\b"])
def test_a_bad_exclude_glob_is_a_usage_error(delivery: Path, tmp_path: Path, glob: str) -> None:
    code, doc, output = scan(delivery, tmp_path, "--exclude", glob)
    assert code == 2 and doc is None
    assert "--exclude" in output
