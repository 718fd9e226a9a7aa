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

_SEPARATORS = re.compile(r"[\s_\-]+")
# a trailing version: "v2.5.5", "3", "1.10.1-rc2"; never a bare model suffix such as "4o"
_TRAILING_VERSION = re.compile(r"(?:\s+|^)v?\d+(?:\.\d+)*(?:[-+][0-9a-z.]+)?$")
_PARENS = re.compile(r"\(([^()]*)\)")


def normalise_tool(name: str) -> str:
    """Case-folded, separators unified, product/version tokens and trailing versions dropped."""
    tokens = []
    for token in name.split():
        product = token.split("/", 1)[0]  # user-agent style "name/1.2.3"
        if "/" in token and "c2pa" in product.casefold():
            continue  # the C2PA library a tool was built with, not the tool
        tokens.append(product)
    text = _SEPARATORS.sub(" ", " ".join(tokens).casefold()).strip()
    while True:
        shorter = _TRAILING_VERSION.sub("", text).strip()
        if shorter == text or not shorter:
            return text
        text = shorter


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
