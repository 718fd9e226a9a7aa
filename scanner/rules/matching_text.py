"""A value as the rules read it, so a name cannot hide behind how it is spelled in Unicode.

The report shows the value as the file holds it (invisible characters escaped); the rules match
its folded form: compatibility forms folded (NFKC: a no-break space is a space, full-width
`Ｍｉｄｊｏｕｒｎｅｙ` is `Midjourney`), invisible format characters taken out (zero-width spaces
and joiners, bidi controls, soft hyphens: Unicode category Cf), and the Cyrillic and Greek
letters that look like Latin ones read as those (`Mіdjourney` with a Cyrillic і). ASCII is
already in that form.
"""

from __future__ import annotations

import unicodedata

# Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables, the common ones)
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝɡАВЕКМНОРСТХІЈЅԌԚԜ"  # Cyrillic (and Latin script ɡ)
    "αεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",  # Greek
    "aeopcyxijsdqwgABEKMHOPCTXIJSGQWaeikvoptuxABEZHIKMNOPTYX",
)


def matching_text(value: str) -> str:
    """`value` folded for matching (module docstring)."""
    if value.isascii():
        return value
    folded = unicodedata.normalize("NFKC", value)
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return visible.translate(_LOOKALIKES)
