"""Where the policy comes from (issue 12): never from inside the delivery unless asked.

The library (`load_policy`) and the CLI end to end: a vendor's planted provscan.toml is ignored
by default and honoured only with --policy-from-delivery (and every report says so); --policy,
the user's and the site's config are the gatekeeper's files and are refused inside the
delivery; a policy file is never read through a symlink leaving its folder.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from fixtures import factory
from fixtures.hostile import provscan_command
from scanner.errors import ConfigError
from scanner.policy.areas import Policy
from scanner.policy.load import BUILT_IN, load_policy, parse_policy

VENDOR_POLICY = '[areas]\ntemporary = ["**/*"]\n'  # "everything we delivered is temporary"
STUDIO_POLICY = '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\n'


@pytest.fixture
def config_homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(user config folder, site config folder) for provscan, both empty; set in the env."""
    user, site = tmp_path / "xdg-user", tmp_path / "xdg-site"
    (user / "provscan").mkdir(parents=True)
    (site / "provscan").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(site))
    return user / "provscan", site / "provscan"


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    root.mkdir()
    return root


# --- load_policy ---------------------------------------------------------------------------


def test_the_deliverys_own_policy_is_ignored_by_default(delivery: Path, config_homes) -> None:
    (delivery / "provscan.toml").write_text(VENDOR_POLICY)
    policy = load_policy(delivery)
    assert policy == BUILT_IN
    assert (policy.origin, policy.source, policy.final, policy.temporary) == (
        "default",
        "",
        ("**",),
        (),
    )


def test_the_deliverys_own_policy_counts_only_when_asked_for(delivery: Path, config_homes):
    (delivery / "provscan.toml").write_text(
        '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\narchival = ["./archival/"]\n'
    )
    assert load_policy(delivery, from_delivery=True) == Policy(
        source=str(delivery / "provscan.toml"),
        final=("final/**",),
        temporary=("temp/**",),
        archival=("archival/**",),
        origin="delivery",
    )


def test_asking_for_the_delivery_policy_when_there_is_none_goes_on_down_the_order(
    delivery: Path, config_homes
) -> None:
    user, _site = config_homes
    assert load_policy(delivery, from_delivery=True) == BUILT_IN
    (user / "policy.toml").write_text(STUDIO_POLICY)
    assert load_policy(delivery, from_delivery=True).origin == "user-config"


def test_the_option_wins_and_is_named(delivery: Path, tmp_path: Path, config_homes) -> None:
    user, site = config_homes
    (user / "policy.toml").write_text('[areas]\ntemporary = ["u/**"]\n')
    (site / "policy.toml").write_text('[areas]\ntemporary = ["s/**"]\n')
    (delivery / "provscan.toml").write_text(VENDOR_POLICY)
    option = tmp_path / "studio.toml"
    option.write_text('[areas]\ntemporary = ["b/**"]\n')
    policy = load_policy(delivery, option)
    assert (policy.origin, policy.source, policy.temporary) == ("option", str(option), ("b/**",))


def test_user_config_then_site_config_then_the_default(delivery: Path, config_homes) -> None:
    user, site = config_homes
    assert load_policy(delivery).origin == "default"
    (site / "policy.toml").write_text('[areas]\ntemporary = ["s/**"]\n')
    site_policy = load_policy(delivery)
    assert (site_policy.origin, site_policy.temporary) == ("site-config", ("s/**",))
    assert site_policy.source == str(site / "policy.toml")
    (user / "policy.toml").write_text('[areas]\ntemporary = ["u/**"]\n')
    user_policy = load_policy(delivery)
    assert (user_policy.origin, user_policy.temporary) == ("user-config", ("u/**",))


def test_a_policy_option_inside_the_delivery_is_refused(delivery: Path, tmp_path: Path) -> None:
    (delivery / "studio.toml").write_text(STUDIO_POLICY)
    with pytest.raises(ConfigError, match="is inside the delivery"):
        load_policy(delivery, delivery / "studio.toml")
    # also when a link outside leads there: inside is judged on the real path
    (tmp_path / "looks_outside.toml").symlink_to(delivery / "studio.toml")
    with pytest.raises(ConfigError, match="is inside the delivery"):
        load_policy(delivery, tmp_path / "looks_outside.toml")


def test_a_user_config_inside_the_delivery_is_refused(
    delivery: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XDG_CONFIG_HOME pointing into the delivery must not let its files set the policy."""
    (delivery / "provscan").mkdir()
    (delivery / "provscan" / "policy.toml").write_text(VENDOR_POLICY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(delivery))
    with pytest.raises(ConfigError, match="is inside the delivery"):
        load_policy(delivery)


def test_option_and_delivery_policy_together_are_a_usage_error(delivery: Path, tmp_path):
    (tmp_path / "studio.toml").write_text(STUDIO_POLICY)
    with pytest.raises(ConfigError, match="not both"):
        load_policy(delivery, tmp_path / "studio.toml", from_delivery=True)


def test_a_delivery_policy_linking_out_of_the_delivery_is_refused(
    delivery: Path, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere.toml").write_text(STUDIO_POLICY)
    (delivery / "provscan.toml").symlink_to(tmp_path / "elsewhere.toml")
    with pytest.raises(ConfigError, match="outside its folder"):
        load_policy(delivery, from_delivery=True)


def test_a_policy_file_linking_out_of_its_folder_is_refused(tmp_path: Path, delivery: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "policy.toml").write_text(STUDIO_POLICY)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "policy.toml").symlink_to(tmp_path / "real" / "policy.toml")
    with pytest.raises(ConfigError, match="outside its folder: refused"):
        load_policy(delivery, tmp_path / "conf" / "policy.toml")
    # a link that stays in its folder is fine: the file is where the gatekeeper put it
    (tmp_path / "real" / "current.toml").symlink_to("policy.toml")
    assert load_policy(delivery, tmp_path / "real" / "current.toml").origin == "option"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[area]\nfinal = []\n", "unknown key 'area'"),
        ('[areas]\nfinale = ["x/**"]\n', "unknown key 'areas.finale'"),
        ('[areas]\nfinal = "final/**"\n', "'areas.final' must be a list of glob strings"),
        ('[areas]\ntemporary = ["/abs/**"]\n', "'areas.temporary' pattern '/abs/**'"),
        ('[areas]\nfinal = ["x/**"]\narchival = ["x/**"]\n', "is in both 'areas.final' and"),
        ("[areas\n", "not valid TOML"),
        ('areas = ["x"]\n', "'areas' must be a table"),
    ],
)
def test_policy_file_errors_name_the_file_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy(text, "studio/policy.toml")
    assert str(info.value).startswith("studio/policy.toml: ")
    assert message in str(info.value)


def test_a_missing_policy_option_file_is_a_config_error(tmp_path: Path, delivery: Path) -> None:
    with pytest.raises(ConfigError, match="policy file does not exist"):
        load_policy(delivery, tmp_path / "nope.toml")


def test_a_policy_file_that_is_a_folder_is_refused(tmp_path: Path, delivery: Path) -> None:
    (delivery / "provscan.toml").mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_policy(delivery, from_delivery=True)
    (tmp_path / "policy.toml").mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_policy(delivery, tmp_path / "policy.toml")


# --- the CLI end to end: the exit code and every report say which policy decided -------------


def _scan(delivery: Path, out: Path, *extra: str, env: dict[str, str] | None = None):
    done = subprocess.run(
        [*provscan_command(), "scan", str(delivery), "--format", "json", "--format", "html",
         "-o", str(out), "--no-cache", "--no-fingerprints", *extra],
        capture_output=True,
        text=True,
        env=env,
    )  # fmt: skip
    report = out / "provscan.json"
    doc = json.loads(report.read_text(encoding="utf-8")) if done.returncode in (0, 1) else None
    return done, doc


@pytest.fixture
def vendor_delivery(delivery: Path) -> Path:
    """An unapproved AI still in final/, and the vendor's policy calling everything temporary."""
    factory.a1111_png(delivery / "final/stills/sd.png")
    (delivery / "provscan.toml").write_text(VENDOR_POLICY)
    return delivery


def test_a_planted_policy_cannot_pass_the_gate(vendor_delivery: Path, tmp_path: Path) -> None:
    done, doc = _scan(vendor_delivery, tmp_path / "out")
    assert done.returncode == 1, done.stderr
    [asset] = doc["assets"]
    assert (asset["path"], asset["status"], asset["area"]) == (
        "final/stills/sd.png",
        "violation",
        "final",
    )
    assert (doc["policy"], doc["policy_origin"]) == (None, "default")
    assert "  policy: built-in: everything is final\n" in done.stderr


def test_the_deliverys_policy_is_honoured_with_the_flag_and_every_report_says_so(
    vendor_delivery: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done, doc = _scan(vendor_delivery, out, "--policy-from-delivery")
    assert done.returncode == 0, done.stderr
    assert doc["assets"][0]["status"] == "clean"
    planted = str(vendor_delivery / "provscan.toml")
    assert (doc["policy"], doc["policy_origin"]) == (planted, "delivery")
    assert f"  POLICY FROM THE DELIVERY ITSELF: {planted} (the delivery's own file" in done.stderr
    html = (out / "provscan.html").read_text(encoding="utf-8")
    assert '<p class="policy-line policy-delivery" id="policy-origin">' in html
    assert "honoured with --policy-from-delivery" in html


def test_the_policy_option_and_the_user_config_are_named_in_the_report(
    vendor_delivery: Path, tmp_path: Path
) -> None:
    studio = tmp_path / "studio.toml"
    studio.write_text(STUDIO_POLICY)
    done, doc = _scan(vendor_delivery, tmp_path / "out", "--policy", str(studio))
    assert done.returncode == 1, done.stderr
    assert (doc["policy"], doc["policy_origin"]) == (str(studio), "option")
    assert f"  policy: {studio} (given with --policy)\n" in done.stderr

    user = tmp_path / "home-config"
    (user / "provscan").mkdir(parents=True)
    (user / "provscan" / "policy.toml").write_text(STUDIO_POLICY)
    env = {**os.environ, "XDG_CONFIG_HOME": str(user)}
    done, doc = _scan(vendor_delivery, tmp_path / "out2", env=env)
    assert done.returncode == 1, done.stderr
    assert doc["policy_origin"] == "user-config"


def test_a_policy_symlink_leaving_its_folder_exits_2(vendor_delivery: Path, tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "studio.toml").write_text(STUDIO_POLICY)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "policy.toml").symlink_to(tmp_path / "real" / "studio.toml")
    link = tmp_path / "conf" / "policy.toml"
    done, _ = _scan(vendor_delivery, tmp_path / "out", "--policy", str(link))
    assert done.returncode == 2
    assert "outside its folder: refused" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_policy_option_inside_the_delivery_exits_2(vendor_delivery: Path, tmp_path: Path):
    done, _ = _scan(vendor_delivery, tmp_path / "out", "--policy",
                    str(vendor_delivery / "provscan.toml"))  # fmt: skip
    assert done.returncode == 2
    assert "is inside the delivery" in done.stderr
