"""Report formats: pure functions of a ScanResult (or its JSON document)."""
