"""Under CI=true a skip fails unless its reason is allowed (tests/conftest.py): shown on a
throwaway test file run by a real pytest, with the suite's own conftest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE = """
import pytest

def test_missing_tool():
    pytest.skip("strace is not installed")

def test_allowed():
    pytest.skip("inotify is Linux only")

@pytest.fixture
def corpus():
    pytest.skip("corpus not available")

def test_uses_fixture(corpus):
    pass

def test_plain():
    pass
"""


def _run(tmp_path: Path, ci: str | None) -> str:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    return done.stdout


def test_skips_fail_under_ci_unless_allowed(tmp_path: Path) -> None:
    out = _run(tmp_path, "true")
    assert "FAILED test_sample.py::test_missing_tool - skipped under CI=true" in out
    assert "ERROR test_sample.py::test_uses_fixture - skipped under CI=true" in out
    assert "SKIPPED [1] test_sample.py" in out and "inotify is Linux only" in out
    assert "PASSED test_sample.py::test_plain" in out


def test_skips_stay_skips_outside_ci(tmp_path: Path) -> None:
    out = _run(tmp_path, None)
    assert "3 skipped" in out and "1 passed" in out and "failed" not in out
