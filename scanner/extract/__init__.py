"""Extractors: one module per provenance source. Each returns evidence and never raises on bad bytes."""
