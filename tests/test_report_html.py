"""HTML report: self-contained, inert with hostile input, and usable in a real browser.

The browser tests drive Debian's chromium headless (see conftest_browser.py); the others check
the markup itself.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from datetime import date
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from report_samples import (
    BREAKOUT,
    HOSTILE_TEXTS,
    IMG_ONERROR,
    JS_URL,
    SCRIPT_TAG,
    XSS_FLAG,
    hostile_result,
    jpeg_thumbnail,
    sample_result,
)

from scanner.common.serialize import to_plain
from scanner.report.csv_report import FORMULA_STARTS, render_csv
from scanner.report.document import from_document, to_document
from scanner.report.html import (
    MAX_THUMBNAIL_CHARS,
    render_html,
    script_json,
    valid_thumbnail,
)

if TYPE_CHECKING:
    from conftest_browser import LoadedPage

# the chromium and open_report fixtures
pytest_plugins = ("conftest_browser",)
browser = pytest.mark.browser


def write(tmp_path: Path, doc: dict, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(render_html(doc), encoding="utf-8", newline="")
    return path


def inline_blocks(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)


def csp_of(html: str) -> str:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert match, "no CSP meta"
    return unescape(match.group(1))


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# ---- the markup itself -----------------------------------------------------------------------


def test_csp_forbids_other_origins_and_allows_exactly_the_inline_code():
    html = render_html(to_document(sample_result()))
    (style,) = inline_blocks(html, "style")
    (script,) = inline_blocks(html, "script")
    assert csp_of(html) == (
        "default-src 'none'; img-src data:; "
        f"style-src {sha256_source(style)}; script-src {sha256_source(script)}; "
        "base-uri 'none'; form-action 'none'"
    )
    # the CSP comes before anything it governs
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_markup_references_nothing_outside_the_file():
    html = render_html(to_document(sample_result()))
    assert re.findall(r'\b(?:src|href|action|srcset|poster|data)="([^"]*)"', html) == ["#fix-h"]
    for tag in ("<link", "<iframe", "<object", "<embed", "<base", "<form action", "@import"):
        assert tag not in html
    assert "url(" not in inline_blocks(html, "style")[0]


def test_hostile_strings_stay_text_in_markup():
    html = render_html(to_document(hostile_result()))
    assert html.count("<script") == 2  # the data block and our own code
    assert html.count("</script>") == 2
    for raw in (SCRIPT_TAG, IMG_ONERROR, BREAKOUT, "<!--"):
        assert raw not in html
    # server-side parts show them escaped, as text
    assert "/deliveries/&lt;script&gt;window.__provscanPwned=1;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__provscanPwned=2;alert(2)&#34;&gt;" in html
    # the data block parses back to exactly the hostile strings
    block = re.search(r'<script type="application/json" id="provscan-data">(.*?)</script>', html)
    data = json.loads(block.group(1))
    assert data["assets"][0]["path"] == hostile_result().assets[0].analysis.path
    assert data["assets"][0]["evidence"][0]["value"] == SCRIPT_TAG


def test_script_json_cannot_close_its_block():
    text = script_json({"v": "</script><!-- & > \u2028\u2029 \ud800 é"})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert text.isascii()
    assert json.loads(text) == {"v": "</script><!-- & > \u2028\u2029 \ud800 é"}


def test_thumbnails_must_be_small_strict_image_data_uris():
    good = jpeg_thumbnail((10, 20, 30))
    assert valid_thumbnail(good)
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n....").decode()
    assert valid_thumbnail(png)
    for bad in (
        "",
        None,
        JS_URL,
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/jpeg;base64,abc",  # not a multiple of 4
        "data:image/jpeg;base64,ab=c",
        good + '"',
        good + "\n",
        " " + good,
        "DATA:image/jpeg;base64,AAAA",
        "data:image/jpeg;base64," + "A" * MAX_THUMBNAIL_CHARS,
    ):
        assert not valid_thumbnail(bad), bad


def test_invalid_thumbnails_are_left_out_of_the_page():
    html = render_html(to_document(hostile_result()))
    assert "svg+xml" not in html
    assert html.count('"thumbnail":""') == len(HOSTILE_TEXTS)


def test_render_is_deterministic_and_a_stored_scan_renders_the_same_page():
    result = sample_result()
    live = render_html(to_document(result))
    assert render_html(to_document(result)) == live
    stored = json.loads(json.dumps(to_document(result), ensure_ascii=False))
    assert render_html(stored) == live
    assert render_html(to_document(from_document(stored))) == live


def test_odd_file_names_render_as_utf8():
    doc = to_document(sample_result())
    doc["assets"][0]["path"] = "stills/bad\udcffname.jpg"  # an undecodable byte, surrogateescape
    doc["delivery"] = "/deliveries/\udcff"
    html = render_html(doc)
    html.encode("utf-8")
    assert "/deliveries/\ufffd" in html


def test_ai_none_is_never_called_not_ai():
    html = render_html(to_document(sample_result()))
    assert "no AI signal found" in html
    assert "not AI<" not in html and '"not AI"' not in html


# ---- in the browser --------------------------------------------------------------------------


def shown_paths(loaded: LoadedPage) -> list[str]:
    script = "els => els.map(e => e.dataset.path)"
    return loaded.page.eval_on_selector_all("#assets > tbody", script)


def wait_for_paths(loaded: LoadedPage, expected: list[str]) -> None:
    """Wait until the list shows exactly `expected` (the search input is debounced)."""
    loaded.page.wait_for_function(
        "(want) => JSON.stringify(Array.from(document.querySelectorAll('#assets > tbody'),"
        " e => e.dataset.path)) === JSON.stringify(want)",
        arg=expected,
        timeout=5000,
    )


INJECTED = (
    "[onerror],[onload],[onclick],[onfocus],[style],"
    "iframe,object,embed,base,link,meta[http-equiv=refresh]"
)


def assert_inert(page) -> None:
    """No injected script ran, no element or attribute was injected, no link was made."""
    assert page.evaluate(f"typeof window.{XSS_FLAG}") == "undefined"
    assert page.evaluate("document.scripts.length") == 2
    assert page.evaluate("(q) => document.querySelectorAll(q).length", INJECTED) == 0
    links = page.eval_on_selector_all("a", "els => els.map(a => a.getAttribute('href'))")
    # our own links only, each inside the page: the skip link, and one per line of what must
    # be fixed, to its asset
    assert links[0] == "#fix-h"
    assert all(re.fullmatch(r"#asset-\d+", link) for link in links[1:]), links


def assert_clean_load(loaded: LoadedPage) -> None:
    assert loaded.console_errors == []
    assert loaded.requests == [loaded.url]
    assert loaded.dialogs == []


@browser
def test_report_loads_offline_with_no_error_and_counts_equal_the_summary(tmp_path, open_report):
    doc = to_document(sample_result())
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    for status, n in doc["summary"]["by_status"].items():
        assert page.inner_text(f"#count-status-{status} .n") == str(n)
    for ai, n in doc["summary"]["by_ai"].items():
        assert page.inner_text(f"#count-ai-{ai} .n") == str(n)
    for credentials, n in doc["summary"]["by_credentials"].items():
        assert page.inner_text(f"#count-credentials-{credentials}") == str(n)
    assert page.inner_text("#count-ai-none .l") == "no AI signal found"
    assert sorted(shown_paths(loaded)) == sorted(a["path"] for a in doc["assets"])
    assert page.inner_text("#shown") == "Showing 9 of 9 assets."
    # worst first: violations, then errors, then review, then the rest
    statuses = page.eval_on_selector_all("#assets > tbody", "els => els.map(e => e.dataset.status)")
    assert statuses == ["violation", "violation", "error", "review", "review", "approved",
                        "clean", "clean", "clean"]  # fmt: skip
    assert_clean_load(loaded)


@browser
def test_filtering_to_violation_shows_exactly_the_violating_assets(tmp_path, open_report):
    doc = to_document(sample_result())
    loaded = open_report(write(tmp_path, doc))
    violating = sorted(a["path"] for a in doc["assets"] if a["status"] == "violation")
    loaded.page.select_option("#f-status", "violation")
    assert sorted(shown_paths(loaded)) == violating == ["stills/sh010_still.jpg",
                                                        "temp/previs_sh030.mp4"]  # fmt: skip
    loaded.page.select_option("#f-status", "")
    loaded.page.click("#count-status-violation")  # the summary card filters too
    assert sorted(shown_paths(loaded)) == violating
    assert loaded.page.get_attribute("#count-status-violation", "aria-pressed") == "true"
    assert loaded.page.input_value("#f-status") == "violation"
    assert_clean_load(loaded)


@browser
def test_filters_by_ai_tool_folder_credentials_and_search(tmp_path, open_report):
    doc = to_document(sample_result())
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    page.select_option("#f-ai", "generated")
    assert sorted(shown_paths(loaded)) == ["temp/previs_sh030.mp4", "vfx/sh020/sh020_bg_v002.png"]
    page.select_option("#f-tool", "t:Runway")
    assert shown_paths(loaded) == ["temp/previs_sh030.mp4"]
    page.click("#f-reset")
    shown_after_reset = [
        "stills/sh010_still.jpg", "temp/previs_sh030.mp4", "broken/truncated.jpg",
        "stills/screen_grab.png", "stills/tampered.jpg", "vfx/sh020/sh020_bg_v002.png",
        "archival/1969_launch.jpg", "audio/temp_score.wav", "plates/A001_C003.mov",
    ]  # fmt: skip
    wait_for_paths(loaded, shown_after_reset)
    page.select_option("#f-folder", "d:vfx")
    assert shown_paths(loaded) == ["vfx/sh020/sh020_bg_v002.png"]
    page.select_option("#f-folder", "")
    page.select_option("#f-credentials", "invalid")
    assert shown_paths(loaded) == ["stills/tampered.jpg"]
    page.select_option("#f-credentials", "")
    page.select_option("#f-tool", "none")
    assert len(shown_paths(loaded)) == 6
    page.select_option("#f-tool", "")
    # free text reaches metadata values and C2PA history, several words all must match
    page.fill("#f-q", "euler castle")
    wait_for_paths(loaded, ["vfx/sh020/sh020_bg_v002.png"])
    page.fill("#f-q", "NIKON z 9")
    wait_for_paths(loaded, ["stills/sh010_still.jpg"])
    page.fill("#f-q", "no such thing anywhere")
    wait_for_paths(loaded, [])
    assert page.inner_text("#shown").startswith("No asset matches these filters")
    page.press("#f-q", "Escape")
    wait_for_paths(loaded, shown_after_reset)
    page.select_option("#f-sort", "path")
    assert shown_paths(loaded) == sorted(a["path"] for a in doc["assets"])
    assert_clean_load(loaded)


@browser
def test_expanding_an_asset_with_the_keyboard_shows_its_c2pa_history(tmp_path, open_report):
    doc = to_document(sample_result())
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    page.keyboard.press("/")  # jumps to the search box
    assert page.evaluate("document.activeElement.id") == "f-q"
    index = next(i for i, a in enumerate(doc["assets"]) if a["path"] == "stills/sh010_still.jpg")
    page.focus(f"#x-{index}")
    page.keyboard.press("Enter")
    assert page.get_attribute(f"#x-{index}", "aria-expanded") == "true"
    details = page.locator(f"#d-{index}")
    assert details.is_visible()
    # the history is collapsed per manifest: only the active one is open
    manifests = details.locator("details.manifest")
    assert manifests.count() == 3
    assert manifests.evaluate_all("ms => ms.map(m => m.open)") == [True, False, False]
    assert details.locator(".manifest.active > summary").inner_text().startswith("sh010_still.jpg")
    closed = details.locator("details.manifest:not([open]) > summary")
    while closed.count():
        closed.first.click()  # the outermost closed one: opening it shows the one inside
    assert manifests.evaluate_all("ms => ms.map(m => m.open)") == [True, True, True]
    actions = details.locator(".manifest .t tbody tr td:first-child").all_inner_texts()
    assert actions == ["c2pa.opened", "c2pa.resized", "c2pa.opened", "c2pa.edited", "c2pa.created"]
    text = details.inner_text()
    for expected in (
        "Generative Fill",
        "compositeWithTrainedAlgorithmicMedia",
        "Adobe Firefly",
        "NIKON CORPORATION",
        "Nikon Z 9 firmware 5.0",
        "signingCredential.untrusted",
        "c2pa.dst.composite-trained",
        "no content credentials of its own",
    ):
        assert expected in text, expected
    # the ingredient tree nests: photo inside the fill inside the active manifest
    nested = details.locator(".manifest.active .ingredients .manifest .ingredients .manifest")
    assert nested.locator(".manifest-h").inner_text().startswith("A001_C003.jpg")
    page.focus(f"#x-{index}")  # the summaries took the focus
    page.keyboard.press("Space")
    assert page.get_attribute(f"#x-{index}", "aria-expanded") == "false"
    assert not details.is_visible()
    assert_clean_load(loaded)


@browser
def test_hostile_delivery_is_inert(tmp_path, open_report):
    result = hostile_result()
    loaded = open_report(write(tmp_path, to_document(result)))
    page = loaded.page
    for button in page.locator("button.expand").all():
        button.click()
    page.emulate_media(media="print")
    page.evaluate("window.provscanPreparePrint()")
    page.emulate_media(media="screen")
    assert_inert(page)
    assert page.eval_on_selector_all("img", "els => els.map(i => i.src)") == []
    text = page.inner_text("body")
    for hostile in (SCRIPT_TAG, IMG_ONERROR, JS_URL, BREAKOUT):
        assert hostile in text  # shown to the reviewer, as text
    assert_clean_load(loaded)


@browser
def test_print_hides_the_filters_and_shows_every_detail(tmp_path, open_report):
    doc = to_document(sample_result())
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    page.emulate_media(media="print")
    page.evaluate("window.provscanPreparePrint()")
    assert not page.locator("#filters").is_visible()
    assert page.locator("#assets > tbody > .details").count() == len(doc["assets"])
    assert all(d.is_visible() for d in page.locator("#assets > tbody > .details").all())
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
    assert_clean_load(loaded)


def many_assets(count: int) -> dict:
    result = sample_result()
    doc = to_document(result)
    template = doc["assets"]
    assets = []
    for n in range(count):
        asset = dict(template[n % len(template)])
        asset["path"] = f"reel{n % 7}/shot{n:05d}_{asset['path'].rsplit('/', 1)[-1]}"
        assets.append(asset)
    doc["assets"] = assets
    return to_document(from_document(doc))


@browser
def test_a_large_list_draws_a_page_at_a_time_but_filters_all_of_it(tmp_path, open_report):
    doc = many_assets(2000)
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    assert len(shown_paths(loaded)) == 200
    assert page.inner_text("#shown") == "Showing 200 of 2000 assets."
    page.focus("#more")  # the button (keyboard) draws the next page ...
    page.keyboard.press("Enter")
    after_button = len(shown_paths(loaded))
    assert after_button >= 400 and after_button % 200 == 0
    # ... and so does scrolling near the end of the list
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#assets > tbody').length > n", arg=after_button
    )
    violations = sorted(a["path"] for a in doc["assets"] if a["status"] == "violation")
    page.select_option("#f-status", "violation")
    while page.locator("#more").is_visible():
        page.click("#more")
    assert sorted(shown_paths(loaded)) == violations
    assert len(violations) == doc["summary"]["by_status"]["violation"] == 445
    assert_clean_load(loaded)


# ---- a real scan of a hostile delivery (needs the whole engine) -------------------------------


def build_hostile_delivery(root: Path) -> None:
    """Real files whose names and metadata carry markup, script URLs and formulas."""
    from fixtures.c2pa_sign import action, sign_c2pa
    from fixtures.ca import make_ca
    from fixtures.metadata import xmp_packet
    from fixtures.stills import a1111_png, plain_jpeg

    root.mkdir()
    a1111_png(root / "<img src=x onerror=alert(1)>.png", prompt=SCRIPT_TAG)
    plain_jpeg(
        root / "=cmd|' -C calc'!A0.jpg",
        seed=3,
        exif={"Artist": IMG_ONERROR, "Software": JS_URL},
        xmp=xmp_packet(
            digital_source_type_term="trainedAlgorithmicMedia",
            description=BREAKOUT,
            ai_system_used=SCRIPT_TAG,
        ),
    )
    source = plain_jpeg(root.parent / "source.jpg", seed=4)
    sign_c2pa(
        source,
        root / "@SUM(1+1) javascript:alert(1).jpg",
        make_ca(),
        title=SCRIPT_TAG,
        actions=[action("c2pa.created", source_type="trainedAlgorithmicMedia", agent=IMG_ONERROR)],
    )
    plain_jpeg(root / "+plain <b>bold</b>.jpg", seed=5, exif={"Artist": "-1+1"})


def real_scan(root: Path):
    from scanner.policy.areas import Policy
    from scanner.scan import ScanConfig, scan_delivery

    config = ScanConfig(policy=Policy(), as_of=date(2026, 11, 1), jobs=1)
    return scan_delivery(root, config)


def read_values(asset: dict) -> set[str]:
    """Every metadata value, C2PA title and software agent the scan read from one asset."""
    values = {e["value"] for e in asset["evidence"]}
    for manifest in (asset["c2pa"] or {}).get("manifests", []):
        values.add(manifest["title"])
        values.update(a["software_agent"] for a in manifest["actions"])
    return values


HOSTILE_PATHS = {
    "png": "<img src=x onerror=alert(1)>.png",
    "xmp": "=cmd|' -C calc'!A0.jpg",
    "c2pa": "@SUM(1+1) javascript:alert(1).jpg",
    "plain": "+plain <b>bold</b>.jpg",
}


@browser
def test_real_scan_of_a_hostile_delivery_is_inert(tmp_path, open_report):
    root = tmp_path / "delivery <script>"
    build_hostile_delivery(root)
    doc = to_document(real_scan(root))
    assets = {a["path"]: a for a in doc["assets"]}
    assert set(assets) == set(HOSTILE_PATHS.values())
    # the scan really read the hostile values (else this test would prove nothing)
    png, xmp, signed = (assets[HOSTILE_PATHS[k]] for k in ("png", "xmp", "c2pa"))
    assert any(v.startswith(SCRIPT_TAG + "\n") for v in read_values(png))  # the A1111 prompt
    assert {BREAKOUT, SCRIPT_TAG, IMG_ONERROR, JS_URL} <= read_values(xmp)  # XMP + EXIF
    assert {SCRIPT_TAG, IMG_ONERROR} <= read_values(signed)  # C2PA title + software agent
    assert [png["ai"], xmp["ai"], signed["ai"]] == ["generated"] * 3

    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    for button in page.locator("button.expand").all():
        button.click()
    assert_inert(page)
    sources = page.eval_on_selector_all("img", "els => els.map(i => i.src)")
    assert all(src.startswith("data:image/jpeg;base64,") for src in sources), sources
    text = page.inner_text("body")
    for shown in (*HOSTILE_PATHS.values(), SCRIPT_TAG, IMG_ONERROR, JS_URL, BREAKOUT):
        assert shown in text, shown  # the reviewer sees the values, as text
    assert_clean_load(loaded)

    rows = list(csv.reader(io.StringIO(render_csv(doc).lstrip("\ufeff"), newline="")))
    assert len(rows) == 1 + len(doc["assets"])
    for cell in (cell for row in rows for cell in row):
        assert not cell.lstrip(" \t\r\n") or cell.lstrip(" \t\r\n")[0] not in FORMULA_STARTS
    assert {row[0] for row in rows[1:]} == {
        "'=cmd|' -C calc'!A0.jpg",
        "'@SUM(1+1) javascript:alert(1).jpg",
        "'+plain <b>bold</b>.jpg",
        "<img src=x onerror=alert(1)>.png",
    }


def test_real_scan_renders_the_same_from_stored_json(tmp_path):
    root = tmp_path / "delivery"
    build_hostile_delivery(root)
    result = real_scan(root)
    live = to_document(result)
    stored = to_document(from_document(json.loads(json.dumps(to_plain(live)))))
    assert render_html(stored) == render_html(live)
    assert render_csv(stored) == render_csv(live)


def test_provscan_report_rerenders_the_scan_byte_for_byte(tmp_path):
    """`provscan report SCAN.json` writes the same HTML and CSV as the scan that made the JSON."""
    import subprocess

    from fixtures.hostile import provscan_command

    root = tmp_path / "delivery"
    build_hostile_delivery(root)
    live, stored = tmp_path / "live", tmp_path / "stored"
    formats = ["--format", "json", "--format", "html", "--format", "csv"]
    scan = [*provscan_command(), "scan", str(root), *formats, "-o", str(live)]
    done = subprocess.run([*scan, "--no-cache", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # the hostile delivery holds violations
    report = [*provscan_command(), "report", str(live / "provscan.json")]
    done = subprocess.run([*report, *formats[2:], "-o", str(stored)], capture_output=True)
    assert done.returncode == 0, done.stderr
    for name in ("provscan.html", "provscan.csv"):
        assert (stored / name).read_bytes() == (live / name).read_bytes(), name
    assert (live / "provscan.csv").read_bytes().startswith(b"\xef\xbb\xbfpath,status,")


@browser
def test_a_sequence_shows_its_frames_gaps_and_ai_frames(tmp_path, open_report):
    """The page told a reviewer nothing of a sequence but "Frames hashed" (found in review)."""
    from fixtures import factory

    root = tmp_path / "delivery"
    ai = factory.xmp_packet(digital_source_type_term="trainedAlgorithmicMedia")
    for n in (1001, 1002, 1003, 1006, 1007, 1008):
        xmp = ai if n == 1007 else None
        factory.plain_jpeg(root / f"vfx/sh010.{n}.jpg", n, (64, 36), xmp=xmp)
    with real_scan(root) as result:
        doc = to_document(result)
    (asset,) = doc["assets"]
    loaded = open_report(write(tmp_path, doc))
    page = loaded.page
    page.locator("button.expand").first.click()
    facts = page.locator("#d-0").inner_text()
    fingerprinted = len(asset["fingerprints"])
    for shown in ("Frames\n6 frames, 1001\u20131008", "Missing frames\n1004\u20131005",
                  "AI frames\n1007", f"Frames fingerprinted\n{fingerprinted}"):  # fmt: skip
        assert shown in facts, (shown, facts)
    assert_clean_load(loaded)
