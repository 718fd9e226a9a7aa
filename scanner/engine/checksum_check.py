"""An asset's bytes against what the delivery's checksum manifests list for it.

The walk attaches what the manifests covering a file list for it (`MediaFile.listed`); the
analysis computes those digests in the read that computes sha256 (`scanner.engine.digests`);
here the two are compared, in the scanning process, on every scan (a cached analysis holds the
digests, never the verdict: the manifest may have changed since). A file is `verified` when
every hash listed for it matches, `mismatch` when one does not, `not-in-manifest` when a
manifest covers its folder but does not list it. A sequence adds up its frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.discover.media import MediaFile
from scanner.model import AssetAnalysis
from scanner.model_delivery import ChecksumCheck, ChecksumMismatch

MAX_LISTED = 100  # mismatches and unlisted files kept per asset (the counts are whole)


def check_file(media: MediaFile, analysis: AssetAnalysis) -> ChecksumCheck | None:
    """The check of one file; None when no manifest covers it or nothing could be compared
    (the file could not be read: it is an error finding already)."""
    tally = ChecksumTally()
    tally.add(media, analysis)
    return tally.result()


@dataclass
class ChecksumTally:
    """Checks added up over the frames of a sequence (or one file), as they arrive."""

    manifests: dict[str, None] = field(default_factory=dict)
    verified: int = 0
    mismatched: int = 0
    not_listed: int = 0
    mismatches: list[ChecksumMismatch] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    def add(self, media: MediaFile, analysis: AssetAnalysis) -> None:
        listed = media.listed
        if listed is None:
            return
        if not listed.hashes:
            self.manifests.update(dict.fromkeys(listed.manifests))
            self.not_listed += 1
            if len(self.unlisted) < MAX_LISTED:
                self.unlisted.append(media.rel)
            return
        actual = {d.algorithm: d.value for d in analysis.digests}
        compared = [h for h in listed.hashes if h.algorithm in actual]
        if not compared:
            return
        self.manifests.update(dict.fromkeys(listed.manifests))
        wrong = [h for h in compared if actual[h.algorithm] != h.value]
        if not wrong:
            self.verified += 1
            return
        self.mismatched += 1
        for h in wrong:
            if len(self.mismatches) < MAX_LISTED:
                found = actual[h.algorithm]
                self.mismatches.append(
                    ChecksumMismatch(media.rel, h.manifest, h.algorithm, h.value, found)
                )

    def result(self) -> ChecksumCheck | None:
        if not (self.verified or self.mismatched or self.not_listed):
            return None
        outcome = (
            "mismatch" if self.mismatched else "not-in-manifest" if self.not_listed else "verified"
        )
        return ChecksumCheck(
            outcome=outcome,
            manifests=tuple(self.manifests),
            verified=self.verified,
            mismatched=self.mismatched,
            not_listed=self.not_listed,
            mismatches=tuple(self.mismatches),
            unlisted=tuple(self.unlisted),
        )
