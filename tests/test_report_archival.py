"""Archival verification in the HTML report: outcome, nearest source, distance, and the delivery
still beside the archive source, with the changed tiles outlined.

The browser tests scan a real delivery with the real CLI (`provscan scan --archive-source`),
then open the page in Debian's chromium (see conftest_browser.py). Pictures come from
bench/photolike.py, the generator the fingerprint thresholds were measured on.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from report_samples import JS_URL, XSS_FLAG, jpeg_thumbnail, sample_result

from bench.photolike import photo
from fixtures.hostile import provscan_command
from scanner.report.document import to_document
from scanner.report.html import ARCHIVAL_LABELS, render_html

if TYPE_CHECKING:
    from conftest_browser import LoadedPage

pytest_plugins = ("conftest_browser",)
browser = pytest.mark.browser

VERIFIED = "archival/newsreel_1962.png"
ALTERED = "archival/crowd_1963.png"
UNVERIFIED = "archival/riot_1968.png"
HTML_URI = "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode()


def archival_look(seed: int, long_side: int = 640) -> Image.Image:
    """A faded grey print: what an archival scan looks like (no dark borders to trim)."""
    grey = photo(seed, long_side).convert("L").point(lambda v: 40 + v * 0.7)
    return Image.merge("RGB", (grey, grey, grey))


def build(root: Path) -> tuple[Path, Path]:
    """An archive of original scans, and a delivery whose archival area holds three stills:
    an exact copy of one scan, another scan with a block painted in, and a picture no scan
    holds."""
    archive, delivery = root / "archive", root / "delivery"
    (archive / "reel_1962").mkdir(parents=True)
    (delivery / "archival").mkdir(parents=True)
    (root / "policy.toml").write_text('[areas]\narchival = ["archival/**"]\n')
    first, second = archival_look(60), archival_look(61)
    first.save(archive / "reel_1962" / "scan_001.png")
    second.save(archive / "reel_1962" / "scan_002.png")
    archival_look(62).save(archive / "scan_003.png")

    first.save(delivery / VERIFIED)
    # Paste different pixels over the second row of the 4x4 grid, columns 2 and 3: 12.5% of
    # the picture.
    w, h = second.size
    box = (w // 4, h // 4, 3 * w // 4, h // 2)
    painted = second.copy()
    painted.paste(photo(7, 640).resize(second.size).crop(box), box)
    painted.save(delivery / ALTERED)
    archival_look(99).save(delivery / UNVERIFIED)
    return archive, delivery


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*provscan_command(), *args], capture_output=True, text=True)


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, dict]:
    """The real scan: (folder holding provscan.json and provscan.html, the JSON document)."""
    archive, delivery = build(tmp_path)
    out = tmp_path / "out"
    done = run(
        "scan", str(delivery), "--policy", str(tmp_path / "policy.toml"),
        "--archive-source", str(archive), "--format", "json",
        "--format", "html", "-o", str(out), "--no-cache", "--quiet", "--as-of", "2026-11-01",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # review only: the gate passes without --strict
    return out, json.loads((out / "provscan.json").read_text(encoding="utf-8"))


def archival_of(doc: dict) -> dict[str, dict]:
    return {a["path"]: a["archival"] for a in doc["assets"]}


def test_the_scan_records_each_outcome_with_its_source_and_tiles(scanned):
    _out, doc = scanned
    checks = archival_of(doc)
    summary = {
        path: (c["outcome"], c["source"], c["changed_tiles"], bool(c["source_thumbnail"]))
        for path, c in checks.items()
    }
    assert summary == {
        VERIFIED: ("verified", "reel_1962/scan_001.png", [], True),
        ALTERED: ("altered", "reel_1962/scan_002.png", [5, 6], True),
        UNVERIFIED: ("unverified", "", [], False),
    }
    assert checks[VERIFIED]["distance"] == 0
    assert checks[ALTERED]["distance"] > 0
    assert checks[UNVERIFIED]["distance"] == -1
    statuses = {a["path"]: (a["status"], a["reasons"][0]["code"]) for a in doc["assets"]}
    assert statuses == {
        VERIFIED: ("clean", "archival-verified"),
        ALTERED: ("review", "archival-altered"),
        UNVERIFIED: ("review", "archival-unverified"),
    }


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="provscan-data">(.*?)</script>', html)
    assert block
    return json.loads(block.group(1))


def test_a_source_picture_must_pass_the_thumbnail_rule_and_tiles_must_be_in_range():
    doc = to_document(sample_result())
    good = jpeg_thumbnail((90, 90, 90))
    hostile = {
        "javascript": JS_URL,
        "html": HTML_URI,
        "svg": "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "good": good,
    }
    for asset, uri in zip(doc["assets"], hostile.values(), strict=False):
        asset["archival"] = {
            "outcome": "altered",
            "source": "scans/x.tif",
            "distance": 20,
            "source_thumbnail": uri,
            "changed_tiles": [15, 3, 3, 16, -1, True, "2", 0],
        }
    doc["assets"][4]["archival"] = "not an object"
    html = render_html(doc)
    for bad in (JS_URL, HTML_URI, "svg+xml"):
        assert bad not in html
    checks = [a["archival"] for a in page_data(html)["assets"][:5]]
    assert [c["source_thumbnail"] for c in checks[:4]] == ["", "", "", good]
    note = "source picture left out (not a small JPEG/PNG/WebP data URI)"
    assert [c.get("source_thumbnail_note") for c in checks[:4]] == [note, note, note, None]
    assert all(c["changed_tiles"] == [0, 3, 15] for c in checks[:4])
    assert checks[4] is None


# ---- in the browser --------------------------------------------------------------------------


def expand(loaded: LoadedPage, path: str):
    """Click the asset's expand button; its details row."""
    body = loaded.page.locator(f'#assets > tbody[data-path="{path}"]')
    body.locator("button.expand").click()
    details = body.locator("tr.details")
    assert details.is_visible()
    return body, details.locator(".archival")


def figure_sources(section) -> dict[str, list[str]]:
    return {
        role: section.locator(f'figure[data-role="{role}"] img').evaluate_all(
            "els => els.map(e => e.getAttribute('src'))"
        )
        for role in ("delivery", "source")
    }


def changed_cells(section, role: str) -> list[int]:
    return section.locator(f'figure[data-role="{role}"] .arch-grid > div').evaluate_all(
        "els => els.flatMap((e, i) => e.classList.contains('changed') ? [i] : [])"
    )


def kv_text(section) -> dict[str, str]:
    pairs = section.locator(".kv").evaluate(
        "dl => Array.from(dl.querySelectorAll('dt'), dt => [dt.textContent,"
        " dt.nextElementSibling.textContent])"
    )
    return dict(pairs)


@browser
def test_expanding_archival_stills_shows_outcome_source_and_both_pictures(scanned, open_report):
    out, doc = scanned
    assets = {a["path"]: a for a in doc["assets"]}
    loaded = open_report(out / "provscan.html")
    page = loaded.page

    # the row shows the outcome beside the reasons, coloured by outcome
    chip = '#assets > tbody[data-path="{}"] .arch-chip'.format
    chips = {
        p: f"{page.get_attribute(chip(p), 'class')} | {page.inner_text(chip(p))}" for p in assets
    }
    assert chips == {
        VERIFIED: "arch arch-verified arch-chip | archive: verified",
        ALTERED: "arch arch-altered arch-chip | archive: altered",
        UNVERIFIED: "arch arch-unverified arch-chip | archive: unverified",
    }

    _body, section = expand(loaded, VERIFIED)
    check = assets[VERIFIED]["archival"]
    assert kv_text(section) == {
        "Outcome": ARCHIVAL_LABELS["verified"],
        "Nearest source": "reel_1962/scan_001.png",
        "Distance": "0 (pHash + dHash bits; 0 is the same picture)",
    }
    assert figure_sources(section) == {
        "delivery": [assets[VERIFIED]["thumbnail"]],
        "source": [check["source_thumbnail"]],
    }
    assert section.locator(".arch-grid").count() == 0
    assert section.locator("figcaption").all_inner_texts() == [
        "Delivery still\narchival/newsreel_1962.png",
        "Archive source\nreel_1962/scan_001.png",
    ]

    _body, section = expand(loaded, ALTERED)
    check = assets[ALTERED]["archival"]
    assert kv_text(section) == {
        "Outcome": ARCHIVAL_LABELS["altered"],
        "Nearest source": "reel_1962/scan_002.png",
        "Distance": f"{check['distance']} (pHash + dHash bits; 0 is the same picture)",
        "Changed tiles": "2 of 16 tiles differ (outlined on a 4 \u00d7 4 grid): "
        "row 2, column 2; row 2, column 3",
    }
    assert figure_sources(section) == {
        "delivery": [assets[ALTERED]["thumbnail"]],
        "source": [check["source_thumbnail"]],
    }
    assert changed_cells(section, "delivery") == changed_cells(section, "source") == [5, 6]
    outcome = section.locator(".kv .arch")
    assert outcome.get_attribute("class") == "arch arch-altered"
    assert outcome.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"
    # the two pictures sit side by side, same size, at the same height
    boxes = [section.locator(f'figure[data-role="{r}"] img').bounding_box() for r in
             ("delivery", "source")]  # fmt: skip
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] + boxes[0]["width"] < boxes[1]["x"]
    assert boxes[0]["width"] == boxes[1]["width"] == 240

    _body, section = expand(loaded, UNVERIFIED)
    assert kv_text(section) == {
        "Outcome": ARCHIVAL_LABELS["unverified"],
        "Nearest source": "none near enough to compare",
    }
    assert figure_sources(section) == {"delivery": [assets[UNVERIFIED]["thumbnail"]], "source": []}
    assert section.locator('figure[data-role="source"]').inner_text() == (
        "NO ARCHIVE SOURCE NEAR\nArchive source"
    )

    # printing keeps every archival section and both pictures
    page.emulate_media(media="print")
    page.evaluate("window.provscanPreparePrint()")
    assert page.locator(".details .archival").count() == 3
    assert all(s.is_visible() for s in page.locator(".details .archival").all())
    assert page.locator(".details .archival img").count() == 5
    assert loaded.console_errors == [] and loaded.dialogs == []
    assert loaded.requests == [loaded.url]


@browser
def test_a_hostile_source_picture_in_a_stored_scan_is_not_shown(scanned, open_report, tmp_path):
    out, doc = scanned
    by_path = {a["path"]: a for a in doc["assets"]}
    kept = by_path[VERIFIED]["thumbnail"]
    by_path[VERIFIED]["archival"]["source_thumbnail"] = JS_URL
    by_path[ALTERED]["archival"]["source_thumbnail"] = HTML_URI
    stored = tmp_path / "tampered.json"
    stored.write_text(json.dumps(doc), encoding="utf-8")
    review = tmp_path / "review"
    done = run("report", str(stored), "--format", "html", "-o", str(review))
    assert done.returncode == 0, done.stderr
    html = (review / "provscan.html").read_text(encoding="utf-8")
    assert JS_URL not in html and "data:text/html" not in html

    loaded = open_report(review / "provscan.html")
    page = loaded.page
    for path in (VERIFIED, ALTERED):
        _body, section = expand(loaded, path)
        assert figure_sources(section) == {"delivery": [by_path[path]["thumbnail"]], "source": []}
        assert kv_text(section)["Source picture"] == (
            "source picture left out (not a small JPEG/PNG/WebP data URI)"
        )
        assert section.locator('figure[data-role="source"] .arch-none').inner_text() == (
            "NO PREVIEW"
        )
    sources = page.eval_on_selector_all("img", "els => els.map(i => i.getAttribute('src'))")
    assert sources and all(s.startswith("data:image/jpeg;base64,") for s in sources), sources
    assert kept in sources
    assert page.evaluate(f"typeof window.{XSS_FLAG}") == "undefined"
    assert loaded.console_errors == [] and loaded.dialogs == []
    assert loaded.requests == [loaded.url]
