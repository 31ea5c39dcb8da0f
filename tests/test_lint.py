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


DIRECTIVES = ("input:", "output:", "log:", "benchmark:", "threads:", "resources:", "conda:")


def _rule_blocks():
    """(file, rule, text) for every rule of the workflow's rule files; a rule's text runs to the
    next rule or the end of its file."""
    import re

    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        text = path.read_text()
        starts = [(m.start(), m.group(1)) for m in re.finditer(r"(?m)^[ \t]*rule (\w+):", text)]
        ends = [start for start, _ in starts[1:]] + [len(text)] * bool(starts)
        for (start, name), end in zip(starts, ends, strict=True):
            yield path.name, name, text[start:end]


def test_every_rule_has_every_directive():
    # The house rule (STYLE.md): named input/output, log, benchmark, threads, resources, conda.
    # A rule with no input (software_versions) is the one exception to `input:`.
    blocks = list(_rule_blocks())
    assert len(blocks) >= 40
    missing = [
        f"{path}: rule {name} lacks {directive}"
        for path, name, body in blocks
        for directive in DIRECTIVES
        if directive not in body and not (directive == "input:" and name == "software_versions")
    ]
    assert not missing, "\n".join(missing)
