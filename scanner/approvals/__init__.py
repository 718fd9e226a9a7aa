"""The approvals register: load and validate it, match assets to it, describe it.

`load_register(path)` gives a Register from a CSV, Excel, YAML or JSON file (or raises
RegisterError, exit 2, naming file, row and field, every problem at once);
`match_asset(analysis, register.index)` lists the approvals covering one asset, most specific
first; `describe_register(register)` says in plain text what the register covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from scanner.approvals.coverage import ApprovalIndex, ai_generators, match_asset
from scanner.approvals.describe import describe_register
from scanner.approvals.load import read_register
from scanner.approvals.tools import tool_aliases, tool_covers, tools_covered
from scanner.approvals.validate import RegisterErrors, validate
from scanner.model import Approval
from scanner.rules.names import normalise_tool


@dataclass(frozen=True)
class Register:
    """A validated register: the file it came from and its approvals, in file order."""

    file: str
    approvals: tuple[Approval, ...] = ()
    format: str = ""  # csv | xlsx | yaml | json
    notes: tuple[str, ...] = ()  # how the file was read: the CSV delimiter, the Excel sheet

    @cached_property
    def index(self) -> ApprovalIndex:
        """The approvals filed by identifier for `match_asset`: built on first use, then kept."""
        return ApprovalIndex.of(self.approvals)

    @property
    def base_dir(self) -> Path:
        return Path(self.file).parent

    def reference_path(self, reference: str) -> Path:
        """Where a `reference` image lives: relative entries are next to the register file."""
        return self.base_dir / reference


def load_register(path: Path | str) -> Register:
    """Read and validate a CSV, Excel, YAML or JSON register; RegisterError naming file, row,
    field."""
    path = Path(path)
    raw = read_register(path)
    approvals = validate(raw, path.parent)
    return Register(file=raw.file, approvals=approvals, format=raw.format, notes=raw.notes)


__all__ = [
    "ApprovalIndex",
    "Register",
    "RegisterErrors",
    "ai_generators",
    "describe_register",
    "load_register",
    "match_asset",
    "normalise_tool",
    "tool_aliases",
    "tool_covers",
    "tools_covered",
]
