"""C2PA content credentials: read and validate the manifest store offline, summarise it.

The c2pa SDK (c2pa-python, on c2pa-rs) does the parsing and the cryptography. It runs with
remote manifest fetching and OCSP turned off and an empty list of allowed network hosts (CAWG
identity validation would otherwise look up `did:web` issuers in DNS), so it never makes a
network call: a manifest that lives at a URL is reported as `remote` with that URL, never
fetched, and an identity that needs the network reads `cawg.ica.did_unavailable`.

The credentials axis (DESIGN.md) is decided from the validation codes (`c2pa_codes`), not from
the SDK's `validation_state` alone: `invalid` for integrity failures only (hash mismatches, bad
or missing claim signatures, malformed or missing claims and ingredients, unknown codes) and
for a store that cannot be read (pre-release C2PA, broken JUMBF: the reason goes into
`C2paReport.error`; a broken store is also a fatal Problem, since whatever it claimed cannot be
read, while a pre-release store is a known old format and stays non-fatal). Signer-certificate
problems (untrusted, invalid, expired, revoked) leave the manifest `valid` and are listed in
`C2paReport.signer_problems` for the policy's review reasons; `trusted` when the SDK says the
signer chains to a trust anchor (the official C2PA list by default, `c2pa_trust`).
The SDK's raw state and every code are kept in the report beside that decision.

When the SDK cannot parse the file itself (a container cut short, lying box sizes) the result
is a fatal Problem and no report: whether the file holds credentials cannot be known.

A store may also come from a sidecar (`c2pa_sidecar`): read with the asset's bytes as the
asset stream, so its hard binding is checked against them; an asset that also embeds a store
has both read (the sidecar's validation is reported, as the SDK prefers it; the embedded
store's claims still count). A manifest store bound to no asset (`.c2pa` with nothing beside
it) is read unverified, for what it claims, and reported as `unbound`. Each manifest's C2PA
Asset Rubrics signals come from the SDK's crJSON (`c2pa_rubric`).
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import replace
from typing import Any, BinaryIO

import c2pa as c2pa_sdk

from scanner.discover.media import MediaFile
from scanner.discover.sniff import BMFF_FORMATS
from scanner.extract.c2pa_codes import (
    decide_credentials,
    is_tolerated_failure,
    signer_problems,
)
from scanner.extract.c2pa_rubric import store_signals
from scanner.extract.c2pa_sidecar import read_sidecar
from scanner.extract.c2pa_summary import summarise_store, validation_codes
from scanner.extract.c2pa_trust import ACCEPTED_EKUS
from scanner.extract.formats import bmff
from scanner.extract.interface import MAX_VALUE_CHARS, Extracted, ExtractOptions, cap, limit
from scanner.model import C2paReport, Evidence, Problem

__all__ = ["decide_credentials", "extract", "integrity_failures", "is_tolerated_failure"]

SOURCE = "c2pa"
MAX_STORE_JSON_CHARS = 64 * 1024 * 1024  # a summary bigger than this is not summarised
# c2pa-rs 0.91 holds a whole hashed box (an MP4 mdat, a WAV data chunk) in memory to check the
# hard binding, and aborts the process when that allocation fails. Above this size the claims
# are read without verification and the credentials say why (see `_unverified`).
MAX_VERIFIED_BYTES = 512 * 1024 * 1024
# c2pa-rs 0.91 walks an ISO BMFF file's box tree in time that grows with the square of the box
# count (measured: 10,000 boxes 1.1 s, 20,000 5 s, 40,000 24 s, 100,000 119 s). A fragmented
# two-hour master with one-second fragments holds about 43,000; past this many the SDK is not
# asked and the asset is not-inspected (a hostile file of empty boxes would otherwise spend
# its whole time bound there).
MAX_SDK_BOXES = 50_000

# Sniffed MIME types the SDK knows under another name.
_MIME_ALIASES = {
    "image/mpo": "image/jpeg",  # multi-picture JPEG (cameras): a JPEG with extra frames
    "image/jpg": "image/jpeg",
    "audio/x-wave": "audio/wav",
    "video/x-quicktime": "video/quicktime",
}
# What the SDK is told a sidecar's asset is when it does not read the format itself: a sidecar's
# data hash covers the asset's bytes whatever they are (checked on EXR, DPX, MXF bytes).
ANY_ASSET = "application/octet-stream"
STORE_MIME = "application/c2pa"
UNBOUND = (
    "a C2PA manifest store with no asset beside it to check it against (a sidecar NAME.EXT.c2pa "
    "binds to NAME.EXT, NAME.c2pa to the one file NAME.<ext>): its claims were read unverified"
)
_URL_RE = re.compile(r"https?://[^\s\"'<>]+")
_PARSE_FAILURE_RE = re.compile(r"could not be parsed|could not parse", re.IGNORECASE)

_contexts: dict[tuple[str, bool], c2pa_sdk.Context] = {}
_contexts_lock = threading.Lock()
_supported: frozenset[str] | None = None


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    """Read the C2PA store of one file (or of its sidecar). Never raises; returns `c2pa=None`
    when there is none. The SDK reads the analysis' own open file (a stream), never the path."""
    if media.sidecar:
        return _with_sidecar(media, handle, options)
    if media.format == "C2PA":
        return _unbound(media, handle, options)
    mime = reader_mime(media.media_type)
    if not mime:
        return Extracted()
    return _read(media, handle, options, mime)


def _read(
    media: MediaFile,
    handle: BinaryIO,
    options: ExtractOptions,
    mime: str,
    sidecar: bytes | None = None,
) -> Extracted:
    try:
        size = os.fstat(handle.fileno()).st_size
        if media.format in BMFF_FORMATS:
            boxes = bmff.count_boxes(handle, size, MAX_SDK_BOXES)
            if boxes > MAX_SDK_BOXES:
                why = (
                    f"C2PA not read: more than {MAX_SDK_BOXES:,} boxes, and the C2PA SDK's "
                    "time grows with the square of the box count"
                )
                return Extracted(problems=(limit(SOURCE, why),))
        verify = size <= MAX_VERIFIED_BYTES
        context = context_for(options.trust_anchors_pem, verify=verify)
        handle.seek(0)
        reader = c2pa_sdk.Reader.try_create(mime, handle, sidecar, context=context)
        if reader is None:
            return Extracted()
        try:
            result = _from_reader(reader, trust_checked=bool(options.trust_anchors_pem.strip()))
        finally:
            reader.close()
        return result if verify else _unverified(result, size)
    except OSError as exc:
        return Extracted(problems=(Problem(SOURCE, f"cannot read the file: {exc}", fatal=True),))
    except c2pa_sdk.C2paError as exc:
        return _from_error(exc)
    except Exception as exc:  # noqa: BLE001 - the SDK is native code: any failure is a Problem
        return _from_error(exc)


class C2paUnavailable(RuntimeError):
    """The SDK cannot say which types it reads: credentials cannot be read at all."""


def reader_mime(media_type: str) -> str:
    """The MIME type to hand the SDK, or "" when the SDK cannot read this format.

    Raises C2paUnavailable when the SDK cannot list its types. That failure is not remembered
    (each asset asks again) and must not read as "no credentials": the analysis turns it into
    a fatal problem on the asset.
    """
    global _supported
    if _supported is None:
        try:
            types = frozenset(c2pa_sdk.Reader.get_supported_mime_types())
        except Exception as exc:
            raise C2paUnavailable(f"the C2PA SDK cannot list the types it reads: {exc}") from exc
        if not types:
            raise C2paUnavailable("the C2PA SDK says it reads no file type")
        _supported = types
    mime = _MIME_ALIASES.get(media_type.lower(), media_type.lower())
    return mime if "/" in mime and mime in _supported else ""


def context_for(trust_anchors_pem: str, verify: bool = True) -> c2pa_sdk.Context:
    """One SDK context per trust configuration per process: offline, optional trust anchors.
    `verify=False` reads the claims without checking signatures or hashes."""
    key = (trust_anchors_pem.strip(), verify)
    with _contexts_lock:
        ctx = _contexts.get(key)
        if ctx is None:
            settings: dict[str, Any] = {
                "verify": {
                    "remote_manifest_fetch": False,
                    "ocsp_fetch": False,
                    "verify_after_reading": verify,
                },
                # No host at all: CAWG identity checks would otherwise resolve did:web issuers.
                "core": {"allowed_network_hosts": []},
            }
            # Flat keys (c2pa-rs 0.91.3 ignores `trust_config` inside `trust.anchors`, and an
            # unknown key silently turns trust off: tests read a fixture back as Trusted).
            trust: dict[str, str] = {"trust_config": "\n".join(ACCEPTED_EKUS) + "\n"}
            if key[0]:
                trust["trust_anchors"] = key[0] + "\n"
            settings["trust"] = trust
            ctx = c2pa_sdk.Context.from_dict(settings)
            _contexts[key] = ctx
        return ctx


def integrity_failures(report: C2paReport) -> tuple[str, ...]:
    """The failure codes that made (or would make) the credentials invalid."""
    return tuple(c for c in report.failure_codes if not is_tolerated_failure(c))


def _from_reader(reader: c2pa_sdk.Reader, *, trust_checked: bool) -> Extracted:
    text = reader.json()
    state = _safe_state(reader)
    if len(text) > MAX_STORE_JSON_CHARS:
        # The SDK validated it, but what it claims (AI or capture) was not read: the asset is
        # not-inspected, and the credentials say only what the SDK checked.
        why = (
            f"manifest store of {len(text):,} characters, over the {MAX_STORE_JSON_CHARS:,} "
            "provscan reads: its claims (AI or capture) were not read"
        )
        report = C2paReport(
            credentials="valid" if state in ("Valid", "Trusted") else "invalid",
            state=state,
            error=why,
        )
        return Extracted(c2pa=report, problems=(limit(SOURCE, why),))
    try:
        store = json.loads(text)
    except (ValueError, RecursionError) as exc:
        report = C2paReport(credentials="invalid", state=state, error=f"unreadable store: {exc}")
        return Extracted(c2pa=report, problems=(Problem(SOURCE, report.error),))
    raw_state = store.get("validation_state") if isinstance(store, dict) else state
    state = raw_state if isinstance(raw_state, str) else ""
    failures, informational, successes = validation_codes(store)
    summary = summarise_store(store)
    rubric, rubric_problem = _rubric(reader)
    manifests = tuple(replace(m, rubric=rubric.get(m.label, ())) for m in summary.manifests)
    rubric_evidence = tuple(
        Evidence(SOURCE, f"manifest[{m.label[:200]}]/c2pa.rubric", signal)
        for m in manifests
        for signal in m.rubric
    )
    report = C2paReport(
        credentials=decide_credentials(state, failures, successes),
        state=cap(state),
        active_manifest=summary.active_manifest,
        manifests=manifests,
        failure_codes=failures,
        informational_codes=informational,
        signer_problems=signer_problems(failures, trust_checked=trust_checked),
    )
    problems = (rubric_problem,) if rubric_problem else ()
    return Extracted(evidence=summary.evidence + rubric_evidence, c2pa=report, problems=problems)


def _rubric(reader: c2pa_sdk.Reader) -> tuple[dict[str, tuple[str, ...]], Problem | None]:
    """Each manifest's Asset Rubrics signals, from the SDK's crJSON. A crJSON that cannot be
    read leaves the rubric's "possibly GenAI" unknown: an incomplete problem, not silence."""
    try:
        text = reader.crjson()
    except Exception as exc:  # noqa: BLE001 - the SDK is native code: any failure is a Problem
        return {}, limit(SOURCE, f"C2PA rubric not computed: the SDK gave no crJSON ({exc})")
    if not isinstance(text, str) or len(text) > MAX_STORE_JSON_CHARS:
        why = f"C2PA rubric not computed: crJSON over the {MAX_STORE_JSON_CHARS:,} characters read"
        return {}, limit(SOURCE, why)
    try:
        return store_signals(json.loads(text)), None
    except (ValueError, RecursionError) as exc:
        return {}, limit(SOURCE, f"C2PA rubric not computed: crJSON unreadable ({exc})")


def _with_sidecar(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    """The sidecar's store validated against the asset's bytes; an embedded store is read too
    (its claims must not hide behind a sidecar)."""
    data, problem = read_sidecar(media)
    if problem is not None:
        return Extracted(problems=(problem,))
    try:
        mime = reader_mime(media.media_type)
    except C2paUnavailable as exc:
        return Extracted(problems=(Problem(SOURCE, str(exc), fatal=True),))
    embedded = _read(media, handle, options, mime) if mime else Extracted()
    result = _read(media, handle, options, mime or ANY_ASSET, sidecar=data)
    if result.c2pa is None:
        return result
    report = replace(result.c2pa, binding="sidecar", sidecar=media.sidecar_rel)
    problems = result.problems
    if embedded.c2pa is not None:
        note = (
            f"the asset embeds a C2PA store and has the sidecar {media.sidecar_rel}: the "
            "sidecar's validation is shown (the C2PA SDK prefers it); both stores' claims count"
        )
        problems += (*embedded.problems, Problem(SOURCE, note))
    evidence = result.evidence + tuple(e for e in embedded.evidence if e not in result.evidence)
    return Extracted(evidence=evidence, c2pa=report, problems=problems)


def _unbound(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    """A bare manifest store: what it claims, read without verification (there are no asset
    bytes to check its hashes against), reported `invalid` with the reason, binding unbound."""
    try:
        handle.seek(0)
        context = context_for(options.trust_anchors_pem, verify=False)
        reader = c2pa_sdk.Reader.try_create(STORE_MIME, handle, context=context)
        if reader is None:
            return Extracted(problems=(Problem(SOURCE, f"{UNBOUND}; no manifest found in it"),))
        try:
            result = _from_reader(reader, trust_checked=False)
        finally:
            reader.close()
    except Exception as exc:  # noqa: BLE001 - the SDK is native code: any failure is a Problem
        return _from_error(exc)
    if result.c2pa is None:
        return result
    report = replace(
        result.c2pa,
        credentials="invalid",
        state="",
        failure_codes=(),
        signer_problems=(),
        binding="unbound",
        error=UNBOUND,
    )
    return replace(result, c2pa=report, problems=(*result.problems, Problem(SOURCE, UNBOUND)))


def _unverified(result: Extracted, size: int) -> Extracted:
    """Claims read, nothing verified: reported `invalid` (not shown as intact) with the reason."""
    if result.c2pa is None:
        return result
    reason = (
        f"C2PA signature and hashes not verified: the file ({size // (1024 * 1024)} MiB) is over "
        f"the {MAX_VERIFIED_BYTES // (1024 * 1024)} MiB the C2PA SDK can hash in memory; "
        "its claims were read unverified"
    )
    report = replace(result.c2pa, credentials="invalid", state="", failure_codes=(), error=reason)
    return replace(result, c2pa=report, problems=(*result.problems, Problem(SOURCE, reason)))


def _from_error(exc: BaseException) -> Extracted:
    message = _message(exc)
    if _is_remote(exc, message):
        url = _URL_RE.search(message)
        remote = cap(url.group(0).rstrip(".,;)")) if url else ""
        report = C2paReport(credentials="remote", remote_url=remote, error=message)
        evidence = (Evidence(SOURCE, "remote_manifest", remote),) if remote else ()
        return Extracted(evidence=evidence, c2pa=report)
    if not isinstance(exc, c2pa_sdk.C2paError) or _is_kind(exc, "NotSupported"):
        return Extracted(problems=(Problem(SOURCE, f"C2PA reader failed: {message}"),))
    if _is_kind(exc, "Io") or _PARSE_FAILURE_RE.search(message):
        # The SDK cannot parse the container itself (cut short, lying box sizes): whether it
        # holds content credentials is unknown, so the file cannot be assessed.
        problem = Problem(SOURCE, f"C2PA reader could not parse the file: {message}", fatal=True)
        return Extracted(problems=(problem,))
    report = C2paReport(credentials="invalid", error=f"unreadable manifest store: {message}")
    fatal = "prerelease" not in message.lower()
    return Extracted(c2pa=report, problems=(Problem(SOURCE, report.error, fatal=fatal),))


def _is_remote(exc: BaseException, message: str) -> bool:
    return _is_kind(exc, "RemoteManifest") or message.startswith("Remote")


def _is_kind(exc: BaseException, name: str) -> bool:
    kind = getattr(c2pa_sdk.C2paError, name, None)
    return isinstance(kind, type) and isinstance(exc, kind)


def _message(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:MAX_VALUE_CHARS]


def _safe_state(reader: c2pa_sdk.Reader) -> str:
    try:
        state = reader.get_validation_state()
    except Exception:  # noqa: BLE001
        return ""
    return state if isinstance(state, str) else ""
