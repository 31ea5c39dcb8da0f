"""alignment.split_fastq_parts: each unit's trimmed reads aligned as parts, merged again."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from .conftest import make_run_dir, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

PARTS = 3


def _split_run(base):
    run_dir = make_run_dir(base)
    path = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    config["alignment"]["split_fastq_parts"] = PARTS
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return run_dir


def _names(bam) -> list[str]:
    view = subprocess.run(
        ["samtools", "view", "-F", "0x900", str(bam)], capture_output=True, text=True, check=True
    )
    return sorted(line.split("\t", 1)[0] for line in view.stdout.splitlines())


def test_split_alignment_keeps_every_read_and_the_read_group(completed_run, tmp_path):
    run_dir = _split_run(tmp_path)
    jobs = planned_jobs(run_dir)
    # four units, one per sample: the three DNA ones are aligned, the RNA one quantified
    assert jobs["fastp"] == 4
    assert jobs["bwa_mem"] == PARTS * 3
    bam = "results/alignment/testN.bam"
    snakemake(run_dir, "--cores", "2", bam)
    parts = sorted((run_dir / "logs/bwa_mem/testN").rglob("*.log"))
    assert [p.stem for p in parts] == ["0001", "0002", "0003"]
    # every primary record of the unsplit run, no more, no fewer
    assert _names(run_dir / bam) == _names(completed_run / bam)
    header = subprocess.run(
        ["samtools", "view", "-H", str(run_dir / bam)], capture_output=True, text=True, check=True
    ).stdout
    assert len([line for line in header.splitlines() if line.startswith("@RG")]) == 1
