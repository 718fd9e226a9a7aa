"""Report formats: pure functions of a ScanResult (or its JSON document)."""

FORMATS = ("json", "csv", "html")  # the report formats, in the order they are listed
