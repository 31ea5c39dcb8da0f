"""The site's SLURM profile, written where ``snakemake --profile cluster`` finds it.

Snakemake looks a profile *name* up in the working directory, then in the user's
configuration directory (``$XDG_CONFIG_HOME/snakemake``, by default ``~/.config/snakemake``),
then in the site's (``$XDG_CONFIG_DIRS``' first entry, by default ``/etc/xdg/snakemake``);
never in a checkout's ``profiles/``. :func:`install_profile` writes ``<dir>/<name>/config.yaml``
there, computed with the same ``platformdirs`` call Snakemake makes.

The profile holds what belongs to the site, whatever workflow runs there: the executor, the
SLURM account and partition, how many jobs may be queued, how fast jobs are submitted and
their status queried, and how software is deployed. What belongs to this workflow whatever the
site (job groups, retries; threads, memory and runtime are in the rules) is the checkout's
``profiles/default/``, which Snakemake applies on top as the workflow profile.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

#: The profile name the README's ``snakemake --profile cluster`` uses.
PROFILE_NAME = "cluster"
#: snakemake-executor-plugin-slurm's own default: first status query 40 s after a submission
#: (the interval then grows by 10 s per query that finds nothing finished, up to 180 s).
STATUS_INTERVAL_S = 40
#: Jobs queued or running at once, and the submission rate: a 1,000-sample run (tens of
#: thousands of jobs) reaches the controller at 2 sbatch calls a second at most.
JOBS = 100
MAX_JOBS_PER_TIMESPAN = "20/10s"
# Snakemake's names for a profile's main file: profile.yaml / config.yaml, optionally
# versioned (config.v9+.yaml); a directory holding one of them is a profile.
_PROFILE_FILE = re.compile(r"(profile|config)(\.v\d+\+)?\.yaml")


class ProfileError(ValueError):
    """A profile cannot be written as asked (exists, or a setting is invalid)."""


@dataclass(frozen=True)
class SiteSettings:
    """What the site decides. ``None`` account/partition: not written (the plugin then
    guesses the account from ``sacct`` and SLURM picks its default partition)."""

    account: str | None = None
    partition: str | None = None
    jobs: int = JOBS
    status_interval: int = STATUS_INTERVAL_S
    max_jobs_per_timespan: str = MAX_JOBS_PER_TIMESPAN
    conda: bool = True
    node_cores: int | None = None

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ProfileError(f"jobs must be at least 1, not {self.jobs}")
        if self.node_cores is not None and self.node_cores < 1:
            raise ProfileError(f"node cores must be at least 1, not {self.node_cores}")
        if self.status_interval < 1:
            raise ProfileError(f"status interval must be at least 1 s, not {self.status_interval}")
        if not re.fullmatch(r"\d+/\d+(ms|s|m|h)", self.max_jobs_per_timespan):
            raise ProfileError(
                f"max jobs per timespan {self.max_jobs_per_timespan!r}: expected N/<time> "
                "like 20/10s"
            )
        for name in ("account", "partition"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"[A-Za-z0-9_.+-]+", value):
                raise ProfileError(f"{name} {value!r}: not a SLURM {name} name")


def profile_dir(name: str = PROFILE_NAME, site: bool = False) -> Path:
    """Where Snakemake finds profile ``name``: the user's configuration directory, or with
    ``site`` the machine's (for every user; needs write access there). On Linux:
    ``$XDG_CONFIG_HOME/snakemake/<name>`` (default ``~/.config/snakemake/<name>``), or
    ``<first of $XDG_CONFIG_DIRS>/snakemake/<name>`` (default ``/etc/xdg/snakemake/<name>``).
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in (".", ".."):
        raise ProfileError(f"profile name {name!r}: letters, digits, '_', '-' and '.' only")
    config_dir = (
        platformdirs.site_config_dir("snakemake", "snakemake")
        if site
        else platformdirs.user_config_dir("snakemake", "snakemake")
    )
    return Path(config_dir) / name


def render_profile(settings: SiteSettings) -> str:
    """The profile's ``config.yaml``: every site key with a comment saying why."""

    def value(v: object) -> str:  # JSON scalars are YAML scalars, quoted when they must be
        return json.dumps(v)

    lines = [
        "# Snakemake profile: this site's SLURM settings (written by `icope profile install`).",
        "# The workflow's own settings (job groups, retries) are in its checkout's",
        "# profiles/default/, applied on top; threads, memory and runtime are in its rules.",
        "executor: slurm",
        "# SLURM jobs queued or running at once.",
        f"jobs: {settings.jobs}",
        "# At most N sbatch calls per time span (the controller is shared).",
        f"max-jobs-per-timespan: {value(settings.max_jobs_per_timespan)}",
        "# One sacct query covers every job of the run; the first comes this many seconds",
        "# after a submission, the next ones 10 s later each while nothing finishes (at most",
        "# 180 s).",
        f"slurm-init-seconds-before-status-checks: {settings.status_interval}",
        f"seconds-between-status-checks: {settings.status_interval}",
        "max-status-checks-per-second: 1",
        "# Shared file system: outputs written on a node may show up late on this one.",
        "latency-wait: 60",
    ]
    if settings.node_cores is not None:
        lines += [
            "# CPUs of a compute node: no job asks for more (a rule's threads are capped, a",
            "# group job runs its members side by side only as far as these CPUs go).",
            f"cores: {settings.node_cores}",
        ]
    lines += (
        ["# Each rule in its pinned environment from envs/.", "software-deployment-method: conda"]
        if settings.conda
        else ["# Tools from PATH on the nodes (site modules, system packages): no conda."]
    )
    lines += [
        "rerun-incomplete: true",
        "keep-going: true",
        "printshellcmds: true",
        "show-failed-logs: true",
    ]
    resources = {"slurm_account": settings.account, "slurm_partition": settings.partition}
    given = {k: v for k, v in resources.items() if v is not None}
    if given:
        lines.append("default-resources:")
        lines += [f"  {key}: {value(v)}" for key, v in given.items()]
    return "\n".join(lines) + "\n"


def existing_profile_files(directory: Path) -> list[Path]:
    """The files in ``directory`` Snakemake would read as the profile."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _PROFILE_FILE.fullmatch(p.name))


def install_profile(
    settings: SiteSettings,
    name: str = PROFILE_NAME,
    site: bool = False,
    force: bool = False,
) -> Path:
    """Write profile ``name``; returns its ``config.yaml``.

    An existing profile of that name is kept (:class:`ProfileError`) unless ``force``: then
    its profile files (``config.yaml``, ``profile.yaml``, versioned ones) are replaced by the
    new ``config.yaml``, other files in the directory are left alone.
    """
    directory = profile_dir(name, site)
    existing = existing_profile_files(directory)
    if existing and not force:
        raise ProfileError(
            f"profile {name!r} exists: {', '.join(map(str, existing))}; "
            "keep it, or replace it with --force"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for path in existing:
        path.unlink()
    target = directory / "config.yaml"
    target.write_text(render_profile(settings))
    return target
