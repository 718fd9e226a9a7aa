"""Documents, vector graphics, archives and bare manifest stores the C2PA SDK reads, by their bytes.

PDF, SVG, ZIP and the ZIP-based office, OpenDocument, EPUB and XPS formats, and bare C2PA
manifest stores (`.c2pa` sidecars).

Their kind is `document`: provscan reads only their content credentials (the C2PA SDK reads
these types), takes no perceptual fingerprint of them and does not look at the pictures
inside, so one without a C2PA store is not-inspected (`scanner.engine.analyse`). MIME types
are the exact strings c2pa-python 0.38.1 takes: the SDK finds SVG and ZIP-based containers
only by that name (`application/zip` is not one of them: `application/x-zip` is). Fonts are
not among the types c2pa-python 0.38.1 reads (`font/woff2` is NotSupported): they stay "not
media" until the SDK reads them.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentType:
    media_type: str
    format: str


PDF = DocumentType("application/pdf", "PDF")
SVG = DocumentType("image/svg+xml", "SVG")
ZIP = DocumentType("application/x-zip", "ZIP")
EPUB = DocumentType("application/epub+zip", "EPUB")
OXPS = DocumentType("application/oxps", "OXPS")
C2PA_STORE = DocumentType("application/c2pa", "C2PA")
# Bytes of no known type that carry a C2PA sidecar (the walk makes them assets, never sniff).
FILE = DocumentType("application/octet-stream", "FILE")
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = DocumentType(_OOXML + "wordprocessingml.document", "DOCX")
XLSX = DocumentType(_OOXML + "spreadsheetml.sheet", "XLSX")
PPTX = DocumentType(_OOXML + "presentationml.presentation", "PPTX")
DOCM = DocumentType("application/vnd.ms-word.document.macroenabled.12", "DOCM")
XLSM = DocumentType("application/vnd.ms-excel.sheet.macroenabled.12", "XLSM")
PPTM = DocumentType("application/vnd.ms-powerpoint.presentation.macroenabled.12", "PPTM")
_ODF = "application/vnd.oasis.opendocument."
ODF_TYPES = tuple(
    DocumentType(_ODF + name, fmt)
    for name, fmt in (
        ("text", "ODT"), ("text-template", "OTT"), ("spreadsheet", "ODS"),
        ("spreadsheet-template", "OTS"), ("presentation", "ODP"),
        ("presentation-template", "OTP"), ("graphics", "ODG"), ("graphics-template", "OTG"),
    )
)  # fmt: skip
DOCUMENT_TYPES = (
    PDF, SVG, ZIP, EPUB, OXPS, C2PA_STORE, FILE, DOCX, XLSX, PPTX, DOCM, XLSM, PPTM, *ODF_TYPES,
)  # fmt: skip
_BY_MIMETYPE_MEMBER = {t.media_type: t for t in (EPUB, *ODF_TYPES)}

_SVG_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,512}\?>\s*)?"
    rb"(?:(?:<!--.{0,8192}?-->|<!DOCTYPE[^>\[]{0,1024}(?:\[[^\]]{0,16384}\])?\s*>)\s*)*"
    rb"<(?:[A-Za-z_][\w.-]{0,32}:)?svg[\s>/]",
    re.DOTALL,
)
_ZIP_LOCAL = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 64  # local headers looked at in the head


def sniff_document(head: bytes) -> DocumentType | None:
    """The document type of a file from its first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_ZIP_LOCAL):
        return _zip(head)
    if head[4:8] == b"jumb" and b"jumd" in head[8:24] and b"c2pa" in head[:64]:
        return C2PA_STORE
    if b"<" in head[:1024] and _SVG_ROOT.match(head):
        return SVG
    return None


def _zip(head: bytes) -> DocumentType:
    """Which ZIP-based format: ODF and EPUB by their stored `mimetype` member, OOXML and XPS by
    their part names; any other archive is a plain ZIP."""
    names: list[str] = []
    pos = 0
    for _ in range(MAX_ZIP_MEMBERS):
        if head[pos : pos + 4] != _ZIP_LOCAL or pos + 30 > len(head):
            break
        flags, method = struct.unpack("<HH", head[pos + 6 : pos + 10])
        size = struct.unpack("<I", head[pos + 18 : pos + 22])[0]
        name_len, extra_len = struct.unpack("<HH", head[pos + 26 : pos + 30])
        name = head[pos + 30 : pos + 30 + name_len].decode("utf-8", errors="replace")
        data = pos + 30 + name_len + extra_len
        if not names and name == "mimetype" and method == 0:
            found = _BY_MIMETYPE_MEMBER.get(head[data : data + size].decode("ascii", "replace"))
            if found is not None:
                return found
        names.append(name)
        if flags & 0x08 and size == 0:
            break  # size given after the data: the next header cannot be found from here
        pos = data + size
    return _by_part_names(names)


def _by_part_names(names: list[str]) -> DocumentType:
    if "[Content_Types].xml" not in names:
        return ZIP
    macro = any(n.endswith("vbaProject.bin") for n in names)
    for prefix, plain, macro_type in (
        ("word/", DOCX, DOCM),
        ("xl/", XLSX, XLSM),
        ("ppt/", PPTX, PPTM),
    ):
        if any(n.startswith(prefix) for n in names):
            return macro_type if macro else plain
    if any(n.startswith("Documents/") or n.endswith(".fdseq") for n in names):
        return OXPS
    return ZIP
