"""The conda environments HPC users run (`--software-deployment-method conda`) match what CI
tests: every rule names an env, every env pins every package, and each pin is the version CI
runs (Debian 12's tools, the pip-installed Python packages)."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENVS = sorted((REPO / "envs").glob("*.yaml"))

#: conda package -> the Debian package CI installs it from (scripts/install.sh).
DEBIAN = {
    "bcftools": "bcftools",
    "htslib": "libhts3",
    "samtools": "samtools",
    "bwa": "bwa",
    "fastp": "fastp",
    "freebayes": "freebayes",
    "delly": "delly",
    "mosdepth": "mosdepth",
    "salmon": "salmon",
    # STAR versions end in a letter (2.7.10b), in Debian as in bioconda.
    "star": "rna-star",
    "gffread": "gffread",
    "minimap2": "minimap2",
    "cnvkit": "cnvkit",
    "bioconductor-dnacopy": "r-bioc-dnacopy",
}
#: conda package -> pip distribution, for Python packages CI installs with pip.
PIP = {"python-isal": "isal", "matplotlib-base": "matplotlib", "python-duckdb": "duckdb"}
#: Envs whose Python packages are Debian's python3-* (what Debian's cnvkit runs with in CI).
DEBIAN_PYTHON_ENVS = {"cnvkit.yaml"}


def _rules() -> list[tuple[str, str, str]]:
    """(file, rule, body) of every rule."""
    rules = []
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")) + [REPO / "Snakefile"]:
        text = smk.read_text()
        for match in re.finditer(r"(?m)^( *)rule (\w+):\n((?:\1 {4}.*\n|\n)*)", text):
            rules.append((smk.name, match.group(2), match.group(3)))
    return rules


def _pins(env: Path) -> dict[str, str]:
    deps = yaml.safe_load(env.read_text())["dependencies"]
    pins = {}
    for dep in deps:
        name, _, version = str(dep).partition("=")
        pins[name.strip()] = version.strip("= ")
    return pins


def _upstream(debian_version: str) -> str:
    """'1:1.24.2-1+deb12u1' -> '1.24.2'; '0.20.0+ds-3+b1' -> '0.20.0'."""
    version = debian_version.split(":", 1)[-1]
    return re.split(r"[-+~]", version)[0]


def _debian_version(package: str) -> str:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True
    )
    assert result.returncode == 0, f"Debian package {package} is not installed (install.sh)"
    return _upstream(result.stdout)


def _ci_version(env: Path, name: str) -> str:
    if name in DEBIAN:
        return _debian_version(DEBIAN[name])
    if env.name in DEBIAN_PYTHON_ENVS:
        return _debian_version("python3" if name == "python" else f"python3-{PIP.get(name, name)}")
    if name == "python":
        return ".".join(map(str, sys.version_info[:3]))
    return importlib.metadata.version(PIP.get(name, name))


def test_every_rule_names_an_existing_env():
    missing = []
    for smk, rule, body in _rules():
        if rule == "all":  # no command: nothing to deploy
            continue
        match = re.search(r'conda:\n\s+"([^"]+)"', body)
        if match is None:
            missing.append(f"{smk}: rule {rule}: no conda: directive")
            continue
        env = (REPO / "workflow" / "rules" / match.group(1)).resolve()
        if not env.is_file():
            missing.append(f"{smk}: rule {rule}: {match.group(1)} does not exist")
    assert len(_rules()) > 40
    assert missing == []


@pytest.mark.parametrize("env", ENVS, ids=[e.name for e in ENVS])
def test_env_pins_every_package_to_the_version_ci_runs(env):
    pins = _pins(env)
    assert pins, env
    problems = []
    for name, pin in pins.items():
        if not re.fullmatch(r"\d+(\.\d+)*[a-z]?", pin):
            problems.append(f"{name}: not pinned to a version ({pin or 'no version'})")
            continue
        tested = _ci_version(env, name)
        if tested.split(".")[: len(pin.split("."))] != pin.split("."):
            problems.append(f"{name}: env pins {pin}, CI runs {tested}")
    assert problems == [], f"{env.name}: " + "; ".join(problems)


def test_upstream_version_parsing():
    assert _upstream("1:1.24.2-1+deb12u1") == "1.24.2"
    assert _upstream("0.20.0+ds-3+b1") == "0.20.0"
    assert _upstream("0.7.17-7+b2") == "0.7.17"
