"""Which cluster to use and how to reach it: option, environment, then the user's config file.

In order: `--cluster ADDRESS`, else `PROVSCAN_CLUSTER`, else `cluster = "..."` in the user's
`~/.config/provscan/config.toml` (beside `policy.toml`); `--no-cluster` scans locally whatever
they say. The same file may hold the path maps and the TLS files:

    cluster = "tls://render-sched.example:8786"
    path_map = ["/mnt/deliveries=/net/deliveries"]   # CLIENT_PREFIX=WORKER_PREFIX
    [tls]
    ca_file = "/etc/provscan/cluster-ca.pem"
    cert = "/etc/provscan/client.pem"
    key = "/etc/provscan/client-key.pem"

Without a `[tls]` table, Dask's own TLS settings apply (its config files and
`DASK_DISTRIBUTED__COMM__TLS__*`). Nothing here imports Dask: it is an optional extra.
"""

from __future__ import annotations

import os
import posixpath
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.common.config_files import read_config_file
from scanner.errors import ConfigError

ENV_VAR = "PROVSCAN_CLUSTER"
CONFIG_FILE_NAME = "config.toml"
MAX_CONFIG_BYTES = 64 * 1024
SCHEMES = ("tcp", "tls")
TLS_KEYS = ("ca_file", "cert", "key")
INSTALL_HINT = "install the cluster extra: pip install 'provscan[cluster]'"


@dataclass(frozen=True)
class PathMap:
    """Delivery paths as the client sees them -> as the workers see them."""

    pairs: tuple[tuple[str, str], ...] = ()  # (client prefix, worker prefix)

    def to_worker(self, path: str) -> str:
        """`path` under the longest client prefix that holds it, moved under its worker
        prefix; unchanged when none holds it. Whole path components only: /mnt/a does not
        hold /mnt/ab."""
        best: tuple[str, str] | None = None
        for client, worker in self.pairs:
            if (path == client or path.startswith(client.rstrip("/") + "/")) and (
                best is None or len(client) > len(best[0])
            ):
                best = (client, worker)
        if best is None:
            return path
        rest = path[len(best[0]) :].lstrip("/")
        return posixpath.join(best[1], rest) if rest else best[1]


@dataclass(frozen=True)
class TlsFiles:
    ca_file: str = ""
    cert: str = ""
    key: str = ""


@dataclass(frozen=True)
class ClusterSettings:
    """A cluster to scan on: the scheduler's address, path maps, TLS files (None: Dask's own
    TLS config, if any)."""

    address: str
    path_map: PathMap = PathMap()
    tls: TlsFiles | None = None
    origin: str = "option"  # option, environment or user-config


def user_config_file() -> Path:
    """The user's provscan config file, e.g. ~/.config/provscan/config.toml (may not exist)."""
    from platformdirs import user_config_path

    return user_config_path("provscan", appauthor=False) / CONFIG_FILE_NAME


def parse_path_map(entries: tuple[str, ...] | list[str], where: str) -> PathMap:
    """`CLIENT_PREFIX=WORKER_PREFIX` entries; both absolute POSIX paths."""
    pairs = []
    for entry in entries:
        client, sep, worker = str(entry).partition("=")
        if not sep or not client or not worker:
            raise ConfigError(f"{where}: path map {entry!r} is not CLIENT_PREFIX=WORKER_PREFIX")
        for side in (client, worker):
            if not PurePosixPath(side).is_absolute():
                raise ConfigError(f"{where}: path map {entry!r}: {side!r} is not absolute")
        pairs.append((posixpath.normpath(client), posixpath.normpath(worker)))
    return PathMap(tuple(pairs))


def check_address(address: str, where: str) -> str:
    scheme, sep, rest = address.partition("://")
    if not sep or scheme not in SCHEMES or not rest:
        raise ConfigError(
            f"{where}: cluster address {address!r} is not tcp://HOST:PORT or tls://HOST:PORT"
        )
    return address


def cluster_settings(
    option: str | None,
    path_maps: tuple[str, ...],
    *,
    disabled: bool = False,
    environ: dict[str, str] | None = None,
    config_file: Path | None = None,
) -> ClusterSettings | None:
    """The cluster this scan uses (the module docstring's order), or None for a local scan."""
    if disabled:
        if option:
            raise ConfigError("give either --cluster ADDRESS or --no-cluster, not both")
        return None
    environ = dict(os.environ) if environ is None else environ
    path = config_file if config_file is not None else user_config_file()
    config = _read_config(path)
    configured_maps = config.get("path_map", [])
    if not isinstance(configured_maps, list):
        raise ConfigError(f"{path}: path_map must be a list of CLIENT_PREFIX=WORKER_PREFIX")
    # --path-map replaces the file's maps (as --cluster replaces its address)
    path_map = parse_path_map(
        list(path_maps) if path_maps else [str(m) for m in configured_maps],
        "--path-map" if path_maps else str(path),
    )
    tls = _tls(config.get("tls"), path)
    if option:
        return ClusterSettings(check_address(option, "--cluster"), path_map, tls, "option")
    if environ.get(ENV_VAR, "").strip():
        address = check_address(environ[ENV_VAR].strip(), ENV_VAR)
        return ClusterSettings(address, path_map, tls, "environment")
    configured = config.get("cluster")
    if configured is None:
        if path_maps:
            raise ConfigError("--path-map needs a cluster (--cluster ADDRESS)")
        return None
    if not isinstance(configured, str):
        raise ConfigError(f"{path}: cluster must be a string like tcp://HOST:8786")
    return ClusterSettings(check_address(configured, str(path)), path_map, tls, "user-config")


def _read_config(path: Path) -> dict[str, Any]:
    if not (path.exists() or path.is_symlink()):
        return {}
    data = read_config_file(path, what="provscan config file", max_bytes=MAX_CONFIG_BYTES)
    try:
        config = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(config) - {"cluster", "path_map", "tls"})
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (cluster, path_map, tls)")
    return config


def _tls(table: Any, path: Path) -> TlsFiles | None:
    if table is None:
        return None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(f"{path}: [tls] holds ca_file, cert and key, each a file path")
    unknown = sorted(set(table) - set(TLS_KEYS))
    if unknown:
        raise ConfigError(f"{path}: [tls]: unknown key {unknown[0]!r} (ca_file, cert, key)")
    if not all(table.get(key) for key in TLS_KEYS):
        raise ConfigError(f"{path}: [tls] needs all of ca_file, cert and key")
    return TlsFiles(table["ca_file"], table["cert"], table["key"])
