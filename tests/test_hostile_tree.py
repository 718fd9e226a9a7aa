"""Issue 7 item 2: the tree itself. Symlink loops, links out of the delivery, FIFOs, sockets and
device files, non-UTF-8, 255-byte and deeper-than-PATH_MAX names.

Each oddity is listed (skipped with its reason, or an asset with its finding), never followed
out of the root, special files are never opened (checked under strace: opening the FIFO would
block and /dev/zero would never end), and every ordinary asset beside them gets exactly the
finding it gets on its own. Scanned with and without --follow-links.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures import hostile
from scanner.report.verdict import verdict_of

SCAN_TIMEOUT = 300
NOT_FOLLOWED = "symlink, not followed"
OUTSIDE = "symlink points outside the delivery, not followed"
SPECIAL = "special file (FIFO, socket or device), not opened"
LOOP_UP = "symlink loop: points at a folder that contains it"
NON_UTF8_REL = "names/caf\\xe9-latin1.jpg"  # the byte 0xE9 shown as \xe9, exactly
DEEP_REL = "names/" + "/".join([hostile.DEEP_SEGMENT] * hostile.DEEP_LEVELS) + "/deep.jpg"
LINKS = ("dangling.jpg", "inside.jpg", "loop_a", "loop_b", "loop_self", "outside.jpg",
         "outside_dir", "outside_rel.jpg", "to_pipe.jpg")  # fmt: skip

SKIPPED = {
    False: {f"links/{name}": NOT_FOLLOWED for name in LINKS},
    True: {
        "links/dangling.jpg": "broken symlink",
        "links/loop_a": "symlink loop",
        "links/loop_b": "symlink loop",
        "links/loop_self": LOOP_UP,
        "links/outside.jpg": OUTSIDE,
        "links/outside_dir": OUTSIDE,
        "links/outside_rel.jpg": OUTSIDE,
        "links/to_pipe.jpg": SPECIAL,  # followed inside the root, lands on the FIFO: not opened
    },
}
SPECIAL_FILES = {"special/pipe.jpg": SPECIAL, "special/socket.png": SPECIAL}
if hostile.can_make_devices():
    SPECIAL_FILES["special/zero.mp4"] = SPECIAL
CLEAN_NAMES = ("links/target.jpg", NON_UTF8_REL, f"names/{hostile.LONG_NAME}")


@dataclass(frozen=True)
class Scan:
    exit_code: int
    report: dict
    trace: str

    @property
    def assets(self) -> dict[str, dict]:
        return {asset["path"]: asset for asset in self.report["assets"]}

    @property
    def skipped(self) -> dict[str, str]:
        return {item["path"]: item["reason"] for item in self.report["skipped"]}


def _scan(delivery: Path, out: Path, *extra: str) -> Scan:
    trace = out.parent / f"{out.name}.trace"
    prefix: list[str] = []
    if shutil.which("strace"):
        prefix = ["strace", "-f", "-qq", "-s", "8192", "-e", "trace=open,openat,openat2",
                  "-o", str(trace)]  # fmt: skip
    done = subprocess.run(
        [*prefix, *hostile.scan_command(delivery, out, *extra)],
        capture_output=True,
        timeout=SCAN_TIMEOUT,
    )
    assert done.returncode in (0, 1, 3), done.stderr.decode(errors="replace")[-3000:]
    text = trace.read_text(errors="replace") if prefix else ""
    return Scan(done.returncode, hostile.read_report(out), text)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tree")
    delivery = base / "delivery"
    hostile.write_files(delivery, hostile.clean_files())
    hostile.write_tree_oddities(delivery, base / "outside")
    return delivery


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    base = tmp_path_factory.mktemp("tree_baseline")
    hostile.write_files(base / "delivery", hostile.clean_files())
    return _scan(base / "delivery", base / "out")


@pytest.fixture(scope="module", params=[False, True], ids=["no-follow", "follow-links"])
def scanned(request: pytest.FixtureRequest, tree: Path) -> tuple[bool, Scan]:
    follow = request.param
    out = tree.parent / ("out_follow" if follow else "out")
    return follow, _scan(tree, out, *(["--follow-links"] if follow else []))


def test_every_oddity_is_listed_with_its_reason(scanned: tuple[bool, Scan]) -> None:
    follow, scan = scanned
    assert scan.skipped == SKIPPED[follow] | SPECIAL_FILES


def test_links_never_reach_outside_the_root(scanned: tuple[bool, Scan], tree: Path) -> None:
    follow, scan = scanned
    assert not any("secret" in path for path in scan.assets)
    secret = str(tree.parent / "outside" / "secret.jpg")
    if scan.trace:
        assert secret not in scan.trace  # never even opened
    expected_link_assets = {"links/target.jpg"} | ({"links/inside.jpg"} if follow else set())
    assert {p for p in scan.assets if p.startswith("links/")} == expected_link_assets
    if follow:
        inside, target = scan.assets["links/inside.jpg"], scan.assets["links/target.jpg"]
        assert (inside["status"], inside["sha256"]) == ("clean", target["sha256"])


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_special_files_are_never_opened(scanned: tuple[bool, Scan], tree: Path) -> None:
    _, scan = scanned
    special = str(tree / "special") + "/"
    opened = [line for line in scan.trace.splitlines() if special in line]
    assert opened == []
    assert str(tree / "clean" / "clean.jpg") in scan.trace  # the trace did see the scan's opens


def test_odd_names_are_reported_faithfully(scanned: tuple[bool, Scan]) -> None:
    _, scan = scanned
    for rel in CLEAN_NAMES:
        assert scan.assets[rel]["status"] == "clean", rel
    assert len(f"names/{hostile.LONG_NAME}".encode()) == 6 + 255
    # Longer than PATH_MAX: listed under its whole path, and an error naming why, not lost.
    assert len(DEEP_REL) > 4096
    deep = scan.assets[DEEP_REL]
    assert deep["status"] == "error"
    assert [r["code"] for r in deep["reasons"]] == ["unreadable"]
    assert "File name too long" in deep["reasons"][0]["detail"]


def test_other_assets_get_their_normal_finding(scanned: tuple[bool, Scan], baseline: Scan):
    follow, scan = scanned
    keys = ("status", "reasons", "ai", "credentials", "generators", "signals", "sha256", "size")
    for rel, alone in baseline.assets.items():
        assert {k: scan.assets[rel][k] for k in keys} == {k: alone[k] for k in keys}, rel
    expected = set(baseline.assets) | set(CLEAN_NAMES) | {DEEP_REL}
    if follow:
        expected.add("links/inside.jpg")
    assert set(scan.assets) == expected
    # The deep path cannot be read (exit 3) and the AI PNG is a violation (exit 1): 1 wins.
    assert scan.exit_code == 1


def test_a_link_loop_cannot_hang_a_followed_scan(tmp_path: Path) -> None:
    """A loop through several folders (a/b/up -> a), reachable two ways (a/side -> b)."""
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, {"a/b/shot.jpg": hostile.seed_bytes()["jpg"]})
    os.symlink("../../a", delivery / "a" / "b" / "up")
    os.symlink("b", delivery / "a" / "side")  # a second way into a/b
    scan = _scan(delivery, tmp_path / "out", "--follow-links")
    assert scan.skipped == {"a/b/up": LOOP_UP, "a/side/up": LOOP_UP}
    assert set(scan.assets) == {"a/b/shot.jpg", "a/side/shot.jpg"}


def test_symlinks_not_followed_leave_the_gate_incomplete(tmp_path: Path) -> None:
    """A link provscan does not read (not followed, out of the delivery, broken) hides
    content: a frame linked to AI material outside passed (found in review); now the scan is
    incomplete and says why. A link inside the delivery, followed, is read and passes."""
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, {"ok.jpg": hostile.seed_bytes()["jpg"]})
    hostile.write_files(tmp_path / "outside", {"ai.png": hostile.a1111_png()})
    os.symlink(tmp_path / "outside" / "ai.png", delivery / "frame.png")
    os.symlink("ok.jpg", delivery / "same.jpg")
    for extra, links, code in (((), 2, 3), (("--follow-links",), 1, 3)):
        out = tmp_path / f"out{len(extra)}"
        scan = _scan(delivery, out, *extra)
        verdict = verdict_of(scan.report)
        assert (scan.exit_code, verdict.code) == (code, code)
        noun = "symlink" if links == 1 else "symlinks"
        assert f"{links} {noun} not followed (not read)" in verdict.sentence.split("; ")
    (delivery / "frame.png").unlink()
    scan = _scan(delivery, tmp_path / "out_inside", "--follow-links")
    assert (scan.exit_code, verdict_of(scan.report).code) == (0, 0)


def test_unreadable_folder_fails_the_gate(tmp_path: Path) -> None:
    """A folder that cannot be listed hides its contents: the gate must not pass (exit 3)."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root without setpriv cannot be held to permission bits")
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, {"ok.jpg": hostile.seed_bytes()["jpg"]})
    hostile.write_files(delivery, {"closed/ai.png": hostile.a1111_png()})
    os.chmod(delivery / "closed", 0)
    prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    try:
        done = subprocess.run(
            [*(prefix if os.geteuid() == 0 else []),
             *hostile.scan_command(delivery, tmp_path / "out")],
            capture_output=True,
            timeout=SCAN_TIMEOUT,
        )  # fmt: skip
    finally:
        os.chmod(delivery / "closed", 0o755)
    report = hostile.read_report(tmp_path / "out")
    assert report["skipped"] == [
        {"path": "closed", "reason": "unreadable folder: Permission denied; contents not scanned"}
    ]
    assert done.returncode == 3


def test_control_characters_in_names_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """Names with ESC sequences, CR, LF and BEL: the JSON keeps them exactly (faithful), the
    stderr summary shows them as \\xNN, so a name cannot rewrite or retitle a reviewer's
    terminal, nor print a fake 'clean' line."""
    delivery = tmp_path / "delivery"
    fake = "ai\x1b[2K\rclean\nfake.png"
    title = "x\x1b]2;pwned\x07title.jpg"
    hostile.write_files(delivery, {fake: hostile.a1111_png()})
    hostile.write_files(delivery, {title: hostile.bad_files()["truncated/truncated.jpg"][1]})
    out = tmp_path / "out"
    command = [part for part in hostile.scan_command(delivery, out) if part != "--quiet"]
    done = subprocess.run(command, capture_output=True, timeout=SCAN_TIMEOUT)
    assert done.returncode == 1
    report = hostile.read_report(out)
    assert {a["path"]: a["status"] for a in report["assets"]} == {fake: "violation", title: "error"}
    stderr = done.stderr.decode()
    reason = "\n" + " " * 15  # the summary's reasons sit under the path, indented
    assert "    violation  ai\\x1b[2K\\x0dclean\\x0afake.png" + reason + "unapproved-ai: " in stderr
    assert "    error      x\\x1b]2;pwned\\x07title.jpg" + reason + "unreadable: " in stderr
    assert not any(ch in stderr for ch in "\x1b\r\x07")
