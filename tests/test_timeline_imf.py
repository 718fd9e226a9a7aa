"""IMF packages in a delivery: Netflix Photon's two test packages (../shared/promedia) parse,
each is one deliverable with its composition, every packing-list hash checks out; a byte
changed in a copied track file is a finding; a supplemental package plays its original's
track files; an ASSETMAP never makes provscan open a file outside the delivery."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures import hostile

SHARED = Path(__file__).resolve().parents[2] / "shared" / "promedia"
TEST_IMP = SHARED / "Netflix+photon/src/test/resources/TestIMP"
PACKAGES = {"HT": TEST_IMP / "HT/IMP", "App5": TEST_IMP / "Application5/PhotonApp5Test"}
HT_VIDEO = "VIDEO_6ed567b7-c030-46d6-9c1c-0f09bab4b962.mxf"


def _delivery(tmp_path: Path) -> Path:
    if not all(p.is_dir() for p in PACKAGES.values()):
        pytest.skip("../shared/promedia has no Photon IMF packages")
    delivery = tmp_path / "delivery"
    for name, source in PACKAGES.items():
        shutil.copytree(source, delivery / name)
    return delivery


def _scan(delivery: Path, out: Path, *extra: str) -> tuple[int, dict]:
    command = hostile.scan_command(delivery, out, "--jobs", "2", *extra)
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1, 2, 3), done.stderr[-3000:]
    report = out / "provscan.json"
    return done.returncode, json.loads(report.read_text()) if report.exists() else {}


def test_photon_packages_parse_with_their_compositions(tmp_path: Path) -> None:
    delivery = _delivery(tmp_path)
    _code, doc = _scan(delivery, tmp_path / "out")
    packages = {p["path"]: p for p in doc["packages"]}
    assert set(packages) == {"HT", "App5"}
    assert packages["HT"]["compositions"] == ["HT/CPL_67be5fc8-87f1-4172-8d52-819ca14c7a20.xml"]
    checks = {f["path"]: f["check"] for p in packages.values() for f in p["files"]}
    assert len(checks) == 7 and set(checks.values()) == {"ok"}, checks
    assert not any(p["supplemental"] or p["problems"] for p in packages.values())

    timelines = {t["source"]: t for t in doc["timelines"]}
    ht = timelines["HT/CPL_67be5fc8-87f1-4172-8d52-819ca14c7a20.xml"]
    assert (ht["kind"], ht["title"], ht["issuer"], ht["content_kind"], ht["rate"]) == (
        "imf-cpl",
        "Untitled Project",
        "Blackmagic Design",
        "advertisement",
        "60000/1001",
    )
    assert [
        (e["track"], e["record_in"], e["record_out"], e["assets"], e["resolved_by"])
        for e in ht["events"]
    ] == [
        ("Image", "00:00:00:00", "00:00:01:20", [f"HT/{HT_VIDEO}"], "package"),
        (
            "Audio",
            "00:00:00:00",
            "00:00:01:20",
            ["HT/AUDIO_b285d8f3-0294-4207-8ea8-4f0b72314213.mxf"],
            "package",
        ),
    ]
    app5 = timelines["App5/CPL_cfad00b4-77b5-4d06-bd9d-48bc21c8fc0e.xml"]
    image = [
        (e["record_in"], e["record_out"], e["assets"])
        for e in app5["events"]
        if e["track"] == "Image"
    ]
    assert image == [
        ("00:00:00:00", "00:00:00:04", ["App5/reel1.mxf"]),
        ("00:00:00:04", "00:00:00:08", ["App5/reel2.mxf"]),
    ]
    asset = next(a for a in doc["assets"] if a["path"] == f"HT/{HT_VIDEO}")
    assert [(u["timeline"], u["track"], u["resolved_by"]) for u in asset["cut"]] == [
        (ht["source"], "Image", "package")
    ]
    assert "package-altered" not in json.dumps(doc["assets"])


def test_a_byte_changed_in_a_track_file_is_a_finding(tmp_path: Path) -> None:
    delivery = _delivery(tmp_path)
    track = delivery / "HT" / HT_VIDEO
    data = bytearray(track.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size: only the hash can tell
    track.write_bytes(bytes(data))
    code, doc = _scan(delivery, tmp_path / "out")
    asset = next(a for a in doc["assets"] if a["path"] == f"HT/{HT_VIDEO}")
    altered = [r for r in asset["reasons"] if r["code"] == "package-altered"]
    assert len(altered) == 1 and asset["status"] == "review"
    assert re.fullmatch(
        rf"{HT_VIDEO} hashes to \S+; its packing list says cpQ/yEUY5vdyL3mNdTH7xfB\+cdg=: "
        "altered after packaging",
        altered[0]["detail"],
    )
    files = {f["path"]: f for p in doc["packages"] for f in p["files"]}
    assert files[f"HT/{HT_VIDEO}"]["check"] == "mismatch"
    assert [f["check"] for path, f in files.items() if path != f"HT/{HT_VIDEO}"] == ["ok"] * 6
    strict, _doc = _scan(delivery, tmp_path / "strict", "--strict")
    # package-altered is a review: the gate passes it, --strict fails it (App5's ACES reels,
    # which FFmpeg cannot demux, are read for their metadata: a note, not an error)
    assert (code, strict) == (0, 1)


def test_an_altered_composition_is_reported_with_its_package(tmp_path: Path) -> None:
    delivery = _delivery(tmp_path)
    cpl = delivery / "HT/CPL_67be5fc8-87f1-4172-8d52-819ca14c7a20.xml"
    cpl.write_text(cpl.read_text().replace("Untitled Project", "Untitled Projekt"))
    _code, doc = _scan(delivery, tmp_path / "out")
    files = {f["path"]: f for p in doc["packages"] for f in p["files"]}
    assert files[str(cpl.relative_to(delivery))]["check"] == "mismatch"


def test_a_supplemental_package_plays_its_originals_track_files(tmp_path: Path) -> None:
    delivery = _delivery(tmp_path)
    supplemental = delivery / "HT_SUPP"
    supplemental.mkdir()
    cpl_name = "CPL_67be5fc8-87f1-4172-8d52-819ca14c7a20.xml"
    shutil.copy(delivery / "HT" / cpl_name, supplemental / cpl_name)
    (supplemental / "ASSETMAP.xml").write_text(
        '<?xml version="1.0"?><AssetMap xmlns="http://www.smpte-ra.org/schemas/429-9/2007/AM">'
        "<Id>urn:uuid:00000000-0000-0000-0000-000000000001</Id><AssetList>"
        "<Asset><Id>urn:uuid:67be5fc8-87f1-4172-8d52-819ca14c7a20</Id><ChunkList><Chunk>"
        f"<Path>{cpl_name}</Path></Chunk></ChunkList></Asset>"
        "</AssetList></AssetMap>"
    )
    _code, doc = _scan(delivery, tmp_path / "out")
    package = next(p for p in doc["packages"] if p["path"] == "HT_SUPP")
    assert package["supplemental"] is True
    assert any("names no packing list" in p for p in package["problems"])
    timeline = next(t for t in doc["timelines"] if t["source"] == f"HT_SUPP/{cpl_name}")
    assert [e["assets"] for e in timeline["events"]][0] == [f"HT/{HT_VIDEO}"]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_an_assetmap_or_a_timeline_never_opens_a_file_outside_the_delivery(
    tmp_path: Path,
) -> None:
    delivery = tmp_path / "delivery"
    package = delivery / "IMP"
    package.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = "secret-outside.xml"
    (outside / secret).write_text("<CompositionPlaylist/>")
    (package / "via").symlink_to(outside)
    paths = [f"../../outside/{secret}", str(outside / secret), f"via/{secret}", f"..\\{secret}"]
    assets = "".join(
        f"<Asset><Id>urn:uuid:{i:08d}-0000-0000-0000-000000000000</Id>"
        f"<ChunkList><Chunk><Path>{p}</Path></Chunk></ChunkList></Asset>"
        for i, p in enumerate(paths)
    )
    (package / "ASSETMAP.xml").write_text(
        f'<AssetMap xmlns="http://www.smpte-ra.org/schemas/429-9/2007/AM"><AssetList>{assets}'
        "</AssetList></AssetMap>"
    )
    edl = tmp_path / "lock.edl"  # the gatekeeper's: names the outside file by its full path
    edl.write_text(
        "TITLE: x\n001  R1 V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
        f"* FROM CLIP: {outside / secret}\n",
        encoding="utf-8",
    )
    trace = tmp_path / "trace.txt"
    out = tmp_path / "out"
    command = [
        "strace",
        "-f",
        "-qq",
        "-s",
        "4096",
        "-e",
        "trace=%file",
        "-o",
        str(trace),
        *hostile.scan_command(
            delivery, out, "--jobs", "1", "--timeline", str(edl), "--timeline-rate", "24"
        ),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    # the delivery holds a package and no media: nothing scanned is never a pass (exit 3)
    assert done.returncode == 3, done.stderr[-2000:]
    lines = trace.read_text(errors="replace").splitlines()
    assert any("ASSETMAP.xml" in line and "O_NOFOLLOW" in line for line in lines)  # traced
    opened = [
        line
        for line in lines
        if re.search(r"\bopen(at)?\(", line)
        and (secret in line or str(outside) in line)
        and not re.search(r"= -1 E", line)
    ]
    assert opened == []
    report = json.loads((out / "provscan.json").read_text())
    assert report["timelines"][0]["events"][0]["reasons"] == ["missing-media"]
    problems = report["packages"][0]["problems"]
    leaving = [p for p in problems if "leaves the package folder" in p]
    assert len(leaving) == 3  # the relative climb, the absolute path, the backslash path
    assert any("via/" in p and "cannot be read" in p for p in problems)
