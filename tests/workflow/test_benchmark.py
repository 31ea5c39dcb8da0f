"""Accuracy regression guard: simulate a small normal with known truth, run the workflow's
germline calling on it and score it with the benchmark kit. A drop below the floors fails CI."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from icope.bench.compare import compare_vcfs
from icope.bench.run import benchmark_germline, call_germline, simulated_normal

from .conftest import REPO

pytestmark = pytest.mark.workflow

DATA = REPO.parent / "shared" / "data"
# 200 kb at 20x with bcftools: measured SNV F1 0.996, indel F1 0.964 (28 indels); the full-size
# figures are in docs/benchmarks.md. The floors leave room for noise, not for regressions.
SNV_F1_FLOOR = 0.98
INDEL_F1_FLOOR = 0.90


@pytest.fixture(scope="module")
def small_simulation(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bench")
    dataset = simulated_normal(DATA, workdir, "chr21:1-200000", depth=20, seed=7)
    return dataset, workdir


def test_default_germline_caller_meets_floors(small_simulation):
    dataset, workdir = small_simulation
    calls = call_germline(dataset, workdir, "bcftools")
    result = compare_vcfs(dataset.truth, calls, dataset.reference, regions=dataset.regions)
    overall = result.metrics[result.metrics["vaf_bin"] == "all"].set_index("class")
    assert overall.loc["SNV", "tp"] > 100
    assert overall.loc["SNV", "f1"] >= SNV_F1_FLOOR, overall
    assert overall.loc["INDEL", "f1"] >= INDEL_F1_FLOOR, overall


def test_benchmark_table_has_both_callers_and_matchings(small_simulation):
    dataset, workdir = small_simulation
    metrics = benchmark_germline(dataset, workdir, callers=("bcftools",))
    assert set(metrics["matching"]) == {"genotype", "allele"}
    assert set(metrics["class"]) == {"SNV", "INDEL"}
    genotype = metrics[(metrics["matching"] == "genotype") & (metrics["vaf_bin"] == "all")]
    allele = metrics[(metrics["matching"] == "allele") & (metrics["vaf_bin"] == "all")]
    # ignoring genotypes can only turn genotype mismatches into true positives
    assert (allele["tp"].to_numpy() >= genotype["tp"].to_numpy()).all()


def _records(path) -> list[str]:
    command = ["bcftools", "view", "--no-version", "-H", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()


def test_scattered_calls_equal_unscattered_on_the_simulation(small_simulation, tmp_path):
    """Gathered = unscattered on the 200 kb simulation: 1 chunk against 8 (7 cuts inside
    sequence), every normalised germline record identical."""
    dataset, _ = small_simulation
    calls = {}
    for chunks in (1, 8):
        workdir = tmp_path / f"chunks{chunks}"
        workdir.mkdir()
        calling = dict(dataset.config["calling"], chunks=chunks, min_chunk_bp=1000)
        config = dict(dataset.config, calling=calling)
        calls[chunks] = call_germline(
            dataclasses.replace(dataset, config=config), workdir, "bcftools"
        )
    table = (tmp_path / "chunks8/results/reference/chunks/chunks.tsv").read_text().splitlines()
    assert len(table) == 1 + 8 and all(row.split("\t")[2] != "0" for row in table[1:])
    whole = _records(calls[1])
    assert len(whole) > 100
    assert _records(calls[8]) == whole
