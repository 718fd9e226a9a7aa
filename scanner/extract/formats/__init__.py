"""Low-level container parsers: pure functions over a binary file object.

Each one is bounded (caps on counts and on bytes read), seeks past what it does not need, and
never raises for bad bytes: it returns what it found plus a list of problems in plain words.
A problem made by `limit_reached` says a cap stopped the reading: the caller makes it an
incomplete Problem (the asset is not-inspected), never a note to ignore.
"""

LIMIT_PREFIX = "limit reached: "


def limit_reached(message: str) -> str:
    return LIMIT_PREFIX + message


def is_limit(message: str) -> bool:
    return message.startswith(LIMIT_PREFIX)
