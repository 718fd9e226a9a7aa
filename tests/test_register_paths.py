"""Register paths checked against a delivery: a path starting with the delivery folder's own
name (`ep101/vfx/x.png` scanned as `ep101`) and a path matching no asset are warned about, in
`provscan approvals check --delivery`, in the scan's stderr summary and in its JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fixtures import factory
from fixtures.hostile import provscan_command

HEADER = "request_id,status,scope,paths,tools,written_approval_ref,approved_on"


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "ep101"
    factory.comfyui_png(root / "vfx/x.png")
    factory.plain_jpeg(root / "stills/plate.jpg", 72)
    (root / "notes.txt").write_text("not media", encoding="utf-8")
    return root


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(
        HEADER + "\n"
        "GENAI-1,approved,final,ep101/vfx/x.png,ComfyUI,WA-1,2026-01-01\n"
        "GENAI-2,approved,final,stills/*.jpg;trailer/**;notes.txt,,WA-2,2026-01-01\n"
        "GENAI-3,approved,final,ep101/**,,WA-3,2026-01-01\n",
        encoding="utf-8",
    )
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*provscan_command(), *args], capture_output=True, text=True, timeout=300)


def test_approvals_check_with_the_delivery_warns(register: Path, delivery: Path) -> None:
    done = run("approvals", "check", str(register), "--delivery", str(delivery))
    assert done.returncode == 0, done.stderr
    tail = done.stdout.split(f"paths against the delivery {delivery}:\n")[1]
    assert tail.splitlines() == [
        "  GENAI-1 (row 2): path 'ep101/vfx/x.png' starts with the delivery folder's own name "
        "'ep101' and matches nothing: register paths are relative to the delivery folder, so "
        "write 'vfx/x.png'",
        "  GENAI-2 (row 3): path 'trailer/**' matches no asset in the delivery",
        "  GENAI-2 (row 3): path 'notes.txt' matches no asset in the delivery",
        "  GENAI-3 (row 4): path 'ep101/**' starts with the delivery folder's own name 'ep101' "
        "and matches nothing: register paths are relative to the delivery folder, so write '**'",
    ]


def test_without_the_delivery_approvals_check_says_nothing_of_paths(register: Path) -> None:
    done = run("approvals", "check", str(register))
    assert done.returncode == 0, done.stderr
    assert "paths against the delivery" not in done.stdout


def test_a_folder_inside_named_like_the_delivery_is_not_a_mistake(tmp_path: Path) -> None:
    root = tmp_path / "ep101"
    factory.plain_jpeg(root / "ep101/plate.jpg", 73)
    register = tmp_path / "register.csv"
    register.write_text(HEADER + "\nGENAI-1,pending,final,ep101/*.jpg,,,\n", encoding="utf-8")
    done = run("approvals", "check", str(register), "--delivery", str(root))
    assert "  every path matches an asset" in done.stdout


def test_the_scan_reports_them_in_json_and_on_stderr(
    register: Path, delivery: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = run("scan", str(delivery), "--approvals", str(register), "--as-of", "2026-11-01",
               "--format", "json", "-o", str(out), "--no-cache", "-j", "1")  # fmt: skip
    assert done.returncode == 1, done.stderr  # x.png is unapproved: GENAI-1 never matched it
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assert [
        (w["request_id"], w["row"], w["pattern"], w["kind"]) for w in doc["register_warnings"]
    ] == [
        ("GENAI-1", 2, "ep101/vfx/x.png", "delivery-name"),
        ("GENAI-2", 3, "trailer/**", "matches-nothing"),
        ("GENAI-2", 3, "notes.txt", "matches-nothing"),
        ("GENAI-3", 4, "ep101/**", "delivery-name"),
    ]
    assert doc["summary"]["register_warnings"] == 4
    assert (
        "  REGISTER PATH: GENAI-1 (row 2): path 'ep101/vfx/x.png' starts with the delivery "
        "folder's own name 'ep101' and matches nothing" in done.stderr
    )
    assert (
        "  register paths matching no asset here: 2 (GENAI-2 'trailer/**', GENAI-2 "
        "'notes.txt')\n" in done.stderr
    )
    asset = next(a for a in doc["assets"] if a["path"] == "vfx/x.png")
    assert [r["code"] for r in asset["reasons"]] == ["unapproved-ai"]
