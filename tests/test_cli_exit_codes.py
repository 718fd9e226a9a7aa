"""The exit-code contract (issue 12): 0, 1 and 3 only ever come from the gate.

Real subprocesses of the installed `provscan`, real failures, real signals:
- provscan failing (exit 4): a file-size limit (RLIMIT_FSIZE) the HTML page runs into after
  every check before the scan passed. The kernel answers EFBIG (Python ignores SIGXFSZ), at
  the write and nowhere else: no timing, no root, nothing of provscan patched.
- interrupted (130) and terminated (143): a signal sent while workers hash huge sparse files;
  no worker process outlives the scan.
- a closed stdout (141): a pipe whose reader has gone, before and while provscan writes.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fixtures import hostile
from fixtures.hostile import provscan_command
from scanner.report.document import to_document
from tests.report_samples import sample_result

# Between what a scan of one small still writes before its report (a few KB of spool) and its
# HTML page (the inlined script alone is 25 KB).
PAGE_SIZE_LIMIT = 16 * 1024
SAFETY_TIMEOUT = 300  # seconds: a hung provscan fails the test instead of hanging the suite
INTERNAL, INTERRUPTED, CLOSED_OUTPUT, TERMINATED = 4, 130, 141, 143


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    hostile.write_files(root, {"final/shot.jpg": hostile.seed_bytes()["jpg"]})
    return root


def _env_without_coverage(**extra: str) -> dict[str, str]:
    """The environment minus coverage's subprocess hooks: under the file-size limit their data
    file could not be written either, and their complaint is not what is tested."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE_", "COVERAGE_"))}
    return {**env, **extra}


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (PAGE_SIZE_LIMIT, PAGE_SIZE_LIMIT))


def _scan_into_a_size_limit(delivery: Path, out: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*provscan_command(), "scan", str(delivery), "--no-cache", "--no-fingerprints",
         "--format", "json", "--format", "html", "-o", str(out)],
        capture_output=True,
        text=True,
        env=_env_without_coverage(**env),
        preexec_fn=_limit_file_size,
        timeout=SAFETY_TIMEOUT,
    )  # fmt: skip


def test_provscan_failing_exits_4_with_a_short_message_and_leaves_nothing(
    delivery: Path, tmp_path: Path
) -> None:
    """It used to be a traceback and exit 1: to a pipeline, a violation."""
    out = tmp_path / "out"
    done = _scan_into_a_size_limit(delivery, out)
    assert done.returncode == INTERNAL, done.stderr
    assert done.stderr.startswith("provscan: internal error, no verdict: OSError: [Errno 27] ")
    assert "File too large" in done.stderr
    assert "(set PROVSCAN_DEBUG=1 for the traceback)" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    # the JSON (small) was written, the page was not: neither is put in place, nothing is left
    assert os.listdir(out) == []


def test_the_traceback_of_an_internal_error_is_one_variable_away(delivery: Path, tmp_path: Path):
    done = _scan_into_a_size_limit(delivery, tmp_path / "out", PROVSCAN_DEBUG="1")
    assert done.returncode == INTERNAL
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert "in write_reports" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("provscan: internal error, no verdict: ")


# --- signals -----------------------------------------------------------------------------------


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _identity(pid: int) -> tuple[int, str] | None:
    """(pid, start time): a pid reused by another process is not the same process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":  # exited, only its status left for a parent to collect
        return None
    return pid, fields[19]


def _descendants(root: int) -> set[tuple[int, str]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found: set[tuple[int, str]] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            identity = _identity(child)
            if identity is not None:
                found.add(identity)
                todo.append(child)
    return found


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("signum", "code", "name"),
    [(signal.SIGINT, INTERRUPTED, "SIGINT"), (signal.SIGTERM, TERMINATED, "SIGTERM")],
)
def test_a_stopped_scan_exits_128_plus_the_signal_and_leaves_no_worker(
    tmp_path: Path, signum: int, code: int, name: str
) -> None:
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    head = hostile.seed_bytes()["jpg"][:4096]
    for n in range(4):  # 64 GiB each, sparse: minutes of hashing, no disk used
        with open(delivery / f"master_{n}.jpg", "wb") as handle:
            handle.write(head)
            handle.truncate(64 << 30)
    out = tmp_path / "out"
    scan = subprocess.Popen(
        [*provscan_command(), "scan", str(delivery), "--no-cache", "-j", "2", "--format",
         "json", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        # the fork server and both workers are up: the scan is hashing
        _wait_until(lambda: len(_descendants(scan.pid)) >= 3 or scan.poll() is not None,
                    "the worker processes to start")  # fmt: skip
        assert scan.poll() is None, scan.communicate()
        workers = _descendants(scan.pid)
        scan.send_signal(signum)
        _stdout, stderr = scan.communicate(timeout=SAFETY_TIMEOUT)
    finally:
        if scan.poll() is None:
            scan.kill()
            scan.wait()
    assert scan.returncode == code, stderr
    assert stderr.strip().endswith(f"provscan: stopped by {name}: the scan did not finish, no "
                                   "verdict")  # fmt: skip
    assert "Traceback" not in stderr
    # The workers were stopped before provscan exited; the fork server leaves when it sees its
    # parent gone. Nothing of the scan stays behind.
    _wait_until(lambda: not any(_identity(pid) == (pid, start) for pid, start in workers),
                f"the scan's processes {sorted(workers)} to exit")  # fmt: skip
    assert os.listdir(out) == []  # no report, no temporary file


# --- a closed stdout ---------------------------------------------------------------------------


def _run_into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before provscan writes a byte
    try:
        return subprocess.run(
            [*provscan_command(), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=SAFETY_TIMEOUT,
        )
    finally:
        os.close(write_end)


def test_a_scan_whose_reader_has_gone_ends_quietly_with_141(delivery: Path) -> None:
    """Without -q: the summary is not printed either (the report failed first)."""
    done = _run_into_a_closed_pipe("scan", str(delivery), "--no-cache", "--format", "json")
    assert (done.returncode, done.stderr) == (CLOSED_OUTPUT, "")


def test_rules_into_a_closed_pipe_ends_quietly_with_141() -> None:
    done = _run_into_a_closed_pipe("rules")
    assert (done.returncode, done.stderr) == (CLOSED_OUTPUT, "")


def test_head_reading_the_first_bytes_of_a_report(tmp_path: Path) -> None:
    """`provscan … | head -c 100` in a shell: the page is far bigger than the pipe holds, so
    provscan is still writing when head has read its 100 bytes and gone."""
    doc = to_document(sample_result())
    doc["assets"] = [dict(a, path=f"{n:04d}/{a['path']}") for n in range(40) for a in doc["assets"]]
    stored = tmp_path / "scan.json"
    stored.write_text(json.dumps(doc), encoding="utf-8")
    assert stored.stat().st_size > 8 * 64 * 1024  # eight times what a Linux pipe holds
    script = (
        f"'{provscan_command()[0]}' report '{stored}' --format json 2>'{tmp_path}/err' "
        f"| head -c 100 >'{tmp_path}/first'; echo ${{PIPESTATUS[0]}}"
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          timeout=SAFETY_TIMEOUT)  # fmt: skip
    assert int(done.stdout) == CLOSED_OUTPUT
    first = (tmp_path / "first").read_text(encoding="utf-8")
    assert first.startswith('{\n  "schema": "provscan/1"') and len(first) == 100
    assert (tmp_path / "err").read_text() == ""


def test_help_lists_every_exit_code() -> None:
    for args in ([], ["scan"]):
        text = subprocess.run([*provscan_command(), *args, "--help"], capture_output=True,
                              text=True).stdout  # fmt: skip
        for line in ("0    the delivery passes", "1    at least one violation",
                     "2    usage, config", "3    no violation, but some assets",
                     "4    provscan itself failed", "130  interrupted (SIGINT",
                     "141  stdout was closed", "143  terminated (SIGTERM)"):  # fmt: skip
            assert line in text, (args, line)
