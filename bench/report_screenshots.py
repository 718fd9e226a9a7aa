"""Screenshots of an HTML report for the README: the summary, and one asset expanded.

    .venv/bin/python bench/report_screenshots.py reports/provscan.html reports/

Writes `report-summary.png` (the first screen at 1280x720: the verdict and what must be fixed)
and `report-asset.png` into the output folder (and `report-cut.png`, the timeline strips, when
the scan had timelines). The asset shown is
the first one in the report with the longest C2PA history (worst status first among equals),
so the screenshot shows the manifests and the ingredient tree. Needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SEVERITY = ("violation", "error", "review", "approved", "clean")


def pick_asset(assets: list[dict]) -> int:
    """Index of the asset to expand: the longest C2PA history (an ingredient tree shows best),
    then the worst status, then the path."""

    def key(item: tuple[int, dict]) -> tuple:
        index, asset = item
        manifests = (asset.get("c2pa") or {}).get("manifests") or []
        rank = SEVERITY.index(asset["status"]) if asset.get("status") in SEVERITY else 9
        return (-len(manifests), rank, asset.get("path", ""), index)

    return min(enumerate(assets), key=key)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    # the first screen a reviewer sees on a laptop (tests/test_report_first_screen.py)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(args.report.resolve().as_uri())
        page.wait_for_selector("html[data-ready='true']")
        page.screenshot(path=str(args.out / "report-summary.png"))
        if page.locator("#cut").count():  # the scan had timelines: their strips, one picture
            page.locator("#cut").screenshot(path=str(args.out / "report-cut.png"))

        data = json.loads(page.text_content("#provscan-data") or "{}")
        assets = data.get("assets") or []
        if assets:
            index = pick_asset(assets)
            button = page.locator(f"#x-{index}")
            button.focus()
            page.keyboard.press("Enter")
            # tall enough for the whole asset (its C2PA tree included), up to a limit
            height = page.evaluate(
                "(i) => document.getElementById('x-' + i).closest('tbody').offsetHeight", index
            )
            page.set_viewport_size({"width": args.width, "height": min(height + 160, 2400)})
            # below the sticky filters (two rows at this width)
            page.evaluate(
                "(i) => { document.getElementById('x-' + i).closest('tbody').scrollIntoView();"
                " window.scrollBy(0, -document.getElementById('filters').offsetHeight - 10); }",
                index,
            )
            page.screenshot(path=str(args.out / "report-asset.png"))
        browser.close()
    print(f"wrote {args.out / 'report-summary.png'} and {args.out / 'report-asset.png'}")


if __name__ == "__main__":
    main()
