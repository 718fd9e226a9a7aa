"""xmp extractor: packets found in every container, properties named prefix:LocalName,
hostile XML refused as a Problem; checked on real files made here and on the corpus."""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path

import pytest
from PIL import Image

from scanner.extract import xmp
from scanner.extract.formats import bmff, jpeg
from scanner.extract.xmp_rdf import MAX_PROPERTIES
from tests.extract_helpers import (
    DST,
    box,
    corpus_file,
    itxt_chunk,
    jpeg_segment,
    jpeg_with,
    jxl_container,
    messages,
    pairs,
    png_file,
    riff_chunk,
    riff_file,
    run,
    uuid_box,
    write_video,
    xmp_packet,
    ztxt_chunk,
)

RICH_BODY = (
    "<dc:creator><rdf:Seq><rdf:li>Ann</rdf:li><rdf:li>Bob</rdf:li></rdf:Seq></dc:creator>"
    '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Shot 10</rdf:li>'
    '<rdf:li xml:lang="fr">Plan 10</rdf:li></rdf:Alt></dc:title>'
    "<dc:subject><rdf:Bag><rdf:li>cat</rdf:li></rdf:Bag></dc:subject>"
    f'<Iptc4xmpExt:DigitalSourceType rdf:resource="{DST}compositeWithTrainedAlgorithmicMedia"/>'
    "<Iptc4xmpExt:AISystemUsed>Gen Model</Iptc4xmpExt:AISystemUsed>"
    '<xmpMM:History><rdf:Seq><rdf:li rdf:parseType="Resource">'
    "<stEvt:action>created</stEvt:action><stEvt:softwareAgent>Firefly</stEvt:softwareAgent>"
    "</rdf:li></rdf:Seq></xmpMM:History>"
    '<tc260:AIGC>{"Label":"1"}</tc260:AIGC>'
    "<my:Custom>custom value</my:Custom>"
    "<Custom2>no namespace prefix</Custom2>"
)
RICH_NAMESPACES = (
    'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
    'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
    'xmlns:AIGC="http://www.tc260.org.cn/ns/AIGC/1.0/" '
    'xmlns:my="http://example.com/my/" '
    'xmlns:tc260="http://www.tc260.org.cn/ns/AIGC/1.0/" '
    'xmlns="http://example.com/default/"'
)
RICH_ATTRIBUTES = 'xmp:CreatorTool="Tool 1.0" Iptc4xmpExt:DigImageGUID="guid-1"'
RICH_EXPECTED = [
    ("xmp:CreatorTool", "Tool 1.0"),
    ("Iptc4xmpExt:DigImageGUID", "guid-1"),
    ("dc:creator", "Ann"),
    ("dc:creator", "Bob"),
    ("dc:title", "Shot 10"),
    ("dc:title", "Plan 10"),
    ("dc:subject", "cat"),
    ("Iptc4xmpExt:DigitalSourceType", DST + "compositeWithTrainedAlgorithmicMedia"),
    ("Iptc4xmpExt:AISystemUsed", "Gen Model"),
    ("xmpMM:History/stEvt:action", "created"),
    ("xmpMM:History/stEvt:softwareAgent", "Firefly"),
    ("tc260:AIGC", '{"Label":"1"}'),
    ("my:Custom", "custom value"),
    ("{http://example.com/default/}Custom2", "no namespace prefix"),
]


def rich_packet() -> bytes:
    return xmp_packet(RICH_BODY, RICH_ATTRIBUTES, RICH_NAMESPACES)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_jpeg_attribute_and_element_forms(tmp_path: Path) -> None:
    data = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + rich_packet()))
    result = run(xmp, write(tmp_path, "a.jpg", data))
    assert pairs(result) == RICH_EXPECTED
    assert result.problems == ()


def test_jpeg_made_by_pillow(tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    body = "<photoshop:Credit>Made with Google AI</photoshop:Credit>"
    ns = 'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    Image.new("RGB", (8, 8)).save(path, "JPEG", xmp=xmp_packet(body, namespaces=ns))
    assert pairs(run(xmp, path)) == [("photoshop:Credit", "Made with Google AI")]


def test_jpeg_extended_xmp_is_joined_when_referenced(tmp_path: Path) -> None:
    guid = "0123456789ABCDEF0123456789ABCDEF"
    main = xmp_packet(
        "", f'xmpNote:HasExtendedXMP="{guid}"', 'xmlns:xmpNote="http://ns.adobe.com/xmp/note/"'
    )
    extended = xmp_packet("<dc:description>long text</dc:description>")
    parts = []
    for offset in range(0, len(extended), 300):
        head = jpeg.EXTENDED_XMP_ID + guid.encode() + struct.pack(">II", len(extended), offset)
        parts.append(jpeg_segment(0xE1, head + extended[offset : offset + 300]))
    data = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + main), *parts)
    result = run(xmp, write(tmp_path, "ext.jpg", data))
    assert pairs(result) == [
        ("xmpNote:HasExtendedXMP", guid),
        ("dc:description", "long text"),
    ]
    assert result.problems == ()
    # The same parts without the reference: ignored, and said so.
    data = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + xmp_packet("")), *parts)
    result = run(xmp, write(tmp_path, "unref.jpg", data))
    assert pairs(result) == []
    assert messages(result) == [
        ("xmp", "ExtendedXMP present but not referenced by the main packet: ignored", False)
    ]


def test_png_itxt_plain_compressed_and_raw_profile(tmp_path: Path) -> None:
    packet = xmp_packet("<xmp:CreatorTool>PNG Tool</xmp:CreatorTool>")
    plain = png_file([itxt_chunk("XML:com.adobe.xmp", packet.decode())])
    squeezed = png_file([], [itxt_chunk("XML:com.adobe.xmp", packet.decode(), compressed=True)])
    profile = b"\nxmp\n" + b"%8d" % len(packet) + b"\n" + packet.hex().encode()
    raw = png_file([ztxt_chunk("Raw profile type xmp", profile.decode())])
    for name, data in (("plain.png", plain), ("z.png", squeezed), ("raw.png", raw)):
        result = run(xmp, write(tmp_path, name, data))
        assert pairs(result) == [("xmp:CreatorTool", "PNG Tool")], name
        assert result.problems == ()


def test_tiff_tag_700_and_webp_chunk_from_pillow(tmp_path: Path) -> None:
    packet = rich_packet()
    Image.new("RGB", (8, 8)).save(tmp_path / "t.tif", tiffinfo={700: packet})
    Image.new("RGB", (8, 8)).save(tmp_path / "w.webp", xmp=packet)
    assert pairs(run(xmp, tmp_path / "t.tif")) == RICH_EXPECTED
    assert pairs(run(xmp, tmp_path / "w.webp")) == RICH_EXPECTED


def test_wav_pmx_chunk(tmp_path: Path) -> None:
    data = riff_file(
        b"WAVE",
        riff_chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)),
        riff_chunk(b"data", b"\x00" * 64),
        riff_chunk(b"_PMX", xmp_packet("<xmp:CreatorTool>Audio Tool</xmp:CreatorTool>")),
    )
    assert pairs(run(xmp, write(tmp_path, "a.wav", data))) == [("xmp:CreatorTool", "Audio Tool")]


def test_heic_and_avif_items(tmp_path: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    packet = rich_packet()
    Image.new("RGB", (16, 16)).save(tmp_path / "i.heic", xmp=packet)
    Image.new("RGB", (16, 16)).save(tmp_path / "i.avif", xmp=packet)
    assert pairs(run(xmp, tmp_path / "i.heic")) == RICH_EXPECTED
    assert pairs(run(xmp, tmp_path / "i.avif")) == RICH_EXPECTED


def test_mp4_uuid_and_mov_udta(tmp_path: Path) -> None:
    packet = xmp_packet(f'<Iptc4xmpExt:DigitalSourceType>{DST}trainedAlgorithmicMedia'
                        "</Iptc4xmpExt:DigitalSourceType>")  # fmt: skip
    movie = write_video(tmp_path / "m.mp4", "mp4", "libx264")
    mp4 = write(tmp_path, "x.mp4", movie + uuid_box(bmff.XMP_UUID, packet))
    expected = [("Iptc4xmpExt:DigitalSourceType", DST + "trainedAlgorithmicMedia")]
    assert pairs(run(xmp, mp4)) == expected
    # MOV: moov/udta/XMP_. FFmpeg writes moov last, so growing it does not move the media.
    movie = write_video(tmp_path / "m.mov", "mov", "libx264")
    moov_at = movie.rfind(b"moov") - 4
    moov_size = struct.unpack(">I", movie[moov_at : moov_at + 4])[0]
    assert moov_at + moov_size == len(movie)
    extra = box(b"udta", box(b"XMP_", packet))
    grown = struct.pack(">I", moov_size + len(extra)) + movie[moov_at + 4 :] + extra
    mov = write(tmp_path, "x.mov", movie[:moov_at] + grown)
    assert pairs(run(xmp, mov)) == expected


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&e;</dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


@pytest.mark.parametrize("packet", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_dtd_and_entities_are_refused_not_expanded(tmp_path: Path, packet: bytes) -> None:
    data = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + packet))
    started = time.perf_counter()
    result = run(xmp, write(tmp_path, "bomb.jpg", data))
    assert time.perf_counter() - started < 2
    assert pairs(result) == []
    [(source, message, fatal)] = messages(result)
    assert (source, fatal) == ("xmp", True)  # crafted: what it hides is lost (issue 7)
    assert message.startswith("APP1: XMP packet refused: it declares a DTD or entities")


def test_malformed_packets(tmp_path: Path) -> None:
    broken = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + b"<x:xmpmeta><rdf:RDF>"))
    result = run(xmp, write(tmp_path, "broken.jpg", broken))
    assert pairs(result) == []
    [(_, message, fatal)] = messages(result)
    assert message.startswith("APP1: XMP packet is not well-formed XML") and not fatal
    assert result.problems[0].incomplete  # what it says is unknown: never a plain clean
    # Junk around an otherwise good packet (seen in real files): read anyway.
    packet = xmp_packet("<xmp:CreatorTool>ok</xmp:CreatorTool>")
    junk = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + b"\x00\x01junk" + packet + b"<trailing"))
    result = run(xmp, write(tmp_path, "junk.jpg", junk))
    assert (pairs(result), result.problems) == ([("xmp:CreatorTool", "ok")], ())
    # An empty packet (padding only) holds nothing unread: a note, not a reason to re-inspect.
    empty = jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + b"  \x00\x00\n"))
    result = run(xmp, write(tmp_path, "empty.jpg", empty))
    assert messages(result) == [("xmp", "APP1: empty XMP packet", False)]
    assert not result.problems[0].incomplete


SLOPPY_BODY = (
    "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>Cats & Dogs</rdf:li></rdf:Alt></dc:title>"
    "<xmp:CreatorTool>Midjourney &amp; co</xmp:CreatorTool>"
    '<xmpMM:History><rdf:Seq><rdf:li stEvt:softwareAgent="Adobe Firefly"/></rdf:Seq>'
    "</xmpMM:History><!-- <dc:hidden>not a property</dc:hidden> -->"
)
SLOPPY_NAMESPACES = (
    'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
    'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"'
)


def test_a_packet_that_is_not_well_formed_is_read_as_text_and_incomplete(
    tmp_path: Path,
) -> None:
    """One unescaped `&` (a hand-rolled writer) loses the parse: the packet's properties are
    still read, named as the parser names them, and the source says it was not parsed."""
    attributes = f'Iptc4xmpExt:DigitalSourceType="{DST}trainedAlgorithmicMedia"'
    packet = xmp_packet(SLOPPY_BODY, attributes, SLOPPY_NAMESPACES)
    result = run(
        xmp, write(tmp_path, "sloppy.jpg", jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + packet)))
    )
    assert pairs(result) == [
        ("Iptc4xmpExt:DigitalSourceType", DST + "trainedAlgorithmicMedia"),
        ("dc:title", "Cats & Dogs"),
        ("xmp:CreatorTool", "Midjourney & co"),
        ("xmpMM:History/stEvt:softwareAgent", "Adobe Firefly"),
    ]
    (problem,) = result.problems
    assert problem.incomplete and not problem.fatal
    assert problem.message.startswith("APP1: XMP packet is not well-formed XML")
    assert "read without parsing" in problem.message


def test_a_packet_read_as_text_expands_no_entity_of_its_own(tmp_path: Path) -> None:
    """An undefined entity breaks the parse; read as text, only the predefined character
    references are resolved: `&xxe;` stays as written, nothing is fetched or expanded."""
    packet = xmp_packet("<dc:title>&xxe; &lt;ok&gt; &#65;</dc:title>")
    result = run(
        xmp, write(tmp_path, "entity.jpg", jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + packet)))
    )
    assert pairs(result) == [("dc:title", "&xxe; <ok> A")]
    assert [p.incomplete for p in result.problems] == [True]


@pytest.mark.parametrize(
    "hostile",
    [
        b"<a>" * 400_000,
        b"</a>" * 300_000,
        b"<a " + b"a" * 1_200_000,
        b'<a b="c" ' * 150_000,
        b"<!--" * 300_000,
        b"<![CDATA[" * 150_000,
        b'<a x="' * 200_000,
        b"<" * 1_200_000,
    ],
    ids=["opens", "closes", "name-run", "attributes", "comments", "cdata", "open-quotes", "lt"],
)
def test_reading_markup_as_text_is_linear_on_hostile_bytes(hostile: bytes) -> None:
    started = time.perf_counter()
    found = xmp.loose_markup(hostile, MAX_PROPERTIES)
    assert time.perf_counter() - started < 3
    assert len(found) <= MAX_PROPERTIES


def test_jpeg_xl_xml_box(tmp_path: Path) -> None:
    packet = xmp_packet(f"<Iptc4xmpExt:DigitalSourceType>{DST}trainedAlgorithmicMedia"
                        "</Iptc4xmpExt:DigitalSourceType>")  # fmt: skip
    result = run(xmp, write(tmp_path, "a.jxl", jxl_container(box(b"xml ", packet))))
    assert pairs(result) == [("Iptc4xmpExt:DigitalSourceType", DST + "trainedAlgorithmicMedia")]
    assert result.problems == ()
    assert run(xmp, write(tmp_path, "bare.jxl", b"\xff\x0a" + bytes(64))) == xmp.Extracted()


def test_jpeg_xl_xmp_that_could_not_be_read_is_incomplete(tmp_path: Path) -> None:
    brotli = jxl_container(box(b"brob", b"xml " + bytes(40)))
    (problem,) = run(xmp, write(tmp_path, "brob.jxl", brotli)).problems
    assert problem.incomplete and "Brotli-compressed (brob) xml box: not read" in problem.message
    # A box that claims more than the file holds ends the walk: an XMP box after it is unread.
    broken = jxl_container(struct.pack(">I4s", 4096, b"jxlp"))
    result = run(xmp, write(tmp_path, "broken.jxl", broken))
    assert any(p.incomplete and "JXL boxes:" in p.message for p in result.problems)


def test_property_count_and_depth_limits_make_the_source_incomplete(tmp_path: Path) -> None:
    """A marker past the property cap is not read: the XMP source says a limit stopped it
    (the asset is not-inspected), it does not come out quietly short."""
    body = "".join(f"<dc:p{i}>v{i}</dc:p{i}>" for i in range(MAX_PROPERTIES + 50))
    data = png_file([itxt_chunk("XML:com.adobe.xmp", xmp_packet(body).decode())])
    result = run(xmp, write(tmp_path, "many.png", data))
    assert len(result.evidence) == MAX_PROPERTIES
    (problem,) = result.problems
    assert problem.incomplete and not problem.fatal
    assert f"more than {MAX_PROPERTIES:,} properties" in problem.message
    deep = "".join("<dc:s><rdf:Description>" for _ in range(40))
    deep += "<dc:hidden>x</dc:hidden>" + "".join("</rdf:Description></dc:s>" for _ in range(40))
    result = run(
        xmp,
        write(tmp_path, "deep.jpg", jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + xmp_packet(deep)))),
    )
    assert any(p.incomplete and "nested deeper" in p.message for p in result.problems)


def test_values_are_handed_on_whole(tmp_path: Path) -> None:
    big = xmp_packet("<dc:zz>" + "x" * 20000 + "</dc:zz>")
    result = run(xmp, write(tmp_path, "big.jpg", jpeg_with(jpeg_segment(0xE1, jpeg.XMP_ID + big))))
    assert result.evidence[0].value == "x" * 20000  # the analysis caps it for the report


def test_every_standard_xmp_packet_is_read(tmp_path: Path) -> None:
    """exiftool reads a second standard XMP APP1 segment: a marker there must count."""
    first = xmp_packet("<xmp:CreatorTool>Camera</xmp:CreatorTool>")
    second = xmp_packet(f"<Iptc4xmpExt:DigitalSourceType>{DST}trainedAlgorithmicMedia"
                        "</Iptc4xmpExt:DigitalSourceType>")  # fmt: skip
    data = jpeg_with(
        jpeg_segment(0xE1, jpeg.XMP_ID + first), jpeg_segment(0xE1, jpeg.XMP_ID + second)
    )
    result = run(xmp, write(tmp_path, "two.jpg", data))
    assert ("Iptc4xmpExt:DigitalSourceType", f"{DST}trainedAlgorithmicMedia") in pairs(result)


def test_other_formats_are_left_alone(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "g.gif")
    assert run(xmp, tmp_path / "g.gif") == xmp.Extracted()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "BMP")
    assert run(xmp, write(tmp_path, "b.bmp", buffer.getvalue())) == xmp.Extracted()


# --- corpus -----------------------------------------------------------------------------------


def test_corpus_sundae_png_declares_trained_algorithmic_media() -> None:
    path = corpus_file("contentauth+c2pa-rs/sdk/tests/fixtures/repro-sundae-ice-cream.png")
    result = run(xmp, path)
    assert pairs(result) == [
        ("Iptc4xmpExt:DigitalSourceFileType", DST + "trainedAlgorithmicMedia"),
        ("Iptc4xmpExt:DigitalSourceType", DST + "trainedAlgorithmicMedia"),
        ("photoshop:Credit", "Made with Google AI"),
    ]
    assert result.problems == ()


def test_corpus_iptc_reference_image_says_software_image() -> None:
    path = corpus_file(
        "sinfin+folio/test/fixtures/folio/metadata_test_images/IPTC-PhotometadataRef-Std2023.1.jpg"
    )
    result = run(xmp, path)
    found = dict(pairs(result))
    assert found["Iptc4xmpExt:DigitalSourceType"] == DST + "softwareImage"
    assert (
        found["Iptc4xmpExt:DigImageGUID"] == "http://example.com/imageGUIDs/TestGUID12345/ref2023.1"
    )
    assert len(result.evidence) == 230  # distinct (field, value) pairs of the whole packet
    assert result.problems == ()


@pytest.mark.parametrize(
    ("rel", "provenance"),
    [
        (
            "contentauth+c2pa-rs/sdk/tests/fixtures/cloud.jpg",
            "https://cai-manifests.adobe.com/manifests/adobe-urn-uuid-5f37e182-3687-462e-a7fb-573462780391",
        ),
        (
            "contentauth+c2pa-rs/sdk/tests/fixtures/video1.mp4",
            "self#jumbf=/c2pa/urn:uuid:54281c07-ad34-430e-bea5-112a18facf0b/c2pa.claim",
        ),
        (
            "contentauth+c2pa-rs/sdk/tests/fixtures/IMG_0003_aca.png",
            "https://cai-manifests.adobe.com/manifests/urn-c2pa-183f6d90-0843-49d8-8e28-52ad4e8d446c-adobe",
        ),
    ],
)
def test_corpus_dcterms_provenance(rel: str, provenance: str) -> None:
    found = [v for f, v in pairs(run(xmp, corpus_file(rel))) if f == "dcterms:provenance"]
    assert found == [provenance]
