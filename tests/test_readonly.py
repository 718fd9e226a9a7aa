"""Issue 7 item 4: the delivery is opened read-only and nothing in it changes.

Three proofs, from weakest to strongest:
- every file's hash, mode, owner, size, mtime and ctime, and the list of entries, are the same
  after a scan (access times are ignored: reading may update them);
- under `strace`, every open of a path inside the delivery is O_RDONLY without O_CREAT/O_TRUNC,
  and no other path-changing call (unlink, rename, chmod, utimensat, mkdir, ...) touches it;
- on a read-only bind mount (root here, so `chmod a-w` would not stop anything) the scan gives
  the same report as on a writable one: it never needed to write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import hostile

SCAN_TIMEOUT = 300
SAMPLE_DELIVERY = hostile.REPO / "fixtures" / "delivery"

# syscalls that take a path and only read; anything else naming a delivery path is a write.
READ_ONLY_CALLS = {
    "open", "openat", "openat2", "stat", "lstat", "newfstatat", "statx", "fstatat64", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getxattr", "lgetxattr", "listxattr",
    "llistxattr", "execve", "chdir", "statfs", "getcwd", "inotify_add_watch",
}  # fmt: skip
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE")
STRACE_LINE = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s*(\w+)\((.*)$")


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("readonly")
    clean = base / "clean"
    if SAMPLE_DELIVERY.is_dir():  # the generated sample delivery, copied: signed C2PA and all
        shutil.copytree(SAMPLE_DELIVERY, clean, symlinks=True)
    hostile.write_files(clean, hostile.clean_files())
    bad = base / "hostile"
    hostile.write_files(bad, hostile.clean_files())
    hostile.write_bad_files(bad)
    hostile.write_tree_oddities(bad, base / "outside")
    return {"clean": clean, "hostile": bad}


def _scan(delivery: Path, out_dir: Path, *extra: str, prefix: tuple[str, ...] = ()) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [*prefix, *hostile.scan_command(delivery, out_dir, *extra)]
    done = subprocess.run(command, capture_output=True, timeout=SCAN_TIMEOUT, cwd=out_dir)
    assert done.returncode in (0, 1, 3), done.stderr.decode(errors="replace")[-3000:]
    return done.returncode


@pytest.mark.parametrize("name", ["clean", "hostile"])
@pytest.mark.parametrize("follow", [False, True], ids=["no-follow", "follow-links"])
def test_scan_changes_nothing_in_the_delivery(
    deliveries: dict[str, Path], name: str, follow: bool, tmp_path: Path
) -> None:
    delivery = deliveries[name]
    outside = delivery.parent / "outside"
    before = hostile.tree_snapshot(delivery)
    outside_before = hostile.tree_snapshot(outside) if outside.exists() else {}
    assert len(before) >= 8

    _scan(delivery, tmp_path / "out", *(["--follow-links"] if follow else []))

    after = hostile.tree_snapshot(delivery)
    assert sorted(after) == sorted(before), "entries were added or removed"
    changed = [os.fsdecode(k) for k in before if before[k] != after[k]]
    assert changed == []
    if outside.exists():
        assert hostile.tree_snapshot(outside) == outside_before


def _traced_calls(trace: Path) -> list[tuple[str, str]]:
    calls = []
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        match = STRACE_LINE.match(line)
        if match:
            calls.append((match.group(2), match.group(3)))
    return calls


STRACE = ("strace", "-f", "-qq", "-s", "8192", "-e", "trace=%file")


def write_access(trace: Path, delivery: Path) -> tuple[int, list[str]]:
    """(opens of delivery paths seen, every call that could change the delivery)."""
    prefix = f'"{delivery}'
    calls = _traced_calls(trace)
    inside = [(call, args) for call, args in calls if prefix in args]
    opens = [args for call, args in inside if call.startswith("open")]
    bad = [f"{c}({a[:200]}" for c, a in inside if c not in READ_ONLY_CALLS]
    bad += [f"open({a[:200]}" for a in opens if "O_RDONLY" not in a]
    bad += [f"open({a[:200]}" for a in opens if any(flag in a for flag in WRITE_FLAGS)]
    # Opens relative to a directory fd cannot be placed by path: none may ask for writing.
    bad += [
        f"{c}({a[:200]}"
        for c, a in calls
        if c.startswith("open")
        and not a.startswith(("AT_FDCWD", '"'))
        and any(flag in a for flag in WRITE_FLAGS)
    ]
    return len(opens), bad


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_every_open_inside_the_delivery_is_read_only(
    deliveries: dict[str, Path], tmp_path: Path
) -> None:
    delivery = deliveries["hostile"]
    trace = tmp_path / "trace.txt"
    strace = (*STRACE, "-o", str(trace))
    _scan(delivery, tmp_path / "out", "--follow-links", "--jobs", "2", prefix=strace)
    opens, bad = write_access(trace, delivery)
    assert opens >= 40, "the trace did not see the scan open the delivery's files"
    assert bad == []


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize(
    "action",
    ["open(p, 'r+b').close()", "open(p, 'ab').close()", "os.utime(p)", "os.chmod(p, 0o644)",
     "os.rename(p, p + '.x'); os.rename(p + '.x', p)"],
)  # fmt: skip
def test_the_trace_check_sees_writes(tmp_path: Path, action: str) -> None:
    """Control: each way of touching a file that the check above must catch, is caught."""
    delivery = tmp_path / "delivery"
    hostile.write_files(delivery, {"a.jpg": hostile.seed_bytes()["jpg"]})
    trace = tmp_path / "trace.txt"
    script = f"import os; p = {str(delivery / 'a.jpg')!r}; {action}"
    subprocess.run([*STRACE, "-o", str(trace), sys.executable, "-c", script], check=True)
    _, bad = write_access(trace, delivery)
    assert bad != []


def _can_bind_mount_read_only(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    script = f"mount --bind {probe} {probe} && mount -o remount,bind,ro {probe}"
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True)
    return done.returncode == 0


def _comparable(report: dict) -> dict:
    report = dict(report)
    report.pop("scanned_at")
    return report


def test_scan_on_a_read_only_mount_gives_the_same_report(
    deliveries: dict[str, Path], tmp_path: Path
) -> None:
    if not _can_bind_mount_read_only(tmp_path):
        pytest.skip("needs root and unshare -m for a read-only bind mount")
    delivery = deliveries["hostile"]
    writable_out, readonly_out = tmp_path / "rw", tmp_path / "ro"
    writable_code = _scan(delivery, writable_out)
    readonly_out.mkdir()
    inner = " ".join(f"'{part}'" for part in hostile.scan_command(delivery, readonly_out))
    script = (
        f"mount --bind '{delivery}' '{delivery}' && "
        f"mount -o remount,bind,ro '{delivery}' && "
        f"touch '{delivery}/probe' 2>/dev/null && exit 99; {inner}"
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, timeout=SCAN_TIMEOUT
    )
    assert done.returncode != 99, "the bind mount was not read-only"
    assert done.returncode == writable_code, done.stderr.decode(errors="replace")[-3000:]
    assert _comparable(hostile.read_report(readonly_out)) == _comparable(
        hostile.read_report(writable_out)
    )


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_each_file_is_opened_once_for_its_analysis(
    deliveries: dict[str, Path], tmp_path: Path
) -> None:
    """One open per file (issue 12 item 6): the walk opens a file once to sniff its type (a
    sequence frame not at all: its analysis types it), the analysis once (read-only, never
    through a link) and every reader reads that descriptor: the C2PA SDK, Pillow, PyAV and
    MediaInfo never open the path again, so a file swapped mid-scan cannot bring another
    file's bytes into the report. The prefetch's opens (`scanner.engine.prefetch`) only
    hand the kernel a read-ahead hint (fadvise WILLNEED) and are counted apart."""
    from scanner.engine.sequence import planned

    delivery = deliveries["clean"]
    trace = tmp_path / "trace.txt"
    strace = (*STRACE[:-1], "trace=%file,fadvise64", "-o", str(trace))
    out = tmp_path / "out"
    _scan(delivery, out, "--jobs", "2", prefix=strace)
    report = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    kinds = {a["kind"] for a in report["assets"]}
    # a file: one open to sniff, one to analyse; a sequence's frame: one to analyse, and one
    # more when it is sampled for a change of picture, analysed again for its fingerprint
    # (its hash must be the first pass's); frames sampled at fixed positions are read once
    expected: dict[str, int] = {}
    for asset in report["assets"]:
        if asset["size"] == 0 or asset["format"] == "UNKNOWN":
            continue
        sequence = asset.get("sequence")
        if sequence is None:
            expected[asset["path"]] = 2
            continue
        sampled = {f["frame"] for f in asset["fingerprints"]}
        frames = sequence["frames"]
        for index, frame in enumerate(frames):
            number = f"{frame['number']:0{sequence['padding']}d}"
            name = f"{sequence['head']}{number}{sequence['tail']}"
            rel = f"{sequence['folder']}/{name}" if sequence["folder"] else name
            again = frame["number"] in sampled and not planned(index, len(frames))
            expected[rel] = 2 if again else 1
    assert {"image", "video", "audio"} <= kinds and len(expected) >= 30
    assert 2 in expected.values()  # the sample delivery's sequences have picture changes
    opens: dict[str, list[str]] = {}
    hints: dict[str, list[str]] = {}
    pending: dict[str, tuple[str, str]] = {}  # pid -> (fd, rel) of its last open
    resumed = re.compile(r"^(\d+)\s+<\.\.\. open\w* resumed>.*=\s*(-?\d+)")
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        late = resumed.match(line)  # an open another thread's call interrupted in the trace
        if late and late.group(1) in pending:
            pending[late.group(1)] = (late.group(2), pending[late.group(1)][1])
            continue
        match = STRACE_LINE.match(line)
        if not match:
            continue
        pid, call, args = match.groups()
        if call == "fadvise64" and "POSIX_FADV_WILLNEED" in args and pid in pending:
            fd, rel = pending.pop(pid)
            if args.split(",", 1)[0] == fd:
                hints.setdefault(rel, []).append(opens[rel].pop())
            continue
        if not call.startswith("open"):
            continue
        for rel in expected:
            if f'"{delivery / rel}"' in args:
                opens.setdefault(rel, []).append(args)
                pending[pid] = (args.rsplit("=", 1)[-1].strip(), rel)
    counted = {rel: len(calls) for rel, calls in opens.items()}
    assert counted == expected, "files opened other than once to sniff and once per analysis"
    assert hints, "the prefetch hinted no file"
    assert all(len(hints.get(rel, [])) <= count for rel, count in expected.items())
    assert all("O_NOFOLLOW" in call for calls in hints.values() for call in calls)
    analysis_opens = [calls[-1] for calls in opens.values()]
    assert all("O_NOFOLLOW" in call for call in analysis_opens)
