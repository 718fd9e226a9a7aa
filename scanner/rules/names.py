"""Generator names: one display name for reports, one comparison key for the register.

Both start from the same product name. A claim generator or user agent such as
"Adobe_Photoshop/26.11.0 adobe_c2pa/0.14.2 c2pa-rs/0.43.0" names the product first and the
libraries it was built with after it, so the product is the first `name/version` token; tokens
naming a C2PA library (`adobe_c2pa/0.12.4`, `c2pa-rs/0.32.7`) are never the tool.

- `normalise_generator` (reports): catalog aliases first ("Adobe_Firefly ..." -> "Adobe
  Firefly"), else the product tidied, keeping a model's own numbers ("Runway Gen-4",
  "Imagen 3") but not dotted versions or hash tails.
- `normalise_tool` (register matching): case-folded, separators unified, every trailing
  version dropped ("Adobe Firefly 3" -> "adobe firefly"), so names from the register and from
  the metadata compare.
"""

from __future__ import annotations

import re

from scanner.rules.catalog import Catalog, load_catalog

MAX_GENERATOR_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Trailing dotted version numbers ("0.33.1", "v2.4") and model hashes ("Stable Diffusion 1D44365E").
_VERSION_TAIL = re.compile(r"(?:\s+(?:v?\d+(?:\.\d+)+\S*|[0-9A-F]{8,}))+$")
_SEPARATORS = re.compile(r"[\s_\-]+")
# any trailing version: "v2.5.5", "3", "1.10.1-rc2"; never a bare model suffix such as "4o"
_TRAILING_VERSION = re.compile(r"(?:\s+|^)v?\d+(?:\.\d+)*(?:[-+][0-9a-z.]+)?$")


def product_name(text: str) -> str:
    """The tool a claim-generator / user-agent style string names, without library tokens."""
    tokens = [t for t in text.split() if not ("/" in t and "c2pa" in t.split("/", 1)[0].casefold())]
    if tokens and "/" in tokens[0]:
        return tokens[0].split("/", 1)[0]  # "Name/1.2 lib/3.4": the product comes first
    return " ".join(t.split("/", 1)[0] for t in tokens)


def normalise_generator(raw: str, catalog: Catalog | None = None) -> str:
    """A generator name as a display name: catalog aliases first, else a tidied product."""
    catalog = catalog or load_catalog()
    text = _CONTROL.sub(" ", raw).strip()
    for pattern, name in catalog.generator_names:
        if pattern.search(text):
            return name
    text = product_name(text) or text
    if " " not in text:
        text = text.replace("_", " ")
    text = _VERSION_TAIL.sub("", " ".join(text.split())) or text
    return text[:MAX_GENERATOR_CHARS]


def normalise_tool(name: str) -> str:
    """Case-folded, separators unified, library tokens and trailing versions dropped."""
    text = _SEPARATORS.sub(" ", product_name(name).casefold()).strip()
    while True:
        shorter = _TRAILING_VERSION.sub("", text).strip()
        if shorter == text or not shorter:
            return text
        text = shorter
