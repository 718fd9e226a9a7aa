"""The gate: areas of the delivery, each asset's finding and reasons, the exit code. Pure."""
