"""Helpers to run the real workflow in a scratch directory on the bundled test data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TEST_CONFIG = REPO / ".test" / "config" / "config.yaml"


def make_run_dir(base: Path) -> Path:
    """A run directory whose config is the repository's test config (.test/) with absolute
    paths, and its own copy of the panel file (so tests may touch it)."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    (base / "config").mkdir(parents=True)
    for key in ("samples", "units"):
        target = base / "config" / Path(config[key]).name
        shutil.copy(REPO / config[key], target)
        config[key] = str(target)
    config["data_manifest"] = str(REPO / config["data_manifest"])
    panel = base / "panel.tsv"
    shutil.copy(REPO / config["panel"]["genes"], panel)
    config["panel"]["genes"] = str(panel)
    (base / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return base


def snakemake(run_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(run_dir),
        "--configfile",
        str(run_dir / "config" / "config.yaml"),
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stderr[-5000:]}")
    return result


def planned_jobs(run_dir: Path) -> dict[str, int]:
    """Rule -> job count from a dry run's 'Job stats' table ({} when nothing is to be done)."""
    result = snakemake(run_dir, "--dry-run", "--quiet", "rules", "--cores", "1")
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    lines = text.splitlines()
    start = lines.index("Job stats:") + 3
    jobs = {}
    for line in lines[start:]:
        name, _, count = line.partition(" ")
        if name == "total" or not count.strip():
            break
        jobs[name] = int(count)
    return jobs


@pytest.fixture(scope="session")
def completed_run(tmp_path_factory) -> Path:
    """The whole workflow, run once on the test data, shared by the end-to-end tests."""
    run_dir = make_run_dir(tmp_path_factory.mktemp("e2e"))
    snakemake(run_dir, "--cores", "2")
    return run_dir
