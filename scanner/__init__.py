"""provscan: asset provenance scanner for media deliveries."""

__version__ = "0.4.0"
