"""Every file type the C2PA SDK reads is an asset: documents, vector graphics, archives, camera
raws and bare manifest stores, sniffed from their bytes with the exact MIME the SDK takes, and
read for credentials. Real files signed by the fixture CA with c2pa-python."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import c2pa
import pytest

from fixtures import pictures
from fixtures.c2pa_documents import (
    DOCUMENT_MIME,
    docx_bytes,
    epub_bytes,
    pdf_bytes,
    plain_zip,
    sign_bytes,
    stored_zip,
    svg_bytes,
    write,
)
from fixtures.c2pa_sign import action
from fixtures.ca import make_ca
from scanner.discover.sniff import ALL_TYPES, sniff
from scanner.engine.analyse import (
    CREDENTIALS_ONLY,
    PICTURE_NOT_DECODED,
    AnalyseOptions,
    analyse,
)
from tests.extract_helpers import jxl_container as jxl_bytes
from tests.extract_helpers import media_for

AI = [action("c2pa.created", source_type="trainedAlgorithmicMedia", agent="Adobe Firefly")]
ODT = "application/vnd.oasis.opendocument.text"


@pytest.fixture(scope="module")
def ca():
    return make_ca()


def odt_bytes() -> bytes:
    return stored_zip([("mimetype", ODT.encode()), ("content.xml", b"<office:document/>")])


def tiff_with_make(make: bytes) -> bytes:
    """A little-endian TIFF header with IFD0 holding one Make entry (value after the IFD)."""
    value = make + b"\x00"
    offset = 8 + 2 + 12 + 4
    entry = struct.pack("<HHII", 0x010F, 2, len(value), offset)
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + entry + b"\x00" * 4 + value


SNIFFED = [
    ("pdf", pdf_bytes(pictures.photo(1, (32, 24))), "application/pdf", "PDF"),
    ("svg", svg_bytes(), "image/svg+xml", "SVG"),
    ("svg, no XML declaration", b"<!-- logo -->\n<svg xmlns='http://www.w3.org/2000/svg'/>",
     "image/svg+xml", "SVG"),
    ("zip", plain_zip(), "application/x-zip", "ZIP"),
    ("docx", docx_bytes(), DOCUMENT_MIME[".docx"], "DOCX"),
    ("epub", epub_bytes(), "application/epub+zip", "EPUB"),
    ("odt", odt_bytes(), ODT, "ODT"),
    ("xlsm", stored_zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<w/>"),
                         ("xl/vbaProject.bin", b"\x00")]),
     "application/vnd.ms-excel.sheet.macroenabled.12", "XLSM"),
    ("oxps", stored_zip([("[Content_Types].xml", b"<Types/>"),
                         ("Documents/1/FixedDocument.fdoc", b"<x/>")]), "application/oxps", "OXPS"),
    ("nef", tiff_with_make(b"NIKON CORPORATION"), "image/x-nikon-nef", "NEF"),
    ("arw", tiff_with_make(b"SONY"), "image/x-sony-arw", "ARW"),
    ("other tiff", tiff_with_make(b"Canon"), "image/tiff", "TIFF"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "head", "mime", "fmt"), SNIFFED, ids=[s[0] for s in SNIFFED])
def test_c2pa_capable_types_are_sniffed_with_the_sdk_mime(name, head, mime, fmt):
    found = sniff(head)
    assert found is not None
    assert (found.media_type, found.format) == (mime, fmt)
    if found.kind == "document":
        assert mime in c2pa.Reader.get_supported_mime_types()


# What the SDK calls some extensions, in provscan's format names.
FORMAT_OF_EXTENSION = {"jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF", "c2pa": "C2PA"}


def test_every_extension_the_sdk_reads_has_a_format_here():
    formats = {t.format for t in ALL_TYPES}
    missing = [
        ext
        for ext in c2pa.Reader.get_supported_mime_types()
        if "/" not in ext and FORMAT_OF_EXTENSION.get(ext, ext.upper()) not in formats
    ]
    assert missing == []


def test_text_and_html_are_not_documents():
    for head in (b"hello <svg> world", b"<html><body><svg/></body></html>", b"%!PS-Adobe-3.0"):
        assert sniff(head) is None


BUILDERS = [
    ("a.pdf", lambda: pdf_bytes(pictures.photo(2, (48, 32)))),
    ("a.svg", svg_bytes),
    ("a.zip", plain_zip),
    ("a.docx", docx_bytes),
    ("a.epub", epub_bytes),
]


@pytest.mark.parametrize(("name", "build"), BUILDERS, ids=[b[0] for b in BUILDERS])
def test_signed_documents_read_as_ai_with_credentials(tmp_path: Path, ca, name, build):
    data = sign_bytes(build(), DOCUMENT_MIME[Path(name).suffix], ca, title=name, actions=AI)
    path = write(tmp_path / name, data)
    analysis = analyse(media_for(path))
    assert analysis.kind == "document"
    assert analysis.assessment.ai == "generated"
    assert analysis.assessment.generators == ("Adobe Firefly",)
    assert analysis.assessment.credentials == "valid"  # the fixture CA is on no list here
    assert analysis.fingerprints == () and analysis.thumbnail == ""
    assert not analysis.not_inspected and not analysis.unreadable


@pytest.mark.parametrize(("name", "build"), BUILDERS, ids=[b[0] for b in BUILDERS])
def test_documents_without_credentials_are_not_inspected(tmp_path: Path, name, build):
    analysis = analyse(media_for(write(tmp_path / name, build())))
    assert analysis.assessment.ai == "none"
    assert analysis.not_inspected
    assert any(CREDENTIALS_ONLY in p.message for p in analysis.problems)


def test_a_jpeg_xl_without_credentials_is_not_inspected(tmp_path: Path):
    """Its picture is never decoded (no fingerprint): without C2PA nothing looked at it, as with
    a document, so it is not-inspected, never clean; its XMP is still read."""
    for name, data in (("a.jxl", jxl_bytes()), ("bare.jxl", b"\xff\x0a" + bytes(64))):
        analysis = analyse(media_for(write(tmp_path / name, data)))
        assert analysis.assessment.ai == "none" and analysis.not_inspected, name
        assert any(PICTURE_NOT_DECODED in p.message for p in analysis.problems)
    dst = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    packet = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
              f'02/22-rdf-syntax-ns#"><rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/'
              f'Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType="{dst}"/></rdf:RDF>'
              "</x:xmpmeta>").encode()  # fmt: skip
    xml_box = struct.pack(">I4s", 8 + len(packet), b"xml ") + packet
    analysis = analyse(media_for(write(tmp_path / "xmp.jxl", jxl_bytes(xml_box))))
    assert analysis.assessment.ai == "generated" and analysis.not_inspected


def test_a_signed_jpeg_xl_is_read_for_its_credentials(tmp_path: Path, ca):
    data = sign_bytes(jxl_bytes(), "image/jxl", ca, title="a.jxl", actions=AI)
    analysis = analyse(media_for(write(tmp_path / "signed.jxl", data)))
    assert (analysis.assessment.ai, analysis.assessment.credentials) == ("generated", "valid")
    assert not analysis.not_inspected and not analysis.unreadable


def test_a_repacked_docx_breaks_the_collection_hash(tmp_path: Path, ca):
    signed = sign_bytes(docx_bytes(), DOCUMENT_MIME[".docx"], ca, title="t.docx", actions=AI)
    repacked = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(signed)) as old,
        zipfile.ZipFile(repacked, "w", compression=zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"Storyboard", b"Storybored")
            compression = zipfile.ZIP_STORED if info.filename.endswith(".c2pa") else None
            new.writestr(info.filename, data, compress_type=compression)
    path = write(tmp_path / "t.docx", repacked.getvalue())
    analysis = analyse(media_for(path), AnalyseOptions(fingerprints=False))
    assert analysis.assessment.credentials == "invalid"
    assert "assertion.collectionHash.mismatch" in analysis.c2pa.failure_codes
    assert analysis.assessment.ai == "generated"  # what it claims is still shown


def test_garbage_behind_a_pdf_header_is_an_unreadable_asset(tmp_path: Path):
    path = write(tmp_path / "broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4)
    analysis = analyse(media_for(path))
    assert analysis.unreadable  # whether it carries credentials cannot be known
    assert "could not parse" in analysis.problems[0].message
    assert analysis.assessment.ai == "none"
