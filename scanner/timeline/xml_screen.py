"""A bounded first read of an XML timeline, before any adapter sees it.

The FCP7 and FCPXML adapters parse with `xml.etree` and walk the tree recursively: entity
expansion is stopped only by the linked expat's own amplification limit, and a few thousand
nested elements end in RecursionError. So every XML timeline is read once with defusedxml's
SAX parser first (no entity may be declared or expanded, nothing external is fetched), under
a depth and an element-count limit; anything wrong stops here with the line where it is. The
same pass notes the line of each element the readers care about, which `xml.etree` cannot.
"""

from __future__ import annotations

import xml.sax
from dataclasses import dataclass, field
from typing import Any

import defusedxml.sax
from defusedxml import DefusedXmlException

from scanner.timeline.otio_clips import TimelineProblem

MAX_DEPTH = 64
MAX_ELEMENTS = 2_000_000


@dataclass
class Screened:
    """What the first read found: the root element's name and the lines of chosen elements,
    in document order."""

    root: str = ""
    lines: dict[str, list[int]] = field(default_factory=dict)


class _Screen(xml.sax.handler.ContentHandler):
    def __init__(self, watch: frozenset[str], max_depth: int, max_elements: int) -> None:
        super().__init__()
        self.watch = watch
        self.max_depth = max_depth
        self.max_elements = max_elements
        self.depth = 0
        self.count = 0
        self.found = Screened()
        self.locator: Any = None

    def setDocumentLocator(self, locator: Any) -> None:  # noqa: N802 - SAX's name
        self.locator = locator

    def line(self) -> int:
        return int(self.locator.getLineNumber()) if self.locator is not None else 0

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 - SAX's name
        self.depth += 1
        self.count += 1
        if self.depth > self.max_depth:
            raise TimelineProblem(f"elements nested deeper than {self.max_depth}", self.line())
        if self.count > self.max_elements:
            raise TimelineProblem(f"more than {self.max_elements} elements", self.line())
        local = name.rsplit(":", 1)[-1]
        if not self.found.root:
            self.found.root = local
        if local in self.watch:
            self.found.lines.setdefault(local, []).append(self.line())

    def endElement(self, name: str) -> None:  # noqa: N802 - SAX's name
        self.depth -= 1


def screen_xml(
    data: bytes,
    *,
    watch: frozenset[str] = frozenset(),
    allow_doctype: bool = True,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> Screened:
    """Read `data` once, bounded; TimelineProblem (with the line) for an entity, a DTD (when
    not allowed), too deep or too many elements, or XML that is not well-formed."""
    handler = _Screen(watch, max_depth, max_elements)
    try:
        defusedxml.sax.parseString(data, handler, forbid_dtd=not allow_doctype)
    except TimelineProblem:
        raise
    except xml.sax.SAXParseException as exc:
        raise TimelineProblem(
            f"not well-formed XML: {exc.getMessage()}", exc.getLineNumber() or 0
        ) from exc
    except DefusedXmlException as exc:
        raise TimelineProblem(f"refused: {exc}", handler.line()) from exc
    except (xml.sax.SAXException, ValueError, RecursionError) as exc:
        raise TimelineProblem(f"not readable XML: {exc}", handler.line()) from exc
    return handler.found
