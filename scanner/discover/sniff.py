"""What a file is, from its first bytes (never from its name).

`sniff(head)` takes the first bytes of a file (`HEAD_BYTES` is enough for every check here:
DNG needs to see TIFF IFD0, MXF may sit behind a run-in of up to 64 KiB) and names the
format. MIME types are the ones c2pa-python accepts where it reads the format, so the C2PA
reader can be handed `media_type` as is.

`readable` says whether any provscan reader looks for provenance in the format: C2PA (the
c2pa-python SDK), XMP/EXIF/PNG text (our parsers), container tags (MediaInfo) or a studio
format's own header (EXR, DPX, Cineon, MXF, PSD, JPEG 2000, BWF). Formats without one (BMP,
CR3, R3D, ARRIRAW) are still assets: the report says
that no reader exists, so "no AI signal" there means nothing was looked at.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from scanner.discover.sniff_documents import DOCUMENT_TYPES, sniff_document

HEAD_BYTES = 64 * 1024

MXF_PARTITION_KEY = bytes.fromhex("060e2b34020501010d01020101")  # + 02 = header partition
TIFF_DNG_VERSION_TAG = 50706


@dataclass(frozen=True)
class MediaType:
    media_type: str  # MIME type
    format: str  # short name: JPEG, PNG, MP4, ...
    kind: str  # image | video | audio | other
    readable: bool  # some provscan reader looks for provenance in this format


def _t(media_type: str, fmt: str, kind: str, readable: bool = True) -> MediaType:
    return MediaType(media_type, fmt, kind, readable)


JPEG = _t("image/jpeg", "JPEG", "image")
PNG = _t("image/png", "PNG", "image")
APNG = _t("image/png", "APNG", "image")  # c2pa-python knows image/png, not image/apng
TIFF = _t("image/tiff", "TIFF", "image")
DNG = _t("image/x-adobe-dng", "DNG", "image")
WEBP = _t("image/webp", "WEBP", "image")
HEIC = _t("image/heic", "HEIC", "image")
HEIF = _t("image/heif", "HEIF", "image")
AVIF = _t("image/avif", "AVIF", "image")
GIF = _t("image/gif", "GIF", "image")
JXL = _t("image/jxl", "JXL", "image")  # C2PA, and XMP in the container's `xml ` box
MP4 = _t("video/mp4", "MP4", "video")
M4V = _t("video/x-m4v", "M4V", "video")
M4A = _t("audio/mp4", "M4A", "audio")
MOV = _t("video/quicktime", "MOV", "video")
THREE_GP = _t("video/3gpp", "3GP", "video")
AVI = _t("video/x-msvideo", "AVI", "video")
WAV = _t("audio/wav", "WAV", "audio")
MP3 = _t("audio/mpeg", "MP3", "audio")
AAC = _t("audio/aac", "AAC", "audio")
FLAC = _t("audio/flac", "FLAC", "audio")
# Read through MediaInfo container tags only.
MKV = _t("video/x-matroska", "MKV", "video")
WEBM = _t("video/webm", "WEBM", "video")
OGG = _t("audio/ogg", "OGG", "audio")
AIFF = _t("audio/aiff", "AIFF", "audio")
MXF = _t("application/mxf", "MXF", "video")
MPEG_TS = _t("video/mp2t", "MPEG-TS", "video")
MPEG_PS = _t("video/mpeg", "MPEG-PS", "video")
ASF = _t("video/x-ms-asf", "ASF", "video")
# Studio formats with their own readers (issue 15), then media we recognise but have no
# provenance reader for (readable=False).
EXR = _t("image/x-exr", "EXR", "image")
DPX = _t("image/x-dpx", "DPX", "image")
CINEON = _t("image/x-cineon", "CINEON", "image")
PSD = _t("image/vnd.adobe.photoshop", "PSD", "image")
JP2 = _t("image/jp2", "JP2", "image")
J2K = _t("image/x-jp2-codestream", "J2K", "image")
BMP = _t("image/bmp", "BMP", "image", readable=False)  # no metadata container at all
CR3 = _t("image/x-canon-cr3", "CR3", "image", readable=False)
R3D = _t("video/x-red-r3d", "R3D", "video", readable=False)
ARRIRAW = _t("image/x-arri-raw", "ARRIRAW", "image", readable=False)
# TIFF-based camera raws the C2PA SDK reads (read-only): Nikon and Sony, told by IFD0's Make.
NEF = _t("image/x-nikon-nef", "NEF", "image")
ARW = _t("image/x-sony-arw", "ARW", "image")
# Documents, vector graphics, archives and bare manifest stores: read for C2PA only (kind
# "document", see scanner.discover.sniff_documents).
DOCUMENTS = {d.format: _t(d.media_type, d.format, "document") for d in DOCUMENT_TYPES}

ALL_TYPES = (
    JPEG, PNG, APNG, TIFF, DNG, WEBP, HEIC, HEIF, AVIF, GIF, JXL, MP4, M4V, M4A, MOV, THREE_GP,
    AVI, WAV, MP3, AAC, FLAC, MKV, WEBM, OGG, AIFF, MXF, MPEG_TS, MPEG_PS, ASF, EXR, DPX, CINEON,
    PSD, JP2, J2K, BMP, CR3, R3D, ARRIRAW, NEF, ARW, *DOCUMENTS.values(),
)  # fmt: skip
_READABLE_FORMATS = frozenset(t.format for t in ALL_TYPES if t.readable)
# Pictures no decoder here reads (no fingerprint is taken): without C2PA content credentials
# nothing looked at the picture, so such a file is not-inspected, as a document is.
UNDECODED_PICTURES = frozenset({JXL.format})

# Formats by container structure: which bounded parser (extract/formats) walks them.
PNG_FORMATS = frozenset(t.format for t in (PNG, APNG))
TIFF_FORMATS = frozenset(t.format for t in (TIFF, DNG, NEF, ARW))
RIFF_FORMATS = frozenset(t.format for t in (WEBP, WAV, AVI))
BMFF_FORMATS = frozenset(t.format for t in (MP4, M4V, M4A, MOV, THREE_GP, HEIC, HEIF, AVIF))

# The format names of an asset the walker could not identify (unopenable, empty, or bytes
# that match nothing although the name says media).
UNKNOWN_FORMAT = "UNKNOWN"
# A sequence frame the walk did not open: the analysis sniffs it from the bytes it reads anyway
# (`scanner.discover.identify.sniffed`), so the walk reads no frame (a cold read per frame in
# the scanning process would hold up every worker).
UNREAD_FORMAT = "UNREAD"
UNKNOWN_MEDIA_TYPE = "application/octet-stream"


def has_reader(fmt: str) -> bool:
    """True when some provscan reader looks for provenance in files of this format."""
    return fmt in _READABLE_FORMATS


def sniff(head: bytes) -> MediaType | None:
    """The media type of a file from its first bytes, or None when it is not media we know."""
    for check in _CHECKS:
        found = check(head)
        if found is not None:
            return found
    return None


def _png(head: bytes) -> MediaType | None:
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    # APNG: an acTL chunk before the first IDAT.
    pos = 8
    while pos + 8 <= len(head):
        length = int.from_bytes(head[pos : pos + 4], "big")
        ctype = head[pos + 4 : pos + 8]
        if ctype == b"acTL":
            return APNG
        if ctype in (b"IDAT", b"IEND") or length > 0x7FFFFFFF:
            break
        pos += 12 + length
    return PNG


def _jpeg(head: bytes) -> MediaType | None:
    return JPEG if head[:3] == b"\xff\xd8\xff" else None


def _tiff(head: bytes) -> MediaType | None:
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return DNG if _tiff_has_dng_tag(head) else _camera_raw(head) or TIFF
    if head[:4] in (b"II+\x00", b"MM\x00+"):  # BigTIFF
        return TIFF
    return None


def _tiff_has_dng_tag(head: bytes) -> bool:
    """Peek at IFD0 (when it lies inside `head`) for the DNGVersion tag."""
    endian = "<" if head[:2] == b"II" else ">"
    if len(head) < 8:
        return False
    (ifd,) = struct.unpack(endian + "I", head[4:8])
    if ifd + 2 > len(head):
        return False
    (count,) = struct.unpack(endian + "H", head[ifd : ifd + 2])
    for i in range(count):
        entry = ifd + 2 + 12 * i
        if entry + 2 > len(head):
            return False
        (tag,) = struct.unpack(endian + "H", head[entry : entry + 2])
        if tag == TIFF_DNG_VERSION_TAG:
            return True
        if tag > TIFF_DNG_VERSION_TAG:  # entries are sorted by tag
            return False
    return False


def _camera_raw(head: bytes) -> MediaType | None:
    """NEF or ARW by IFD0's Make tag (0x010F), when its value lies inside `head`."""
    endian = "<" if head[:2] == b"II" else ">"
    if len(head) < 8:
        return None
    (ifd,) = struct.unpack(endian + "I", head[4:8])
    if ifd + 2 > len(head):
        return None
    (count,) = struct.unpack(endian + "H", head[ifd : ifd + 2])
    for i in range(min(count, 512)):
        entry = head[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
        if len(entry) < 12:
            return None
        tag, _type, size = struct.unpack(endian + "HHI", entry[:8])
        if tag != 0x010F:
            continue
        (offset,) = struct.unpack(endian + "I", entry[8:12])
        make = entry[8 : 8 + size] if size <= 4 else head[offset : offset + min(size, 64)]
        text = make.upper()
        return NEF if text.startswith(b"NIKON") else ARW if text.startswith(b"SONY") else None
    return None


def _document(head: bytes) -> MediaType | None:
    found = sniff_document(head)
    return DOCUMENTS[found.format] if found else None


def _riff(head: bytes) -> MediaType | None:
    if head[:4] not in (b"RIFF", b"RF64", b"BW64") or len(head) < 12:
        return None
    form = head[8:12]
    if form == b"WAVE":
        return WAV
    if head[:4] != b"RIFF":
        return None
    return {b"WEBP": WEBP, b"AVI ": AVI}.get(form)


_BMFF_BRANDS: dict[bytes, MediaType] = {
    b"avif": AVIF, b"avis": AVIF,
    b"heic": HEIC, b"heix": HEIC, b"heim": HEIC, b"heis": HEIC, b"hevc": HEIC, b"hevx": HEIC,
    b"mif1": HEIF, b"msf1": HEIF, b"mif2": HEIF,
    b"qt  ": MOV,
    b"M4A ": M4A, b"M4B ": M4A, b"M4P ": M4A, b"F4A ": M4A,
    b"M4V ": M4V, b"M4VH": M4V, b"M4VP": M4V,
    b"crx ": CR3,
}  # fmt: skip
_QT_FIRST_BOXES = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def _bmff(head: bytes) -> MediaType | None:
    if len(head) < 12:
        return None
    size = int.from_bytes(head[:4], "big")
    box = head[4:8]
    if box == b"ftyp" and size >= 16:
        major = head[8:12]
        compatible = [head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
        if major in (b"mif1", b"msf1", b"mif2"):
            # Generic HEIF major brand: the compatible brands say which codec.
            for brand in compatible:
                if brand in (b"avif", b"avis"):
                    return AVIF
                if brand in (b"heic", b"heix", b"hevc", b"hevx"):
                    return HEIC
        if major in _BMFF_BRANDS:
            return _BMFF_BRANDS[major]
        if major[:3] in (b"3gp", b"3g2"):
            return THREE_GP
        if b"qt  " in compatible and b"isom" not in compatible:
            return MOV
        return MP4  # any other ISO BMFF brand: isom, mp41, mp42, avc1, dash, iso2..9, ...
    if box in _QT_FIRST_BOXES and (size >= 8 or size in (0, 1)):
        return MOV
    return None


def _mp3(head: bytes) -> MediaType | None:
    if head[:3] == b"ID3" and len(head) >= 10 and head[3] in (2, 3, 4):
        return MP3
    first = _mpeg_audio_frame_length(head, 0)
    if first is None:
        return None
    if first == -1:  # ADTS AAC
        return AAC
    if first + 4 > len(head):
        return MP3 if len(head) < first else None
    # A lone frame sync is weak evidence: require the next frame header to follow it.
    return MP3 if _mpeg_audio_frame_length(head, first) not in (None, -1) else None


_BITRATES_V1 = {  # kbit/s by layer, MPEG-1
    1: (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    2: (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
}
_BITRATES_V2 = {
    1: (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    3: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_audio_frame_length(head: bytes, pos: int) -> int | None:
    """Length of the MPEG audio frame whose header starts at `pos`; -1 for ADTS; None if none."""
    if pos + 4 > len(head) or head[pos] != 0xFF or head[pos + 1] & 0xE0 != 0xE0:
        return None
    version_bits = (head[pos + 1] >> 3) & 3
    layer_bits = (head[pos + 1] >> 1) & 3
    if layer_bits == 0:
        return -1 if head[pos + 1] & 0xF6 == 0xF0 else None  # ADTS: 1111 1111 1111 x00x
    if version_bits == 1:
        return None
    layer = 4 - layer_bits
    bitrate_index = head[pos + 2] >> 4
    rate_index = (head[pos + 2] >> 2) & 3
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    table = _BITRATES_V1 if version_bits == 3 else _BITRATES_V2
    bitrate = table[layer][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version_bits][rate_index]
    padding = (head[pos + 2] >> 1) & 1
    if layer == 1:
        return (12 * bitrate // sample_rate + padding) * 4
    if layer == 3 and version_bits != 3:
        return 72 * bitrate // sample_rate + padding
    return 144 * bitrate // sample_rate + padding


def _simple(head: bytes) -> MediaType | None:
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        return OGG
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return AIFF
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM if b"webm" in head[:64] else MKV
    if head[:4] == b"\x76\x2f\x31\x01":
        return EXR
    if head[:4] in (b"SDPX", b"XPDS"):
        return DPX
    if head[:4] in (b"\x80\x2a\x5f\xd7", b"\xd7\x5f\x2a\x80"):
        return CINEON
    if head[:4] == b"8BPS" and head[4:6] in (b"\x00\x01", b"\x00\x02"):
        return PSD
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return JP2
    if head[:4] == b"\xff\x4f\xff\x51":
        return J2K
    if head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return JXL
    if _bmp(head):
        return BMP
    if head[:4] == b"\x00\x00\x01\xba":
        return MPEG_PS
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):
        return ASF
    if head[4:8] in (b"RED1", b"RED2"):
        return R3D
    if head[:8] == b"ARRI\x12\x34\x56\x78":
        return ARRIRAW
    if _transport_stream(head):
        return MPEG_TS
    if MXF_PARTITION_KEY + b"\x02" in head[: 65536 + 16]:  # after a run-in of up to 64 KiB
        return MXF
    return None


def _bmp(head: bytes) -> bool:
    if head[:2] != b"BM" or len(head) < 18:
        return False
    reserved = head[6:10]
    dib_size = int.from_bytes(head[14:18], "little")
    return reserved == b"\x00\x00\x00\x00" and dib_size in (12, 40, 52, 56, 64, 108, 124)


def _transport_stream(head: bytes) -> bool:
    """188-byte TS packets (sync byte 0x47), or 192-byte M2TS packets with a 4-byte prefix."""
    for start, step in ((0, 188), (4, 192)):
        positions = [start + step * i for i in range(3)]
        if len(head) > positions[-1] and all(head[p] == 0x47 for p in positions):
            return True
    return False


_CHECKS = (_jpeg, _png, _tiff, _riff, _bmff, _simple, _document, _mp3)
