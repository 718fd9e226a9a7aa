"""Waivers (`--waivers FILE`): a reviewer's recorded decision on a review or error finding.

Deliveries are real files from the fixture factory (a C2PA-signed still tampered after signing,
a truncated JPEG, an unapproved ComfyUI PNG); waiver files are written as YAML or CSV in each
test. A waiver matches on content (sha256; a path only narrows it), never passes a violation
unless the policy lists it in [gate] waivable, and one that did nothing is listed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures import factory
from fixtures.hostile import provscan_command
from scanner.cli import cli
from scanner.errors import WaiverError
from scanner.model import AssetAnalysis, Finding, Reason, Waiver
from scanner.policy.waiver_file import VERSION, load_waivers
from scanner.policy.waivers import WaiverSet

AS_OF = "2026-11-01"
HEADER = "request_id,status,scope,paths,tools,written_approval_ref,approved_on"
POLICY = '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\n'


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def waiver_yaml(*entries: dict[str, str], version: int = VERSION) -> str:
    lines = [f"version: {version}", "waivers:"]
    for entry in entries:
        first = True
        for key, value in entry.items():
            lines.append(f"  {'- ' if first else '  '}{key}: {json.dumps(value)}")
            first = False
    return "\n".join(lines) + "\n"


def entry(reason: str, digest: str = "", path: str = "", **extra: str) -> dict[str, str]:
    fields = {"sha256": digest, "path": path, "reason": reason, "reviewer": "S. Okafor",
              "reviewed_on": "2026-10-30",
              "why": "looked at it side by side with the original"}  # fmt: skip
    fields.update(extra)
    return {k: v for k, v in fields.items() if v}


class Scan:
    def __init__(self, exit_code: int, output: str, doc: dict | None) -> None:
        self.exit_code, self.output, self.doc = exit_code, output, doc

    def asset(self, path: str) -> dict:
        assert self.doc is not None, self.output
        return next(a for a in self.doc["assets"] if a["path"] == path)


@pytest.fixture
def ca(tmp_path_factory: pytest.TempPathFactory):
    return factory.make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def delivery(tmp_path: Path, ca) -> Path:
    """A tampered approved still (review), a truncated JPEG (error), an unapproved PNG
    (violation) and a plain photo (clean)."""
    root = tmp_path / "ep101"
    hero = factory.ai_still(root / "final/stills/hero.jpg", ca, seed=7)
    factory.tampered_copy(hero, root / "final/stills/hero_tampered.jpg")
    hero.unlink()
    whole = factory.plain_jpeg(tmp_path / "whole.jpg", 71)
    factory.truncated_copy(whole, root / "final/broken/truncated.jpg", keep=0.5)
    factory.comfyui_png(root / "final/stills/comfy.png")
    factory.plain_jpeg(root / "final/stills/plate.jpg", 72)
    return root


@pytest.fixture
def scan(tmp_path: Path) -> Callable[..., Scan]:
    gate = tmp_path / "gate"  # the gatekeeper's files, outside the delivery
    gate.mkdir()

    def run(delivery: Path, waivers: str | None, *extra: str, policy: str = POLICY,
            name: str = "waivers.yaml") -> Scan:  # fmt: skip
        (gate / "register.csv").write_text(
            HEADER + "\nGENAI-1,approved,final,final/stills/hero*.jpg,Adobe Firefly,WA-1,\n",
            encoding="utf-8",
        )
        (gate / "policy.toml").write_text(policy, encoding="utf-8")
        args = ["scan", str(delivery), "--approvals", str(gate / "register.csv"),
                "--policy", str(gate / "policy.toml"), "--as-of", AS_OF, "--format", "json",
                "-o", str(gate / "out"), "--no-cache", "-j", "1", "-q", *extra]  # fmt: skip
        if waivers is not None:
            (gate / name).write_text(waivers, encoding="utf-8")
            args += ["--waivers", str(gate / name)]
        result = CliRunner().invoke(cli, args)
        report = gate / "out" / "provscan.json"
        doc = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
        report.unlink(missing_ok=True)
        return Scan(result.exit_code, result.output, doc)

    return run


def test_without_waivers_the_delivery_fails(scan, delivery: Path) -> None:
    result = scan(delivery, None)
    assert result.exit_code == 1
    assert result.asset("final/stills/hero_tampered.jpg")["status"] == "review"
    assert result.asset("final/broken/truncated.jpg")["status"] == "error"
    assert result.asset("final/stills/comfy.png")["status"] == "violation"
    assert result.doc["waivers"] is None


def test_review_and_error_waived_by_sha256_pass_the_gate(scan, delivery: Path) -> None:
    tampered = delivery / "final/stills/hero_tampered.jpg"
    truncated = delivery / "final/broken/truncated.jpg"
    (delivery / "final/stills/comfy.png").unlink()  # no violation left
    waivers = waiver_yaml(
        entry("credentials-invalid", sha256(tampered)),
        entry("unreadable", sha256(truncated), expires_on="2026-12-31"),
    )
    result = scan(delivery, waivers, "--strict")
    assert result.exit_code == 0, result.output
    hero = result.asset("final/stills/hero_tampered.jpg")
    assert hero["status"] == "waived"
    assert [r["code"] for r in hero["reasons"]] == ["credentials-invalid", "approved"]
    assert hero["approval"] == "GENAI-1"
    assert hero["waivers"] == [
        {"reason": "credentials-invalid", "sha256": sha256(tampered), "path": "",
         "reviewer": "S. Okafor", "reviewed_on": "2026-10-30",
         "why": "looked at it side by side with the original", "expires_on": None, "row": 1}
    ]  # fmt: skip
    broken = result.asset("final/broken/truncated.jpg")
    assert (broken["status"], broken["waivers"][0]["row"]) == ("waived", 2)
    summary = result.doc["summary"]
    assert summary["by_status"]["waived"] == 2
    assert (summary["unused_waivers"], summary["expired_waivers"]) == (0, 0)
    assert result.doc["unused_waivers"] == result.doc["expired_waivers"] == []


def test_a_path_narrows_a_waiver_to_that_place(scan, delivery: Path) -> None:
    tampered = delivery / "final/stills/hero_tampered.jpg"
    copy = delivery / "final/stills/hero_copy.jpg"
    copy.write_bytes(tampered.read_bytes())  # the same bytes elsewhere
    waivers = waiver_yaml(
        entry("credentials-invalid", sha256(tampered), "final/stills/hero_tampered.jpg")
    )
    result = scan(delivery, waivers)
    assert result.asset("final/stills/hero_tampered.jpg")["status"] == "waived"
    assert result.asset("final/stills/hero_copy.jpg")["status"] == "review"
    anywhere = scan(delivery, waiver_yaml(entry("credentials-invalid", sha256(tampered))))
    assert anywhere.asset("final/stills/hero_copy.jpg")["status"] == "waived"


def test_changed_content_at_a_waived_path_is_not_waived(scan, delivery: Path, ca) -> None:
    """The vendor replaces the file: the waiver was for other bytes."""
    tampered = delivery / "final/stills/hero_tampered.jpg"
    before = sha256(tampered)
    waivers = waiver_yaml(entry("credentials-invalid", before, "final/stills/hero_tampered.jpg"))
    hero = factory.ai_still(delivery / "final/stills/hero.jpg", ca, seed=8)
    factory.tampered_copy(hero, tampered)
    hero.unlink()
    assert sha256(tampered) != before
    result = scan(delivery, waivers)
    assert result.asset("final/stills/hero_tampered.jpg")["status"] == "review"
    assert [w["row"] for w in result.doc["unused_waivers"]] == [1]


def test_a_waiver_never_passes_a_violation_unless_the_policy_allows_it(
    scan, delivery: Path
) -> None:
    comfy = delivery / "final/stills/comfy.png"
    waivers = waiver_yaml(entry("unapproved-ai", sha256(comfy)))
    refused = scan(delivery, waivers)
    assert refused.exit_code == 2
    assert "row 1, field 'reason': 'unapproved-ai' is a violation: a waiver passes a violation " \
        "only where the policy lists it in [gate] waivable (this policy lists: none)" \
        in refused.output  # fmt: skip

    allowing = POLICY + '[gate]\nwaivable = ["unapproved-ai"]\n'
    allowed = scan(delivery, waivers, policy=allowing)
    assert allowed.asset("final/stills/comfy.png")["status"] == "waived"
    assert allowed.exit_code == 3, (
        allowed.output
    )  # no violation left; the truncated file is an error


def test_a_waiver_waives_only_its_reason(scan, delivery: Path) -> None:
    """An asset with an unwaived violation stays a violation; the waiver is still recorded."""
    comfy = delivery / "final/stills/comfy.png"
    waivers = waiver_yaml(entry("credentials-invalid", sha256(comfy)))
    result = scan(delivery, waivers)
    assert result.asset("final/stills/comfy.png")["status"] == "violation"
    assert result.asset("final/stills/comfy.png")["waivers"] == []
    assert [w["reason"] for w in result.doc["unused_waivers"]] == ["credentials-invalid"]


def test_expired_and_unused_waivers_are_listed(scan, delivery: Path) -> None:
    tampered = delivery / "final/stills/hero_tampered.jpg"
    waivers = waiver_yaml(
        entry("credentials-invalid", sha256(tampered), expires_on="2026-10-31"),
        entry("unreadable", "ab" * 32),
        entry("not-inspected", sha256(tampered), "final/stills/elsewhere.jpg"),
    )
    result = scan(delivery, waivers)
    assert result.asset("final/stills/hero_tampered.jpg")["status"] == "review"
    assert [w["row"] for w in result.doc["expired_waivers"]] == [1]
    assert [w["row"] for w in result.doc["unused_waivers"]] == [2, 3]
    assert result.doc["summary"]["expired_waivers"] == 1
    assert result.doc["summary"]["unused_waivers"] == 2


def test_the_terminal_summary_lists_unused_and_expired_waivers(
    delivery: Path, tmp_path: Path
) -> None:
    tampered = delivery / "final/stills/hero_tampered.jpg"
    gate = tmp_path / "gate"
    gate.mkdir()
    waivers = gate / "waivers.csv"  # the CSV form, as a spreadsheet saves it
    waivers.write_text(
        "sha256,path,reason,reviewer,reviewed_on,why,expires_on\n"
        f"{sha256(tampered)},,credentials-invalid,S. Okafor,2026-10-30,checked,2026-10-31\n"
        f"{'cd' * 32},,unreadable,D. Chen,2026-10-30,gone,\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [*provscan_command(), "scan", str(delivery), "--waivers", str(waivers), "--as-of",
         AS_OF, "--format", "json", "-o", str(gate / "out"), "--no-cache", "-j", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"  waivers: {waivers}\n" in done.stderr
    assert f"    unused waiver: row 3: unreadable for sha256 {'cd' * 6}…, D. Chen\n" in done.stderr
    assert (
        f"    expired waiver: row 2: credentials-invalid for sha256 {sha256(tampered)[:12]}…, "
        "S. Okafor, until 2026-10-31\n" in done.stderr
    )


def test_a_waiver_file_inside_the_delivery_is_refused(delivery: Path) -> None:
    inside = delivery / "waivers.yaml"
    inside.write_text(waiver_yaml(entry("unreadable", "ab" * 32)), encoding="utf-8")
    with pytest.raises(WaiverError) as info:
        load_waivers(inside, delivery=delivery)
    assert "the waiver file is inside the delivery" in str(info.value)


def test_a_waiver_file_that_is_a_symlink_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.yaml"
    real.write_text(waiver_yaml(entry("unreadable", "ab" * 32)), encoding="utf-8")
    (tmp_path / "gate").mkdir()
    (tmp_path / "gate" / "waivers.yaml").symlink_to(real)
    with pytest.raises(WaiverError) as info:
        load_waivers(tmp_path / "gate" / "waivers.yaml")
    assert "outside its folder: refused" in str(info.value)


# --- the file's format: one test per problem ----------------------------------------------------


def problems_of(tmp_path: Path, text: str, name: str = "w.yaml", **kw: tuple[str, ...]) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WaiverError) as info:
        load_waivers(path, **kw)
    return str(info.value)


def test_the_version_key_is_required_and_a_newer_version_refused(tmp_path: Path) -> None:
    assert "expected a mapping with 'version: 1' and 'waivers:'" in problems_of(
        tmp_path, "- {sha256: x, reason: unreadable}\n"
    )
    assert "version 2 is newer than this provscan reads (1): upgrade provscan" in problems_of(
        tmp_path, waiver_yaml(entry("unreadable", "ab" * 32), version=2)
    )
    assert "expected a version number, got 'one'" in problems_of(
        tmp_path, "version: one\nwaivers: []\n"
    )


def test_every_problem_is_listed_with_did_you_mean(tmp_path: Path) -> None:
    text = waiver_yaml(
        {"sha256": "ab" * 32, "reason": "credential-invalid", "reviewer": "A", "why": "x",
         "reviewed_on": "2026-10-30", "expiry": "2026-12-31"},
        {"sha256": "not-a-hash", "reason": "approved", "reviewed_on": "30/10/2026"},
        {"path": "/etc/passwd", "reason": "unreadable", "reviewer": "A", "why": "x",
         "reviewed_on": "2026-10-30"},
    )  # fmt: skip
    lines = problems_of(tmp_path, text).splitlines()
    assert lines[1:] == [
        "  row 1, field 'expiry': unknown field (did you mean 'expires_on'?)",
        "  row 1, field 'reason': unknown reason code 'credential-invalid' (did you mean "
        "'credentials-invalid'?)",
        "  row 2, field 'reviewer': 'reviewer' is required",
        "  row 2, field 'why': 'why' is required",
        "  row 2, field 'sha256': 'not-a-hash' is not a sha256 (64 hexadecimal characters)",
        "  row 2, field 'reason': 'approved' is approved: it passes the gate, nothing to waive",
        "  row 2, field 'reviewed_on': expected a date (YYYY-MM-DD), got '30/10/2026'",
        "  row 3, field 'path': '/etc/passwd' is not a path relative to the delivery",
        "  a waiver's fields: sha256, path, reason, reviewer, reviewed_on, why, expires_on",
    ]


def test_a_duplicate_waiver_is_refused(tmp_path: Path) -> None:
    same = entry("unreadable", "ab" * 32)
    assert "row 2: the same waiver as row 1" in problems_of(tmp_path, waiver_yaml(same, same))


def test_a_csv_waiver_file_with_a_mistyped_column(tmp_path: Path) -> None:
    text = "sha256,reason,reviewer,date,why\n" + f"{'ab' * 32},unreadable,A,2026-10-30,x\n"
    message = problems_of(tmp_path, text, name="w.csv")
    assert "row 1, field 'date': unknown column (did you mean 'reviewed_on'?)" in message
    assert "row 1, field 'reviewed_on': required column is missing" in message


def test_semicolon_csv_and_a_policy_allowing_a_violation(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes(
        "\ufeffsha256;reason;reviewer;reviewed_on;why\r\n"
        f"{'AB' * 32};unapproved-ai;A;2026-10-30;approved by mail, register row pending\r\n"
        .encode()
    )  # fmt: skip
    loaded = load_waivers(path, waivable=("unapproved-ai",))
    assert loaded.waivers[0].sha256 == "ab" * 32
    assert loaded.waivers[0].reason == "unapproved-ai"


# --- matching, on the values themselves ------------------------------------------------------


def test_a_path_only_waiver_covers_only_a_file_that_could_not_be_read_at_all() -> None:
    """A file provscan could not open has no sha256: the waiver for it names its path."""
    waiver = Waiver(reason="unreadable", path="final/locked.jpg", reviewer="A", why="x", row=1)
    unread = AssetAnalysis("final/locked.jpg", 10, "", "", "other", "UNKNOWN")
    read = AssetAnalysis("final/locked.jpg", 10, "ab" * 32, "image/jpeg", "image", "JPEG")
    finding = Finding(status="error", reasons=(Reason("unreadable", "permission denied"),))
    from datetime import date

    waivers = WaiverSet("w.yaml", [waiver], as_of=date(2026, 11, 1), waivable=())
    assert waivers.apply(finding, read).status == "error"
    assert waivers.unused == (waiver,)
    assert waivers.apply(finding, unread).status == "waived"
    assert waivers.unused == ()


def test_the_policy_may_turn_not_inspected_into_review_and_it_is_still_waivable(
    tmp_path: Path,
) -> None:
    from datetime import date

    waiver = Waiver(reason="not-inspected", sha256="ab" * 32, reviewer="A", why="x", row=1)
    analysis = AssetAnalysis("final/plate.exr", 10, "ab" * 32, "image/x-exr", "image", "EXR")
    finding = Finding(status="review", reasons=(Reason("not-inspected"),))
    waivers = WaiverSet("w.yaml", [waiver], as_of=date(2026, 11, 1), waivable=())
    assert waivers.apply(finding, analysis, {"not-inspected": "review"}).status == "waived"


# --- the gate and the policy's [gate] waivable --------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_the_gate_treats_waived_as_passing(strict: bool) -> None:
    from scanner.policy.gate import exit_code

    assert exit_code(["waived", "approved", "clean"], strict=strict) == 0
    assert exit_code(["waived", "review"], strict=strict) == (1 if strict else 0)
    assert exit_code(["waived", "error"], strict=strict) == 3


@pytest.mark.parametrize(
    ("gate", "said"),
    [
        ('waivable = ["unaproved-ai"]',
         "'gate.waivable': unknown reason code 'unaproved-ai' (did you mean 'unapproved-ai'?)"),
        ('waivable = ["credentials-invalid"]',
         "'gate.waivable': 'credentials-invalid' is not a violation; review and error reasons "
         "are always waivable"),
        ('waivable = "unapproved-ai"', "'gate.waivable' must be a list of violation reason codes"),
        ('waiveable = []', "unknown key 'gate.waiveable' (did you mean 'waivable'?)"),
    ],
)  # fmt: skip
def test_the_policy_waivable_key_is_checked(tmp_path: Path, gate: str, said: str) -> None:
    from scanner.errors import ConfigError
    from scanner.policy.load import load_policy

    policy = tmp_path / "policy.toml"
    policy.write_text(f"[gate]\n{gate}\n", encoding="utf-8")
    (tmp_path / "d").mkdir()
    with pytest.raises(ConfigError) as info:
        load_policy(tmp_path / "d", policy)
    assert said in str(info.value)


def test_the_deliverys_own_policy_cannot_make_violations_waivable(tmp_path: Path) -> None:
    from scanner.errors import ConfigError
    from scanner.policy.load import load_policy

    delivery = tmp_path / "d"
    delivery.mkdir()
    (delivery / "provscan.toml").write_text('[gate]\nwaivable = ["unapproved-ai"]\n')
    with pytest.raises(ConfigError) as info:
        load_policy(delivery, from_delivery=True)
    assert "the delivery's own policy may not make violations waivable" in str(info.value)


def test_a_stored_scan_with_waivers_re_renders_byte_for_byte(scan, delivery: Path) -> None:
    """`provscan report` reads the waivers, warnings and the waived status back."""
    tampered = delivery / "final/stills/hero_tampered.jpg"
    gate = delivery.parent / "gate"
    waivers = waiver_yaml(
        entry("credentials-invalid", sha256(tampered)),
        entry("unreadable", "ab" * 32, expires_on="2026-10-31"),
    )
    result = scan(delivery, waivers, "--format", "html", "--format", "csv", "--format", "json")
    assert result.exit_code == 1, result.output
    live = gate / "out"
    stored = gate / "stored"
    (live / "provscan.json").write_text(json.dumps(result.doc), encoding="utf-8")
    again = CliRunner().invoke(
        cli, ["report", str(live / "provscan.json"), "--format", "json", "--format", "html",
              "--format", "csv", "-o", str(stored)],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    for name in ("provscan.html", "provscan.csv"):
        assert (stored / name).read_bytes() == (live / name).read_bytes(), name
    assert json.loads((stored / "provscan.json").read_text(encoding="utf-8")) == result.doc
    assert b"waived" in (stored / "provscan.html").read_bytes()
