"""Versions of the command-line tools the workflow runs, for every report's provenance."""

from __future__ import annotations

import re
import shutil
import subprocess

#: tool -> (command, regex capturing the version from stdout+stderr)
TOOLS = {
    "bwa": (["bwa"], r"Version:\s*(\S+)"),
    "samtools": (["samtools", "--version"], r"samtools\s+(\S+)"),
    "bcftools": (["bcftools", "--version"], r"bcftools\s+(\S+)"),
    "fastp": (["fastp", "--version"], r"fastp\s+(\S+)"),
    "freebayes": (["freebayes", "--version"], r"version:\s*v?(\S+)"),
    "mosdepth": (["mosdepth", "--version"], r"mosdepth\s+(\S+)"),
    "salmon": (["salmon", "--version"], r"salmon\s+(\S+)"),
    "gffread": (["gffread", "--version"], r"^(\S+)"),
    "multiqc": (["multiqc", "--version"], r"version\s+(\S+)"),
    "snakemake": (["snakemake", "--version"], r"^(\S+)"),
    "delly": (["delly", "--version"], r"Delly version:\s*v?(\S+)"),
    "cnvkit": (["cnvkit", "version"], r"^(\d+\.\d+\S*)\s*$"),
}


def tool_version(tool: str) -> str:
    command, pattern = TOOLS[tool]
    if shutil.which(command[0]) is None:
        return "not found"
    result = subprocess.run(
        command, capture_output=True, text=True, errors="replace", timeout=60, check=False
    )
    match = re.search(pattern, result.stdout + result.stderr, re.MULTILINE)
    return match.group(1) if match else "unknown"


def collect_versions() -> list[dict[str, str]]:
    from icope import __version__

    rows = [{"tool": "icope", "version": __version__}]
    rows += [{"tool": tool, "version": tool_version(tool)} for tool in TOOLS]
    return rows
