"""The values that flow through the pipeline, all frozen.

walk -> extract (Evidence, C2paReport) -> rules (Signal) -> assess (Assessment)
-> fingerprint (FrameHash) -> AssetAnalysis -> policy (Finding) -> AssetResult -> ScanResult
-> report.

Nothing here imports anything of ours but its two companions, `scanner.model_delivery` (frame
sequences, checksum manifests) and `scanner.model_timeline` (the cut), whose values it uses.
Every string in these values that came from a media file is untrusted: reports must escape it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from scanner.model_delivery import ChecksumCheck, ChecksumManifest, Digest, FrameSequence
from scanner.model_timeline import CutUse, PackageReport, TimelineReport

# Evidence sources (contract: they appear in the JSON report).
# comment: file comments (JPEG COM); stealth: parameters hidden in pixel LSBs; exr, dpx (also
# Cineon), mxf, psd, jp2 (also J2K codestreams), bwf: studio formats' own headers.
SOURCES = ("c2pa", "xmp", "exif", "png-text", "container", "fingerprint", "comment", "stealth",
           "exr", "dpx", "mxf", "psd", "jp2", "bwf")  # fmt: skip

# Assessment axes (contract).
AI_VALUES = ("generated", "composite", "none")
CREDENTIAL_VALUES = ("trusted", "valid", "invalid", "remote", "absent")

# Signal meanings and strengths.
MEANINGS = (
    "ai-generated",  # the asset itself came out of a generative model
    "ai-composite",  # generative material composited in / AI ingredient
    "ai-possible",  # may hold AI material: needs a person (composite DST, screen capture, ...)
    "ai-enhanced",  # ML enhancement that is not generative (upscale, denoise)
    "capture",  # claims capture from real life
    "human-edit",  # non-generative human edits
    "tool",  # names a tool without saying what it did
    "info",  # context worth showing, never decides anything
)
STRENGTHS = ("definitive", "strong", "weak")

# Finding statuses (contract), worst first. `waived`: every review or error reason (and any
# violation the policy lets be waived) was waived by a reviewer's recorded decision; it passes
# the gate. It sorts after review (a person's decision on something that did not pass on its
# own, worth a look in an audit) and before approved (decided in the register beforehand).
STATUSES = ("violation", "error", "review", "waived", "approved", "clean")

# Rule id of the signal a perceptual-fingerprint match with the --known-ai library gives
# (not in the metadata catalog: the fingerprint library emits it; policy keys on it).
KNOWN_AI_RULE_ID = "FP-KNOWN-AI"

# Asset kinds.
KINDS = ("image", "video", "audio", "other", "document")


@dataclass(frozen=True)
class Evidence:
    """One fact read from an asset. `value` is capped and may hold anything: escape it."""

    source: str
    field: str
    value: str


@dataclass(frozen=True)
class Signal:
    """Evidence interpreted by a rule of the catalog."""

    rule_id: str
    meaning: str
    strength: str
    source: str
    field: str
    value: str
    generator: str = ""
    description: str = ""


@dataclass(frozen=True)
class Problem:
    """Something that went wrong reading one source of one asset.

    `fatal` problems mean the file itself could not be read (empty, truncated, corrupt, over a
    bound): the asset becomes an `error` finding. `incomplete` ones mean a source was not read
    to its end: a reader reached one of its limits (a count, a size, a depth, a decompression
    budget) or no reader exists for the format, so "no AI signal" would mean "not looked at":
    the asset is `not-inspected`, never plainly clean. Other problems are shown but decide
    nothing.
    """

    source: str
    message: str
    fatal: bool = False
    incomplete: bool = False


@dataclass(frozen=True)
class C2paAction:
    action: str
    digital_source_type: str = ""
    software_agent: str = ""
    when: str = ""
    description: str = ""
    assertion: str = ""  # c2pa.actions / c2pa.actions.v2 (+ instance)


@dataclass(frozen=True)
class C2paIngredient:
    title: str
    relationship: str
    format: str = ""
    instance_id: str = ""
    manifest_label: str = ""  # key of the ingredient's own manifest in C2paReport.manifests
    validation_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class C2paManifest:
    label: str
    title: str = ""
    instance_id: str = ""
    claim_generator: str = ""
    signer_issuer: str = ""
    signer_name: str = ""
    signed_at: str = ""
    actions: tuple[C2paAction, ...] = ()
    ingredients: tuple[C2paIngredient, ...] = ()
    assertion_labels: tuple[str, ...] = ()
    # The C2PA Asset Rubrics 1.0 signals this manifest fires on its own, e.g.
    # "inception:signal_fullyGenAIMedia" (scanner.extract.c2pa_rubric).
    rubric: tuple[str, ...] = ()


@dataclass(frozen=True)
class C2paReport:
    """What the C2PA manifest store says, summarised for people and policy."""

    credentials: str  # one of CREDENTIAL_VALUES
    state: str = ""  # the SDK's validation_state: Trusted / Valid / Invalid, "" when none
    active_manifest: str = ""
    manifests: tuple[C2paManifest, ...] = ()
    failure_codes: tuple[str, ...] = ()
    informational_codes: tuple[str, ...] = ()
    remote_url: str = ""
    error: str = ""
    # Signer-certificate codes among the failures (untrusted, invalid, expired, revoked): the
    # claim is intact, the signer is not vouched for. Review reasons, never `invalid`.
    signer_problems: tuple[str, ...] = ()
    # Where the store was read: "" embedded in the asset, "sidecar" from the `.c2pa` file
    # beside it (validated against the asset's bytes), "unbound" a store with no asset.
    binding: str = ""
    sidecar: str = ""  # the sidecar's delivery-relative path, when binding is "sidecar"


@dataclass(frozen=True)
class Assessment:
    """Per asset: the three DESIGN axes plus the signals behind them."""

    ai: str = "none"
    credentials: str = "absent"
    generators: tuple[str, ...] = ()
    signals: tuple[Signal, ...] = ()


@dataclass(frozen=True)
class FrameHash:
    """Perceptual hashes of one still, or one sampled video frame at `timecode` seconds."""

    timecode: float
    phash: str
    dhash: str
    keyframe: bool = False
    # Stills only: pHashes of a 4x4 grid of tiles (16 hex digits each, "-" x 16 for a flat
    # tile), to tell which part of a picture changed (archival verification).
    tiles: str = ""
    # Frame sequences only: the frame number of the sampled frame (its `timecode` is seconds
    # from the sequence's first frame, at the sequence's rate).
    frame: int | None = None


@dataclass(frozen=True)
class AssetAnalysis:
    """Everything read from one file's bytes. Independent of register and policy: cacheable."""

    path: str  # relative to the delivery root, POSIX style
    size: int
    sha256: str
    media_type: str  # MIME type sniffed from the bytes
    kind: str  # one of KINDS
    format: str  # short name: JPEG, PNG, MP4, ...
    assessment: Assessment = field(default_factory=Assessment)
    evidence: tuple[Evidence, ...] = ()
    c2pa: C2paReport | None = None
    fingerprints: tuple[FrameHash, ...] = ()
    thumbnail: str = ""  # small data: URI (image/jpeg), "" when none
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    # What the report does not hold of this analysis (over the per-asset evidence caps), e.g.
    # "evidence: 1,200 of 3,400 items kept". The decision was made on all of it.
    truncated: tuple[str, ...] = ()
    # MXF only: SHA-1 of the same bytes as sha256, base64 (what an IMF packing list records).
    sha1: str = ""
    sequence: FrameSequence | None = None  # a frame sequence: its frames, range, gaps
    digests: tuple[Digest, ...] = ()  # besides sha256, for checksum manifests (not reported)
    checksums: ChecksumCheck | None = None  # checked against the delivery's ASC MHL

    @property
    def unreadable(self) -> bool:
        return any(p.fatal for p in self.problems)

    @property
    def not_inspected(self) -> bool:
        return any(p.incomplete for p in self.problems)


@dataclass(frozen=True)
class Approval:
    """One row of the approvals register (see DESIGN.md)."""

    request_id: str
    status: str  # approved | pending | denied | revoked
    scope: str  # final | temporary
    paths: tuple[str, ...] = ()
    sha256: tuple[str, ...] = ()
    c2pa_manifest: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    talent_likeness: bool = False
    personal_data: bool = False
    third_party_ip: bool = False
    union_work: bool = False
    written_approval_ref: str = ""
    archival_use: bool = False
    approved_by: str = ""
    approved_on: date | None = None
    expires_on: date | None = None
    notes: str = ""
    row: int = 0  # 1-based data row in the register file, for messages


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str = ""


@dataclass(frozen=True)
class ApprovalMatch:
    request_id: str
    matched_by: str  # sha256 | c2pa_manifest | reference | path | tool
    detail: str = ""


@dataclass(frozen=True)
class ArchivalCheck:
    """An archival still compared with the original archival scans (--archive-source)."""

    outcome: str  # verified | unverified | altered
    source: str = ""  # nearest archive source, relative to the archive folder
    distance: int = -1  # perceptual-hash distance to it, -1 when none was near
    source_thumbnail: str = ""  # data: URI of that source, to show it beside the asset
    # Tiles (row-major positions 0-15 of a 4x4 grid over the picture, dark borders trimmed)
    # that differ from the source: where an `altered` still was changed; () when not known.
    changed_tiles: tuple[int, ...] = ()


@dataclass(frozen=True)
class Waiver:
    """A reviewer's recorded decision on one reason of one file (`--waivers FILE`): the reason
    code it waives, the content it was made for (sha256; a path narrows it to that place) and
    the decision record."""

    reason: str
    sha256: str = ""  # "" only for a file provscan could not read at all (it has no sha256)
    path: str = ""  # "" matches the content anywhere in the delivery
    reviewer: str = ""
    reviewed_on: date | None = None
    why: str = ""
    expires_on: date | None = None
    row: int = 0  # place in the waiver file, for messages


@dataclass(frozen=True)
class Finding:
    status: str = "clean"
    reasons: tuple[Reason, ...] = ()
    approval: str = ""  # request_id the decision used, "" when none
    matches: tuple[ApprovalMatch, ...] = ()
    area: str = "final"  # final | temporary | archival | unused (final = "cut": in no cut)
    archival: ArchivalCheck | None = None
    cut: tuple[CutUse, ...] = ()  # where the asset plays in the timelines and compositions
    waivers: tuple[Waiver, ...] = ()  # the waivers applied to its reasons


@dataclass(frozen=True)
class AssetResult:
    analysis: AssetAnalysis
    finding: Finding = field(default_factory=Finding)


# Start of a Skipped reason for a folder that could not be listed: its contents are unknown,
# so the gate counts it as unreadable (exit 3) and the summary names it.
UNREADABLE_FOLDER = "unreadable folder"
# Start of a Skipped reason for a file a checksum manifest of the delivery lists but the
# delivery does not hold: counted like an unreadable folder (exit 3).
MISSING_FROM_DELIVERY = "missing from the delivery"


@dataclass(frozen=True)
class Skipped:
    """A path that was not scanned, and why: it reaches the report."""

    path: str
    reason: str


@dataclass(frozen=True)
class RegisterWarning:
    """A register path pattern that looks wrong for this delivery (it is still used)."""

    request_id: str
    row: int
    pattern: str
    kind: str  # one of REGISTER_WARNING_KINDS
    message: str


# `delivery-name`: the pattern starts with the delivery folder's own name and matches nothing
# (register paths are relative to the delivery folder); `matches-nothing`: no asset matches it.
REGISTER_WARNING_KINDS = ("delivery-name", "matches-nothing")


@dataclass(frozen=True)
class ToolInfo:
    name: str
    version: str
    catalog_version: str
    c2pa_version: str = ""
    cluster: str = ""  # the Dask scheduler the analysis ran on ("": this machine's workers)


@dataclass(frozen=True)
class TrustListInfo:
    """A trust list a scan checked C2PA signers against (the gatekeeper's, never the delivery's)."""

    name: str  # "official", or the file as given
    source: str
    issued: str = ""  # ISO date the list says it was issued, "" when it does not say
    anchors: int = 0
    stale: bool = False  # issued more than six months before the scan


@dataclass(frozen=True)
class ScanResult:
    """A whole scan. `assets` is a tuple, or for a live scan a spool (`scanner.report.spool`) that
    reads each result back from a temporary file: iterate it, index it, close the result
    (`with scan_delivery(...) as result:`) to free the file."""

    delivery: str
    scanned_at: str
    tool: ToolInfo
    assets: Sequence[AssetResult] = ()  # in path order
    skipped: tuple[Skipped, ...] = ()
    unused_approvals: tuple[str, ...] = ()
    register: str = ""
    policy: str = ""
    as_of: str = ""
    policy_origin: str = ""  # how the policy was chosen: scanner.policy.load.ORIGINS
    trust_lists: tuple[TrustListInfo, ...] = ()  # C2PA trust lists used (plus --trust-anchors)
    timelines: tuple[TimelineReport, ...] = ()  # editorial timelines and IMF compositions
    packages: tuple[PackageReport, ...] = ()  # IMF packages found in the delivery
    register_warnings: tuple[RegisterWarning, ...] = ()
    waivers: str = ""  # the waiver file, "" when none was given
    unused_waivers: tuple[Waiver, ...] = ()  # in force, but matched no reason of any asset
    expired_waivers: tuple[Waiver, ...] = ()  # expired before the scan date: never applied
    manifests: tuple[ChecksumManifest, ...] = ()  # the delivery's own checksum manifests

    def close(self) -> None:
        """Free what holds the assets (a live scan's spool file); nothing to do for a tuple."""
        close = getattr(self.assets, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ScanResult:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
