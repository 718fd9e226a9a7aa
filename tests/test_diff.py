"""`provscan diff OLD.json NEW.json` (issue 13): real scans of a delivery before and after it
changed, compared as text, JSON and HTML; exit 1 only when new violations appeared, 2 on a
file that is not a provscan scan. Then the pure function on documents, for the cases a real
delivery cannot easily hold (a new reason on an old violation, statuses from a later provscan,
hostile strings).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from report_samples import sample_result

from fixtures import factory
from fixtures.hostile import provscan_command
from scanner.errors import ReportInputError
from scanner.report.diff import diff_documents
from scanner.report.diff_render import diff_document, render_diff_html, render_diff_text
from scanner.report.document import to_document

TIMEOUT = 300
POLICY = '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\n'
HEADER = "request_id,status,scope,paths,tools,written_approval_ref,approved_by,approved_on"
BEFORE = [
    "GENAI-1,approved,final,final/stills/hero*.jpg,,WA-1,Jo,2026-01-01",
    "GENAI-2,approved,final,final/stills/keep*.png,,WA-2,Jo,2026-01-01",
]
AFTER = [BEFORE[0], "GENAI-2,revoked,final,final/stills/keep*.png,,WA-2,Jo,2026-01-01"]


def provscan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*provscan_command(), *args], capture_output=True, text=True, timeout=TIMEOUT
    )


def scan_into(delivery: Path, register: Path, policy: Path, out: Path) -> Path:
    done = provscan("scan", str(delivery), "--approvals", str(register), "--policy", str(policy),
                    "--as-of", "2026-11-01", "--no-cache", "--no-fingerprints", "-q",
                    "--trust-list", "none",  # the test CA's stills: no signer-untrusted review
                    "--format", "json", "-o", str(out))  # fmt: skip
    assert done.returncode in (1, 3), done.stderr
    return out / "provscan.json"


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(old.json, new.json): one delivery scanned, changed, scanned again. Between the scans
    a plate was removed and one moved, the hero still re-rendered (approved both times), an
    unapproved AI still added, a truncated file added, and the register revoked GENAI-2."""
    base = tmp_path_factory.mktemp("diff")
    ca = factory.make_ca(base / "ca")
    delivery = base / "ep101"
    for n in (1, 2):
        factory.camera_jpeg(delivery / f"final/plates/cam{n}.jpg", n, factory.CAMERA_CANON,
                            "2026:03:14 10:22:01")  # fmt: skip
    factory.ai_still(delivery / "final/stills/hero.jpg", ca, seed=7)
    factory.a1111_png(delivery / "final/stills/sd.png", seed=1)
    factory.a1111_png(delivery / "final/stills/keep.png", seed=3)
    factory.comfyui_png(delivery / "temp/frame.png")
    policy = base / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    before, after = base / "before.csv", base / "after.csv"
    before.write_text("\n".join([HEADER, *BEFORE]) + "\n", encoding="utf-8")
    after.write_text("\n".join([HEADER, *AFTER]) + "\n", encoding="utf-8")
    old = scan_into(delivery, before, policy, base / "old")

    (delivery / "final/plates/cam2.jpg").unlink()
    (delivery / "final/plates/moved").mkdir()
    shutil.move(delivery / "final/plates/cam1.jpg", delivery / "final/plates/moved/cam1.jpg")
    (delivery / "final/stills/hero.jpg").unlink()
    factory.ai_still(delivery / "final/stills/hero.jpg", ca, seed=8)
    factory.a1111_png(delivery / "final/stills/new_sd.png", seed=2)
    factory.truncated_copy(delivery / "final/plates/moved/cam1.jpg", delivery / "final/broken.jpg")
    new = scan_into(delivery, after, policy, base / "new")
    return old, new


def test_diff_of_two_real_scans_as_json(scans, tmp_path: Path) -> None:
    old, new = scans
    done = provscan("diff", str(old), str(new), "--format", "json")
    assert done.returncode == 1, done.stderr  # new violations appeared
    diff = json.loads(done.stdout)
    assert diff["schema"] == "provscan-diff/1" and diff["exit_code"] == 1
    assert [a["path"] for a in diff["added"]] == ["final/broken.jpg", "final/stills/new_sd.png"]
    assert [a["status"] for a in diff["added"]] == ["error", "violation"]
    assert [a["path"] for a in diff["removed"]] == ["final/plates/cam2.jpg"]
    assert [(m["old"]["path"], m["new"]["path"]) for m in diff["moved"]] == [
        ("final/plates/cam1.jpg", "final/plates/moved/cam1.jpg")
    ]
    [changed] = diff["content_changed"]
    assert changed["new"]["path"] == "final/stills/hero.jpg"
    assert changed["old"]["sha256"] != changed["new"]["sha256"]
    assert (changed["old"]["status"], changed["new"]["status"]) == ("approved", "approved")
    assert [(c["new"]["path"], c["old"]["status"], c["new"]["status"])
            for c in diff["status_changed"]] == [
        ("final/stills/keep.png", "approved", "violation")
    ]  # fmt: skip
    news = {c["new"]["path"]: c for c in diff["new_violations"]}
    assert sorted(news) == ["final/stills/keep.png", "final/stills/new_sd.png"]
    assert news["final/stills/new_sd.png"]["old"] is None  # new in the delivery
    assert [r["code"] for r in news["final/stills/keep.png"]["new"]["reasons"]] == [
        "approval-not-granted"
    ]
    assert "final/stills/sd.png" not in news  # a violation before too, for the same reason
    assert diff["summary"] == {
        "new_violations": 2, "added": 2, "removed": 1, "moved": 1, "content_changed": 1,
        "status_changed": 1, "skipped_added": 0, "skipped_removed": 0,
    }  # fmt: skip
    assert any(n.startswith("the approvals register differs: ") for n in diff["notes"])
    assert (diff["old"]["verdict"], diff["new"]["verdict"]) == ("FAIL", "FAIL")


def test_diff_of_two_real_scans_as_text(scans) -> None:
    old, new = scans
    done = provscan("diff", str(old), str(new))
    assert done.returncode == 1
    text = done.stdout
    assert "NEW VIOLATIONS (2):\n" in text
    assert re.search(
        r"  violation  final/stills/keep\.png  \(was approved\)\n {13}approval-not-granted: "
        r"GENAI-2 is revoked\n",
        text,
    ), text
    assert "  violation  final/stills/new_sd.png  (new in the delivery)\n" in text
    assert "  final/plates/cam1.jpg -> final/plates/moved/cam1.jpg\n" in text
    assert "  - clean      final/plates/cam2.jpg\n" in text
    assert "  final/stills/hero.jpg: approved -> approved\n" in text
    assert text.endswith("NEW VIOLATIONS: 2 (exit 1)\n")


def test_the_same_scan_twice_or_backwards_has_no_new_violation(scans) -> None:
    old, new = scans
    same = provscan("diff", str(new), str(new))
    assert same.returncode == 0
    assert "changes: none\n" in same.stdout and same.stdout.endswith("no new violation (exit 0)\n")
    backwards = provscan("diff", str(new), str(old), "--format", "json")
    assert backwards.returncode == 0  # a violation went away, an approval came back: no new one
    diff = json.loads(backwards.stdout)
    assert diff["new_violations"] == []
    assert [(c["old"]["status"], c["new"]["status"]) for c in diff["status_changed"]] == [
        ("violation", "approved")
    ]


def test_diff_as_a_self_contained_html_page(scans, tmp_path: Path) -> None:
    old, new = scans
    page = tmp_path / "review" / "diff.html"
    page.parent.mkdir()
    done = provscan("diff", str(old), str(new), "--format", "html", "-o", str(page))
    assert done.returncode == 1 and done.stdout == ""
    html = page.read_text(encoding="utf-8")
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"',
                             html).group(1))  # fmt: skip
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    assert "script" not in csp and "<script" not in html
    assert re.findall(r'\b(?:src|href|action)="', html) == []
    for section in ("new-violations", "added", "removed", "moved", "content-changed",
                    "status-changed"):  # fmt: skip
        assert f'<h2 id="{section}">' in html
    assert "<bdi>final/stills/keep.png</bdi>" in html
    assert [p.name for p in page.parent.iterdir()] == ["diff.html"]  # no temporary file left


def test_bad_input_exits_2(scans, tmp_path: Path) -> None:
    old, _ = scans
    not_json = tmp_path / "notes.json"
    not_json.write_text("this is not JSON\n")
    other = tmp_path / "other.json"
    other.write_text('{"schema": "something/else"}')
    no_status = tmp_path / "no_status.json"
    doc = json.loads(old.read_text(encoding="utf-8"))
    del doc["assets"][0]["status"]
    no_status.write_text(json.dumps(doc))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for bad, message in (
        (not_json, "not JSON"),
        (other, "not a provscan scan (schema 'provscan/1' expected, found 'something/else')"),
        (no_status, "malformed: asset 1 has no path or status"),
        (deep, "nested too deep"),
    ):
        done = provscan("diff", str(old), str(bad))
        assert done.returncode == 2, (bad, done.stderr)
        assert message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    missing = provscan("diff", str(old), str(tmp_path / "missing.json"))
    assert missing.returncode == 2


# ---- the pure function -----------------------------------------------------------------------


def sample() -> dict:
    return json.loads(json.dumps(to_document(sample_result())))


def test_a_violation_for_a_new_reason_is_a_new_violation() -> None:
    old, new = sample(), sample()
    asset = next(a for a in new["assets"] if a["status"] == "violation")
    asset["reasons"].append({"code": "approval-expired", "detail": "GENAI-9 expired"})
    diff = diff_documents(old, new)
    assert [c.path for c in diff.new_violations] == [asset["path"]]
    assert diff.status_changed == () and diff.exit_code == 1
    # losing a reason is not new
    assert diff_documents(new, old).new_violations == ()


def test_statuses_and_reasons_from_a_later_provscan_are_compared_like_others() -> None:
    old, new = sample(), sample()
    asset = next(a for a in new["assets"] if a["status"] == "clean")
    asset["status"], asset["reasons"] = "quarantined", [{"code": "held-by-legal"}]
    asset["a-key-from-later"] = {"anything": 1}
    diff = diff_documents(old, new)
    assert [(c.old.status, c.new.status) for c in diff.status_changed] == [("clean", "quarantined")]
    assert diff.new_violations == ()  # not a violation status
    asset["status"] = "violation"
    assert [c.path for c in diff_documents(old, new).new_violations] == [asset["path"]]


def test_hostile_strings_are_shown_safely() -> None:
    old, new = sample(), sample()
    evil = "final/<script>alert(1)</script>\u202egpj.exe"
    added = dict(new["assets"][0], path=evil, sha256="f" * 64)
    added["reasons"] = [{"code": "unapproved-ai", "detail": "<img src=x onerror=alert(2)>"}]
    new["assets"].append(added)
    diff = diff_documents(old, new)
    text = render_diff_text(diff)
    assert "final/<script>alert(1)</script>\\u202egpj.exe" in text and "\u202e" not in text
    html = render_diff_html(diff)
    assert "<script" not in html and "<img" not in html
    assert ("<bdi>final/&lt;script&gt;alert(1)&lt;/script&gt;"
            '<span class="esc">\\u202e</span>gpj.exe</bdi>') in html  # fmt: skip
    assert diff_document(diff)["added"][0]["path"] == evil  # the JSON keeps it exactly


def test_documents_that_are_not_scans_are_refused() -> None:
    good = sample()
    for bad in ([], {"schema": "provscan/2"}, dict(good, assets="x"), dict(good, assets=[1])):
        with pytest.raises(ReportInputError):
            diff_documents(good, bad)
    twice = sample()
    twice["assets"].append(dict(twice["assets"][0]))
    with pytest.raises(ReportInputError, match="two assets at"):
        diff_documents(good, twice)
