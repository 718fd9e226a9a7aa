"""Generator names, normalised so the register and the metadata can be compared.

"Adobe Firefly", "Adobe_Firefly", "adobe-firefly", "Adobe_Firefly adobe_c2pa/0.12.4+sven2
c2pa-rs/0.32.7" and "Adobe Firefly 3" all become "adobe firefly". A name with a qualifier in
parentheses, "Stable Diffusion (AUTOMATIC1111)", also answers to each part: "stable diffusion"
and "automatic1111".

A tool named in the register covers a generator whose normalised name holds it as a run of
whole words: "Sora" covers "OpenAI Sora", "Firefly" covers "Adobe Firefly", "Stable Diffusion"
covers "Stable Diffusion XL"; "Flux" does not cover "Fluxus", nor "Adobe Firefly" "Firefly".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.rules.names import normalise_tool

_PARENS = re.compile(r"\(([^()]*)\)")


def tool_aliases(name: str) -> frozenset[str]:
    """The normalised names a generator answers to (the whole name and its bracketed parts)."""
    names = {normalise_tool(name)}
    inner = _PARENS.findall(name)
    if inner:
        names.add(normalise_tool(_PARENS.sub(" ", name)))
        names.update(normalise_tool(part) for part in inner)
    return frozenset(n for n in names if n)


def tool_covers(approved_tool: str, generator: str) -> bool:
    """True when the register's `approved_tool` names `generator` (whole words, normalised)."""
    wanted = normalise_tool(approved_tool).split()
    if not wanted:
        return False
    for alias in tool_aliases(generator):
        words = alias.split()
        for start in range(len(words) - len(wanted) + 1):
            if words[start : start + len(wanted)] == wanted:
                return True
    return False


def tools_covered(approved_tools: Iterable[str], generators: Iterable[str]) -> tuple[str, ...]:
    """The generators (as named in the asset) that one of `approved_tools` covers."""
    approved = tuple(approved_tools)
    return tuple(g for g in generators if any(tool_covers(t, g) for t in approved))
