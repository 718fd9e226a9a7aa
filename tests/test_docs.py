"""The README's generated blocks (module map, every command's --help) match the code.

`make docs` regenerates them with cog; here `cog --check` fails when one is stale, so a new
module without a docstring line, a renamed option or a changed help text cannot land with the
README still describing the old one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cog(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cogapp", "-I", str(ROOT / "docs"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_readme_blocks_are_current() -> None:
    done = _cog("--check", "README.md")
    assert done.returncode == 0, f"README.md is stale: run `make docs`\n{done.stdout}{done.stderr}"


def test_the_check_sees_a_stale_block(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(
        "<!-- [[[cog\nimport readme_blocks\nreadme_blocks.help_text('rules')\n]]] -->\n"
        "```\nUsage: provscan rules [OPTIONS] --an-option-that-is-gone\n```\n<!-- [[[end]]] -->\n"
    )
    assert _cog("--check", str(stale)).returncode != 0


def test_every_module_has_a_docstring_line_for_the_map() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "scanner").rglob("*.py"))
        if not _first_line(path)
    ]
    assert missing == []


def _first_line(path: Path) -> str:
    import ast

    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip()
