"""Blocks of the README made from the code, so the README cannot drift from it.

Used by cog (cogapp): `make docs` rewrites the blocks between `[[[cog` and `[[[end]]]` markers in
README.md; `make test` runs `cog --check` (tests/test_docs.py), which fails when a block is
stale, the way sqlite-utils keeps its CLI reference true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cog  # type: ignore[import-not-found]  # only importable while cog runs this
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scanner"
NAME_WIDTH = 30


def first_line(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def module_map() -> None:
    """Every package and module of scanner/, with the first line of its docstring."""
    lines = ["scanner/"]
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name != "__init__.py":
            lines.append(f"  {path.name:<{NAME_WIDTH}}{first_line(path)}")
    for package in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        lines.append(f"  {package.name + '/':<{NAME_WIDTH}}{first_line(package / '__init__.py')}")
        for path in sorted(package.rglob("*.py")):
            if path.name == "__init__.py" and path.parent == package:
                continue
            rel = path.relative_to(package).as_posix()
            if path.name == "__init__.py":
                rel = path.parent.relative_to(package).as_posix() + "/"
            lines.append(f"    {rel:<{NAME_WIDTH - 2}}{first_line(path)}")
    cog.outl("```")
    for line in lines:
        cog.outl(line.rstrip())
    cog.outl("```")


def help_text(*args: str) -> None:
    """`provscan ARGS --help` exactly as the CLI prints it."""
    from scanner.cli import cli

    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="provscan", terminal_width=100)
    if result.exit_code != 0:
        raise RuntimeError(f"provscan {' '.join(args)} --help failed: {result.output}")
    cog.outl("```")
    for line in result.output.rstrip().splitlines():
        cog.outl(line.rstrip())
    cog.outl("```")
