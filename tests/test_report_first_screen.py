"""The HTML report's first screen (issue 13): the verdict, then what must be fixed, one line per
asset with its reason, in Debian's Chromium at 1280x720; reason chips filter; harmless reasons
are not problems; the wording is the JSON's; a long C2PA history is collapsed per manifest.

The first-screen tests run on a real scan of a delivery built here and on the demo's own
report (reports/provscan.json, rendered by this code).
"""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from report_samples import sample_result
from test_report_html import assert_clean_load, assert_inert, many_assets, shown_paths, write

from fixtures import factory
from fixtures.hostile import provscan_command
from scanner.policy.reasons import REASONS
from scanner.report.document import to_document
from scanner.report.html import render_html

pytest_plugins = ("conftest_browser",)
browser = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEMO_REPORT = ROOT / "reports" / "provscan.json"
FIRST_SCREEN = {"width": 1280, "height": 720}
POLICY = '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\n'
# The reasons whose status is not a problem (approved, clean): from the table, not a copy of it.
HARMLESS = tuple(code for code, (status, _) in REASONS.items() if status in ("approved", "clean"))

# Is the element drawn inside the viewport, and is it what is on top there (not hidden under
# the sticky filters or anything else)?
# (An inline element wrapping over lines has a box per line: every one must be on screen.)
ON_SCREEN = """(e) => {
  const boxes = Array.from(e.getClientRects()).filter(r => r.width && r.height);
  if (!boxes.length) { return false; }
  return boxes.every(r => {
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) { return false; }
    const top = document.elementFromPoint(r.left + Math.min(3, r.width / 2), r.top + r.height / 2);
    return top !== null && (top === e || e.contains(top));
  });
}"""


def on_first_screen(locator: Any) -> bool:
    return bool(locator.evaluate(ON_SCREEN))


def first_problem(doc: dict) -> dict:
    """The first violation in document (path) order."""
    return next(a for a in doc["assets"] if a["status"] == "violation")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A real scan of a delivery whose one violation sorts last by path: 24 camera plates,
    a truncated still, an AI still no approval covers (final/stills/zz_a1111.png) and temp
    material, scanned with a policy. (the HTML page, the JSON document)"""
    base = tmp_path_factory.mktemp("first-screen")
    delivery = base / "delivery"
    for n in range(24):
        factory.camera_jpeg(delivery / f"final/plates/A001_C{n:03d}.jpg", 100 + n,
                            factory.CAMERA_NIKON, "2026:03:14 10:22:01")  # fmt: skip
    factory.truncated_copy(delivery / "final/plates/A001_C000.jpg", delivery / "final/cut.jpg")
    factory.a1111_png(delivery / "final/stills/zz_a1111.png")
    factory.comfyui_png(delivery / "temp/previs/frame.png")
    policy = base / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    out = base / "out"
    done = subprocess.run(
        [*provscan_command(), "scan", str(delivery), "--policy", str(policy), "--no-cache",
         "--as-of", "2026-11-01", "--format", "json", "--format", "html", "-o", str(out), "-q"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    return out / "provscan.html", doc


def check_first_screen(loaded: Any, doc: dict) -> None:
    page = loaded.page
    assert on_first_screen(page.locator("#verdict"))
    assert page.inner_text("#verdict-word") == "FAIL"
    first = page.locator("#fix-list > li").first
    violation = first_problem(doc)
    path, reason = first.locator(".fix-path"), first.locator(".why").first
    assert first.locator(".badge").inner_text() == "violation"
    assert path.inner_text() == violation["path"]
    problem = next(r for r in violation["reasons"] if r["code"] not in HARMLESS)
    assert reason.inner_text() == f"{problem['code']} {problem['detail']}"
    assert on_first_screen(path), "the first violation's path is not on the first screen"
    assert on_first_screen(reason), "the first violation's reason is not on the first screen"


@browser
def test_first_screen_of_a_real_scan_shows_the_first_violation_and_why(scanned, open_report):
    html, doc = scanned
    loaded = open_report(html, viewport=FIRST_SCREEN)
    check_first_screen(loaded, doc)
    page = loaded.page
    # the violation sorts last by path, yet heads the list; then the error; nothing clean
    fixes = page.eval_on_selector_all("#fix-list > li", "els => els.map(e => e.dataset.index)")
    listed = [doc["assets"][int(i)]["path"] for i in fixes]
    assert listed == ["final/stills/zz_a1111.png", "final/cut.jpg"]
    assert page.inner_text("#fix-count") == "(2)"
    why = page.locator("#fix-list > li").first.inner_text()
    assert "AI-generated (Stable Diffusion (AUTOMATIC1111)); no approval covers it" in why
    assert "no approval" in why
    assert_clean_load(loaded)


@browser
def test_first_screen_of_the_demo_report(tmp_path, open_report):
    doc = json.loads(DEMO_REPORT.read_text(encoding="utf-8"))
    loaded = open_report(write(tmp_path, doc), viewport=FIRST_SCREEN)
    check_first_screen(loaded, doc)
    by_status = doc["summary"]["by_status"]
    problems = by_status["violation"] + by_status["error"] + by_status["review"]
    assert loaded.page.inner_text("#fix-count") == f"({problems})"
    assert loaded.page.locator("#fix-list > li").count() == problems
    assert_clean_load(loaded)


@browser
def test_first_screen_of_a_large_delivery(tmp_path, open_report):
    doc = many_assets(2000)
    loaded = open_report(write(tmp_path, doc), viewport=FIRST_SCREEN)
    check_first_screen(loaded, doc)
    page = loaded.page
    assert page.locator("#fix-list > li").count() == 100  # drawn a page at a time
    total = sum(doc["summary"]["by_status"][s] for s in ("violation", "error", "review"))
    assert page.inner_text("#fix-shown") == f"showing 100 of {total}"
    page.click("#fix-more")
    assert page.locator("#fix-list > li").count() == 200
    assert_clean_load(loaded)


@browser
def test_a_line_of_what_must_be_fixed_opens_its_asset(scanned, open_report):
    html, doc = scanned
    loaded = open_report(html, viewport=FIRST_SCREEN)
    page = loaded.page
    page.select_option("#f-status", "clean")  # the asset is filtered out of the list below
    assert "final/stills/zz_a1111.png" not in shown_paths(loaded)
    page.locator("#fix-list .fix-path").first.click()
    index = next(i for i, a in enumerate(doc["assets"]) if a["path"] == "final/stills/zz_a1111.png")
    assert page.get_attribute(f"#x-{index}", "aria-expanded") == "true"
    assert page.input_value("#f-status") == ""  # the filters were cleared to show it
    assert on_first_screen(page.locator(f"#asset-{index} td.path"))
    assert page.evaluate("location.hash") == f"#asset-{index}"
    # the address opens it too, e.g. a link pasted into a ticket
    again = open_report(html, viewport=FIRST_SCREEN)
    again.page.goto(f"{again.url}#asset-{index}")
    again.page.wait_for_function(f"document.getElementById('x-{index}') !== null")
    assert again.page.get_attribute(f"#x-{index}", "aria-expanded") == "true"
    assert_clean_load(loaded)


@browser
def test_reason_chips_filter_and_harmless_reasons_are_not_problems(tmp_path, open_report):
    doc = json.loads(DEMO_REPORT.read_text(encoding="utf-8"))
    loaded = open_report(write(tmp_path, doc), viewport=FIRST_SCREEN)
    page = loaded.page
    problem_chips = page.eval_on_selector_all(
        "#reason-chips .chip:not(.chip-harmless)", "els => els.map(e => e.dataset.reason)"
    )
    harmless_chips = page.eval_on_selector_all(
        "#reason-chips .chip-harmless", "els => els.map(e => e.dataset.reason)"
    )
    found = set(doc["summary"]["by_reason"])
    assert set(harmless_chips) == found & set(HARMLESS) and harmless_chips
    assert set(problem_chips) == found - set(HARMLESS)
    # a chip filters what must be fixed and the asset list, and a second click clears it
    having = sorted(
        a["path"] for a in doc["assets"]
        if any(r["code"] == "approval-not-granted" for r in a["reasons"])
    )  # fmt: skip
    chip = page.locator('#reason-chips .chip[data-reason="approval-not-granted"]')
    chip.click()
    assert chip.get_attribute("aria-pressed") == "true"
    listed = page.locator("#fix-list .fix-path").all_inner_texts()
    assert sorted(listed) == having and len(having) == 3
    assert sorted(shown_paths(loaded)) == having
    assert page.input_value("#f-reason") == "approval-not-granted"
    chip.click()
    assert page.locator("#fix-list > li").count() == doc["summary"]["by_status"]["violation"] + (
        doc["summary"]["by_status"]["error"] + doc["summary"]["by_status"]["review"]
    )
    # a harmless chip filters too, but the lines it leaves are still only problems
    page.click('#reason-chips .chip[data-reason="approved"]')
    statuses = [
        doc["assets"][int(i)]["status"]
        for i in page.eval_on_selector_all("#fix-list > li", "els => els.map(e => e.dataset.index)")
    ]
    assert statuses == ["review"]  # the tampered still: approved, but its credentials broke
    assert_clean_load(loaded)


@browser
def test_credentials_read_absent_as_in_the_json(tmp_path, open_report):
    doc = to_document(sample_result())
    loaded = open_report(write(tmp_path, doc))
    cells = loaded.page.eval_on_selector_all(
        "#assets > tbody > tr.row > td:nth-child(7)", "els => els.map(e => e.innerText)"
    )
    expected = {"absent": "absent", "valid": "valid (untrusted signer)", "invalid": "INVALID"}
    by_path = {a["path"]: a["credentials"] for a in doc["assets"]}
    assert cells == [expected[by_path[p]] for p in shown_paths(loaded)]
    assert "none" not in cells
    assert loaded.page.inner_text("#f-credentials").count("absent: no C2PA manifest") == 1
    assert_clean_load(loaded)


@browser
def test_a_long_c2pa_history_is_collapsed_per_manifest_and_printed_whole(tmp_path, open_report):
    loaded = open_report(write(tmp_path, to_document(sample_result())))
    page = loaded.page
    index = shown_paths(loaded).index("stills/sh010_still.jpg")
    body_index = int(page.locator("#assets > tbody").nth(index).get_attribute("data-index"))
    page.click(f"#x-{body_index}")
    manifests = page.locator(f"#d-{body_index} details.manifest")
    texts = manifests.locator(":scope > summary").all_text_contents()
    summaries = [" ".join(t.split()) for t in texts]
    assert [s.split(" urn:")[0] for s in summaries[:1]] == ["sh010_still.jpg"]
    assert all(re.search(r"\d+ actions?, \d+ ingredients?$", s) for s in summaries), summaries
    assert manifests.evaluate_all("ms => ms.map(m => m.open)") == [True, False, False]
    page.emulate_media(media="print")
    page.evaluate("window.provscanPreparePrint()")
    assert all(page.locator("details.manifest").evaluate_all("ms => ms.map(m => m.open)"))
    assert_clean_load(loaded)


@browser
def test_a_status_and_a_reason_from_a_later_provscan_count_as_problems(tmp_path, open_report):
    """A document may carry a status or reason code this version does not know: shown, and
    never passed over as harmless."""
    doc = to_document(sample_result())
    clean = next(a for a in doc["assets"] if a["status"] == "clean")
    clean["status"] = "quarantined"
    clean["reasons"] = [{"code": "held-by-legal", "detail": "held pending a legal review"}]
    doc["summary"]["by_status"]["quarantined"] = 1
    doc["summary"]["by_status"]["clean"] -= 1
    doc["summary"]["by_reason"]["held-by-legal"] = 1
    html = render_html(doc)
    assert 'id="count-status-quarantined"' in html
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    lines = page.locator("#fix-list > li")
    texts = lines.all_inner_texts()
    assert any(clean["path"] in t and "held pending a legal review" in t for t in texts)
    assert page.locator('#reason-chips .chip:not(.chip-harmless)[data-reason="held-by-legal"]')
    assert page.inner_text("#verdict-word") == "FAIL"  # the sample holds violations anyway
    assert_inert(page)
    assert_clean_load(loaded)


# ---- the verdict, drawn server-side ----------------------------------------------------------


def verdict_of_page(doc: dict) -> tuple[str, str]:
    html = render_html(doc)
    word = re.search(r'<strong class="verdict-word" id="verdict-word">(\w+)</strong>', html)
    text = re.search(r'<span class="verdict-text">(.*?)</span>', html, re.S)
    assert word and text
    return word.group(1), " ".join(unescape(text.group(1)).split())


def only(doc: dict, statuses: set[str]) -> dict:
    kept = [a for a in doc["assets"] if a["status"] in statuses]
    counts = {s: sum(a["status"] == s for a in kept) for s in doc["summary"]["by_status"]}
    summary = dict(doc["summary"], assets=len(kept), by_status=counts, skipped=0)
    return dict(doc, assets=kept, summary=summary, skipped=[])


def test_the_verdict_says_pass_fail_or_incomplete_as_the_gate_does():
    doc = to_document(sample_result())
    assert verdict_of_page(doc) == (
        "FAIL",
        "2 violations; 1 asset could not be fully read; 2 assets need a person's review. "
        "9 assets scanned, 2 paths not scanned.",
    )
    assert verdict_of_page(only(doc, {"error", "clean"}))[0] == "INCOMPLETE"
    assert verdict_of_page(only(doc, {"review", "clean"})) == (
        "PASS",
        "2 assets need a person's review. 5 assets scanned. Passes unless the gate runs with "
        "--strict.",
    )
    assert verdict_of_page(only(doc, {"approved", "clean"})) == (
        "PASS",
        "No violation, error or review. 4 assets scanned.",
    )
    assert verdict_of_page(only(doc, set())) == (
        "INCOMPLETE",
        "No media found: nothing was scanned. 0 assets scanned.",
    )
    assert 'id="fix-none"' in render_html(only(doc, {"clean"}))
