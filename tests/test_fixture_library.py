"""The fixture library writes real files that are what they claim, into tmp_path.

Also: the generator rebuilds the delivery from nothing, byte for byte for unsigned files.
"""

from __future__ import annotations

import zlib

import av
import imagehash
import pillow_heif
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from fixture_readback import (
    BY_PATH,
    SIGNED,
    active_manifest,
    decoded_frames,
    delivered,
    exif_tags,
    manifest_actions,
    png_chunks,
    xmp_fields,
)
from PIL import Image

from fixtures import bmff
from fixtures.delivery_plan import EXPECTED, build_delivery
from fixtures.factory import (
    a1111_parameters,
    a1111_png,
    action,
    ai_still,
    audio_file,
    empty,
    exif_block,
    failure_codes,
    h264_mp4,
    load_ca,
    make_ca,
    mov_with_iptc_xmp,
    mp4_with_xmp_uuid,
    mxf_clip,
    photo,
    plain_avif,
    plain_heic,
    plain_jpeg,
    read_store,
    sign_c2pa,
    tampered_copy,
    truncated_copy,
    xmp_packet,
)

pillow_heif.register_heif_opener()


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))


def test_ca_certificates_have_the_shape_c2pa_accepts(ca, tmp_path):
    leaf = x509.load_pem_x509_certificate(ca.leaf_pem)
    root = x509.load_pem_x509_certificate(ca.root_pem)
    assert leaf.issuer == root.subject
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    days = (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days
    assert 3640 <= days <= 3650
    assert ca.chain_pem.startswith(ca.leaf_pem)


def test_load_ca_round_trips_and_refuses_incomplete_folders(tmp_path):
    made = make_ca(tmp_path / "ca")
    assert load_ca(tmp_path / "ca") == made
    (tmp_path / "ca" / "signer.key").unlink()
    assert load_ca(tmp_path / "ca") is None
    other = make_ca(tmp_path / "other")
    (tmp_path / "ca" / "signer.key").write_bytes(other.leaf_key_pem)  # key of another cert
    assert load_ca(tmp_path / "ca") is None


@pytest.mark.parametrize("suffix", [".png", ".wav", ".mp3", ".flac", ".m4a", ".mp4"])
def test_sign_c2pa_signs_more_formats(ca, tmp_path, suffix):
    if suffix == ".png":
        src = a1111_png(tmp_path / "src.png")
    elif suffix == ".mp4":
        src = h264_mp4(tmp_path / "src.mp4", seconds=0.5)
    else:
        src = audio_file(tmp_path / f"src{suffix}", "music", seconds=0.5)
    dst = tmp_path / f"signed{suffix}"
    created = action("c2pa.created", source_type="trainedAlgorithmicMedia", agent="Suno")
    sign_c2pa(src, dst, ca, title=dst.name, actions=[created])
    store = read_store(dst, ca.root_pem)
    assert store["validation_state"] == "Trusted"
    assert manifest_actions(active_manifest(store))[0]["softwareAgent"] == {"name": "Suno"}
    assert read_store(src) is None


def test_sign_c2pa_refuses_to_overwrite_its_source(ca, tmp_path):
    src = plain_jpeg(tmp_path / "a.jpg", 1)
    with pytest.raises(ValueError, match="must differ"):
        sign_c2pa(src, src, ca, title="a.jpg", actions=[action("c2pa.created")])


def test_tampered_copy_of_any_signed_jpeg(ca, tmp_path):
    signed = ai_still(tmp_path / "ai.jpg", ca, "Midjourney", seed=3)
    broken = tampered_copy(signed, tmp_path / "broken.jpg", flips=1)
    assert "assertion.dataHash.mismatch" in failure_codes(read_store(broken))
    with pytest.raises(ValueError, match="not a JPEG"):
        tampered_copy(a1111_png(tmp_path / "x.png"), tmp_path / "y.png")


def test_a1111_ztxt_after_idat_variant(tmp_path):
    path = a1111_png(tmp_path / "late.png", seed=4, ztxt_after_idat=True)
    chunks = png_chunks(path.read_bytes())
    kinds = [kind for kind, _ in chunks]
    assert kinds.index(b"zTXt") > max(i for i, k in enumerate(kinds) if k == b"IDAT")
    assert kinds[-1] == b"IEND" and b"tEXt" not in kinds
    keyword, rest = chunks[kinds.index(b"zTXt")][1].split(b"\x00", 1)
    assert keyword == b"parameters" and rest[0] == 0
    assert zlib.decompress(rest[1:]).decode() == a1111_parameters(seed=4)


@pytest.mark.parametrize("faststart", [False, True])
def test_mov_udta_xmp_patch_keeps_every_sample_in_place(tmp_path, faststart):
    plain = h264_mp4(tmp_path / "plain.mov", seed=5, faststart=faststart, container_format="mov")
    patched = mov_with_iptc_xmp(tmp_path / "xmp.mov", seed=5, faststart=faststart)
    data = patched.read_bytes()
    order = [box.kind for box in bmff.boxes(data)]
    assert (order.index(b"moov") < order.index(b"mdat")) is faststart
    assert len(data) > plain.stat().st_size
    assert decoded_frames(patched) == decoded_frames(plain)
    moov = bmff.top_level(data, b"moov")
    assert bmff.child(data, bmff.child(data, moov, b"udta"), b"XMP_") is not None


def test_mp4_xmp_uuid_box_at_the_end(tmp_path):
    path = mp4_with_xmp_uuid(tmp_path / "u.mp4", xmp_packet(creator_tool="Runway"))
    data = path.read_bytes()
    last = list(bmff.boxes(data))[-1]
    assert last.kind == b"uuid"
    assert data[last.body : last.body + 16] == bmff.XMP_UUID.bytes
    fields = xmp_fields(data[last.body + 16 : last.end])
    assert fields["{http://ns.adobe.com/xap/1.0/}CreatorTool"] == "Runway"
    assert len(decoded_frames(path)) == 48


def test_video_from_timed_stills(tmp_path):
    first, second = photo(1, (320, 240)), photo(2, (320, 240))
    path = h264_mp4(tmp_path / "cut.mp4", 2.0, [(second, 1.0), (first, 0.0)])
    with av.open(str(path)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    hashes = [imagehash.phash(image) for image in (first, second)]
    early, late = imagehash.phash(frames[12]), imagehash.phash(frames[36])
    assert early - hashes[0] <= 6 < early - hashes[1]
    assert late - hashes[1] <= 6 < late - hashes[0]


def test_photo_seeds_give_unrelated_pictures():
    hashes = [imagehash.phash(photo(seed)) for seed in range(8)]
    distances = [a - b for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) >= 16
    assert photo(3).tobytes() == photo(3).tobytes()


def test_unsigned_builders_are_deterministic(tmp_path):
    builders = [
        lambda p: plain_jpeg(p / "a.jpg", 5, exif={"Make": "Canon"}),
        lambda p: plain_heic(p / "a.heic", 5),
        lambda p: plain_avif(p / "a.avif", 5),
        lambda p: h264_mp4(p / "a.mp4", 1.0),
        lambda p: mxf_clip(p / "a.mxf", 0.5),
        lambda p: audio_file(p / "a.mp3", "speech", 0.5),
    ]
    for build in builders:
        one, two = build(tmp_path / "one"), build(tmp_path / "two")
        assert one.read_bytes() == two.read_bytes(), one.name


def test_exif_block_and_xmp_packet(tmp_path):
    fields = {"Make": "Canon", "Artist": "Jo Doe", "UserComment": "Steps: 20", "Software": "x"}
    path = plain_jpeg(tmp_path / "e.jpg", 1, exif=fields, xmp=xmp_packet(title="T & <1>"))
    tags = exif_tags(path)
    assert (tags["Image Make"], tags["Image Artist"]) == ("Canon", "Jo Doe")
    assert tags["EXIF UserComment"] == "Steps: 20"
    with Image.open(path) as image:
        assert (
            xmp_fields(image.info["xmp"])["{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li"]
            == "T & <1>"
        )
    with pytest.raises(ValueError, match="unknown EXIF field"):
        exif_block({"Lens": "x"})


def test_truncated_copy_and_empty(tmp_path):
    src = plain_jpeg(tmp_path / "a.jpg", 1)
    cut = truncated_copy(src, tmp_path / "b.jpg", keep=0.25)
    assert cut.stat().st_size == src.stat().st_size // 4
    assert src.read_bytes().startswith(cut.read_bytes())
    assert empty(tmp_path / "x" / "e.png").stat().st_size == 0


@pytest.mark.slow
def test_regenerating_reproduces_every_unsigned_file(tmp_path, ca):
    root = tmp_path / "delivery"
    written = build_delivery(root, ca)
    assert {p.relative_to(root).as_posix() for p in written} == set(BY_PATH)
    signed_or_derived = set(SIGNED) | {"docs/checksums.md5"}
    for item in EXPECTED:
        if item.path in signed_or_derived:
            continue
        fresh, committed = (root / item.path).read_bytes(), delivered(item.path).read_bytes()
        assert fresh == committed, (
            f"{item.path} differs: run `python fixtures/generate.py fixtures`"
        )
    assert (
        read_store(root / "final/stills/ai_still.jpg", ca.root_pem)["validation_state"] == "Trusted"
    )
