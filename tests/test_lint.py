"""The workflow's own style gates, run as tests so CI enforces them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, env=env)


def test_ruff_clean():
    result = _run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout
    result = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout


def test_snakefmt_clean():
    result = _run("snakefmt", "--check", "Snakefile", "workflow")
    assert result.returncode == 0, result.stderr


def test_snakemake_lint_clean():
    # On the production template, with no data directory anywhere: lint needs no data.
    env = dict(os.environ, ICOPE_DATA_DIR="/nonexistent/icope-data")
    result = _run(sys.executable, "-m", "snakemake", "--lint", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr
