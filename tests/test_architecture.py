"""The shape of the house: imports point down the pipeline, modules stay small.

The pipeline, from the foundation up (docs/architecture.md draws it): a module may import its
own stage and the stages below it, never one above. So readers never see policy, cache or CLI,
reports never call back into the engine, and nothing imports the CLI.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SCANNER = Path(__file__).resolve().parents[1] / "scanner"

# Lowest first. The package root (`scanner/__init__.py`: the version) is foundation too.
STAGES = (
    ("", "model", "model_timeline", "model_delivery", "errors"),
    ("common",),
    ("discover",),
    ("extract",),
    ("rules",),
    ("fingerprint",),
    ("engine",),
    ("timeline",),
    ("approvals",),
    ("policy",),
    ("report",),
    ("scan",),
    ("cli",),
)
LEVEL = {name: level for level, names in enumerate(STAGES) for name in names}
MAX_MODULE_LINES = 400


def _modules(root: Path = SCANNER) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> Iterator[str]:
    """Every `scanner...` module this file imports, at any depth (lazy imports count too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "scanner":
                # `from scanner import x`: x is a stage package or the root's own name
                for alias in node.names:
                    yield f"scanner.{alias.name}" if alias.name in LEVEL else "scanner"
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _edges(root: Path = SCANNER) -> list[tuple[str, str]]:
    return [
        (module, imported)
        for module, path in _modules(root)
        for imported in _imports(path)
        if imported == "scanner" or imported.startswith("scanner.")
    ]


def test_every_module_belongs_to_a_stage() -> None:
    unplaced = sorted({_stage(m) for m, _ in _modules()} - set(LEVEL))
    assert unplaced == [], f"add these to STAGES (and docs/architecture.md): {unplaced}"


def upward_imports(root: Path = SCANNER) -> list[str]:
    return [
        f"{module} imports {imported}"
        for module, imported in _edges(root)
        if LEVEL[_stage(imported)] > LEVEL[_stage(module)]
    ]


def test_imports_point_down_the_pipeline() -> None:
    assert upward_imports() == []


def test_an_upward_import_is_seen(tmp_path: Path) -> None:
    """The check itself: a reader importing the policy, even lazily inside a function."""
    reader = tmp_path / "scanner" / "extract" / "sneaky.py"
    reader.parent.mkdir(parents=True)
    reader.write_text("def f():\n    from scanner.policy.decide import decide\n")
    (tmp_path / "scanner" / "policy").mkdir()
    (tmp_path / "scanner" / "policy" / "decide.py").write_text("from scanner.model import X\n")
    assert upward_imports(tmp_path / "scanner") == [
        "scanner.extract.sneaky imports scanner.policy.decide"
    ]


def test_the_foundation_imports_nothing_of_ours_but_itself() -> None:
    foundation = {
        "scanner",
        "scanner.model",
        "scanner.model_timeline",
        "scanner.model_delivery",
        "scanner.errors",
    }
    assert [(m, i) for m, i in _edges() if m in foundation and i not in foundation and i != m] == []


def test_only_the_cli_imports_click() -> None:
    importers = {
        module
        for module, path in _modules()
        for imported in _all_imports(path)
        if imported == "click" or imported.startswith("click.")
    }
    assert importers and all(_stage(m) == "cli" for m in importers), sorted(importers)


def _all_imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_modules_stay_small() -> None:
    big = []
    for module, path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            big.append(f"{module}: {lines} lines")
    assert big == [], "split these by job"
