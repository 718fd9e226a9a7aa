"""Headless Chromium for the HTML report tests (Debian's chromium, driven by Playwright).

Imported by the browser test modules. Never downloads a browser: without /usr/bin/chromium the
tests skip with a reason; under CI=true every skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PROVSCAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    pytest.skip(reason)  # under CI=true, tests/conftest.py turns this skip into a failure


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # a dev dependency: missing is an error

    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class LoadedPage:
    """A report opened in a fresh context, with everything that left the page recorded."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def outside_requests(self) -> list[str]:
        """Requests other than the report file itself (data: images are not requests)."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


@pytest.fixture
def open_report(chromium: Any) -> Iterator[Any]:
    """open_report(path) -> LoadedPage, once the page's script has drawn the list."""
    contexts = []

    def _open(path: Path, *, viewport: dict[str, int] | None = None) -> LoadedPage:
        context = chromium.new_context(viewport=viewport or {"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        loaded = LoadedPage(page=page, url=path.resolve().as_uri())
        page.on("request", lambda request: loaded.requests.append(request.url))
        page.on(
            "console",
            lambda msg: loaded.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: loaded.console_errors.append(f"pageerror: {exc}"))

        def on_dialog(dialog: Any) -> None:
            loaded.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(loaded.url)
        page.wait_for_selector("html[data-ready='true']", timeout=30_000)
        return loaded

    yield _open
    for context in contexts:
        context.close()
