"""Suite-wide settings, and the rule that keeps skips honest.

Under `CI=true` a skipped test is a failed test, unless its reason starts with one of the
`CI_ALLOWED_SKIPS` below: CI installs every package, tool and browser the suite uses and has
`../shared` beside the clone, so anything else missing there is a broken CI, not a reason to
pass. Locally (no CI variable) skips stay skips, each with its reason in the `-ra` summary.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Reason prefixes that may skip even in CI, each because the thing cannot exist on any CI
# machine of this project (Linux, root), not because something failed to install.
CI_ALLOWED_SKIPS: tuple[str, ...] = ("inotify is Linux only",)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_if_disallowed(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not (in_ci() and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = skip_reason(report)
    if reason.startswith(CI_ALLOWED_SKIPS):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped under CI=true: {reason}\n"
        "CI must run every test: install what is missing in .ci/run, or add the reason to "
        "CI_ALLOWED_SKIPS in tests/conftest.py if it can never exist on a CI machine."
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    _fail_if_disallowed(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    _fail_if_disallowed(outcome.get_result())  # type: ignore[attr-defined]


@pytest.fixture(autouse=True, scope="session")
def _private_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """CLI runs without --cache use the user's cache folder: give the suite its own, so tests
    neither read a developer's cache nor leave results in it (subprocesses inherit it)."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture(autouse=True, scope="session")
def _private_config_folders(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Without --policy a scan reads the user's and the site's policy.toml: give the suite
    empty config folders, so a developer's or the machine's policy cannot change a verdict."""
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    os.environ["XDG_CONFIG_DIRS"] = str(tmp_path_factory.mktemp("xdg-config-site"))
