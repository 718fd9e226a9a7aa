"""Low-level container parsers: pure functions over a binary file object.

Each one is bounded (caps on counts and on bytes read), seeks past what it does not need, and
never raises for bad bytes: it returns what it found plus a list of problems in plain words.
"""
