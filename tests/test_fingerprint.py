"""Perceptual fingerprints of stills: hashing, thumbnails, bad files, known-AI library,
approval references and archival verification, on real files made in tmp_path.

Pictures come from bench/photolike.py, the generator the thresholds were measured on.
"""

from __future__ import annotations

import base64
import io
import struct
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from bench.photolike import photo
from scanner.approvals import load_register
from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.bounds import Limits
from scanner.engine.libraries import build_library, load_references
from scanner.errors import RegisterError
from scanner.fingerprint import hashing, thresholds
from scanner.fingerprint.archive import verify_archival
from scanner.fingerprint.library import hits_as_evidence, match_known_ai
from scanner.fingerprint.references import reference_hits
from scanner.fingerprint.similarity import distance
from scanner.model import ArchivalCheck, Evidence, FrameHash
from tests.extract_helpers import opened, png_chunk

fingerprint_media = opened(hashing.fingerprint_media)

A1111_PARAMETERS = (
    "a red fox in a glass bottle, snow\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, "
    "Model: sd_xl_base_1.0"
)


def media(path: Path) -> MediaFile:
    """The MediaFile the walker makes for `path` (type sniffed from the bytes)."""
    found = [m for m in walk(path.parent) if isinstance(m, MediaFile) and m.path.name == path.name]
    assert len(found) == 1, found
    return found[0]


def save_ai_png(image: Image.Image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_text("parameters", A1111_PARAMETERS)
    image.save(path, pnginfo=info)
    return path


def reexport(image: Image.Image, path: Path, scale: float = 0.5, quality: int = 75) -> Path:
    """Resize and JPEG re-encode with no metadata at all (Pillow writes none unless asked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = image.size
    image.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS).save(
        path, "JPEG", quality=quality
    )
    return path


def archival_look(seed: int, long_side: int = 640) -> Image.Image:
    """A faded grey print: what an archival scan looks like."""
    grey = photo(seed, long_side).convert("L").point(lambda v: 40 + v * 0.7)
    return Image.merge("RGB", (grey, grey, grey))


def paint_in(image: Image.Image, donor: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """Paint another picture's content into an ellipse (a retouched-in object)."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=255)
    out = image.copy()
    out.paste(donor.resize(image.size), (0, 0), mask)
    return out


def hash_of(path: Path) -> FrameHash:
    frames = fingerprint_media(media(path)).frames
    assert len(frames) == 1
    return frames[0]


# --- hashing stills ---------------------------------------------------------------------------


def test_still_gives_one_frame_with_64_bit_hex_hashes_and_a_small_jpeg_thumbnail(
    tmp_path: Path,
) -> None:
    path = tmp_path / "still.jpg"
    photo(1, 1600).save(path, quality=90)
    result = fingerprint_media(media(path))
    assert result.problems == ()
    (frame,) = result.frames
    assert (frame.timecode, frame.keyframe) == (0.0, False)
    assert len(frame.phash) == 16 and int(frame.phash, 16) >= 0
    assert len(frame.dhash) == 16 and int(frame.dhash, 16) >= 0
    prefix = "data:image/jpeg;base64,"
    assert result.thumbnail.startswith(prefix)
    data = base64.b64decode(result.thumbnail[len(prefix) :])
    assert len(data) <= 8 * 1024
    thumb = Image.open(io.BytesIO(data))
    assert thumb.format == "JPEG"
    assert thumb.size == (160, 107)  # 1600x1067 (3:2) fitted in 160


def test_same_picture_hashes_identically_whatever_the_container(tmp_path: Path) -> None:
    picture = photo(2, 800)
    picture.save(tmp_path / "a.png")
    picture.save(tmp_path / "b.webp", lossless=True)
    picture.save(tmp_path / "c.tif")
    hashes = {hash_of(tmp_path / name) for name in ("a.png", "b.webp", "c.tif")}
    assert len(hashes) == 1


def test_heic_and_avif_stills_are_hashed_like_the_png(tmp_path: Path) -> None:
    picture = photo(9, 800)
    picture.save(tmp_path / "c.png")
    picture.save(tmp_path / "a.heic", quality=90)  # pillow_heif, registered by hashing.py
    picture.save(tmp_path / "b.avif", quality=90)  # Pillow's own AVIF plugin
    assert (media(tmp_path / "a.heic").format, media(tmp_path / "b.avif").format) == (
        "HEIC",
        "AVIF",
    )
    png = hash_of(tmp_path / "c.png")
    for name in ("a.heic", "b.avif"):
        assert distance(png, hash_of(tmp_path / name)).total <= 2


def test_exif_orientation_is_applied_before_hashing(tmp_path: Path) -> None:
    upright = photo(3, 800)
    upright.save(tmp_path / "upright.jpg", quality=95)
    stored_sideways = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera stores
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    stored_sideways.save(tmp_path / "tagged.jpg", quality=95, exif=exif)
    d = distance(hash_of(tmp_path / "upright.jpg"), hash_of(tmp_path / "tagged.jpg"))
    assert d.total <= 2
    untagged = tmp_path / "untagged.jpg"
    stored_sideways.save(untagged, quality=95)
    assert distance(hash_of(tmp_path / "upright.jpg"), hash_of(untagged)).total > 20


def test_letterbox_bars_are_trimmed_before_hashing(tmp_path: Path) -> None:
    picture = photo(4, 960)
    picture.save(tmp_path / "plain.png")
    w, h = picture.size
    boxed = Image.new("RGB", (w, h * 4 // 3))
    boxed.paste(picture, (0, (boxed.height - h) // 2))
    boxed.save(tmp_path / "boxed.png")
    assert distance(hash_of(tmp_path / "plain.png"), hash_of(tmp_path / "boxed.png")).total <= 4


def test_flat_and_tiny_pictures_get_no_hash_but_a_note(tmp_path: Path) -> None:
    Image.new("RGB", (640, 360), (12, 12, 12)).save(tmp_path / "black.png")
    Image.new("RGB", (1, 1), (200, 10, 10)).save(tmp_path / "dot.png")
    for name in ("black.png", "dot.png"):
        result = fingerprint_media(media(tmp_path / name))
        assert result.frames == ()
        assert [(p.message, p.fatal) for p in result.problems] == [
            ("picture too small or too flat for a perceptual hash", False)
        ]
        assert result.thumbnail.startswith("data:image/jpeg;base64,")


def test_truncated_jpeg_is_a_fatal_cannot_decode_problem(tmp_path: Path) -> None:
    full = tmp_path / "full.jpg"
    photo(5, 800).save(full, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[:5000])
    result = fingerprint_media(media(cut))
    assert result.frames == () and result.thumbnail == ""
    (problem,) = result.problems
    assert problem.fatal and problem.source == "fingerprint"
    assert problem.message.startswith("cannot decode image: OSError: image file is truncated")


def test_png_signature_with_garbage_after_it_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"garbage" * 20)
    (problem,) = fingerprint_media(media(path)).problems
    assert problem.fatal
    assert problem.message.startswith("cannot decode image:")


def test_jpeg2000_and_apng_pillow_cannot_identify_are_fatal(tmp_path: Path) -> None:
    """Pillow names them JPEG2000 and PNG: a J2K/JP2/APNG it cannot open is broken, not a format
    without a decoder (which would leave a known-AI picture unchecked and the asset clean)."""
    buffer = io.BytesIO()
    photo(7, 320).save(buffer, "JPEG2000", irreversible=False)
    jp2 = buffer.getvalue()
    j2k = bytearray(jp2[jp2.index(b"\xff\x4f\xff\x51") :])
    j2k[2 + 2 + 36 : 2 + 2 + 38] = (5).to_bytes(2, "big")  # SIZ: 5 components, 3 described
    at = jp2.index(b"\xff\x4f\xff\x51")
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    apng = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)[:-4] + b"\x00" * 4  # bad CRC
            + png_chunk(b"acTL", struct.pack(">II", 1, 0)) + png_chunk(b"IEND", b""))  # fmt: skip
    cases = (
        ("b.j2k", bytes(j2k), "J2K"),
        ("b.jp2", jp2[:at] + j2k, "JP2"),
        ("b.png", apng, "APNG"),
    )
    for name, data, fmt in cases:
        path = tmp_path / name
        path.write_bytes(data)
        assert media(path).format == fmt
        (problem,) = fingerprint_media(media(path)).problems
        assert problem.fatal, (name, problem)
        assert problem.message.startswith("cannot decode image:"), name


def test_decompression_bomb_is_refused_from_the_header_naming_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.png"
    photo(6, 400).save(path)
    assert Image.open(path).size == (400, 300)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    result = fingerprint_media(media(path))
    assert result.frames == () and result.thumbnail == ""
    (problem,) = result.problems
    assert problem.fatal
    assert problem.message == (
        "picture is 400x300 = 120000 pixels, over the bound of 100000 pixels "
        "(PIL.Image.MAX_IMAGE_PIXELS): not decoded"
    )
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)  # past 2x: Pillow itself refuses
    (problem,) = fingerprint_media(media(path)).problems
    assert problem.fatal
    assert problem.message.startswith("over the bound of 50000 pixels (PIL.Image.MAX_IMAGE_PIXELS)")


def test_audio_gives_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * 8000)
    assert media(path).kind == "audio"
    assert fingerprint_media(media(path)) == type(fingerprint_media(media(path)))()


# --- known-AI library -------------------------------------------------------------------------


@pytest.fixture
def known_ai(tmp_path: Path) -> Path:
    """A production's generated material: the AI still, other AI stills, a note, an audio file."""
    root = tmp_path / "known-ai"
    save_ai_png(photo(11, 960), root / "gen" / "fox_v3.png")
    for seed in range(20, 26):
        save_ai_png(photo(seed, 480), root / "gen" / f"other_{seed}.png")
    (root / "README.txt").write_text("prompts and seeds", encoding="utf-8")
    return root


def test_stripped_resized_reencoded_copy_of_known_ai_still_is_caught(
    tmp_path: Path, known_ai: Path
) -> None:
    library = build_library(known_ai)
    assert library.files == 7 and len(library.items) == 7 and library.problems == ()

    copy = reexport(photo(11, 960), tmp_path / "delivery" / "final" / "sc12_plate.jpg")
    with Image.open(copy) as opened:  # nothing left to read provenance from
        assert "parameters" not in opened.info and len(opened.getexif()) == 0
    frames = fingerprint_media(media(copy)).frames
    hits = match_known_ai(frames, library, kind="image")

    assert [h.library_file for h in hits] == ["gen/fox_v3.png"]
    (hit,) = hits
    (source,) = [i.frame for i in library.items if i.path == "gen/fox_v3.png"]
    d = distance(frames[0], source)
    assert hit.distance == d and d.total <= thresholds.SAME_PICTURE_MAX
    assert (hit.timecode, hit.library_timecode, hit.meaning) == (None, None, "ai-generated")
    evidence, signals = hits_as_evidence(hits)
    value = f"phash distance {d.phash}, dhash distance {d.dhash}"
    assert evidence == (Evidence("fingerprint", "known-ai:gen/fox_v3.png", value),)
    (signal,) = signals
    assert (signal.rule_id, signal.meaning, signal.strength) == (
        "FP-KNOWN-AI",
        "ai-generated",
        "strong",
    )
    assert (signal.source, signal.field, signal.value) == (
        "fingerprint",
        "known-ai:gen/fox_v3.png",
        value,
    )


def test_known_ai_copy_is_assessed_ai_by_a_whole_scan(tmp_path: Path, known_ai: Path) -> None:
    from scanner.policy.areas import Policy
    from scanner.scan import ScanConfig, scan_delivery

    delivery = tmp_path / "delivery"
    reexport(photo(11, 960), delivery / "final" / "sc12_plate.jpg")
    photo(77, 960).save(delivery / "final" / "sc13_plate.jpg", quality=80)
    config = ScanConfig(policy=Policy(), as_of=date(2026, 11, 1), known_ai=build_library(known_ai))
    result = scan_delivery(delivery, config)
    by_path = {r.analysis.path: r for r in result.assets}
    caught = by_path["final/sc12_plate.jpg"]
    assert caught.analysis.assessment.ai == "generated"
    assert [s.rule_id for s in caught.analysis.assessment.signals] == ["FP-KNOWN-AI"]
    assert caught.finding.status == "violation"
    codes = [r.code for r in caught.finding.reasons]
    assert codes == ["unapproved-ai", "temporary-in-final"]
    assert "gen/fox_v3.png" in caught.finding.reasons[1].detail
    other = by_path["final/sc13_plate.jpg"]
    assert other.analysis.assessment.ai == "none"
    assert other.analysis.assessment.signals == ()


def test_known_ai_copy_in_the_temporary_area_is_temporary_material(
    tmp_path: Path, known_ai: Path
) -> None:
    from scanner.policy.areas import Policy
    from scanner.scan import ScanConfig, scan_delivery

    delivery = tmp_path / "delivery"
    reexport(photo(11, 960), delivery / "temp" / "sc12_previs.jpg")
    policy = Policy(source="test", temporary=("temp/**",))
    config = ScanConfig(policy=policy, as_of=date(2026, 11, 1), known_ai=build_library(known_ai))
    (result,) = scan_delivery(delivery, config).assets
    assert result.analysis.assessment.ai == "generated"
    assert (result.finding.status, [r.code for r in result.finding.reasons]) == (
        "clean",
        ["temporary-material"],
    )


def test_unrelated_library_of_200_gives_no_false_match(tmp_path: Path) -> None:
    library_dir = tmp_path / "library"
    library_dir.mkdir()
    for seed in range(1000, 1200):
        photo(seed, 200).save(library_dir / f"lib_{seed}.png")
    library = build_library(library_dir)
    assert len(library.items) == 200

    # Every library picture finds itself and nothing else (200 x 199 unrelated pairs) ...
    for item in library.items:
        hits = match_known_ai([item.frame], library, kind="image")
        assert [h.library_file for h in hits] == [item.path]
    # ... and 60 unrelated delivery stills, re-encoded, find nothing.
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    for seed in range(5000, 5060):
        path = delivery / f"d_{seed}.jpg"
        photo(seed, 200).save(path, quality=70)
        assert match_known_ai(hash_of_frames(path), library, kind="image") == ()


def hash_of_frames(path: Path) -> tuple[FrameHash, ...]:
    return fingerprint_media(media(path)).frames


def test_library_lists_files_it_cannot_hash(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    photo(30, 300).save(root / "good.png")
    (root / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    Image.new("RGB", (300, 200), (0, 0, 0)).save(root / "black.png")
    library = build_library(root)
    assert library.files == 3
    assert [i.path for i in library.items] == ["good.png"]
    assert sorted((path, p.fatal) for path, p in library.problems) == [
        ("black.png", False),
        ("cut.jpg", True),
    ]


# --- approval references ----------------------------------------------------------------------


def write_register(folder: Path, rows: list[str]) -> Path:
    path = folder / "register.csv"
    path.write_text("request_id,status,scope,reference\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_an_approval_reference_covers_its_reexport(tmp_path: Path) -> None:
    hero = photo(40, 1200)
    save_ai_png(hero, tmp_path / "register" / "refs" / "hero.png")
    save_ai_png(photo(41, 800), tmp_path / "register" / "refs" / "crowd.png")
    register = load_register(
        write_register(
            tmp_path / "register",
            [
                "GENAI-0007,approved,temporary,refs/hero.png",
                "GENAI-0008,approved,temporary,refs/crowd.png",
            ],
        )
    )
    copy = tmp_path / "delivery" / "hero_graded.jpg"
    copy.parent.mkdir()
    graded = hero.resize((600, 400)).point(lambda v: min(255, int(v * 1.1) + 6))
    graded.save(copy, quality=80)
    frames = hash_of_frames(copy)
    (hero_frame,) = frames
    d = distance(hero_frame, hash_of(tmp_path / "register" / "refs" / "hero.png"))
    assert d.total <= thresholds.SAME_PICTURE_MAX
    references = load_references(register)
    assert reference_hits(frames, references) == {
        "GENAI-0007": f"reference refs/hero.png: phash distance {d.phash}, dhash distance {d.dhash}"
    }
    unrelated = tmp_path / "delivery" / "other.jpg"
    photo(42, 800).save(unrelated, quality=80)
    assert reference_hits(hash_of_frames(unrelated), references) == {}


def test_an_undecodable_reference_is_a_register_error_naming_row_and_field(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "register"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "hero.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    rows = ["GENAI-0009,approved,temporary,refs/hero.png"]
    register = load_register(write_register(folder, rows))
    with pytest.raises(RegisterError) as info:
        load_references(register)
    assert (info.value.row, info.value.field) == (2, "reference")
    assert "reference image 'refs/hero.png' gives no perceptual hash" in str(info.value)


# --- archival verification --------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    for n, seed in enumerate((60, 61, 62), start=1):
        archival_look(seed).save(root / f"scan_{n:03d}.png")
    return root


def test_archival_stills_verified_unverified_and_altered(tmp_path: Path, archive: Path) -> None:
    library = build_library(archive)
    delivery = tmp_path / "delivery" / "archival"

    kept = reexport(archival_look(60), delivery / "newsreel_1962.jpg", scale=0.75, quality=85)
    check = verify_archival(hash_of_frames(kept), library)
    assert (check.outcome, check.source) == ("verified", "scan_001.png")
    assert 0 <= check.distance <= thresholds.ARCHIVE_VERIFIED_MAX
    assert check.source_thumbnail == library.thumbnails["scan_001.png"]

    made_up = reexport(archival_look(99), delivery / "riot_1968.jpg", scale=0.75, quality=85)
    assert verify_archival(hash_of_frames(made_up), library) == ArchivalCheck("unverified")

    # A figure painted into scan_002 (about 12% of the picture) and into scan_001 (the same
    # box): the whole-picture distance is large for one and inside the "verified" band for
    # the other; the tiles find the change in both.
    source_hashes = {i.path: i.frame for i in library.items}
    for name, seed, left in (("scan_002.png", 61, 0.35), ("scan_001.png", 60, 0.4)):
        retouched = painted_scan(seed, left)
        painted = reexport(retouched, delivery / f"retouched_{seed}.jpg", 0.75, 85)
        (frame,) = hash_of_frames(painted)
        check = verify_archival((frame,), library)
        assert (check.outcome, check.source) == ("altered", name)
        assert check.distance == distance(frame, source_hashes[name]).total
    assert distance(hash_of(painted), source_hashes["scan_001.png"]).total <= (
        thresholds.ARCHIVE_VERIFIED_MAX
    )


def painted_scan(seed: int, left: float = 0.35) -> Image.Image:
    """Scan `seed` with a figure painted into a 30% x 50% ellipse (12% of the picture)."""
    source = archival_look(seed)
    w, h = source.size
    box = (int(w * left), int(h * 0.3), int(w * (left + 0.3)), int(h * 0.8))
    return paint_in(source, archival_look(500).transpose(Image.Transpose.ROTATE_180), box)


def test_archival_outcomes_reach_the_findings_of_a_whole_scan(
    tmp_path: Path, archive: Path
) -> None:
    from scanner.policy.areas import Policy
    from scanner.scan import ScanConfig, scan_delivery

    delivery = tmp_path / "delivery"
    reexport(archival_look(60), delivery / "archival" / "newsreel_1962.jpg", 0.75, 85)
    reexport(archival_look(99), delivery / "archival" / "riot_1968.jpg", 0.75, 85)
    reexport(painted_scan(61), delivery / "archival" / "crowd_1963.jpg", 0.75, 85)
    config = ScanConfig(
        policy=Policy(archival=("archival/**",)),
        as_of=date(2026, 11, 1),
        archive_source=build_library(archive),
    )
    result = scan_delivery(delivery, config)
    outcomes = {
        r.analysis.path: (r.finding.status, [x.code for x in r.finding.reasons])
        for r in result.assets
    }
    assert outcomes == {
        "archival/crowd_1963.jpg": ("review", ["archival-altered", "no-ai-signal"]),
        "archival/newsreel_1962.jpg": ("clean", ["archival-verified", "no-ai-signal"]),
        "archival/riot_1968.jpg": ("review", ["archival-unverified", "no-ai-signal"]),
    }


def test_archival_check_of_nothing_hashed_is_unverified(archive: Path) -> None:
    assert verify_archival((), build_library(archive)) == ArchivalCheck("unverified")
    bogus = FrameHash(0.0, "not-hex-at-all!!", "zz")  # a tampered stored report
    assert verify_archival((bogus,), build_library(archive)) == ArchivalCheck("unverified")


def test_library_files_are_fingerprinted_under_the_scan_bounds(tmp_path: Path) -> None:
    """A hostile file in a --known-ai folder costs at most the per-asset memory bound and is
    named as a problem of the library; the rest of the library is built."""
    from fixtures.hostile import png_memory_bomb

    folder = tmp_path / "known-ai"
    save_ai_png(photo(50, 600), folder / "fine.png")
    (folder / "bomb.png").write_bytes(png_memory_bomb())
    library = build_library(folder, jobs=2, limits=Limits(memory_bytes=256 << 20))
    assert {item.path for item in library.items} == {"fine.png"}
    assert [(path, p.fatal) for path, p in library.problems] == [("bomb.png", True)]
    assert "256 MiB memory bound" in library.problems[0][1].message
