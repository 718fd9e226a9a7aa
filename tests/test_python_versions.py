"""The Python versions provscan claims are the ones it installs on (issue 13: the README and
`requires-python` said 3.10+, but PyAV 18 needs 3.11, so an install on 3.10 failed with an
error that did not say so).

Every place that states the minimum agrees with `requires-python`, every installed runtime
dependency (all the way down) accepts that minimum, and this interpreter satisfies it.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REQUIRES_PYTHON = SpecifierSet(PYPROJECT["project"]["requires-python"])


def claimed_minimum() -> Version:
    """The lowest version `requires-python` admits (it must be a `>=X.Y` bound)."""
    bounds = [Version(s.version) for s in REQUIRES_PYTHON if s.operator == ">="]
    assert len(bounds) == 1, REQUIRES_PYTHON
    return bounds[0]


def runtime_distributions() -> dict[str, str]:
    """Every installed distribution provscan needs at run time (not its extras), found by
    walking the requirements from provscan down: name -> its Requires-Python ("" if none)."""
    minimum = str(claimed_minimum())
    environment = {"python_version": minimum, "python_full_version": minimum + ".0", "extra": ""}
    found: dict[str, str] = {}
    todo = ["provscan"]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a requirement with a marker that does not apply here
        found[name] = dist.metadata.get("Requires-Python") or ""
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                todo.append(requirement.name.lower())
    return found


def test_every_runtime_dependency_installs_on_the_claimed_minimum() -> None:
    minimum = claimed_minimum()
    found = runtime_distributions()
    assert {"av", "numpy", "pillow", "c2pa-python", "click"} <= set(found)
    refusing = {
        name: requires
        for name, requires in found.items()
        if requires and not SpecifierSet(requires).contains(minimum, prereleases=True)
    }
    assert refusing == {}, f"these do not install on Python {minimum}: {refusing}"
    # and the claim is no looser than it must be: something really needs this minimum
    assert any(
        not SpecifierSet(r).contains(Version(f"{minimum.major}.{minimum.minor - 1}"))
        for r in found.values()
        if r
    )


def test_this_python_satisfies_the_claim() -> None:
    assert REQUIRES_PYTHON.contains(".".join(map(str, sys.version_info[:3])))


def test_every_statement_of_the_minimum_agrees() -> None:
    minimum = claimed_minimum()
    short = f"{minimum.major}.{minimum.minor}"
    assert PYPROJECT["tool"]["ruff"]["target-version"] == f"py{minimum.major}{minimum.minor}"
    assert PYPROJECT["tool"]["mypy"]["python_version"] == short
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"**Python {short} or newer**" in readme
    stated = set(re.findall(r"Python (\d\.\d+)\+|\((\d\.\d+)\+\)", readme))
    assert stated <= {(short, ""), ("", short)}, stated
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"sys.version_info >= ({minimum.major}, {minimum.minor})" in makefile
    assert f"provscan needs Python {short} or newer" in makefile
