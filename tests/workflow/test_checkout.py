"""The README's run command, in a fresh copy of the checkout: rule scripts run that copy's own
package (not the installed one) and the run writes nothing outside results/, logs/,
benchmarks/ and .snakemake/ (git sees no change but the one the test made)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import REPO

pytestmark = pytest.mark.workflow

MARKER = "0.1.0+edited-in-this-checkout"


def _git(cwd: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=icope-test", "-c", "user.email=test@invalid", *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout


def _fresh_checkout(target: Path) -> Path:
    """Every file git tracks or would track (working-tree content), committed in a new repo:
    what a clone of the current state holds."""
    files = _git(REPO, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, files):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return target


@pytest.fixture(scope="module")
def edited_run(tmp_path_factory, shared_data):
    checkout = _fresh_checkout(tmp_path_factory.mktemp("checkout") / "icope")
    init = checkout / "src" / "icope" / "__init__.py"
    text = init.read_text()
    assert '__version__ = "0.1.0"' in text
    init.write_text(text.replace('__version__ = "0.1.0"', f'__version__ = "{MARKER}"'))
    env = dict(os.environ, ICOPE_DATA_DIR=str(shared_data.root))
    command = [sys.executable, "-m", "snakemake", "--profile", "profiles/local"]
    command += ["--configfile", ".test/config/config.yaml"]
    result = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-5000:]
    return checkout


def test_rule_scripts_run_this_checkouts_package(edited_run):
    # The installed (editable) icope is another checkout's src/: its version is not the marker.
    installed = subprocess.run(
        [sys.executable, "-c", "import icope; print(icope.__version__)"],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert installed != MARKER
    versions = pd.read_csv(edited_run / "results" / "versions.tsv", sep="\t", dtype=str)
    assert versions.set_index("tool").loc["icope", "version"] == MARKER
    report = (edited_run / "results" / "patients" / "P001" / "report.json").read_text()
    assert MARKER in report


def test_run_writes_nothing_outside_its_output_directories(edited_run):
    status = _git(edited_run, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert status == [" M src/icope/__init__.py"]
    for directory in ("results", "logs", "benchmarks"):
        assert (edited_run / directory).is_dir()
