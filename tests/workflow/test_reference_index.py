"""A damaged bwa index is rebuilt by the next run; an intact one is left alone."""

from __future__ import annotations

import pytest

from .conftest import make_run_dir, snakemake

pytestmark = pytest.mark.workflow

STAMP = "results/reference/genome.fa.bwa_index.stamp"
BWT = "results/reference/genome.fa.bwt"


def test_truncated_bwa_index_is_rebuilt(tmp_path):
    run_dir = make_run_dir(tmp_path)
    snakemake(run_dir, "--cores", "1", STAMP)
    intact = (run_dir / BWT).read_bytes()
    again = snakemake(run_dir, "--cores", "1", STAMP)
    assert "Nothing to be done" in again.stdout + again.stderr

    (run_dir / BWT).write_bytes(intact[: len(intact) // 2])
    rebuilt = snakemake(run_dir, "--cores", "1", STAMP)
    text = rebuilt.stdout + rebuilt.stderr
    assert "bwa index will be rebuilt" in text and "genome.fa.bwt changed" in text
    assert "bwa_index" in text
    assert (run_dir / BWT).read_bytes() == intact
