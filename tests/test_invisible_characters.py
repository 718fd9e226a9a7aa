"""Bidi overrides and other invisible characters in names and metadata (issue 12).

A file named "evil\u202egpj.exe" shows as "evilexe.jpg" wherever the override is obeyed. In
the terminal summary it is shown as `\\u202e`; in the HTML report every string from the delivery
sits in its own <bdi> and its invisible characters are marked escapes, so the name reads
"evil\\u202egpj.exe", in that order, in Chromium. Real files, a real scan.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from fixtures.hostile import provscan_command
from scanner.common.safetext import terminal_safe, visible_pieces
from scanner.report.document import to_document
from scanner.report.html import render_html
from tests.report_samples import sample_result

pytest_plugins = ("conftest_browser",)

RLO = "\u202e"
EVIL = f"evil{RLO}gpj.exe"  # displays as "evilexe.jpg" where the override is obeyed
EVIL_SHOWN = "evil\\u202egpj.exe"
INVISIBLES = {
    "\u200b": "\\u200b", "\u200c": "\\u200c", "\u200d": "\\u200d", "\u200e": "\\u200e",
    "\u200f": "\\u200f", "\u202a": "\\u202a", "\u202b": "\\u202b", "\u202c": "\\u202c",
    "\u202d": "\\u202d", "\u202e": "\\u202e", "\u2060": "\\u2060", "\u2061": "\\u2061",
    "\u2062": "\\u2062", "\u2063": "\\u2063", "\u2064": "\\u2064", "\u2066": "\\u2066",
    "\u2067": "\\u2067", "\u2068": "\\u2068", "\u2069": "\\u2069", "\ufeff": "\\ufeff",
    "\u2028": "\\u2028", "\u2029": "\\u2029",
    "\u061c": "\\u061c",  # ARABIC LETTER MARK: a bidi control outside the U+20xx blocks
    "\U000e0041": "\\U000e0041",  # TAG LATIN CAPITAL LETTER A: invisible, beyond the BMP
}  # fmt: skip


def test_terminal_safe_shows_invisible_format_characters_as_escapes() -> None:
    for char, shown in INVISIBLES.items():
        assert terminal_safe(f"a{char}b") == f"a{shown}b", shown
    assert terminal_safe(EVIL) == EVIL_SHOWN
    # C0 and C1 controls keep their \xNN; ordinary text, accents and RTL letters stay as they are
    assert terminal_safe("x\x1b[2J\r\x85y") == "x\\x1b[2J\\x0d\\x85y"
    assert terminal_safe("café שלום 東京") == "café שלום 東京"


def test_visible_pieces_mark_each_escape_and_keep_line_breaks_when_asked() -> None:
    assert list(visible_pieces(f"a{RLO}b\nc", controls=False)) == [
        ("a", False),
        ("\\u202e", True),
        ("b\nc", False),
    ]
    assert list(visible_pieces("b\nc")) == [("b", False), ("\\x0a", True), ("c", False)]


def _ai_png_with_an_override() -> bytes:
    """AUTOMATIC1111's `parameters` chunk, its prompt carrying an override."""
    info = PngImagePlugin.PngInfo()
    info.add_text(
        "parameters",
        f"a castle {RLO}ksud ta\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, "
        "Size: 96x64, Model: v1-5-pruned-emaonly",
    )
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (90, 120, 150)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """A real scan of a delivery (its own folder name overridden too) holding an AI PNG named
    EVIL and a symlink with an override in its name; JSON and HTML written."""
    base = tmp_path_factory.mktemp("bidi")
    delivery = base / f"ep{RLO}101"
    (delivery / "final").mkdir(parents=True)
    (delivery / "final" / EVIL).write_bytes(_ai_png_with_an_override())
    (delivery / "final" / f"link{RLO}gnp.jpg").symlink_to(EVIL)
    out = base / "out"
    done = subprocess.run(
        [*provscan_command(), "scan", str(delivery), "--no-cache", "--format", "json",
         "--format", "html", "-o", str(out)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    return out, done


def test_the_terminal_summary_shows_the_override_as_an_escape(scanned) -> None:
    out, done = scanned
    assert done.returncode == 1, done.stderr
    assert f"    violation  {'final/' + EVIL_SHOWN}\n               unapproved-ai: " in done.stderr
    assert "ep\\u202e101" in done.stderr  # the delivery's own name, in the first line
    assert RLO not in done.stderr
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assert [a["path"] for a in doc["assets"]] == [f"final/{EVIL}"]  # the JSON stays faithful


def test_the_page_markup_isolates_and_shows_what_it_renders_itself() -> None:
    """The masthead and the skipped list are drawn server-side."""
    doc = to_document(sample_result())
    doc["delivery"] = f"/deliveries/ep{RLO}101"
    doc["skipped"] = [{"path": f"final/link{RLO}gnp.jpg", "reason": "symlink, not followed"}]
    doc["unused_approvals"] = [f"GENAI{RLO}-1"]
    html = render_html(doc)
    esc = '<span class="esc">\\u202e</span>'
    assert f'<dd id="meta-delivery"><bdi>/deliveries/ep{esc}101</bdi></dd>' in html
    assert f'<td class="path"><bdi>final/link{esc}gnp.jpg</bdi></td>' in html
    assert f"<li><code><bdi>GENAI{esc}-1</bdi></code></li>" in html
    assert "<title>Provenance report: /deliveries/ep\\u202e101</title>" in html
    body = html.split("<body>", 1)[1].split('<script type="application/json"', 1)[0]
    assert RLO not in body  # only the data block holds the raw name (JSON-escaped anyway)


# The text of the elements that is not inside a <bdi>: none, where the script draws the asset
# list (it isolates every string it puts on the page, the delivery's and its own).
OUTSIDE_BDI = """(roots) => {
  const bare = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.data.trim() && !node.parentElement.closest('bdi')) { bare.push(node.data); }
    }
  }
  return bare;
}"""

# The left edge of each character of the element's text, in order: increasing when the text
# reads left to right as stored.
CHARACTER_EDGES = """(element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const edges = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      edges.push(range.getBoundingClientRect().left);
    }
  }
  return edges;
}"""


@pytest.mark.browser
def test_the_report_isolates_the_name_and_shows_it_in_its_real_order(scanned, open_report):
    out, _ = scanned
    loaded = open_report(out / "provscan.html")
    page = loaded.page
    assert loaded.console_errors == []
    cell = page.locator("#assets tbody tr.row td.path .p")
    [bdi] = cell.locator(":scope > bdi").all()
    assert bdi.text_content() == f"final/{EVIL_SHOWN}"
    assert bdi.locator("span.esc").all_inner_texts() == ["\\u202e"]
    edges = bdi.evaluate(CHARACTER_EDGES)
    assert len(edges) == len(f"final/{EVIL_SHOWN}")
    assert edges == sorted(edges) and len(set(edges)) == len(edges)  # drawn in stored order

    page.click("#assets tbody tr.row button.expand")
    details = page.locator("#assets tbody tr.details")
    details.wait_for()
    # the prompt's override, in the metadata read, is shown and isolated too
    assert "a castle \\u202eksud ta" in details.inner_text()
    for roots in ("#assets > tbody", "#fix-list", "#meta-delivery", ".skipped tbody td"):
        assert page.eval_on_selector_all(roots, OUTSIDE_BDI) == [], roots
    assert page.inner_text(".skipped td.path") == "final/link\\u202egnp.jpg"
    assert page.inner_text("#fix-list .fix-path") == f"final/{EVIL_SHOWN}"
    assert page.inner_text("#meta-delivery").endswith("ep\\u202e101")
    assert RLO not in page.inner_text("body")
