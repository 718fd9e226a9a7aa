"""Issue 15: the studio-format readers (EXR, DPX/Cineon, MXF, PSD, JPEG 2000, BWF) on files
written by the formats' own tools (OpenEXR, psd-tools, OpenJPEG, FFmpeg) or by the fixture
library, and on the real files of ../shared/promedia (skipped cleanly where absent)."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import pytest

from fixtures import media, pictures, studio
from scanner.extract import bwf, container, dpx, exr, jp2, mxf, psd, xmp
from scanner.extract.formats import exr as exr_format
from scanner.extract.interface import Extracted
from scanner.fingerprint import studio as studio_pixels
from scanner.fingerprint.hashing import fingerprint_media
from scanner.rules.signals import signals_for
from tests.extract_helpers import call_opened, media_for, run

PROMEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "promedia"
EXR_IMAGES = PROMEDIA / "AcademySoftwareFoundation+openexr-images"
PHOTON = PROMEDIA / "Netflix+photon/src/test/resources/TestIMP"
PICTURE = pictures.photo(5, (320, 180))
A1111 = ("a knight on a horse, cinematic\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M "
         "Karras, CFG scale: 7, Seed: 1234, Size: 1024x1024, Model: sdxl")  # fmt: skip
COMFY_GRAPH = ('{"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 30}}, '
               '"4": {"class_type": "CheckpointLoader", "inputs": {"ckpt": "x"}}}')  # fmt: skip
PHOTON_REL = "Netflix+photon/src/test/resources/TestIMP"
HT_VIDEO = f"{PHOTON_REL}/HT/IMP/VIDEO_6ed567b7-c030-46d6-9c1c-0f09bab4b962.mxf"
APP5_REEL = f"{PHOTON_REL}/Application5/PhotonApp5Test/reel1.mxf"


def promedia(rel: str) -> Path:
    path = PROMEDIA / rel
    if not path.exists():
        pytest.skip(f"../shared/promedia not present: {rel}")
    return path


def fields(result: Extracted) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in result.evidence:
        out.setdefault(item.field, []).append(item.value)
    return out


def fatal(result: Extracted) -> list[str]:
    return [p.message for p in result.problems if p.fatal]


def phash_of(path: Path) -> str:
    found = call_opened(fingerprint_media, media_for(path))
    assert found.frames, found.problems
    return found.frames[0].phash


# --- OpenEXR ----------------------------------------------------------------------------------


def test_exr_every_attribute_of_every_part_by_its_raw_name(tmp_path: Path) -> None:
    attributes = {"owner": "ACME Post", "comments": "plate v3", "capDate": "2026:11:20 10:00:00",
                  "software": "Nuke 15.1v3", "nuke/node_hash": "b2ad4c7e9a",
                  "custom:prompt": "a lighthouse at dusk", "myStrings": ["left", "right"],
                  "myInt": 42}  # fmt: skip
    path = tmp_path / "multi.exr"
    path.write_bytes(studio.exr_bytes(PICTURE, attributes, extra_parts=2))
    found = fields(run(exr, path))
    for name, value in attributes.items():
        expected = value if isinstance(value, list) else [str(value)]
        assert found[name] == expected, name
    assert found["part[1]/name"] == ["depth0"] and found["part[2]/channels"] == ["Z:float"]
    assert found["compression"] == ["zip"] and found["dataWindow"] == ["0 0 319 179"]


def test_exr_latin1_attribute_keeps_the_whole_header(tmp_path: Path) -> None:
    """OpenEXR's own File API loses every attribute on one string that is not UTF-8."""
    import OpenEXR

    data = studio.exr_bytes(PICTURE, {"owner": "ACME Post", "software": "Nuke 15"})
    path = tmp_path / "latin1.exr"
    path.write_bytes(studio.patch_bytes(data, b"ACME Post", b"ACME P\xf6st"))
    with pytest.raises(UnicodeDecodeError):
        OpenEXR.File(str(path), header_only=True)
    found = fields(run(exr, path))
    assert found["owner"] == ["ACME Pöst"] and found["software"] == ["Nuke 15"]


def test_exr_bytes_attribute_gives_its_data(tmp_path: Path) -> None:
    """OpenEXR 3.4's `bytes` type (uint32 hint length, hint, data), written by OpenEXR itself:
    the data reaches the rules as text, not as "(N bytes of type bytes)"."""
    import OpenEXR

    graph = OpenEXR.Bytes(COMFY_GRAPH.encode(), "application/json")
    path = tmp_path / "graph.exr"
    path.write_bytes(studio.exr_bytes(PICTURE, {"prompt_graph": graph}))
    result = run(exr, path)
    assert fields(result)["prompt_graph"] == [COMFY_GRAPH] and not fatal(result)
    assert "EXR-COMFYUI-GRAPH" in {s.rule_id for s in signals_for(result.evidence)}


def test_exr_opaque_values_give_their_printable_runs() -> None:
    blob = b"\x00\x01\x02" + b"made with Midjourney v6" + b"\xff\xfe\x00" + b"ok" + b"\x80"
    assert exr.render(exr_format.Attribute(b"blob", b"myBlob", blob)) == ["made with Midjourney v6"]
    assert exr.render(exr_format.Attribute(b"blob", b"myBlob", b"\x00\x01\xff")) == [
        "(3 bytes of type myBlob)"
    ]
    # A hint said to run past the value: the value is read as opaque bytes, whole.
    cut = exr_format.Attribute(b"b", b"bytes", struct.pack("<I", 99) + b"text/plain Steps: 20")
    assert exr.render(cut) == ["text/plain Steps: 20"]


def test_exr_frames_cut_short_or_with_a_broken_offset_table_are_errors(tmp_path: Path) -> None:
    data = studio.exr_bytes(PICTURE, {"owner": "ACME Post"})
    cut = tmp_path / "cut.exr"
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert any("outside the file" in m for m in fatal(run(exr, cut)))
    header = exr_format.read_header(io.BytesIO(data), len(data))
    zeroed = bytearray(data)
    zeroed[header.end : header.end + 8] = b"\x00" * 8
    broken = tmp_path / "zeroed.exr"
    broken.write_bytes(bytes(zeroed))
    assert fatal(run(exr, broken))
    headless = tmp_path / "headless.exr"
    headless.write_bytes(data[:40])
    assert fatal(run(exr, headless))
    whole = tmp_path / "whole.exr"
    whole.write_bytes(data)
    assert not run(exr, whole).problems


def test_exr_missing_required_attribute_is_an_error(tmp_path: Path) -> None:
    data = studio.exr_bytes(PICTURE)
    path = tmp_path / "nochannels.exr"
    path.write_bytes(studio.patch_bytes(data, b"channels\x00chlist", b"channelX\x00chlist"))
    assert any("channels is missing" in m for m in fatal(run(exr, path)))


def test_exr_without_the_attributes_the_library_defaults_is_read(tmp_path: Path) -> None:
    """FFmpeg's EXR encoder writes no pixelAspectRatio; OpenEXR reads such a file with its
    default header's value, so provscan does too (the library is the oracle)."""
    import OpenEXR

    data = studio.exr_bytes(PICTURE)
    path = tmp_path / "noscreen.exr"
    path.write_bytes(studio.patch_bytes(data, b"screenWindowWidth\x00", b"screenWindowWidtX\x00"))
    with OpenEXR.File(str(path)) as opened:
        assert opened.channels()
    assert not fatal(run(exr, path))


def test_exr_pixels_hash_like_the_picture_they_came_from(tmp_path: Path) -> None:
    """Linear half float written from an sRGB picture comes back through the documented
    display transform (clamp + sRGB curve) as the same picture."""
    still = tmp_path / "still.png"
    PICTURE.save(still)
    for compression in ("ZIP", "PIZ", "NO"):
        frame = studio.write_exr(tmp_path / f"f_{compression}.exr", PICTURE,
                                 compression=compression)  # fmt: skip
        assert phash_of(frame) == phash_of(still), compression
    multi = tmp_path / "multi.exr"
    multi.write_bytes(studio.exr_bytes(PICTURE, extra_parts=2))
    assert phash_of(multi) == phash_of(still)


def test_exr_first_view_channels_are_chosen() -> None:
    names = ["A", "B", "G", "R", "Z", "disparityL.x", "left.A", "left.B", "left.G", "left.R"]
    assert studio_pixels.pick_channels(names, ["right", "left"]) == (3, 2, 1)
    assert studio_pixels.pick_channels(["left.R", "left.G", "left.B"], ["left", "right"]) == (
        0, 1, 2)  # fmt: skip
    assert studio_pixels.pick_channels(["beauty.B", "beauty.G", "beauty.R"], []) == (2, 1, 0)
    assert studio_pixels.pick_channels(["Y", "Z"], []) == (0,)
    assert studio_pixels.view_of("forward.left.u", ["right", "left"]) == "left"


def test_exr_real_files_owner_and_stereo() -> None:
    rec709 = promedia("AcademySoftwareFoundation+openexr-images/Chromaticities/Rec709.exr")
    assert fields(run(exr, rec709))["owner"] == ["Copyright 2006 Industrial Light & Magic"]
    stereo = promedia("AcademySoftwareFoundation+openexr-images/Beachball/singlepart.0001.exr")
    found = run(exr, stereo)
    assert fields(found)["multiView"] == ["right", "left"] and not found.problems
    pixels, problem = studio_pixels.decode("EXR", str(stereo))
    assert problem is None and pixels is not None
    assert pixels.size == (455, 438)  # the 911x876 data window, box-reduced by 2


# --- DPX and Cineon -----------------------------------------------------------------------------


def test_dpx_headers_industry_fields_and_user_data(tmp_path: Path) -> None:
    path = studio.write_dpx(tmp_path / "plate.1001.dpx", PICTURE, creator="Nuke 15.1v3",
                            project="LIGHTHOUSE", copyright="(c) ACME \xff\xfe", frame_id="1001",
                            input_device="ARRI ALEXA 35", slate="sc12 tk3",
                            user_data=b"\x00\x01\x02note: final grade\xff\xfe\x00")  # fmt: skip
    found = fields(run(dpx, path))
    assert found["creator"] == ["Nuke 15.1v3"] and found["project"] == ["LIGHTHOUSE"]
    assert found["copyright"] == ["(c) ACME"]  # the bytes that are not text are gone
    assert found["input_device"] == ["ARRI ALEXA 35"] and found["film.frame_id"] == ["1001"]
    assert found["film.slate_info"] == ["sc12 tk3"] and found["tv.timecode"] == ["10:00:00:00"]
    assert found["user_data.id"] == ["provscan-fixture"]
    assert found["user_data"] == ["note: final grade"]
    little = studio.write_dpx(tmp_path / "le.dpx", PICTURE, creator="Nuke", big_endian=False)
    assert fields(run(dpx, little))["creator"] == ["Nuke"]


def test_dpx_without_industry_header_reads_no_industry_fields(tmp_path: Path) -> None:
    """FFmpeg writes no industry header and puts pixels at byte 1664: whatever bytes sit where
    the industry fields would be are pixels, never fields."""
    path = media.dpx_frame(tmp_path / "ffmpeg.dpx", seed=52)
    head = path.read_bytes()[:32]
    assert struct.unpack(">I", head[4:8])[0] == 1664 and struct.unpack(">I", head[28:32])[0] == 0
    found = fields(run(dpx, path))
    assert found["creator"][0].startswith("Lavc")
    assert not [f for f in found if f.startswith(("film.", "tv.", "user_data"))]


def test_dpx_cut_short_is_an_error(tmp_path: Path) -> None:
    data = studio.dpx_bytes(PICTURE, creator="Nuke")
    for keep, expected in ((1000, "truncated"), (len(data) - 500, "truncated")):
        path = tmp_path / f"cut{keep}.dpx"
        path.write_bytes(data[:keep])
        assert any(expected in m for m in fatal(run(dpx, path))), keep


def test_dpx_user_data_running_into_the_image_data_is_read_and_incomplete(tmp_path: Path) -> None:
    """A user-data size that runs into the image data: what lies before the image data is
    read (the rules see it), and the asset is not-inspected, never clean (review A4)."""
    params = b"a knight on a horse\nNegative prompt: blurry\nSteps: 30, Sampler: Euler a"
    data = bytearray(studio.dpx_bytes(PICTURE, creator="Nuke 15", user_data=params))
    user = struct.unpack_from(">I", data, 32)[0]
    struct.pack_into(">I", data, 32, user + 16)
    path = tmp_path / "overlap.dpx"
    path.write_bytes(bytes(data))
    found = run(dpx, path)
    assert "Steps: 30, Sampler: Euler a" in fields(found)["user_data"][0]
    assert [(p.fatal, p.incomplete) for p in found.problems] == [(False, True)]
    assert "would run into the image data" in found.problems[0].message


def test_cineon_origination_fields_and_pixels(tmp_path: Path) -> None:
    path = tmp_path / "scan.0001.cin"
    path.write_bytes(studio.cineon_bytes())
    found = fields(run(dpx, path))
    assert found["input_device"] == ["Northlight scanner"]
    assert found["input_device_model"] == ["model-7"] and found["label"] == ["label text"]
    pixels, problem = studio_pixels.decode("CINEON", str(path))
    assert problem is None and pixels is not None and pixels.size == (8, 4)


def test_dpx_pixels_hash_like_the_picture(tmp_path: Path) -> None:
    still = tmp_path / "still.png"
    PICTURE.save(still)
    frame = studio.write_dpx(tmp_path / "f.dpx", PICTURE)
    assert phash_of(frame) == phash_of(still)


# --- MXF ----------------------------------------------------------------------------------------


def test_mxf_every_identification_set_not_only_the_last(tmp_path: Path) -> None:
    plain = media.mxf_clip(tmp_path / "plain.mxf", seed=53)
    path = tmp_path / "rewrapped.mxf"
    path.write_bytes(studio.add_identification(plain.read_bytes(), "Runway", "Runway Gen-4", "4.0"))
    found = fields(run(mxf, path))
    assert found["identification[0].company_name"] == ["FFmpeg"]
    assert found["identification[1].product_name"] == ["Runway Gen-4"]
    # MediaInfo (the container source) shows only the last Identification set.
    seen = " ".join(e.value for e in run(container, path).evidence)
    assert "Runway" in seen and "OP1a Muxer" not in seen and "FFmpeg" not in seen


def test_mxf_photon_identification_and_aces_essence_header() -> None:
    reel = promedia(
        "Netflix+photon/src/test/resources/TestIMP/Application5/PhotonApp5Test/reel1.mxf"
    )
    found = run(mxf, reel)
    assert not found.problems
    values = fields(found)
    assert values["identification[0].company_name"] == ["WidgetCo"]
    assert values["identification[0].toolkit_version"] == ["2.10.34.27240.1"]
    assert values["essence/acesImageContainerFlag"] == ["1"]
    assert [e.source for e in found.evidence if e.field.startswith("essence/")][0] == "exr"
    video = PHOTON / "HT/IMP/VIDEO_6ed567b7-c030-46d6-9c1c-0f09bab4b962.mxf"
    assert fields(run(mxf, video))["identification[0].product_name"] == ["DaVinci Resolve"]


def aces_reel_with(values: dict[int, bytes]) -> bytearray:
    """The real Photon ACES reel with a `software` string attribute, of the given 46-byte
    value, in place of the `chromaticities` one in each listed frame (0-based)."""
    data = bytearray(promedia(APP5_REEL).read_bytes())
    starts = [m.start() for m in re.finditer(b"v/1\x01", data)]  # each frame's EXR magic
    assert len(starts) == 4
    old = b"chromaticities\x00chromaticities\x00 \x00\x00\x00"  # 66 bytes with its value
    for frame, value in values.items():
        at = data.index(old, starts[frame])
        data[at : at + 66] = b"software\x00string\x00" + len(value).to_bytes(4, "little") + value
    return data


def test_mxf_aces_every_frames_exr_header_is_read(tmp_path: Path) -> None:
    """A generator name in the header of the 3rd of the real reel's 4 frames, none in the first:
    only the first frame's header was read and the reel came out clean (found in review); the
    3rd frame's key with another element number (or version byte) is an essence element too."""
    value = b"ComfyUI (Stable Diffusion XL) prompt workflow".ljust(46)
    data = aces_reel_with({2: value})
    key = data.rindex(bytes.fromhex("060e2b34010201"), 0, data.index(b"ComfyUI"))
    for variant in ("as written", "element number", "version byte"):
        if variant == "element number":
            data[key + 15] ^= 0x01
        elif variant == "version byte":
            data[key + 7] ^= 0x0C
        reel = tmp_path / "reel1.mxf"
        reel.write_bytes(bytes(data))
        found = run(mxf, reel)
        assert not found.problems, variant
        assert fields(found)["essence/software"] == [value.decode()], variant
        assert fields(found)["essence/acesImageContainerFlag"] == ["1"]  # every frame's, once


def test_mxf_aces_values_that_differ_only_in_digits_are_one(tmp_path: Path) -> None:
    """A time code or frame number in every frame's header is one value, not one per frame (a
    reel of 2,000 frames was an evidence-truncated review); letters that differ are kept."""
    values = {1: b"render node 0001".ljust(46), 2: b"render node 0002".ljust(46),
              3: b"render node farm".ljust(46)}  # fmt: skip
    reel = tmp_path / "reel1.mxf"
    reel.write_bytes(bytes(aces_reel_with(values)))
    found = run(mxf, reel)
    assert fields(found)["essence/software"] == [
        "render node 0001".ljust(46),
        "render node farm".ljust(46),
    ]


def test_mxf_aces_frame_problems_past_those_listed_keep_their_weight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every frame's header stopped at a limit, one listed: the others are counted as a limit
    too (they were dropped unsaid before this was read again)."""
    from scanner.extract import mxf as mxf_reader
    from scanner.extract.formats import exr as exr_format

    monkeypatch.setattr(exr_format, "MAX_ATTRIBUTES", 1)
    monkeypatch.setattr(mxf_reader, "MAX_FRAME_PROBLEMS", 1)
    found = run(mxf, promedia(APP5_REEL))
    first, more = found.problems
    assert first.incomplete and "essence frame 1 (OpenEXR)" in first.message
    assert more.incomplete and "3 more essence frame problems, not listed" in more.message


def test_mxf_essence_no_decoder_reads_is_a_note_not_an_error() -> None:
    reel = promedia(
        "Netflix+photon/src/test/resources/TestIMP/Application5/PhotonApp5Test/reel1.mxf"
    )
    found = call_opened(fingerprint_media, media_for(reel))
    assert not found.frames and found.problems
    assert not any(p.fatal for p in found.problems)
    assert "essence frames could not be decoded" in found.problems[0].message
    video = promedia(HT_VIDEO)
    assert call_opened(fingerprint_media, media_for(video)).frames  # HTJ2K decodes


def test_mxf_header_cut_short_is_an_error(tmp_path: Path) -> None:
    data = media.mxf_clip(tmp_path / "m.mxf", seed=53).read_bytes()
    path = tmp_path / "cut.mxf"
    path.write_bytes(data[:3000])
    assert any("truncated" in m for m in fatal(run(mxf, path)))


MXF_PRIMER = bytes.fromhex("060e2b34020501010d01020101050100")
MXF_DM_SET = bytes.fromhex("060e2b34025301010d01040101010100")  # a DMS-1 framework set


def mxf_with_dm_set(items: list[tuple[int, bytes]], primer: dict[int, str]) -> bytes:
    """A minimal MXF: a closed header partition whose header metadata is a Primer Pack
    (`primer`: local tag -> item UL) and one descriptive-metadata set of `items`."""
    entries = b"".join(struct.pack(">H", t) + bytes.fromhex(ul) for t, ul in primer.items())
    metadata = studio._klv(MXF_PRIMER, struct.pack(">II", len(primer), 18) + entries)
    metadata += studio._klv(MXF_DM_SET, studio._set(items))
    pack = struct.pack(">HHIQQQQ", 1, 3, 1, 0, 0, 0, len(metadata)).ljust(88, b"\x00")
    partition = bytes.fromhex("060e2b34020501010d01020101020400")
    return studio._klv(partition, pack) + metadata


def test_mxf_dm_text_keeps_line_breaks_and_drops_binary_items(tmp_path: Path) -> None:
    """DM text with line breaks reaches the rules (review A3); identifiers, references and
    integers are never decoded as UTF-16 "text" (review R2)."""
    params = "a knight on a horse\nNegative prompt: blurry\r\nSteps: 30,\tSampler: Euler a"
    title = "\u751f\u6210\u3055\u308c\u305f\u6620\u50cf\u3067\u3059"  # 9 CJK chars
    uid = bytes.fromhex("7b2c9e41a53f4d8e9c0f5a6b1d2e3f40")
    items = [
        (0x3C0A, uid),  # InstanceUID (the Primer names it)
        (0x0102, bytes.fromhex("4e2d65878a9e00415a0b7c3d9e1f2a3b")),  # GenerationUID
        (0x8001, params.encode("utf-16-be")),
        (0x8002, struct.pack(">I", 0x4E2D6587)),  # a uint32 whose bytes decode as CJK
        (0x8003, uid),  # a strong reference: a UID-sized value
        (0x8004, struct.pack(">II", 2, 16) + uid + uid[::-1]),  # a batch of references
        (0x8005, bytes.fromhex("060e2b34040101010d01040101010100")),  # a UL-valued item
        (0x8006, title.encode("utf-16-be") + b"\x00\x00"),
        (0x8007, "Sora".encode("utf-16-be")),  # short Latin text: a name, kept
        (0x8008, b"\xd8\x00\x00A"),  # a lone surrogate
    ]
    primer = {0x3C0A: "060e2b34010101010101150200000000"}
    path = tmp_path / "dm.mxf"
    path.write_bytes(mxf_with_dm_set(items, primer))
    found = run(mxf, path)
    assert not found.problems
    assert [(e.field, e.value) for e in found.evidence] == [
        ("descriptive/tag-8001", params),
        ("descriptive/tag-8006", title),
        ("descriptive/tag-8007", "Sora"),
    ]


# --- PSD ----------------------------------------------------------------------------------------

PSD_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
    b'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
    b'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
    b'xmp:CreatorTool="Adobe Photoshop 26.0"><photoshop:DocumentAncestors><rdf:Bag>'
    b"<rdf:li>xmp.did:0a1b2c</rdf:li></rdf:Bag></photoshop:DocumentAncestors>"
    b'<xmpMM:History><rdf:Seq><rdf:li stEvt:action="created" '
    b'stEvt:softwareAgent="Adobe Photoshop 26.0"/></rdf:Seq></xmpMM:History>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def test_psd_layers_iptc_xmp_and_composite(tmp_path: Path) -> None:
    layers = [("Background copy", PICTURE), ("Généré 2", PICTURE.crop((0, 0, 90, 60)))]
    iptc = {65: "Adobe Photoshop", 120: "key art"}
    path = studio.write_psd(tmp_path / "keyart.psd", PICTURE, layers, xmp=PSD_XMP, iptc=iptc)
    found = fields(run(psd, path))
    assert found["layer[0].name"] == ["Background copy"] and found["layer[1].name"] == ["Généré 2"]
    assert found["layer[1].kind"] == ["pixel"] and found["iptc.caption"] == ["key art"]
    assert "1060" in found["image_resources"][0]
    packet = fields(run(xmp, path))
    assert packet["photoshop:DocumentAncestors"] == ["xmp.did:0a1b2c"]
    assert packet["xmpMM:History/stEvt:softwareAgent"] == ["Adobe Photoshop 26.0"]
    still = tmp_path / "still.png"
    PICTURE.save(still)
    assert phash_of(path) == phash_of(still)


def test_psd_cut_short_is_an_error(tmp_path: Path) -> None:
    data = studio.write_psd(tmp_path / "a.psd", PICTURE, [("L", PICTURE)]).read_bytes()
    path = tmp_path / "cut.psd"
    path.write_bytes(data[:200])
    assert fatal(run(psd, path))


def test_psd_flat_document_is_read_not_an_error(tmp_path: Path) -> None:
    """No layers: the layer and mask section's length is 0, and what follows is the image data,
    never a layer count (review R1)."""
    from psd_tools import PSDImage

    path = tmp_path / "flat.psd"
    PSDImage.frompil(PICTURE).save(str(path))
    found = run(psd, path)
    assert not found.problems and not any(f.startswith("layer[") for f in fields(found))


def psd_with_resources(path: Path, *resources: tuple[int, bytes]) -> Path:
    """A layered PSD (psd-tools) with raw image resources (id, body) appended to its own."""
    data = bytearray(studio.write_psd(path, PICTURE, [("Layer 1", PICTURE)]).read_bytes())
    pos = 26 + 4 + struct.unpack_from(">I", data, 26)[0]
    length = struct.unpack_from(">I", data, pos)[0]
    extra = b"".join(
        b"8BIM" + struct.pack(">HHI", ident, 0, len(body)) + body + b"\x00" * (len(body) & 1)
        for ident, body in resources
    )
    struct.pack_into(">I", data, pos, length + len(extra))
    end = pos + 4 + length
    path.write_bytes(bytes(data[:end]) + extra + bytes(data[end:]))
    return path


def iim(dataset: int, value: bytes, extended: bool = False) -> bytes:
    if extended:  # the size's top bit set: its low bits say how many bytes the real size takes
        return bytes([0x1C, 2, dataset]) + struct.pack(">HI", 0x8004, len(value)) + value
    return bytes([0x1C, 2, dataset]) + struct.pack(">H", len(value)) + value


def test_psd_iptc_after_an_extended_dataset_is_read(tmp_path: Path) -> None:
    """An IIM extended dataset is skipped by its size; what follows is read (review A10), and
    bytes that are not datasets make the asset not-inspected, never silently clean."""
    program = iim(65, b"Midjourney v6") + iim(120, b"Key art")
    path = psd_with_resources(tmp_path / "a.psd", (1028, iim(202, b"\x00" * 40, True) + program))
    found = run(psd, path)
    assert fields(found)["iptc.originating_program"] == ["Midjourney v6"]
    assert not found.problems
    junk = psd_with_resources(tmp_path / "b.psd", (1028, iim(120, b"Key art") + b"\xff" * 9))
    found = run(psd, junk)
    assert fields(found)["iptc.caption"] == ["Key art"]
    assert [(p.fatal, p.incomplete) for p in found.problems] == [(False, True)]
    assert "9 bytes from byte 12 are not IIM datasets" in found.problems[0].message


def test_psd_every_xmp_packet_is_read(tmp_path: Path) -> None:
    """Two XMP resources: the reader read only the last (review A11); now every one, so the
    generated-media packet counts wherever it is."""
    from scanner.extract.formats import psd as psd_format

    generated = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        b'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
        b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
    )
    for packets in ([generated, PSD_XMP], [PSD_XMP, generated]):
        path = psd_with_resources(tmp_path / "two.psd", *((1060, p) for p in packets))
        data = path.read_bytes()
        scanned = psd_format.scan(io.BytesIO(data), len(data), layers=False)
        assert scanned.xmp_packets == [
            ("resource 1060", packets[0]),
            ("resource 1060 #2", packets[1]),
        ]
        assert fields(run(xmp, path))["Iptc4xmpExt:DigitalSourceType"][0].endswith("Media")
        assert run(psd, path).problems == ()


# --- JPEG 2000 ----------------------------------------------------------------------------------


def test_jp2_xmp_uuid_boxes_and_comment(tmp_path: Path) -> None:
    path = tmp_path / "a.jp2"
    path.write_bytes(studio.jp2_bytes(PICTURE, xmp=PSD_XMP, comment="Graded in Resolve",
                                      uuid_boxes=((b"\x11" * 16, b"hello"),)))  # fmt: skip
    found = fields(run(jp2, path))
    assert found["comment"] == ["Graded in Resolve"] and found["uuid[" + "11" * 16 + "]"]
    assert fields(run(xmp, path))["xmp:CreatorTool"] == ["Adobe Photoshop 26.0"]
    still = tmp_path / "still.png"
    PICTURE.save(still)
    assert phash_of(path) == phash_of(still)
    codestream = path.read_bytes()
    bare = tmp_path / "a.j2k"
    bare.write_bytes(codestream[codestream.index(b"\xff\x4f\xff\x51") :])
    assert fields(run(jp2, bare))["comment"] == ["Graded in Resolve"]
    cut = tmp_path / "cut.jp2"
    cut.write_bytes(codestream[: len(codestream) - 100])
    assert fatal(run(jp2, cut))


def test_jp2_xmp_in_an_xml_box_is_read_wherever_the_packet_starts(tmp_path: Path) -> None:
    body = b'<?xml version="1.0"?><!--' + b" " * 5000 + b"-->" + PSD_XMP
    plain = studio.jp2_bytes(PICTURE)
    at = plain.index(b"jp2c") - 4
    path = tmp_path / "late.jp2"
    path.write_bytes(plain[:at] + struct.pack(">I4s", 8 + len(body), b"xml ") + body + plain[at:])
    assert fields(run(xmp, path))["xmp:CreatorTool"] == ["Adobe Photoshop 26.0"]


def test_jp2_uuid_box_text_reaches_the_rules(tmp_path: Path) -> None:
    """JP2-GENPARAMS covers "a JPEG 2000 text or uuid box": a uuid box gives its text (or, when
    binary, its printable runs), no longer only its size."""
    path = tmp_path / "uuid.jp2"
    binary = b"\x00\x07\xff" + b"Midjourney v6 --ar 16:9" + b"\x00\x81\x02"
    boxes = (
        (b"\x5a" * 16, A1111.encode()),
        (b"\x5b" * 16, binary),
        (b"\x5c" * 16, b"\x00\x01\x02"),
    )
    path.write_bytes(studio.jp2_bytes(PICTURE, uuid_boxes=boxes))
    result = run(jp2, path)
    found = fields(result)
    assert found["uuid[" + "5a" * 16 + "]"] == [A1111]
    assert found["uuid[" + "5b" * 16 + "]"] == ["Midjourney v6 --ar 16:9"]
    assert found["uuid[" + "5c" * 16 + "]"] == ["3 bytes, no text"]
    assert "JP2-GENPARAMS" in {s.rule_id for s in signals_for(result.evidence)}


# --- Broadcast WAV ------------------------------------------------------------------------------

IXML = ('<?xml version="1.0" encoding="UTF-8"?><BWFXML><IXML_VERSION>2.10</IXML_VERSION>'
        "<PROJECT>LIGHTHOUSE</PROJECT><SCENE>12A</SCENE><TAKE>3</TAKE><NOTE>boom 2 off</NOTE>"
        "<TRACK_LIST><TRACK><NAME>VO</NAME></TRACK></TRACK_LIST></BWFXML>")  # fmt: skip


def test_bwf_bext_and_ixml(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    path.write_bytes(studio.bwf_bytes(description="Dialogue stem", originator="Sound Devices 888",
                                      originator_reference="USSDVABCD1234",
                                      coding_history="A=PCM,F=48000,W=24,M=mono,T=888\r\n",
                                      loudness=(-2300, 500, -100, -1800, -2000),
                                      time_reference=48_000 * 3600, ixml=IXML))  # fmt: skip
    found = fields(run(bwf, path))
    assert found["bext.originator"] == ["Sound Devices 888"]
    assert found["bext.description"] == ["Dialogue stem"]
    assert found["bext.coding_history"] == ["A=PCM,F=48000,W=24,M=mono,T=888"]
    assert found["bext.loudness_value"] == ["-23.00"]
    assert found["bext.time_reference"] == [str(48_000 * 3600)]
    assert found["ixml/PROJECT"] == ["LIGHTHOUSE"]
    assert found["ixml/TRACK_LIST/TRACK/NAME"] == ["VO"]


def test_bwf_ixml_with_entities_is_refused(tmp_path: Path) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><BWFXML><NOTE>&a;</NOTE></BWFXML>'
    path = tmp_path / "bomb.wav"
    path.write_bytes(studio.bwf_bytes(originator="x", ixml=bomb))
    assert any("iXML refused" in m for m in fatal(run(bwf, path)))


def test_bwf_bext_after_the_declared_riff_end_is_read(tmp_path: Path) -> None:
    """A bext chunk appended without updating the RIFF size is read (review A9)."""
    plain = studio.bwf_bytes(0.05)
    start = plain.index(b"bext")
    end = start + 8 + struct.unpack_from("<I", plain, start + 4)[0]
    body = plain[12:start] + plain[end:]
    wav = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body
    path = tmp_path / "appended.wav"
    path.write_bytes(wav + studio.bext_chunk(originator="ElevenLabs"))
    found = run(bwf, path)
    assert fields(found)["bext.originator"] == ["ElevenLabs"] and not found.problems


def test_bwf_ixml_not_well_formed_is_incomplete_and_read_as_text(tmp_path: Path) -> None:
    """One unescaped `&` (a hand-rolled XML writer) loses the parse: the chunk's texts are still
    read, under the fields a parse gives, and the source says it was not parsed."""
    params = ('{"prompt": "tense orchestral drone", "steps": 100, "cfg_scale": 7, '
              '"seed": 123456, "sampler_type": "dpmpp-3m-sde"}')  # fmt: skip
    sloppy = f"<BWFXML><PROJECT>Drum & Bass</PROJECT><NOTE>{params}</NOTE><T><N>x</N></T></BWFXML>"
    path = tmp_path / "sloppy.wav"
    path.write_bytes(studio.bwf_bytes(originator="Pro Tools", ixml=sloppy))
    result = run(bwf, path)
    found = fields(result)
    assert found["ixml/PROJECT"] == ["Drum & Bass"] and found["ixml/NOTE"] == [params]
    assert found["ixml/T/N"] == ["x"]
    (problem,) = result.problems
    assert problem.incomplete and not problem.fatal
    assert problem.message.startswith("iXML is not well-formed XML")
    assert "BWF-GENPARAMS" in {s.rule_id for s in signals_for(result.evidence)}


@pytest.mark.parametrize("mipmap", [False, True], ids=["tiled", "tiled-mipmap"])
def test_exr_tiled_and_mipmapped_frames_read_and_hash(tmp_path: Path, mipmap: bool) -> None:
    """Tiled files (OpenImageIO's writer: tiles 64x32, or a mipmapped texture) pass the offset
    check, whose tile count follows the level mode and rounding, and decode by tiles."""
    import numpy as np
    import OpenImageIO as oiio

    still = tmp_path / "still.png"
    PICTURE.save(still)
    linear = studio.srgb_to_linear(PICTURE).astype(np.float32)
    path = tmp_path / "tiled.exr"
    spec = oiio.ImageSpec(PICTURE.width, PICTURE.height, 3, "half")
    spec.tile_width, spec.tile_height = 64, 32
    if mipmap:
        buffer = oiio.ImageBuf(spec)
        buffer.set_pixels(oiio.ROI(), linear)
        assert oiio.ImageBufAlgo.make_texture(oiio.MakeTxTexture, buffer, str(path))
    else:
        output = oiio.ImageOutput.create(str(path))
        assert output.open(str(path), spec) and output.write_image(linear)
        output.close()
    found = run(exr, path)
    assert not found.problems and fields(found)["tiles"][0].startswith("64x")
    assert phash_of(path) == phash_of(still)
