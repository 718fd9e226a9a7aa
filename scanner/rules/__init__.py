"""The marker catalog (data, catalog.toml) and the matcher that turns evidence into signals."""

from scanner.rules.catalog import CATALOG_VERSION, Catalog, CatalogError, load_catalog, rules_table
from scanner.rules.names import normalise_generator
from scanner.rules.signals import signals_for

__all__ = [
    "CATALOG_VERSION",
    "Catalog",
    "CatalogError",
    "load_catalog",
    "normalise_generator",
    "rules_table",
    "signals_for",
]
