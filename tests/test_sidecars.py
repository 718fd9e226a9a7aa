"""C2PA sidecars (`.c2pa` manifest stores beside an asset): bound by name, validated against the
asset's bytes, reported on the asset; a sidecar without its asset, or whose binding fails, says
so. Real EXR/DPX/JPEG frames and real stores signed with c2pa-python by the fixture CA."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from fixtures import pictures
from fixtures.c2pa_documents import sidecar_for, write
from fixtures.c2pa_sign import action
from fixtures.ca import make_ca
from fixtures.media import dpx_frame, exr_frame
from scanner.discover.sidecars import pair_sidecars
from scanner.discover.walk import walk
from scanner.extract.c2pa_sidecar import MAX_SIDECAR_BYTES
from scanner.model import Skipped
from scanner.policy.areas import DEFAULT_POLICY
from scanner.scan import ScanConfig, scan_delivery

AI = [action("c2pa.created", source_type="trainedAlgorithmicMedia", agent="Runway Gen-4")]


@pytest.fixture(scope="module")
def ca():
    return make_ca()


def scan(folder: Path, ca, **options):
    config = ScanConfig(
        policy=DEFAULT_POLICY,
        as_of=date(2026, 12, 1),
        trust_anchors_pem=ca.root_pem.decode(),
        fingerprints=False,
        **options,
    )
    with scan_delivery(folder, config) as result:
        return {a.analysis.path: a for a in result.assets}, list(result.skipped)


def store(data: bytes, ca, title: str = "t") -> bytes:
    return sidecar_for(data, ca, title=title, actions=AI)


# --- naming rules ---------------------------------------------------------------------------


def test_exact_names_first_then_the_single_file_of_the_same_stem():
    names = ["a.exr", "a.exr.c2pa", "b.dpx", "b.c2pa", "c.exr", "c.jpg", "c.c2pa", "d.C2PA",
             "d.mxf", "e.c2pa", "f.exr", "f.c2pa", "f.exr.c2pa", "sub"]  # fmt: skip
    pairing = pair_sidecars(names, {"sub"})
    assert pairing.sidecar_of == {
        "a.exr": "a.exr.c2pa",
        "b.dpx": "b.c2pa",
        "d.mxf": "d.C2PA",
        "f.exr": "f.exr.c2pa",  # the exact name wins; f.c2pa is then bound to nothing
    }
    assert set(pairing.asset_of) == {"a.exr.c2pa", "b.c2pa", "d.C2PA", "f.exr.c2pa"}


def test_folders_are_never_assets():
    assert pair_sidecars(["shot", "shot.c2pa"], {"shot"}).sidecar_of == {}


# --- the walk -------------------------------------------------------------------------------


def test_the_walk_binds_the_sidecar_and_lists_it_as_read_with_its_asset(tmp_path: Path, ca):
    exr_frame(tmp_path / "sh010.exr")
    write(tmp_path / "sh010.exr.c2pa", store((tmp_path / "sh010.exr").read_bytes(), ca))
    found = list(walk(tmp_path))
    assert [type(x).__name__ for x in found] == ["MediaFile", "Skipped"]
    media, skipped = found
    assert (media.rel, media.sidecar, media.sidecar_rel) == (
        "sh010.exr", str(tmp_path / "sh010.exr.c2pa"), "sh010.exr.c2pa",
    )  # fmt: skip
    assert skipped == Skipped(
        "sh010.exr.c2pa", "C2PA sidecar of sh010.exr: read with it, reported on it"
    )


def test_bytes_of_no_known_type_with_a_sidecar_are_an_asset(tmp_path: Path, ca):
    (tmp_path / "notes.txt").write_bytes(b"cue sheet v2\n")
    write(tmp_path / "notes.txt.c2pa", store(b"cue sheet v2\n", ca))
    assets, skipped = scan(tmp_path, ca)
    asset = assets["notes.txt"]
    assert (asset.analysis.format, asset.analysis.kind) == ("FILE", "document")
    assert asset.analysis.assessment.ai == "generated"
    assert asset.analysis.c2pa.binding == "sidecar"
    assert [s.path for s in skipped] == ["notes.txt.c2pa"]


# --- validation against the asset's bytes ----------------------------------------------------


def test_sidecars_are_validated_against_the_assets_bytes(tmp_path: Path, ca):
    exr_frame(tmp_path / "a.exr")
    write(tmp_path / "a.exr.c2pa", store((tmp_path / "a.exr").read_bytes(), ca))
    dpx_frame(tmp_path / "b.dpx")
    write(tmp_path / "b.c2pa", store((tmp_path / "b.dpx").read_bytes(), ca))
    exr_frame(tmp_path / "c.exr", seed=9)  # a sidecar made for other bytes
    write(tmp_path / "c.c2pa", store((tmp_path / "a.exr").read_bytes(), ca))
    assets, _ = scan(tmp_path, ca)
    for name in ("a.exr", "b.dpx"):
        report = assets[name].analysis.c2pa
        assert (report.credentials, report.binding) == ("trusted", "sidecar")
        assert assets[name].analysis.assessment.ai == "generated"
        assert assets[name].analysis.assessment.generators == ("Runway Gen-4",)
    broken = assets["c.exr"]
    assert broken.analysis.c2pa.credentials == "invalid"
    assert broken.analysis.c2pa.failure_codes == ("assertion.dataHash.mismatch",)
    assert broken.analysis.c2pa.sidecar == "c.c2pa"
    assert "credentials-invalid" in [r.code for r in broken.finding.reasons]


def test_a_sidecar_wins_but_an_embedded_store_still_counts(tmp_path: Path, ca):
    from fixtures.c2pa_sign import sign_c2pa

    pictures.photo(4, (64, 48)).save(tmp_path / "src.jpg", quality=90)
    sign_c2pa(tmp_path / "src.jpg", tmp_path / "x.jpg", ca, title="x", actions=AI)
    (tmp_path / "src.jpg").unlink()
    human = [action("c2pa.created", source_type="digitalCapture")]
    write(tmp_path / "x.c2pa", sidecar_for(b"other", ca, title="x", actions=human))
    assets, _ = scan(tmp_path, ca)
    analysis = assets["x.jpg"].analysis
    assert analysis.c2pa.binding == "sidecar"
    assert analysis.c2pa.credentials == "invalid"  # the sidecar does not bind to these bytes
    assert analysis.assessment.ai == "generated"  # the embedded AI claim is not hidden
    assert any("embeds a C2PA store" in p.message for p in analysis.problems)


# --- sidecars that bind to nothing, or cannot be read ---------------------------------------


def test_a_store_with_no_asset_says_so(tmp_path: Path, ca):
    write(tmp_path / "gone.exr.c2pa", store(b"frames that are not here", ca))
    exr_frame(tmp_path / "two.exr")
    dpx_frame(tmp_path / "two.dpx")
    write(tmp_path / "two.c2pa", store((tmp_path / "two.exr").read_bytes(), ca))  # ambiguous
    assets, skipped = scan(tmp_path, ca)
    assert skipped == []
    for name in ("gone.exr.c2pa", "two.c2pa"):
        asset = assets[name]
        assert (asset.analysis.format, asset.analysis.c2pa.binding) == ("C2PA", "unbound")
        codes = [r.code for r in asset.finding.reasons]
        assert "sidecar-unbound" in codes and "credentials-invalid" not in codes
        assert asset.analysis.assessment.ai == "generated"  # what it claims, unverified
    assert assets["two.exr"].analysis.c2pa is None


def test_a_sidecar_over_the_size_bound_is_not_inspected(tmp_path: Path, ca):
    exr_frame(tmp_path / "big.exr")
    with open(tmp_path / "big.exr.c2pa", "wb") as handle:  # sparse: no disk is used
        handle.truncate(MAX_SIDECAR_BYTES + 1)
    assets, _ = scan(tmp_path, ca)
    analysis = assets["big.exr"].analysis
    assert analysis.not_inspected
    assert any("over the" in p.message and p.source == "c2pa" for p in analysis.problems)


def test_a_sidecar_that_is_a_symlink_is_never_followed(tmp_path: Path, ca):
    exr_frame(tmp_path / "l.exr")
    write(tmp_path / "real.bin", store((tmp_path / "l.exr").read_bytes(), ca))
    os.symlink(tmp_path / "real.bin", tmp_path / "l.exr.c2pa")
    assets, _ = scan(tmp_path, ca)
    assert assets["l.exr"].analysis.unreadable
    assert any("sidecar" in p.message for p in assets["l.exr"].analysis.problems)


def test_a_cached_asset_is_read_again_when_a_sidecar_appears(tmp_path: Path, ca):
    delivery = tmp_path / "d"
    exr_frame(delivery / "s.exr")
    cache = tmp_path / "cache" / "results.sqlite3"
    first, _ = scan(delivery, ca, cache_path=cache)
    assert first["s.exr"].analysis.c2pa is None
    write(delivery / "s.exr.c2pa", store((delivery / "s.exr").read_bytes(), ca))
    second, _ = scan(delivery, ca, cache_path=cache)
    assert second["s.exr"].analysis.c2pa.binding == "sidecar"
    (delivery / "s.exr.c2pa").unlink()
    third, _ = scan(delivery, ca, cache_path=cache)
    assert third["s.exr"].analysis.c2pa is None


# --- sidecars of sequence frames and of a file scanned alone --------------------------------


def test_a_frame_of_a_sequence_is_read_with_its_sidecar_warm_or_cold(tmp_path: Path, ca):
    """A sidecar saying AI-generated beside one frame of a shot: the sequence carries it and
    names the frame, also from a filled cache (such a sequence is never answered whole)."""
    delivery = tmp_path / "d"
    for n in (1001, 1002, 1003):
        exr_frame(delivery / "vfx" / f"sh010.{n}.exr", seed=51)
    frame = delivery / "vfx" / "sh010.1002.exr"
    write(frame.with_name("sh010.1002.exr.c2pa"), store(frame.read_bytes(), ca))
    cache = tmp_path / "cache" / "results.sqlite3"
    for _ in ("cold", "warm"):
        assets, skipped = scan(delivery, ca, cache_path=cache)
        sequence = assets["vfx/sh010.[1001-1003].exr"].analysis
        assert sequence.assessment.ai == "composite"
        assert sequence.sequence is not None and sequence.sequence.ai_frames == (1002,)
        assert sequence.c2pa is not None and sequence.c2pa.binding == "sidecar"
        assert sequence.assessment.credentials == "absent"  # two frames carry no store
        assert [s.path for s in skipped] == ["vfx/sh010.1002.exr.c2pa"]


def test_a_file_scanned_alone_is_read_with_its_sidecar(tmp_path: Path, ca):
    from click.testing import CliRunner

    from scanner.cli import cli

    delivery = tmp_path / "d"
    still = exr_frame(delivery / "stills" / "keyart.exr")
    write(still.with_name("keyart.exr.c2pa"), store(still.read_bytes(), ca))
    (tmp_path / "ca.pem").write_bytes(ca.root_pem)
    common = ["--no-cache", "--no-fingerprints", "--trust-anchors", str(tmp_path / "ca.pem"), "-q"]
    for target in ([str(delivery)], [str(still), "--root", str(delivery)]):
        result = CliRunner().invoke(cli, ["scan", *target, *common, "-o", str(tmp_path / "out")])
        assert result.exit_code == 1, (target, result.output)
