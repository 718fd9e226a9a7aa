"""Extractors: one module per provenance source; each returns evidence, never raises."""
