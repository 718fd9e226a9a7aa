"""The committed sample delivery (fixtures/delivery) is what fixtures/delivery.md says.

Read back with independent readers: c2pa.Reader (offline context, with and without the
committed root as trust anchor), Pillow, PyAV, exifread, defusedxml and a PNG chunk walk.
"""

from __future__ import annotations

import hashlib
import json
import re

import av
import pillow_heif
import pytest
from cryptography import x509
from fixture_readback import (
    BY_PATH,
    DELIVERY,
    DST,
    IPTC_EXT,
    REPO,
    ROOT_PEM,
    SIGNED,
    active_manifest,
    delivered,
    exif_tags,
    manifest_actions,
    png_chunks,
    xmp_fields,
)
from PIL import Image, ImageStat

from fixtures import bmff
from fixtures.delivery_plan import EXPECTED, POLICY_FILE, POLICY_TOML, delivery_markdown
from fixtures.factory import (
    a1111_parameters,
    all_actions,
    failure_codes,
    read_store,
)

pillow_heif.register_heif_opener()


def test_layout_is_exactly_the_plan():
    files = {p.relative_to(DELIVERY).as_posix() for p in DELIVERY.rglob("*") if p.is_file()}
    assert files == set(BY_PATH)  # no provscan.toml: the policy lives outside the delivery
    assert len(EXPECTED) == 54


def test_the_sample_policy_is_outside_the_delivery_and_written_from_the_plan():
    assert (REPO / "fixtures" / POLICY_FILE).read_text(encoding="utf-8") == POLICY_TOML


def test_delivery_md_is_written_from_the_plan():
    assert (REPO / "fixtures" / "delivery.md").read_text(encoding="utf-8") == delivery_markdown()


def test_committed_root_is_the_ca_root_and_no_key_is_tracked():
    root = x509.load_pem_x509_certificate(ROOT_PEM.read_bytes())
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    ignore = (REPO / "fixtures" / "ca" / ".gitignore").read_text(encoding="utf-8")
    assert "*.key" in ignore.splitlines()


@pytest.mark.parametrize("rel", SIGNED)
def test_signed_files_validate_and_chain_to_the_committed_root(rel):
    item = BY_PATH[rel]
    store = read_store(delivered(rel))
    anchored = read_store(delivered(rel), ROOT_PEM.read_bytes())
    if item.credentials == "valid":
        assert store["validation_state"] == "Valid"
        assert failure_codes(store) == ["signingCredential.untrusted"]
        assert anchored["validation_state"] == "Trusted"
        assert failure_codes(anchored) == []
    else:
        assert store["validation_state"] == anchored["validation_state"] == "Invalid"
        assert "assertion.dataHash.mismatch" in failure_codes(anchored)
    signer = active_manifest(store)["signature_info"]
    assert signer["common_name"] == "provscan fixtures signer (throwaway)"
    if item.ai == "generated":
        first = manifest_actions(active_manifest(store))[0]
        assert first["action"] == "c2pa.created"
        assert first["digitalSourceType"] == DST + "trainedAlgorithmicMedia"
        assert first["softwareAgent"]["name"] == item.tools[0]


def test_tampered_copy_breaks_only_the_pixels():
    original = delivered("final/stills/ai_still.jpg").read_bytes()
    tampered = delivered("final/stills/ai_still_tampered.jpg").read_bytes()
    assert len(original) == len(tampered)
    changed = [i for i, (a, b) in enumerate(zip(original, tampered, strict=True)) if a != b]
    assert len(changed) == 4
    assert all(original[i] ^ tampered[i] == 1 for i in changed)
    with Image.open(delivered("final/stills/ai_still_tampered.jpg")) as image:
        image.load()
        assert image.size == (640, 480)
    store = read_store(delivered("final/stills/ai_still_tampered.jpg"))
    assert failure_codes(store) == ["signingCredential.untrusted", "assertion.dataHash.mismatch"]
    same = read_store(delivered("final/stills/ai_still.jpg"))
    assert store["active_manifest"] == same["active_manifest"]


def test_composite_carries_the_ai_ingredient_manifest():
    store = read_store(delivered("final/stills/composite_with_ai.jpg"))
    manifest = active_manifest(store)
    assert manifest["claim_generator_info"][0]["name"] == "Adobe Photoshop"
    actions = manifest_actions(manifest)
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.placed"]
    assert actions[1]["digitalSourceType"] == DST + "compositeWithTrainedAlgorithmicMedia"
    relations = {i["relationship"]: i for i in manifest["ingredients"]}
    assert set(relations) == {"parentOf", "componentOf"}
    assert "active_manifest" not in relations["parentOf"]  # the photo had no credentials
    ai_label = relations["componentOf"]["active_manifest"]
    ai_actions = manifest_actions(store["manifests"][ai_label])
    assert ai_actions[0]["digitalSourceType"] == DST + "trainedAlgorithmicMedia"
    assert ai_actions[0]["softwareAgent"]["name"] == "Adobe Firefly"
    deltas = store["validation_results"]["ingredientDeltas"]
    codes = {c["code"] for d in deltas for c in d["validationDeltas"]["success"]}
    assert "ingredient.manifest.validated" in codes
    assert len(all_actions(store)) == 3


def test_capture_signed_claims_a_camera():
    store = read_store(delivered("final/stills/capture_signed.jpg"))
    manifest = active_manifest(store)
    assert manifest["claim_generator_info"][0]["name"] == "Leica M11-P"
    assert manifest_actions(manifest) == [
        {"action": "c2pa.created", "digitalSourceType": DST + "digitalCapture"}
    ]
    # exifread 3.5 finds no EXIF once c2pa-rs has put its APP11 segments before APP1: Pillow does.
    with Image.open(delivered("final/stills/capture_signed.jpg")) as image:
        exif = image.getexif()
    assert (exif[0x010F], exif[0x0110]) == ("Leica Camera AG", "LEICA M11-P")


@pytest.mark.parametrize(
    "rel, make, model, software",
    [
        ("final/stills/camera_001.jpg", "Canon", "Canon EOS R5", None),
        ("final/stills/camera_002.jpg", "NIKON CORPORATION", "NIKON Z 9", "Ver.04.00"),
    ],
)
def test_camera_stills_have_exif_and_nothing_else(rel, make, model, software):
    tags = exif_tags(delivered(rel))
    assert (tags["Image Make"], tags["Image Model"]) == (make, model)
    assert tags.get("Image Software") == software
    with Image.open(delivered(rel)) as image:
        assert "xmp" not in image.info
    assert read_store(delivered(rel)) is None


def test_xmp_only_ai_declares_trained_algorithmic_media_without_c2pa():
    with Image.open(delivered("final/stills/xmp_only_ai.jpg")) as image:
        fields = xmp_fields(image.info["xmp"])
        assert "exif" not in image.info
    assert fields[IPTC_EXT + "DigitalSourceType"] == DST + "trainedAlgorithmicMedia"
    assert read_store(delivered("final/stills/xmp_only_ai.jpg")) is None


def test_exif_generator_is_written_like_fooocus():
    tags = exif_tags(delivered("final/stills/exif_generator.jpg"))
    assert tags["Image Software"] == "Fooocus v2.5.5"
    assert tags["Image MakerNote"] == "fooocus"
    with Image.open(delivered("final/stills/exif_generator.jpg")) as image:
        parameters = json.loads(image.getexif()[0x9286])
    assert parameters["version"] == "Fooocus v2.5.5"
    assert parameters["sampler"] == "dpmpp_2m_sde_gpu"


def test_a1111_png_has_parameters_before_the_image_data():
    chunks = png_chunks(delivered("final/stills/a1111.png").read_bytes())
    kinds = [kind for kind, _ in chunks]
    assert kinds[:2] == [b"IHDR", b"tEXt"] and kinds[-1] == b"IEND"
    keyword, text = chunks[1][1].split(b"\x00", 1)
    assert keyword == b"parameters"
    assert text.decode("latin-1") == a1111_parameters(seed=1)
    assert re.search(
        r"\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, ", text.decode()
    )
    with Image.open(delivered("final/stills/a1111.png")) as image:
        assert image.size == (512, 512)


@pytest.mark.parametrize("rel", ["final/stills/comfyui.png", "temp/previs/previs_ai.png"])
def test_comfyui_png_holds_api_and_ui_graphs(rel):
    with Image.open(delivered(rel)) as image:
        image.load()
        api, workflow = json.loads(image.text["prompt"]), json.loads(image.text["workflow"])
        size = image.size
    classes = {node["class_type"] for node in api.values()}
    assert {"KSampler", "CheckpointLoaderSimple", "CLIPTextEncode", "SaveImage"} <= classes
    latent = next(n for n in api.values() if n["class_type"] == "EmptyLatentImage")
    assert (latent["inputs"]["width"], latent["inputs"]["height"]) == size
    assert len(workflow["nodes"]) == len(api) and workflow["last_link_id"] == len(workflow["links"])


@pytest.mark.parametrize(
    "rel, fmt",
    [
        ("final/stills/plain.tif", "TIFF"),
        ("final/stills/plain.webp", "WEBP"),
        ("final/stills/plain.heic", "HEIF"),
        ("final/stills/plain.avif", "AVIF"),
        ("final/stills/plain.gif", "GIF"),
        ("final/stills/plain.dng", "TIFF"),
    ],
)
def test_plain_stills_decode_and_carry_no_credentials(rel, fmt):
    with Image.open(delivered(rel)) as image:
        image.load()
        assert image.format == fmt
        assert "xmp" not in image.info
    assert read_store(delivered(rel)) is None


def test_dng_carries_dng_version():
    with Image.open(delivered("final/stills/plain.dng")) as image:
        assert image.tag_v2[50706] == b"\x01\x04\x00\x00"


@pytest.mark.parametrize(
    "rel, codec",
    [
        ("final/video/ai_h264.mp4", "h264"),
        ("final/video/ai_prores.mov", "prores"),
        ("final/video/iptc_xmp.mov", "h264"),
        ("final/video/plain.mp4", "h264"),
    ],
)
def test_videos_decode_two_seconds_at_320x240(rel, codec):
    with av.open(str(delivered(rel))) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == codec
        frames = list(container.decode(stream))
    assert len(frames) == 48
    assert (frames[0].width, frames[0].height) == (320, 240)


def test_iptc_xmp_mov_has_udta_xmp_with_the_ai_source_type():
    data = delivered("final/video/iptc_xmp.mov").read_bytes()
    moov = bmff.top_level(data, b"moov")
    xmp = bmff.child(data, bmff.child(data, moov, b"udta"), b"XMP_")
    fields = xmp_fields(data[xmp.body : xmp.end])
    assert fields[IPTC_EXT + "DigitalSourceType"] == DST + "trainedAlgorithmicMedia"
    assert read_store(delivered("final/video/iptc_xmp.mov")) is None


@pytest.mark.parametrize(
    "rel, codec",
    [
        ("final/audio/dialogue.wav", "pcm_s16le"),
        ("final/audio/music.mp3", "mp3float"),
        ("final/audio/fx.flac", "flac"),
        ("final/audio/vo.m4a", "aac"),
    ],
)
def test_audio_decodes(rel, codec):
    with av.open(str(delivered(rel))) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == codec
        samples = sum(frame.samples for frame in container.decode(stream))
        assert stream.codec_context.sample_rate == 48000
    assert 2 * 48000 <= samples <= 2 * 48000 + 2048  # encoder padding at most


@pytest.mark.parametrize(
    "rel, magic, codec",
    [
        ("final/vfx/sh010/sh010_comp_v003.1001.exr", bytes.fromhex("762f3101"), "exr"),
        ("final/vfx/sh020/sh020_plate.1001.dpx", b"SDPX", "dpx"),
        ("final/masters/ep104_master.mxf", bytes.fromhex("060e2b34020501010d01020101020400"),
         "mpeg2video"),
    ],
)  # fmt: skip
def test_vfx_formats_are_real_files(rel, magic, codec):
    """FFmpeg, not provscan, decodes the studio files the fixture library wrote itself."""
    assert delivered(rel).read_bytes().startswith(magic)
    with av.open(str(delivered(rel))) as container:
        assert container.streams.video[0].codec_context.name == codec
        assert next(container.decode(video=0)).width in (192, 320)


def test_studio_files_read_back_with_their_own_libraries():
    """psd-tools, OpenEXR and the stdlib wave reader (not provscan) see what the plan says."""
    import wave

    import OpenEXR
    from psd_tools import PSDImage

    psd = PSDImage.open(delivered("final/stills/keyart_layers.psd"))
    assert [layer.name for layer in psd.descendants()] == [
        "Background",
        "Sky",
        "Generative Layer 1",
    ]
    header = OpenEXR.File(str(delivered("final/vfx/sh010/sh010_comp_v003.1004.exr"))).header()
    assert '"class_type": "KSampler"' in header["nuke/comfyui_graph"]
    assert header["software"] == "Nuke 15.1v3"
    with wave.open(str(delivered("final/audio/stems/DX_stem_bwf.wav"))) as stem:
        assert (stem.getframerate(), stem.getsampwidth()) == (48000, 3)
    assert delivered("final/stills/._camera_001.jpg").read_bytes()[:4] == bytes.fromhex("00051607")


def test_broken_files():
    truncated = delivered("final/broken/truncated.jpg")
    assert truncated.read_bytes()[:2] == b"\xff\xd8"
    with Image.open(truncated) as image, pytest.raises(OSError, match="truncated"):
        image.load()
    assert delivered("final/broken/empty.png").stat().st_size == 0


def test_archival_stills():
    with Image.open(delivered("archival/photo_1962.jpg")) as image:
        assert "xmp" not in image.info and "exif" not in image.info
        saturation = ImageStat.Stat(image.convert("HSV").getchannel("S")).mean[0]
        grain = ImageStat.Stat(image.convert("L")).stddev[0]
    with Image.open(delivered("final/stills/camera_001.jpg")) as colour:
        colour_saturation = ImageStat.Stat(colour.convert("HSV").getchannel("S")).mean[0]
    assert saturation < 40 < colour_saturation  # grey, where a camera still is colourful
    assert grain > 20
    assert read_store(delivered("archival/photo_1962.jpg")) is None
    ai = delivered("archival/photo_1971_ai.jpg")
    with Image.open(ai) as image:
        fields = xmp_fields(image.info["xmp"])
    assert fields[IPTC_EXT + "DigitalSourceType"] == DST + "trainedAlgorithmicMedia"
    first = manifest_actions(active_manifest(read_store(ai)))[0]
    assert first["digitalSourceType"] == DST + "trainedAlgorithmicMedia"


def test_checksums_list_every_final_file():
    lines = delivered("docs/checksums.md5").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    finals = [p for p in EXPECTED if p.path.startswith("final/")]
    assert set(listed) == {p.path for p in finals}
    for rel, digest in listed.items():
        assert hashlib.md5(delivered(rel).read_bytes()).hexdigest() == digest
