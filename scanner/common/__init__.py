"""Helpers every stage may use: path globs, strict (de)serialisation, safe terminal text, paths."""
