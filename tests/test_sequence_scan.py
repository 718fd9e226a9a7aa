"""Frame sequences scanned end to end: one asset per sequence, with its frames, gaps, hashes,
AI frames named by number, sampled fingerprints, the register, the cache per frame.

Real frames only: EXR and DPX from PyAV's encoders (their headers read, their pixels decoded
for the sampled frames' fingerprints), PNG frames with AUTOMATIC1111's `parameters` chunk in
one frame, uncompressed TIFF frames with a known-AI still cut in (its picture found by
fingerprint), and the two real EXR sequences of ../shared/promedia.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fixtures import pictures
from fixtures.media import dpx_frame, exr_frame
from fixtures.metadata import text_chunk
from fixtures.stills import a1111_parameters
from scanner.cli import cli
from scanner.discover.media import FrameOf, MediaFile
from scanner.discover.walk import walk
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.engine.cache import ResultCache
from scanner.engine.feed import DeliveryFeed
from scanner.engine.runner import KnownMedia, RunStats, run_analyses
from scanner.engine.sequence import SAMPLE_EVERY
from scanner.engine.sequence_cache import SequenceCache
from scanner.model import Assessment, AssetAnalysis

PROMEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "promedia"
EXR_IMAGES = PROMEDIA / "AcademySoftwareFoundation+openexr-images"
HEADER = "request_id,status,scope,paths,sha256,tools,written_approval_ref,approved_by,approved_on"
PAST_NS = 1_700_000_000 * 10**9  # outside the cache's racy window


def scan(root: Path, tmp_path: Path, *extra: str, rows: list[str] | None = None) -> dict[str, Any]:
    out = tmp_path / "out"
    args = ["scan", str(root), "--format", "json", "-o", str(out), "--no-cache", "-q", "-j", "2"]
    if rows is not None:
        register = tmp_path / "register.csv"
        register.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        args += ["--approvals", str(register), "--as-of", "2026-11-01"]
    result = CliRunner().invoke(cli, [*args, *extra])
    doc: dict[str, Any] = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    doc["exit_code"] = result.exit_code
    return doc


def assets(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["path"]: a for a in doc["assets"]}


@pytest.fixture(scope="module")
def shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's case: a shot of 48 EXR frames (1010 missing) and 48 DPX frames."""
    root = tmp_path_factory.mktemp("delivery")
    folder = root / "vfx" / "sh010"
    for n in range(1001, 1050):
        if n != 1010:
            exr_frame(folder / f"sh010_comp_v003.{n}.exr", seed=n, size=(32, 18))
    for n in range(1, 49):
        dpx_frame(folder / f"plate_{n:04d}.dpx", seed=n, size=(32, 18))
    return root


def sha256sum_of_frames(folder: Path, names: list[str]) -> str:
    """The sequence's sha256 as its documentation says: what `sha256sum` prints for the
    frames in frame order, hashed (the real tool, run in the folder)."""
    listing = subprocess.run(
        ["sha256sum", "--", *names], cwd=folder, capture_output=True, check=True
    ).stdout
    return hashlib.sha256(listing).hexdigest()


def test_48_exr_and_48_dpx_frames_are_two_assets_with_their_frames(shot: Path, tmp_path: Path):
    doc = scan(shot, tmp_path)
    found = assets(doc)
    assert sorted(found) == [
        "vfx/sh010/plate_[0001-0048].dpx",
        "vfx/sh010/sh010_comp_v003.[1001-1049].exr",
    ]
    exr = found["vfx/sh010/sh010_comp_v003.[1001-1049].exr"]
    sequence = exr["sequence"]
    assert (sequence["first"], sequence["last"], sequence["count"]) == (1001, 1049, 48)
    assert sequence["gaps"] == [{"first": 1010, "last": 1010}]
    assert sequence["padding"] == 4 and sequence["head"] == "sh010_comp_v003."
    folder = shot / "vfx" / "sh010"
    names = [f"sh010_comp_v003.{n}.exr" for n in range(1001, 1050) if n != 1010]
    for frame, name in zip(sequence["frames"], names, strict=True):
        data = (folder / name).read_bytes()
        assert frame == {
            "number": int(name.split(".")[1]),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    assert exr["size"] == sum(f["size"] for f in sequence["frames"])
    assert exr["sha256"] == sha256sum_of_frames(folder, names)
    # every frame's header read (FFmpeg's EXR writer names itself), sampled frames decoded
    assert exr["status"] == "clean" and [r["code"] for r in exr["reasons"]] == ["no-ai-signal"]
    assert any(e["source"] == "exr" and "lavc" in e["value"] for e in exr["evidence"])
    assert {f["frame"] for f in exr["fingerprints"]} >= {1001, 1049}
    dpx = found["vfx/sh010/plate_[0001-0048].dpx"]
    assert dpx["sequence"]["count"] == 48 and dpx["status"] == "clean"
    assert {f["frame"] for f in dpx["fingerprints"]} >= {1, 48}
    assert doc["summary"]["assets"] == 2 and doc["summary"]["not_inspected"] == 0


def test_no_sequences_lists_the_frames_one_by_one(shot: Path, tmp_path: Path) -> None:
    doc = scan(shot, tmp_path, "--no-sequences", "--no-fingerprints")
    assert doc["summary"]["assets"] == 96
    assert all(a["sequence"] is None for a in doc["assets"])


def png_frame(seed: int, index: int, parameters: str = "") -> bytes:
    buffer = io.BytesIO()
    pictures.frame(seed, index, (96, 54)).save(buffer, "PNG")
    png = buffer.getvalue()
    if parameters:  # as AUTOMATIC1111 writes it: a tEXt chunk right after IHDR
        png = png[:33] + text_chunk("parameters", parameters) + png[33:]
    return png


@pytest.fixture(scope="module")
def png_shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("delivery")
    folder = root / "final" / "sh020"
    folder.mkdir(parents=True)
    for n in range(1001, 1031):
        parameters = a1111_parameters() if n == 1012 else ""
        (folder / f"sh020.{n}.png").write_bytes(png_frame(7, n - 1001, parameters))
    return root


def test_an_ai_signal_in_one_frame_flags_the_sequence_and_names_the_frame(
    png_shot: Path, tmp_path: Path
) -> None:
    doc = scan(png_shot, tmp_path)
    (asset,) = doc["assets"]
    assert asset["path"] == "final/sh020/sh020.[1001-1030].png"
    assert asset["status"] == "violation" and asset["ai"] == "composite"
    assert asset["generators"] == ["Stable Diffusion (AUTOMATIC1111)"]
    assert asset["sequence"]["ai_frames"] == [1012]
    reason = asset["reasons"][0]
    assert reason["code"] == "unapproved-ai" and "in frame 1012;" in reason["detail"]
    assert any(n.startswith("PNG-A1111") and n.endswith("in frame 1012") for n in asset["notes"])
    # the prompt is evidence once, not thirty times
    prompts = [e for e in asset["evidence"] if e["field"] == "parameters"]
    assert len(prompts) == 1
    # fingerprints of the first, the last and every SAMPLE_EVERY-th frame, tagged with frame
    # and timecode (seconds from the first frame)
    hashed = [(f["frame"], f["timecode"]) for f in asset["fingerprints"]]
    fixed = [*range(1001, 1031, SAMPLE_EVERY), 1030]
    assert [h[0] for h in hashed] == fixed
    assert [h[1] for h in hashed] == pytest.approx([(n - 1001) / 24.0 for n in fixed])
    assert asset["thumbnail"].startswith("data:image/")
    assert doc["exit_code"] == 1


def test_every_frame_generated_makes_the_sequence_generated(tmp_path: Path) -> None:
    folder = tmp_path / "delivery" / "gen"
    folder.mkdir(parents=True)
    for n in range(1, 4):
        (folder / f"gen.{n:04d}.png").write_bytes(png_frame(3, n, a1111_parameters(seed=n)))
    (asset,) = scan(tmp_path / "delivery", tmp_path, "--no-fingerprints")["assets"]
    assert asset["ai"] == "generated" and asset["sequence"]["ai_frames"] == [1, 2, 3]
    assert "in frames 1-3" in asset["reasons"][0]["detail"]


@pytest.fixture(scope="module")
def cut_in(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """48 uncompressed TIFF frames of a moving shot with a known-AI still cut in at frame 20
    (uncompressed, like DPX: the byte profile follows the picture), and the known-AI library."""
    root = tmp_path_factory.mktemp("delivery")
    library = tmp_path_factory.mktemp("known_ai")
    matte = pictures.photo(99, (160, 90), noise=0.0)
    matte.save(library / "matte_v001.png")
    folder = root / "final" / "plates"
    folder.mkdir(parents=True)
    for n in range(1, 49):
        picture = matte if n == 20 else pictures.frame(8, n, (160, 90))
        picture.save(folder / f"plate.{n:04d}.tif", "TIFF")
    return root, library


def test_a_known_ai_frame_cut_into_a_sequence_is_found_by_frame_number(
    cut_in: tuple[Path, Path], tmp_path: Path
) -> None:
    root, library = cut_in
    doc = scan(root, tmp_path, "--known-ai", str(library))
    (asset,) = doc["assets"]
    assert asset["path"] == "final/plates/plate.[0001-0048].tif"
    sequence = asset["sequence"]
    assert sequence["changes"] == [20, 21]  # into the cut-in frame and out of it
    fixed = {*range(1, 49, SAMPLE_EVERY), 48}
    assert [f["frame"] for f in asset["fingerprints"]] == sorted({*fixed, 20, 21})
    assert sequence["ai_frames"] == [20]
    assert asset["ai"] == "composite" and asset["status"] == "violation"
    hit = next(s for s in asset["signals"] if s["rule_id"] == "FP-KNOWN-AI")
    assert hit["field"] == "known-ai:matte_v001.png" and "at frame 20" in hit["value"]
    assert "in frame 20" in asset["reasons"][0]["detail"]


@pytest.mark.parametrize(
    ("row", "approved_by"),
    [
        ("final/sh020/sh020.*.png,", "path"),  # a glob on every frame's path
        ("final/sh020/sh020.[1001-1030].png,", "path"),  # the sequence's path, as reported
        ("final/sh020/sh020.1012.png,", "path"),  # the path of its one AI frame
        (",{frame_1012}", "sha256"),  # the sha256 of its one AI frame
        (",{sequence}", "sha256"),  # the sequence's own sha256
    ],
)
def test_the_register_covers_a_sequence(
    png_shot: Path, tmp_path: Path, row: str, approved_by: str
) -> None:
    folder = png_shot / "final" / "sh020"
    names = [f"sh020.{n}.png" for n in range(1001, 1031)]
    hashes = {
        "frame_1012": hashlib.sha256((folder / "sh020.1012.png").read_bytes()).hexdigest(),
        "sequence": sha256sum_of_frames(folder, names),
    }
    register = f"GENAI-1,approved,final,{row.format(**hashes)},,WA-1,S. Okafor,2026-01-01"
    doc = scan(png_shot, tmp_path, "--no-fingerprints", rows=[register])
    (asset,) = doc["assets"]
    assert (asset["status"], asset["approval"]) == ("approved", "GENAI-1")
    assert asset["matches"][0]["matched_by"] == approved_by
    assert doc["exit_code"] == 0


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("final/sh020/sh020.1011.png,", ("violation", None)),  # another frame than the AI one
        ("final/sh020/sh020.101[0-1].png,", ("violation", None)),
        # numbers of the sequence's own path name its first and last frames, not the shot
        ("final/sh020/*1001*,", ("violation", None)),
        ("final/sh020/*1030*,", ("violation", None)),
        ("final/sh020/sh020.[1001-1029].png,", ("violation", None)),  # a path it does not have
        ("final/sh020/sh020.1011.png;final/sh020/sh020.1012.png,", ("approved", "GENAI-1")),
    ],
)
def test_an_approval_covers_a_sequence_only_through_its_ai_frames(
    png_shot: Path, tmp_path: Path, row: str, expected: tuple[str, str | None]
) -> None:
    register = f"GENAI-1,approved,final,{row},,WA-1,S. Okafor,2026-01-01"
    (asset,) = scan(png_shot, tmp_path, "--no-fingerprints", rows=[register])["assets"]
    assert (asset["status"], asset["approval"]) == expected


ANALYSED: list[str] = []


def recording_analyse(media: MediaFile, options: AnalyseOptions) -> AssetAnalysis:
    frame = media.frame
    role = (
        " (sampled)"
        if frame and frame.sampled
        else " (fingerprinted)"
        if frame and frame.fingerprint
        else ""
    )
    ANALYSED.append(media.rel + role)
    return analyse(media, options)


def scan_with_cache(
    root: Path, cache_file: Path, *, whole_sequences: bool = True
) -> tuple[list[AssetAnalysis], RunStats, SequenceCache]:
    options = AnalyseOptions()
    stats = RunStats()
    with ResultCache.open(cache_file) as cache:
        known = KnownMedia(cache, options, recording_analyse)
        sequences = SequenceCache(cache if whole_sequences else None, options, recording_analyse)
        items = walk(root, known=known, sequences=True, known_sequence=sequences)
        feed = DeliveryFeed(items, fingerprints=True, sequence_cache=sequences)
        results = run_analyses(
            feed.media(), options, jobs=1, cache=cache, analyse=recording_analyse,
            stats=stats, in_process=True,
        )  # fmt: skip
        return list(feed.assets(results)), stats, sequences


def write_shot(folder: Path, frames: int) -> None:
    folder.mkdir(parents=True)
    for n in range(1, frames + 1):
        path = folder / f"sh030.{n:04d}.png"
        path.write_bytes(png_frame(5, n))
        os.utime(path, ns=(PAST_NS, PAST_NS))


def test_fixed_samples_are_read_once_and_an_unchanged_shot_is_one_lookup(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    count = SAMPLE_EVERY + 16
    write_shot(root / "sh030", count)
    cache_file = tmp_path / "cache" / "results.sqlite3"
    ANALYSED.clear()
    (cold,), _, sequences = scan_with_cache(root, cache_file)
    # the first, every SAMPLE_EVERY-th and the last frame: fingerprinted in their own (only) read
    fixed = (1, 1 + SAMPLE_EVERY, count)
    fingerprinted = [a for a in ANALYSED if a.endswith("(fingerprinted)")]
    assert fingerprinted == [f"sh030/sh030.{n:04d}.png (fingerprinted)" for n in fixed]
    own_pass = [a for a in ANALYSED if not a.endswith("(sampled)")]  # not picture changes
    assert len(own_pass) == count and sequences.stored == 1
    assert set(fixed) <= {f.frame for f in cold.fingerprints}

    ANALYSED.clear()
    (warm,), stats, sequences = scan_with_cache(root, cache_file)
    assert ANALYSED == [] and stats.files == 0 and sequences.hits == 1
    assert warm == cold


def test_the_cache_works_per_frame(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    folder = root / "sh030"
    write_shot(folder, 40)
    cache_file = tmp_path / "cache" / "results.sqlite3"
    ANALYSED.clear()
    (cold,), _, _ = scan_with_cache(root, cache_file, whole_sequences=False)
    assert len(ANALYSED) == 40

    ANALYSED.clear()
    (warm,), stats, _ = scan_with_cache(root, cache_file, whole_sequences=False)
    assert ANALYSED == [] and stats.from_cache == stats.files == 40
    assert warm == cold

    # a re-delivered shot with one frame changed (new metadata, same picture): one frame read,
    # whether or not the whole shot was kept as one
    changed = folder / "sh030.0017.png"
    changed.write_bytes(png_frame(5, 17, "re-graded"))
    os.utime(changed, ns=(PAST_NS + 10**9, PAST_NS + 10**9))
    for whole in (True, False):
        ANALYSED.clear()
        (again,), _, _ = scan_with_cache(root, cache_file, whole_sequences=whole)
        expected = ["sh030/sh030.0017.png"] if whole else []
        assert list(ANALYSED) == expected
        frames = {f.number: f.sha256 for f in again.sequence.frames}  # type: ignore[union-attr]
        assert frames[17] == hashlib.sha256(changed.read_bytes()).hexdigest()
        assert again.sha256 != cold.sha256


@pytest.mark.parametrize(
    ("folder", "expected", "frames"),
    [
        ("DisplayWindow", "t[01-16].exr", 16),
        ("Beachball", "singlepart.[0001-0008].exr", 8),
    ],
)
def test_the_real_exr_sequences_are_one_asset_each(
    folder: str, expected: str, frames: int, tmp_path: Path
) -> None:
    source = EXR_IMAGES / folder
    if not source.is_dir():
        pytest.skip(f"../shared/promedia is absent: {source}")
    doc = scan(source, tmp_path)
    (asset,) = doc["assets"]
    assert asset["path"] == expected
    assert asset["sequence"]["count"] == frames and asset["sequence"]["gaps"] == []
    assert asset["format"] == "EXR" and asset["status"] == "clean"
    assert [r["code"] for r in asset["reasons"]] == ["no-ai-signal"]
    assert asset["fingerprints"] and not asset["problems"]


def test_a_sequence_holds_a_record_per_frame_not_its_analysis() -> None:
    """20,000 frames, each with the evidence a header reader gives (values shared by every
    frame, and a time code and frame number that differ in each): what the builder keeps grows
    by its per-frame record (number, size, sha256), not by the frames' analyses."""
    import tracemalloc

    from scanner.discover.sequences import SequenceStart
    from scanner.engine.sequence import SequenceBuilder
    from scanner.model import Evidence, Problem, Signal

    shared = tuple(Evidence("exr", f"attribute{i}", "Nuke 15.1v3 " * 8) for i in range(40))
    tool = Signal("EXR-SOFTWARE", "tool", "weak", "exr", "software", "Nuke", "Nuke")
    problem = Problem("file", "EXR: no provenance reader for this format", incomplete=True)

    def frame(n: int) -> tuple[MediaFile, AssetAnalysis]:
        media = MediaFile(Path(f"/d/sh.{n:05d}.exr"), f"sh.{n:05d}.exr", "image/x-exr", "EXR",
                          "image", 10_000_000)  # fmt: skip
        media = dataclasses.replace(media, frame=FrameOf("sh.[00001-20000].exr", n))
        unique = (Evidence("exr", "timeCode", f"01:00:{n // 24 % 60:02d}:{n % 24:02d}"),
                  Evidence("exr", "frameNumber", str(n)))  # fmt: skip
        return media, AssetAnalysis(
            path=media.rel, size=10_000_000, sha256=hashlib.sha256(str(n).encode()).hexdigest(),
            media_type="image/x-exr", kind="image", format="EXR",
            assessment=Assessment(signals=(tool,)), evidence=shared + unique,
            problems=(problem,),
        )  # fmt: skip

    start = SequenceStart("sh.[00001-20000].exr", "", "sh.", ".exr", 5, tuple(range(1, 20001)))
    builder = SequenceBuilder(start, fingerprints=False)
    tracemalloc.start()
    try:
        for n in range(1, 5001):
            builder.add_frame(*frame(n))
        at_5000 = tracemalloc.get_traced_memory()[0]
        for n in range(5001, 20001):
            builder.add_frame(*frame(n))
        at_20000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_frame = (at_20000 - at_5000) / 15_000
    assert per_frame < 400, per_frame  # the SequenceFrame record and its sha256 string
    result = builder.result()
    assert result.sequence is not None and result.sequence.count == 20_000
    assert len(result.evidence) == 40 + 2 * 16  # shared once; 16 values of each varying field
    assert [p.message for p in result.problems] == [f"{problem.message} (every frame)"]
    assert (
        "exr frameNumber: the first 16 distinct values are listed; 19,984 frames hold others"
        in (result.notes)
    )
    assert result.not_inspected and not result.truncated


def test_the_summaries_count_what_could_not_be_inspected(tmp_path: Path) -> None:
    """Two PDFs without content credentials: only C2PA is read in a document, so the pictures
    inside them were not looked at, and every summary says how many such assets there are."""
    from fixtures.c2pa_documents import pdf_bytes

    delivery = tmp_path / "delivery"
    delivery.mkdir()
    for n in (1, 2):
        (delivery / f"storyboard_{n}.pdf").write_bytes(pdf_bytes(pictures.photo(n, (64, 48))))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["scan", str(delivery), "--format", "json", "--format", "html", "-o", str(out),
         "--no-cache", "--no-fingerprints", "-j", "2"],
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "  2 assets could not be inspected (not-inspected:" in result.stderr
    page = (out / "provscan.html").read_text(encoding="utf-8")
    assert '<span id="not-inspected">2 assets could not be inspected' in page
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["not_inspected"] == doc["summary"]["by_reason"]["not-inspected"] == 2


def test_an_archival_sequence_is_checked_against_the_archive(tmp_path: Path) -> None:
    """Archival film scans as a TIFF sequence: its sampled frames are compared with the
    original scans; a sequence none of whose frames is in the archive is unverified."""
    root, archive = tmp_path / "delivery", tmp_path / "archive"
    scans = root / "archival" / "reel1"
    other = root / "archival" / "reel2"
    for folder in (scans, other, archive):
        folder.mkdir(parents=True)
    for n in range(1, 13):
        picture = pictures.archival(40 + n, (192, 144))
        picture.save(scans / f"reel1.{n:04d}.tif", "TIFF")
        picture.save(archive / f"scan_{n:04d}.png")
        pictures.archival(90 + n, (192, 144)).save(other / f"reel2.{n:04d}.tif", "TIFF")
    policy = tmp_path / "policy.toml"
    policy.write_text('[areas]\narchival = ["archival/**"]\n')
    doc = scan(root, tmp_path, "--policy", str(policy), "--archive-source", str(archive))
    found = assets(doc)
    verified = found["archival/reel1/reel1.[0001-0012].tif"]
    assert verified["archival"]["outcome"] == "verified"
    assert [r["code"] for r in verified["reasons"]] == ["archival-verified", "no-ai-signal"]
    unknown = found["archival/reel2/reel2.[0001-0012].tif"]
    assert unknown["archival"]["outcome"] == "unverified" and unknown["status"] == "review"


def test_a_picture_cut_into_a_dpx_sequence_is_a_sampled_frame(tmp_path: Path) -> None:
    """10-bit DPX frames of a moving shot with another picture cut in at frame 17: the byte
    profile sees the cut (the frames are uncompressed), so frames 17 and 18 are sampled for
    fingerprints beside the first, the last and every SAMPLE_EVERY-th."""
    from fixtures.media import _image_sequence_file

    folder = tmp_path / "delivery" / "plates"
    folder.mkdir(parents=True)
    for n in range(1, 31):
        picture = pictures.photo(99, (160, 90), noise=0.0) if n == 17 else pictures.frame(8, n)
        _image_sequence_file(folder / f"plate_{n:04d}.dpx", [picture.resize((160, 90))],
                             "dpx", "gbrp10be", {})  # fmt: skip
    (asset,) = scan(tmp_path / "delivery", tmp_path)["assets"]
    assert asset["path"] == "plates/plate_[0001-0030].dpx"
    assert asset["sequence"]["changes"] == [17, 18]
    fixed = {*range(1, 31, SAMPLE_EVERY), 30}
    assert sorted({f["frame"] for f in asset["fingerprints"]}) == sorted({*fixed, 17, 18})
    assert not asset["problems"]


def test_a_frame_of_another_format_is_read_as_what_it_is_and_named(tmp_path: Path) -> None:
    """A JPEG named like a frame of an EXR shot: read by the JPEG readers (its XMP says AI),
    and the sequence says which frame is not EXR."""
    from fixtures.factory import xmp_only_ai_jpeg

    folder = tmp_path / "delivery" / "sh050"
    for n in range(1001, 1006):
        if n == 1003:
            xmp_only_ai_jpeg(folder / f"sh050.{n}.exr")
        else:
            exr_frame(folder / f"sh050.{n}.exr", seed=n, size=(32, 18))
    (asset,) = scan(tmp_path / "delivery", tmp_path, "--no-fingerprints")["assets"]
    assert asset["format"] == "EXR" and asset["sequence"]["ai_frames"] == [1003]
    assert "in frame 1003;" in asset["reasons"][0]["detail"]
    odd = next(p for p in asset["problems"] if p["source"] == "sequence")
    assert odd["message"] == "not EXR like the others: frame 1003"


def test_a_frame_whose_report_was_cut_cuts_the_sequence_report(tmp_path: Path) -> None:
    """Frames holding more header attributes than a report keeps are each an evidence-truncated
    review when listed one by one; their sequence is one too, naming the frames (it once
    turned the cuts into notes and came out clean)."""
    from fixtures.studio import exr_bytes

    folder = tmp_path / "delivery" / "vfx"
    folder.mkdir(parents=True)
    attributes = {f"nuke/node{i:04d}": f"value {i}" for i in range(2100)}
    frame = exr_bytes(pictures.photo(7, (32, 18)), attributes)
    for n in (1001, 1002, 1003):
        (folder / f"sh020.{n}.exr").write_bytes(frame)
    one_by_one = scan(
        tmp_path / "delivery", tmp_path / "frames", "--no-fingerprints", "--no-sequences"
    )
    assert {a["status"] for a in one_by_one["assets"]} == {"review"}
    [sequence] = scan(tmp_path / "delivery", tmp_path, "--no-fingerprints")["assets"]
    assert sequence["status"] == "review"
    assert sequence["reasons"][0] == {
        "code": "evidence-truncated",
        "detail": "evidence: 2,000 of 2,109 items kept (at most 2,000 items, 1,000,000 characters)"
        " (every frame)",
    }


def test_a_manifest_approval_covers_a_sequence_only_when_every_ai_frame_holds_it(
    tmp_path: Path,
) -> None:
    """Frame 1 carries trusted credentials (Firefly) the register approves by manifest label;
    frame 3 carries Stable Diffusion parameters no approval names. The approval of frame 1's
    manifest does not cover the sequence (it once did: the sequence showed frame 1's store);
    with frame 3 gone, it does. A frame without a store makes the sequence's credentials
    `absent`."""
    from fixtures.c2pa_documents import sign_bytes
    from fixtures.c2pa_sign import action, read_store
    from fixtures.ca import make_ca
    from fixtures.metadata import insert_before_iend

    ca = make_ca()
    (tmp_path / "ca.pem").write_bytes(ca.root_pem)
    folder = tmp_path / "delivery" / "gfx"
    folder.mkdir(parents=True)

    def png(seed: int) -> bytes:
        out = io.BytesIO()
        pictures.photo(seed, (64, 36)).save(out, "PNG")
        return out.getvalue()

    made = [action("c2pa.created", source_type="trainedAlgorithmicMedia", agent="Adobe Firefly")]
    signed = sign_bytes(png(1), "image/png", ca, title="title card", actions=made)
    (folder / "title.0001.png").write_bytes(signed)
    (folder / "title.0002.png").write_bytes(png(2))
    parameters = text_chunk("parameters", a1111_parameters())
    (folder / "title.0003.png").write_bytes(insert_before_iend(png(3), parameters))
    store = read_store(folder / "title.0001.png", ca.root_pem)
    assert store is not None
    register = tmp_path / "register.csv"
    register.write_text(
        "request_id,status,scope,c2pa_manifest,written_approval_ref,approved_by,approved_on\n"
        f"GENAI-0001,approved,final,{store['active_manifest']},WA-1,S. Okafor,2026-01-01\n",
        encoding="utf-8",
    )
    common = ["--no-fingerprints", "--trust-anchors", str(tmp_path / "ca.pem"),
              "--approvals", str(register), "--as-of", "2026-06-01"]  # fmt: skip

    doc = scan(tmp_path / "delivery", tmp_path / "with-3", *common)
    [sequence] = doc["assets"]
    assert sequence["sequence"]["ai_frames"] == [1, 3]
    assert (sequence["status"], sequence["approval"], doc["exit_code"]) == ("violation", None, 1)
    assert sequence["credentials"] == "absent"
    [held] = sequence["sequence"]["manifests"]
    assert held["frame"] == 1 and store["active_manifest"] in held["ids"]

    (folder / "title.0003.png").write_bytes(png(3))
    doc = scan(tmp_path / "delivery", tmp_path / "without-3", *common)
    [sequence] = doc["assets"]
    assert sequence["sequence"]["ai_frames"] == [1]
    assert (sequence["status"], sequence["approval"]) == ("approved", "GENAI-0001")
    assert (
        "matched by c2pa_manifest a manifest of every AI frame" in sequence["reasons"][0]["detail"]
    )

    # frames 1 and 3 each signed on their own: an approval listing both manifests covers the
    # sequence (every AI frame holds one it lists), one listing frame 1's alone does not
    third = sign_bytes(png(3), "image/png", ca, title="title card 3", actions=made)
    (folder / "title.0003.png").write_bytes(third)
    other = read_store(folder / "title.0003.png", ca.root_pem)
    assert other is not None
    both = f"{store['active_manifest']};{other['active_manifest']}"
    for listed, expected in ((store["active_manifest"], "violation"), (both, "approved")):
        register.write_text(
            "request_id,status,scope,c2pa_manifest,written_approval_ref,approved_by,approved_on\n"
            f"GENAI-0001,approved,final,{listed},WA-1,S. Okafor,2026-01-01\n",
            encoding="utf-8",
        )
        doc = scan(tmp_path / "delivery", tmp_path / f"signed-{expected}", *common)
        assert doc["assets"][0]["sequence"]["ai_frames"] == [1, 3]
        assert doc["assets"][0]["status"] == expected


def test_an_unsigned_frame_does_not_hide_the_signed_frames_signer(tmp_path: Path) -> None:
    """Three frames signed by a CA nobody trusts, one unsigned: the sequence's credentials are
    `absent` (its weakest frame), and the signed frames' signer is still named (one unsigned
    frame made an approved AI shot `approved` instead of a review: found in review)."""
    from fixtures.c2pa_documents import sign_bytes
    from fixtures.c2pa_sign import action
    from fixtures.ca import make_ca

    ca = make_ca()
    folder = tmp_path / "delivery" / "gfx"
    folder.mkdir(parents=True)
    made = [action("c2pa.created", source_type="trainedAlgorithmicMedia", agent="Adobe Firefly")]
    for n in (1, 2, 3, 4):
        out = io.BytesIO()
        pictures.photo(n, (64, 36)).save(out, "PNG")
        data = out.getvalue()
        if n != 4:
            data = sign_bytes(data, "image/png", ca, title=f"title {n}", actions=made)
        (folder / f"title.{n:04d}.png").write_bytes(data)
    row = "GENAI-1,approved,final,gfx/**,,,WA-1,S. Okafor,2026-01-01"
    doc = scan(tmp_path / "delivery", tmp_path, "--no-fingerprints", rows=[row])
    [sequence] = doc["assets"]
    assert sequence["credentials"] == "absent"
    assert sequence["status"] == "review"
    assert "signer-untrusted" in [r["code"] for r in sequence["reasons"]]
