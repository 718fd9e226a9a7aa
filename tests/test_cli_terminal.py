"""What `provscan scan` prints where (issue 13): the summary alone on a terminal, the JSON when
piped, nothing but errors with -q, a plain progress line in a log, exit 3 when nothing was
found, one FILE scanned in its delivery, CSV on stdout without a BOM, a fixed scan time.

Real subprocesses of the installed `provscan`; where the terminal matters it gets a real one
(a pseudo-terminal from Python's `pty`), since isatty() is what decides.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures import factory
from fixtures.hostile import provscan_command

TIMEOUT = 300
POLICY = '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\n'
REGISTER = (
    "request_id,status,scope,paths,tools,written_approval_ref,approved_by,approved_on\n"
    "GENAI-1,approved,final,final/stills/*.png,,WA-1,Jo,2026-01-01\n"
)
VIOLATION_LINE = re.compile(
    r"    violation  final/stills/sd\.png\n"
    r" {15}unapproved-ai: AI-generated \(Stable Diffusion \(AUTOMATIC1111\)\); no approval "
    r"covers it\n"
)


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A camera still (clean) and an AUTOMATIC1111 PNG in final/ (a violation without a
    register), an AI frame in temp/."""
    root = tmp_path_factory.mktemp("terminal") / "ep101"
    factory.camera_jpeg(root / "final/plates/cam.jpg", 5, factory.CAMERA_CANON,
                        "2026:03:14 10:22:01")  # fmt: skip
    factory.a1111_png(root / "final/stills/sd.png")
    factory.comfyui_png(root / "temp/frame.png")
    return root


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def provscan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*provscan_command(), *args], capture_output=True, text=True, env=env, timeout=TIMEOUT
    )


def in_terminal(
    *args: str, stderr_too: bool, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    """Run provscan with stdout on a pseudo-terminal (and stderr too, with `stderr_too`).
    (exit code, what reached the terminal, what went to the stderr file)."""
    master, slave = pty.openpty()
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"provscan-stderr-{os.getpid()}.txt"
    with open(err_path, "w+b") as err_file:
        process = subprocess.Popen(
            [*provscan_command(), *args],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave if stderr_too else err_file,
            env=env,
            cwd=cwd,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end of the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = process.wait(timeout=TIMEOUT)
        os.close(master)
        err_file.seek(0)
        stderr = err_file.read().decode("utf-8")
    err_path.unlink()
    terminal = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # the tty's own CRLF
    return code, terminal, stderr


# ---- on a terminal: the summary, no JSON -------------------------------------------------------


def test_on_a_terminal_scan_prints_the_summary_and_writes_no_json(delivery, policy):
    code, terminal, stderr = in_terminal(
        "scan", str(delivery), "--policy", str(policy), "--no-cache", stderr_too=False
    )
    assert code == 1, stderr
    assert terminal == ""  # stdout is the terminal: nothing written to it
    assert "  what must be fixed (1):\n" in stderr
    assert VIOLATION_LINE.search(stderr), stderr
    assert "final/plates/cam.jpg" not in stderr  # clean: not something to fix
    lines = stderr.splitlines()
    assert lines[-2].startswith("no report written (stdout is a terminal): add --format html")
    assert lines[-1] == "FAIL: 1 violation (exit 1)"


def test_the_whole_run_on_a_terminal_redraws_its_progress_and_ends_in_the_verdict(delivery):
    code, terminal, _ = in_terminal("scan", str(delivery), "--no-cache", stderr_too=True)
    assert code == 1
    assert "\r\x1b[Kscanning 1/3 final/plates/cam.jpg" in terminal
    assert '"schema"' not in terminal
    assert terminal.endswith("FAIL: 2 violations (exit 1)\n")  # no policy: temp/ is final too


def test_on_a_terminal_a_format_asked_for_is_printed_there(delivery, policy):
    code, terminal, _ = in_terminal(
        "scan", str(delivery), "--policy", str(policy), "--no-cache", "-q", "--format", "csv",
        stderr_too=False,
    )  # fmt: skip
    assert code == 1
    assert terminal.startswith("path,status,reasons,")  # no byte-order mark on a stream
    assert "final/stills/sd.png,violation,unapproved-ai," in terminal


def test_piped_stdout_gets_the_json_as_before_and_stderr_the_summary(delivery, policy):
    done = provscan("scan", str(delivery), "--policy", str(policy), "--no-cache")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert [a["path"] for a in doc["assets"]] == [
        "final/plates/cam.jpg", "final/stills/sd.png", "temp/frame.png"
    ]  # fmt: skip
    assert VIOLATION_LINE.search(done.stderr)
    assert done.stderr.endswith("FAIL: 1 violation (exit 1)\n")
    assert "no report written" not in done.stderr


def test_the_summary_names_at_most_twenty_assets_to_fix(tmp_path: Path):
    root = tmp_path / "many"
    for n in range(23):
        factory.a1111_png(root / f"final/sd_{n:02d}.png", seed=n + 1)
    done = provscan("scan", str(root), "--no-cache", "--no-fingerprints")
    assert done.returncode == 1
    shown = re.findall(r"^    violation  (final/sd_\d\d\.png)$", done.stderr, re.M)
    assert shown == [f"final/sd_{n:02d}.png" for n in range(20)]
    assert "  what must be fixed (23; the first 20):\n" in done.stderr
    assert "    … and 3 more: the HTML report lists every one (--format html -o DIR)\n" in (
        done.stderr
    )


# ---- -q and progress ---------------------------------------------------------------------------


def test_quiet_prints_nothing_but_errors(delivery, policy, tmp_path: Path):
    out = str(tmp_path / "out")
    done = provscan("scan", str(delivery), "--policy", str(policy), "--no-cache", "-q",
                    "--format", "json", "--format", "html", "-o", out)  # fmt: skip
    assert done.returncode == 1
    assert (done.stdout, done.stderr) == ("", "")  # no summary, no "wrote ...", no progress
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["provscan.html",
                                                                    "provscan.json"]  # fmt: skip
    bad = provscan("scan", str(delivery), "-q", "--approvals", str(tmp_path / "missing.csv"))
    assert bad.returncode == 2 and "missing.csv" in bad.stderr


def test_a_log_gets_a_plain_progress_line(delivery):
    env = {**os.environ, "PROVSCAN_PROGRESS_SECONDS": "0"}  # a line per file, so none is missed
    done = provscan("scan", str(delivery), "--no-cache", "--format", "json", env=env)
    lines = [line for line in done.stderr.splitlines() if line.startswith("provscan: ")]
    assert [line.split(" files")[0] for line in lines] == [
        "provscan: 1/3", "provscan: 2/3", "provscan: 3/3"
    ]  # fmt: skip
    assert all(re.fullmatch(r"provscan: \d/3 files \(\d+%\), \d+ s(, [\d.]+ files/s)?", x)
               for x in lines), lines  # fmt: skip
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    quiet = provscan("scan", str(delivery), "--no-cache", "-q", "--format", "json", env=env)
    assert quiet.stderr == ""
    env["PROVSCAN_PROGRESS_SECONDS"] = "soon"
    bad = provscan("scan", str(delivery), "--no-cache", env=env)
    assert bad.returncode == 2
    assert "PROVSCAN_PROGRESS_SECONDS='soon': give a number of seconds" in bad.stderr


# ---- nothing to scan ---------------------------------------------------------------------------


@pytest.mark.parametrize("contents", ["empty", "no media"])
def test_a_delivery_with_no_media_exits_3_and_says_why(tmp_path: Path, contents: str):
    root = tmp_path / "mnt" / "share"
    root.mkdir(parents=True)
    if contents == "no media":
        (root / "README.txt").write_text("delivery notes\n")
    out = tmp_path / "out"
    done = provscan("scan", str(root), "--no-cache", "--format", "json", "-o", str(out))
    assert done.returncode == 3
    message = f"provscan: no media found in {root}: wrong path or unmounted share?\n"
    assert done.stderr.endswith(message)
    assert "INCOMPLETE: no media found: nothing was scanned (exit 3)\n" in done.stderr
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assert doc["assets"] == [] and doc["summary"]["assets"] == 0
    quiet = provscan("scan", str(root), "--no-cache", "-q", "--format", "json")
    assert (quiet.returncode, quiet.stderr) == (3, message)


# ---- one file ----------------------------------------------------------------------------------


def test_one_file_with_root_is_judged_as_in_the_whole_delivery(delivery, policy, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    rules = ["--policy", str(policy), "--approvals", str(register), "--no-cache", "-q"]
    whole = json.loads(provscan("scan", str(delivery), *rules).stdout)
    for rel in ("final/stills/sd.png", "temp/frame.png"):
        done = provscan("scan", str(delivery / rel), "--root", str(delivery), *rules)
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        [asset] = doc["assets"]
        assert asset == next(a for a in whole["assets"] if a["path"] == rel)
        assert doc["delivery"] == str(delivery)
    assert whole["unused_approvals"] == []


def test_one_file_without_root_is_judged_in_its_own_folder(delivery, policy):
    file = delivery / "temp" / "frame.png"
    done = provscan("scan", str(file), "--policy", str(policy), "--no-cache", "-q")
    doc = json.loads(done.stdout)
    assert doc["delivery"] == str(file.parent)
    [asset] = doc["assets"]
    # its path is its name: temp/** does not match, so it is final, unapproved: fail closed
    assert (asset["path"], asset["area"], asset["status"]) == ("frame.png", "final", "violation")
    assert done.returncode == 1


def test_one_file_never_has_reports_written_beside_it(delivery, tmp_path):
    file = delivery / "final" / "stills" / "sd.png"
    beside = provscan("scan", str(file), "--no-cache", "-o", str(file.parent / "reports"))
    assert beside.returncode == 2 and "is inside the delivery" in beside.stderr
    under_root = provscan("scan", str(file), "--root", str(delivery), "--no-cache",
                          "-o", str(delivery / "reports"))  # fmt: skip
    assert under_root.returncode == 2 and "is inside the delivery" in under_root.stderr
    assert not (file.parent / "reports").exists() and not (delivery / "reports").exists()


def test_one_file_usage_errors_and_files_that_are_not_media(delivery, tmp_path):
    folder = provscan("scan", str(delivery), "--root", str(delivery))
    assert folder.returncode == 2
    assert "--root is for scanning one file: DELIVERY is already a folder" in folder.stderr
    outside = provscan("scan", str(delivery / "temp/frame.png"), "--root",
                       str(delivery / "final"))  # fmt: skip
    assert outside.returncode == 2 and "is not inside --root" in outside.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture\n")
    text = provscan("scan", str(notes), "--no-cache", "-q")
    assert text.returncode == 3
    assert text.stderr == f"provscan: no media found in {notes}: not media\n"
    link = tmp_path / "link.png"
    link.symlink_to(delivery / "temp/frame.png")
    linked = provscan("scan", str(link), "--no-cache", "-q")
    assert (linked.returncode, linked.stderr) == (
        3, f"provscan: no media found in {link}: symlink, not followed\n"
    )  # fmt: skip
    followed = provscan("scan", str(link), "--no-cache", "-q", "--follow-links")
    assert followed.returncode == 3
    assert followed.stderr.endswith(": symlink points outside the delivery, not followed\n")


def test_one_file_through_a_linked_folder_is_held_to_the_walks_rule(delivery, tmp_path):
    """A FILE whose folder is a link out of the delivery is not read: the whole walk would not
    have entered that folder either."""
    root = tmp_path / "ep102"
    root.mkdir()
    (root / "final").symlink_to(delivery / "final")  # a folder outside ep102
    file = root / "final" / "stills" / "sd.png"
    done = provscan("scan", str(file), "--root", str(root), "--no-cache", "-q")
    assert (done.returncode, done.stderr) == (
        3, f"provscan: no media found in {file}: its folder final/: symlink, not followed\n"
    )  # fmt: skip
    doc = json.loads(done.stdout)
    assert doc["assets"] == [] and doc["skipped"][0]["path"] == "final/stills/sd.png"
    followed = provscan("scan", str(file), "--root", str(root), "--no-cache", "-q",
                        "--follow-links")  # fmt: skip
    assert followed.returncode == 3
    assert "its folder final/: symlink points outside the delivery, not followed" in (
        followed.stderr
    )
    inside = tmp_path / "ep103"
    shutil.copytree(delivery / "final", inside / "real")
    (inside / "final").symlink_to(inside / "real")  # a link that stays inside
    file = inside / "final" / "stills" / "sd.png"
    done = provscan("scan", str(file), "--root", str(inside), "--no-cache", "-q", "--follow-links")
    assert done.returncode == 1, done.stderr  # read, and judged: a violation
    assert [a["path"] for a in json.loads(done.stdout)["assets"]] == ["final/stills/sd.png"]


# ---- pipelines ---------------------------------------------------------------------------------


def test_csv_on_stdout_has_no_byte_order_mark_but_the_file_has(delivery, policy, tmp_path):
    rules = ["--policy", str(policy), "--no-cache", "-q", "--format", "csv"]
    piped = subprocess.run([*provscan_command(), "scan", str(delivery), *rules],
                           capture_output=True, timeout=TIMEOUT)  # fmt: skip
    text = piped.stdout.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0]["path"] == "final/plates/cam.jpg"  # the first column: "path", not "\ufeffpath"
    provscan("scan", str(delivery), *rules, "-o", str(tmp_path))
    data = (tmp_path / "provscan.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfpath,status,")
    assert data[3:] == piped.stdout


def test_source_date_epoch_fixes_the_scan_time_so_reports_reproduce(delivery, tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1793491200"}
    formats = ["--format", "json", "--format", "csv", "--format", "html"]
    for name in ("a", "b"):
        done = provscan("scan", str(delivery), "--no-cache", "-q", *formats, "-o",
                        str(tmp_path / name), env=env)  # fmt: skip
        assert done.returncode == 1, done.stderr
    for report in ("provscan.json", "provscan.csv", "provscan.html"):
        assert (tmp_path / "a" / report).read_bytes() == (tmp_path / "b" / report).read_bytes()
    doc = json.loads((tmp_path / "a" / "provscan.json").read_text(encoding="utf-8"))
    assert doc["scanned_at"] == "2026-11-01T00:00:00+00:00"
    env["SOURCE_DATE_EPOCH"] = "yesterday"
    bad = provscan("scan", str(delivery), "--no-cache", env=env)
    assert bad.returncode == 2 and "SOURCE_DATE_EPOCH='yesterday'" in bad.stderr


def test_version_names_every_version_a_verdict_depends_on():
    from importlib.metadata import version

    from scanner import __version__
    from scanner.scan import tool_info

    done = provscan("--version")
    tool = tool_info()
    assert done.returncode == 0
    assert done.stdout.splitlines()[:3] == [
        f"provscan, version {__version__}",
        f"rule catalog {tool.catalog_version}",
        f"C2PA SDK {tool.c2pa_version} (c2pa-python {version('c2pa-python')})",
    ]
    assert tool.catalog_version and tool.c2pa_version


def completion_lines() -> dict[str, str]:
    """The completion commands of the README's "Shell completion" section, by shell."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Shell completion", 1)[1].split("```sh\n", 1)[1].split("```")[0]
    found = {}
    for line in section.splitlines():
        command = line.split("#")[0].strip()
        shell = re.search(r"_PROVSCAN_COMPLETE=(\w+)_source", command)
        assert shell, line
        found[shell.group(1)] = command
    return found


def test_shell_completion_works_as_the_readme_says():
    lines = completion_lines()
    assert set(lines) == {"bash", "zsh", "fish"}
    bin_dir = str(Path(provscan_command()[0]).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(["bash", "-c", lines["bash"] + "\ncomplete -p provscan"],
                          capture_output=True, text=True, env=env, timeout=TIMEOUT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "complete -o nosort -F _provscan_completion provscan"
    for shell in ("zsh", "fish"):
        source = provscan(env={**env, "_PROVSCAN_COMPLETE": f"{shell}_source"})
        assert source.returncode == 0 and "_PROVSCAN_COMPLETE" in source.stdout, shell
    # what the completion function asks provscan: the commands, then --format's values
    ask = {**env, "_PROVSCAN_COMPLETE": "bash_complete", "COMP_WORDS": "provscan di",
           "COMP_CWORD": "1"}  # fmt: skip
    assert provscan(env=ask).stdout.split() == ["plain,diff"]
    ask.update(COMP_WORDS="provscan scan --format ", COMP_CWORD="3")
    assert provscan(env=ask).stdout.split() == ["plain,json", "plain,csv", "plain,html"]
