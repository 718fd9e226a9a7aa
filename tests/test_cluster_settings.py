"""Issue 17: which cluster a scan uses (option, PROVSCAN_CLUSTER, the user's config.toml),
the path maps and the TLS table; bad values are usage errors naming where they came from.
No Dask here: these run without the cluster extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.cluster.identity import Identity, WorkerReport, refuse_unfit
from scanner.engine.cluster.settings import (
    PathMap,
    TlsFiles,
    cluster_settings,
    parse_path_map,
    user_config_file,
)
from scanner.errors import ConfigError


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_option_wins_over_the_environment_and_the_config(tmp_path: Path) -> None:
    config = _config(tmp_path, 'cluster = "tcp://from-config:8786"\n')
    env = {"PROVSCAN_CLUSTER": "tcp://from-env:8786"}
    chosen = cluster_settings("tcp://from-option:8786", (), environ=env, config_file=config)
    assert chosen is not None
    assert (chosen.address, chosen.origin) == ("tcp://from-option:8786", "option")
    chosen = cluster_settings(None, (), environ=env, config_file=config)
    assert chosen is not None
    assert (chosen.address, chosen.origin) == ("tcp://from-env:8786", "environment")
    chosen = cluster_settings(None, (), environ={}, config_file=config)
    assert chosen is not None
    assert (chosen.address, chosen.origin) == ("tcp://from-config:8786", "user-config")
    assert cluster_settings(None, (), environ={}, config_file=tmp_path / "none.toml") is None
    assert cluster_settings(None, (), disabled=True, environ=env, config_file=config) is None


def test_the_user_config_sits_beside_the_users_policy() -> None:
    assert user_config_file().name == "config.toml"
    assert user_config_file().parent.name == "provscan"


def test_path_maps_and_tls_from_the_config_and_the_option(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        'cluster = "tls://sched:8786"\npath_map = ["/mnt/d=/net/d"]\n'
        '[tls]\nca_file = "/ca.pem"\ncert = "/c.pem"\nkey = "/k.pem"\n',
    )
    chosen = cluster_settings(None, (), environ={}, config_file=config)
    assert chosen is not None
    assert chosen.path_map == PathMap((("/mnt/d", "/net/d"),))
    assert chosen.tls == TlsFiles("/ca.pem", "/c.pem", "/k.pem")
    given = cluster_settings(None, ("/a=/b",), environ={}, config_file=config)
    assert given is not None and given.path_map == PathMap((("/a", "/b"),))  # replaces


def test_a_path_map_moves_whole_components_longest_prefix_first() -> None:
    maps = parse_path_map(["/mnt/show=/net/show", "/mnt/show/ep1=/fast/ep1"], "--path-map")
    assert maps.to_worker("/mnt/show/ep2/a.exr") == "/net/show/ep2/a.exr"
    assert maps.to_worker("/mnt/show/ep1/a.exr") == "/fast/ep1/a.exr"
    assert maps.to_worker("/mnt/show") == "/net/show"
    assert maps.to_worker("/mnt/shows/a.exr") == "/mnt/shows/a.exr"  # not under /mnt/show
    assert maps.to_worker("/elsewhere/a.exr") == "/elsewhere/a.exr"


@pytest.mark.parametrize(
    ("option", "maps", "config", "message"),
    [
        ("http://sched:8786", (), "", "is not tcp://HOST:PORT"),
        ("tcp://sched:8786", ("/a",), "", "is not CLIENT_PREFIX=WORKER_PREFIX"),
        ("tcp://sched:8786", ("a=/b",), "", "is not absolute"),
        (None, ("/a=/b",), "", "--path-map needs a cluster"),
        (None, (), "cluster = 8786\n", "cluster must be a string"),
        (None, (), 'clutser = "tcp://x:1"\n', "unknown setting 'clutser'"),
        (None, (), '[tls]\nca_file = "/ca.pem"\n', "needs all of ca_file, cert and key"),
        (None, (), "cluster = [\n", "not valid TOML"),
    ],
)
def test_bad_settings_are_usage_errors(
    tmp_path: Path, option: str | None, maps: tuple[str, ...], config: str, message: str
) -> None:
    path = _config(tmp_path, config)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        cluster_settings(option, maps, environ={}, config_file=path)


def test_unfit_workers_are_named_with_what_differs() -> None:
    mine = Identity("0.2.0", "2026.11.3+abc", "0.91.3")
    other = Identity("0.2.0", "2026.11.3+def", "0.91.3")
    reports = {
        "tcp://10.0.0.2:4001": WorkerReport(other, False, True),
        "tcp://10.0.0.3:4001": WorkerReport(mine, True, True),
        "tcp://10.0.0.4:4001": WorkerReport(mine, False, False),
        "tcp://10.0.0.5:4001": WorkerReport(mine, False, True),
    }  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        refuse_unfit(mine, reports, "/net/d")
    text = str(raised.value)
    assert "tcp://10.0.0.2:4001: rule catalog 2026.11.3+abc here, 2026.11.3+def there" in text
    assert "tcp://10.0.0.3:4001: runs as a daemonic process" in text
    assert "tcp://10.0.0.4:4001: cannot see the delivery at /net/d" in text
    assert "10.0.0.5" not in text
    refuse_unfit(mine, {"tcp://10.0.0.5:4001": reports["tcp://10.0.0.5:4001"]}, "/net/d")
