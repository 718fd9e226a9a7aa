"""What the walk leaves out on purpose: OS droppings, and the gatekeeper's exclude globs.

OS droppings are files an operating system leaves beside copied media: macOS AppleDouble files
(`._name`: the resource fork and Finder data of `name`, on every file a Mac copies to a volume
without extended attributes), `.DS_Store`, Windows' `Thumbs.db` and `desktop.ini`. They are
skipped with that reason instead of becoming unreadable assets, but only when their bytes are
not media: a JPEG named `._still.jpg` is still an asset, and a `._` file is an AppleDouble file
only when its bytes say so (magic 00 05 16 07).

Exclusions are globs (`scanner.common.pathglob`) from `--exclude` and the policy file's
`exclude = [...]`: the gatekeeper's word, never the delivery's (a delivery's own provscan.toml
is read only with --policy-from-delivery, and the report says so). A file whose path matches is
skipped; a folder whose path matches (`proxies`, or `proxies/` that means `proxies/**`) is
skipped whole, without being listed. Excluded paths are listed as skipped with the pattern.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from scanner.common.globset import Deadline, PatternSet
from scanner.errors import GlobTimeBound

APPLEDOUBLE_MAGIC = b"\x00\x05\x16\x07"
SKIP_APPLEDOUBLE = "OS file: macOS AppleDouble (._ resource fork and Finder data), not media"
# Lower-case name -> reason (Windows names are case-insensitive; macOS ones in practice too).
_DROPPINGS = {
    ".ds_store": "OS file: macOS Finder folder settings (.DS_Store), not media",
    "thumbs.db": "OS file: Windows thumbnail cache (Thumbs.db), not media",
    "ehthumbs.db": "OS file: Windows thumbnail cache (ehthumbs.db), not media",
    "desktop.ini": "OS file: Windows folder settings (desktop.ini), not media",
}
OS_FILE = "OS file"  # every dropping's reason starts with it
EXCLUDED = "excluded by"  # every exclusion's reason starts with it


def may_be_dropping(name: str) -> bool:
    """A name an OS dropping has (the bytes still decide: `dropping_reason`)."""
    return name.startswith("._") or name.lower() in _DROPPINGS


def dropping_reason(name: str, head: bytes) -> str:
    """Why a file that is not media is an OS dropping, "" when it is not one."""
    if name.startswith("._"):
        return SKIP_APPLEDOUBLE if head.startswith(APPLEDOUBLE_MAGIC) else ""
    return _DROPPINGS.get(name.lower(), "")


@dataclass(frozen=True)
class Exclusions:
    """Exclude globs, each with where it came from (`--exclude`, the policy file)."""

    patterns: tuple[tuple[str, str], ...] = ()  # (glob, origin)

    @cached_property
    def _set(self) -> PatternSet[str]:
        return PatternSet.of(self.patterns)

    @classmethod
    def of(cls, patterns: Iterable[tuple[str, str]]) -> Exclusions:
        return cls(tuple(dict.fromkeys(patterns)))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def reason(self, rel: str, *, folder: bool = False) -> str:
        """Why `rel` is excluded ("" when it is not). A folder is tried as `rel` and `rel/`."""
        if not self.patterns:
            return ""
        for path in (rel, rel + "/") if folder else (rel,):
            try:
                hits = self._set.matching(path, Deadline.after())
            except GlobTimeBound:
                return ""  # cannot tell in time: scan it (never leave out by default)
            if hits:
                return f"{EXCLUDED} {hits[0].value} {hits[0].pattern!r}"
        return ""
