"""icope.core.profile and `icope profile install`: the site's SLURM profile, written where
`snakemake --profile cluster` looks for it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from icope.cli import main
from icope.core.profile import (
    ProfileError,
    SiteSettings,
    install_profile,
    profile_dir,
    render_profile,
)


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    """A user configuration directory of its own, and a site one (XDG_CONFIG_DIRS)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path / 'site'}:{tmp_path / 'other'}")
    return tmp_path


def test_profile_dir_is_under_xdg_config_home(config_home):
    assert profile_dir() == config_home / "home" / "snakemake" / "cluster"
    assert profile_dir("hpc") == config_home / "home" / "snakemake" / "hpc"


def test_site_profile_dir_is_the_first_xdg_config_dir(config_home):
    assert profile_dir(site=True) == config_home / "site" / "snakemake" / "cluster"


def test_profile_dir_is_where_snakemake_looks(config_home):
    """Snakemake's own lookup of a profile name (its user and site config dirs)."""
    code = (
        "from snakemake.common import get_appdirs; d = get_appdirs(); "
        "print(d.user_config_dir); print(d.site_config_dir)"
    )
    # In a fresh interpreter: platformdirs reads the environment when asked.
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [str(profile_dir().parent), str(profile_dir(site=True).parent)]


def test_rendered_profile_holds_the_site_settings():
    text = render_profile(SiteSettings(account="proj42", partition="short", jobs=250))
    profile = yaml.safe_load(text)
    assert profile["executor"] == "slurm"
    assert profile["default-resources"] == {"slurm_account": "proj42", "slurm_partition": "short"}
    assert profile["jobs"] == 250
    assert profile["max-jobs-per-timespan"] == "20/10s"
    assert profile["slurm-init-seconds-before-status-checks"] == 40
    assert profile["software-deployment-method"] == "conda"
    assert profile["rerun-incomplete"] is True and profile["keep-going"] is True
    assert "cores" not in profile
    # What belongs to the workflow stays in its profiles/default/.
    assert not {"retries", "groups", "group-components", "set-resources"} & set(profile)


def test_rendered_profile_without_conda_or_account_and_with_node_cores():
    profile = yaml.safe_load(render_profile(SiteSettings(conda=False, node_cores=2)))
    assert "software-deployment-method" not in profile
    assert "default-resources" not in profile
    assert profile["cores"] == 2


def test_a_numeric_account_stays_a_string():
    profile = yaml.safe_load(render_profile(SiteSettings(account="123456")))
    assert profile["default-resources"]["slurm_account"] == "123456"


@pytest.mark.parametrize(
    "settings",
    [
        {"account": "a b"},
        {"partition": "x;rm"},
        {"jobs": 0},
        {"status_interval": 0},
        {"max_jobs_per_timespan": "fast"},
        {"node_cores": 0},
    ],
)
def test_invalid_settings_are_refused(settings):
    with pytest.raises(ProfileError):
        SiteSettings(**settings)


def test_install_writes_config_yaml_in_the_user_dir(config_home):
    written = install_profile(SiteSettings(account="proj42", partition="short"))
    assert written == config_home / "home" / "snakemake" / "cluster" / "config.yaml"
    assert yaml.safe_load(written.read_text())["default-resources"]["slurm_account"] == "proj42"


def test_install_refuses_to_overwrite_without_force(config_home):
    target = profile_dir()
    target.mkdir(parents=True)
    (target / "profile.yaml").write_text("executor: slurm\njobs: 7\n")
    with pytest.raises(ProfileError, match="exists"):
        install_profile(SiteSettings(account="new"))
    assert (target / "profile.yaml").read_text() == "executor: slurm\njobs: 7\n"
    assert not (target / "config.yaml").exists()


def test_force_replaces_the_profile_files_and_keeps_the_rest(config_home):
    target = profile_dir()
    target.mkdir(parents=True)
    (target / "config.v8+.yaml").write_text("jobs: 7\n")
    (target / "jobscript.sh").write_text("#!/bin/sh\n")
    install_profile(SiteSettings(account="new"), force=True)
    assert sorted(p.name for p in target.iterdir()) == ["config.yaml", "jobscript.sh"]
    profile = yaml.safe_load((target / "config.yaml").read_text())
    assert profile["default-resources"]["slurm_account"] == "new"


def test_an_empty_profile_directory_is_filled_without_force(config_home):
    profile_dir().mkdir(parents=True)
    assert install_profile(SiteSettings(account="a")).is_file()


def test_profile_name_must_be_a_plain_name():
    with pytest.raises(ProfileError):
        profile_dir("../evil")


def test_cli_install_then_refuse_then_force(config_home):
    runner = CliRunner()
    args = ["profile", "install", "--account", "proj42", "--partition", "short"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "snakemake --profile cluster" in first.output
    written = config_home / "home" / "snakemake" / "cluster" / "config.yaml"
    assert yaml.safe_load(written.read_text())["default-resources"]["slurm_partition"] == "short"

    again = runner.invoke(main, [*args[:3], "other"])
    assert again.exit_code != 0
    assert "exists" in again.output and "--force" in again.output
    assert yaml.safe_load(written.read_text())["default-resources"]["slurm_account"] == "proj42"

    forced = runner.invoke(main, [*args[:3], "other", "--force", "--no-conda", "--jobs", "5"])
    assert forced.exit_code == 0, forced.output
    profile = yaml.safe_load(written.read_text())
    assert profile["default-resources"] == {"slurm_account": "other"}
    assert profile["jobs"] == 5 and "software-deployment-method" not in profile


def test_cli_site_profile(config_home):
    result = CliRunner().invoke(main, ["profile", "install", "--site", "--name", "hpc"])
    assert result.exit_code == 0, result.output
    assert (config_home / "site" / "snakemake" / "hpc" / "config.yaml").is_file()
