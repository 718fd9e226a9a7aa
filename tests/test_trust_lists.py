"""The official C2PA trust list shipped in the package, user lists (`--trust-list FILE`), `provscan
trust`, and what a scan's reports say about the lists (a stale one is a warning)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures import factory, pictures
from scanner.cli import cli
from scanner.errors import ConfigError
from scanner.extract.c2pa_trust import (
    OFFICIAL,
    combined_pem,
    is_stale,
    load_trust_lists,
    official_trust_list,
    parse_trust_list,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "promedia"
CONFORMANCE = SHARED / "c2pa-org+conformance-public" / "trust-list"


def test_the_snapshot_is_dated_attributed_and_complete():
    official = official_trust_list()
    assert (official.name, official.issued, official.next_update) == (
        OFFICIAL, "2026-08-05", "2027-08-05",
    )  # fmt: skip
    assert len(official.anchors) == 30
    assert len({a.fingerprint for a in official.anchors}) == 30
    names = " ".join(a.name for a in official.anchors)
    for issuer in ("Google C2PA Root CA G3", "Adobe Product Issuing CA", "DigiCert"):
        assert issuer in names
    notice = resources.files("scanner.extract").joinpath("trust_lists", "README.md").read_text()
    assert "CC BY 4.0" in notice and "7dbff513b66e36184619286fe734beea32f2e6db" in notice


def test_the_snapshot_is_the_published_list_unchanged():
    published = CONFORMANCE / "C2PA-TRUST-LIST.json"
    if not published.is_file():
        pytest.skip(f"conformance trust list not available: {published}")
    shipped = resources.files("scanner.extract").joinpath("trust_lists", "C2PA-TRUST-LIST.json")
    assert shipped.read_bytes() == published.read_bytes()
    pem_bundle = parse_trust_list((CONFORMANCE / "C2PA-TRUST-LIST.pem").read_bytes(), "pem")
    assert {a.fingerprint for a in pem_bundle.anchors} == {
        a.fingerprint for a in official_trust_list().anchors
    }
    assert pem_bundle.anchors[0].name.startswith("CN=Google C2PA Media Services 1P ICA G3")


def test_a_snapshot_older_than_six_months_is_stale():
    official = official_trust_list()
    assert not is_stale(official, date(2026, 12, 6))
    assert not is_stale(official, date(2027, 2, 4))
    assert is_stale(official, date(2027, 2, 5))


def test_choosing_lists():
    assert load_trust_lists(()) == (official_trust_list(),)
    assert load_trust_lists(("none",)) == ()
    with pytest.raises(ConfigError, match="contradict"):
        load_trust_lists(("none", "official"))


def test_bad_list_files_are_usage_errors(tmp_path: Path):
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    with pytest.raises(ConfigError, match="no trusted certificate"):
        load_trust_lists((str(empty),))
    with pytest.raises(ConfigError, match="does not exist"):
        load_trust_lists((str(tmp_path / "missing.pem"),))
    bad_json = tmp_path / "list.json"
    bad_json.write_text('{"LoTE": {"TrustedEntitiesList": [}}')
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_trust_lists((str(bad_json),))


def test_only_services_marked_trusted_are_anchors(tmp_path: Path):
    doc = json.loads(
        resources.files("scanner.extract")
        .joinpath("trust_lists", "C2PA-TRUST-LIST.json")
        .read_text()
    )
    services = doc["LoTE"]["TrustedEntitiesList"][0]["TrustedEntityServices"]
    services[0]["ServiceInformation"]["ServiceStatus"] = "http://c2pa.org/trust-list/withdrawn"
    listed = parse_trust_list(json.dumps(doc).encode(), "edited")
    assert len(listed.anchors) == 29


def test_combined_anchors_keep_the_users_own():
    pem = combined_pem(
        (official_trust_list(),), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
    )
    assert pem.count("BEGIN CERTIFICATE") == 31
    assert pem.endswith("-----END CERTIFICATE-----\n")


def test_provscan_trust_prints_the_date_and_the_anchors():
    result = CliRunner().invoke(cli, ["trust"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "C2PA conformance program trust list" in lines[0]
    assert lines[1].strip() == "issued 2026-08-05, next update 2027-08-05; 30 anchors"
    assert len(lines) == 2 + 30
    doc = json.loads(CliRunner().invoke(cli, ["trust", "--format", "json"]).output)
    assert len(doc["trust_lists"][0]["anchors"]) == 30
    missing = CliRunner().invoke(cli, ["trust", "--trust-list", "/nonexistent/list.pem"])
    assert missing.exit_code == 2


def stale_list(tmp_path: Path) -> Path:
    """A user's list, in the C2PA JSON form, issued long ago."""
    doc = json.loads(
        resources.files("scanner.extract")
        .joinpath("trust_lists", "C2PA-TRUST-LIST.json")
        .read_text()
    )
    doc["LoTE"]["ListAndSchemeInformation"]["ListIssueDateTime"] = "2024-01-02T00:00:00Z"
    path = tmp_path / "old-list.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_scan_names_its_lists_and_warns_of_a_stale_one(tmp_path: Path):
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    pictures.photo(1, (32, 24)).save(delivery / "a.jpg")
    old = stale_list(tmp_path)
    args = ["scan", str(delivery), "--no-cache", "--format", "json", "-o", str(tmp_path / "out"),
            "--trust-list", "official", "--trust-list", str(old)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "provscan.json").read_text())
    assert [(t["name"], t["issued"], t["anchors"], t["stale"]) for t in doc["trust_lists"]] == [
        ("official", "2026-08-05", 30, False),
        (str(old), "2024-01-02", 30, True),
    ]
    assert "C2PA trust lists: official (30 anchors, issued 2026-08-05)" in result.output
    assert f"WARNING: C2PA trust list {old} was issued 2024-01-02" in result.output
    rerendered = CliRunner().invoke(cli, ["report", str(tmp_path / "out" / "provscan.json"),
                                          "--format", "json"])  # fmt: skip
    assert json.loads(rerendered.output)["trust_lists"] == doc["trust_lists"]


def test_no_list_is_said_too(tmp_path: Path):
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    factory.camera_jpeg(delivery / "plate.jpg", 1, factory.CAMERA_CANON, "2026:01:02 03:04:05")
    args = ["scan", str(delivery), "--no-cache", "--trust-list", "none"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["trust_lists"] == []
