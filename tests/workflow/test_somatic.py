"""Somatic analysis end to end: accuracy floors on a small simulated tumour/normal pair (CI),
and tumour-only mode on the real test tumour."""

from __future__ import annotations

import json

import pandas as pd
import pysam
import pytest

from icope.bench.compare import compare_vcfs
from icope.bench.run import benchmark_somatic, simulated_pair

from .conftest import REPO, make_run_dir, snakemake

pytestmark = pytest.mark.workflow

DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory):
    """400 kb of the chr21 segment: the LOH segment (a tenth of the contig) sits in the middle.
    Reads with the realistic error profile (0.2-0.5 % per base, rising along the read): the
    floors hold for the error rates of real Illumina runs, not only for clean reads."""
    workdir = tmp_path_factory.mktemp("somatic")
    simulation, config = simulated_pair(
        DATA, workdir, "chr21:1-400000", 30, 60, 0.8, seed=3, error_profile="realistic"
    )
    reference = workdir / "simulation" / "reference.fa"
    metrics, extras = benchmark_somatic(simulation, workdir, config, reference)
    return workdir, simulation, metrics, extras


def _row(metrics, method, vclass, vaf_bin):
    rows = metrics[
        (metrics["method"] == method)
        & (metrics["class"] == vclass)
        & (metrics["vaf_bin"] == vaf_bin)
    ]
    return rows.iloc[0]


def test_consensus_meets_precision_and_recall_floors(small_pair):
    _, _, metrics, _ = small_pair
    snv = _row(metrics, "consensus", "SNV", "all")
    assert snv["tp"] >= 50
    assert snv["precision"] >= 0.95
    for vaf_bin in ("0.2-0.4", ">=0.4"):
        assert _row(metrics, "consensus", "SNV", vaf_bin)["recall"] >= 0.9
    indel = _row(metrics, "consensus", "INDEL", "all")
    assert indel["precision"] >= 0.9 and indel["recall"] >= 0.6


def test_both_methods_are_scored(small_pair):
    _, _, metrics, _ = small_pair
    assert {"pileup", "freebayes", "consensus"} <= set(metrics["method"])


def test_loh_segment_and_deletion_are_found(small_pair):
    _, _, _, extras = small_pair
    assert extras["loh"] and all(x["found"] for x in extras["loh"]), extras["loh"]
    deletions = [sv for sv in extras["sv"] if sv["svtype"] == "DEL"]
    assert deletions, extras["sv"]


def test_purity_estimated_from_copy_ratio_and_baf(small_pair):
    """The simulated 1+0 LOH at purity 0.8 gives the purity (issue 12), its interval, and a
    1+0 state with the expected mirrored BAF 1 / (2 - 0.8)."""
    workdir, _, _, _ = small_pair
    fit = json.loads((workdir / "results/cnv/SIM_T/SIM_T.purity.json").read_text())
    assert fit["source"] == "estimated" and abs(fit["purity"] - 0.8) <= 0.1
    low, high = fit["purity_interval"]
    assert low <= fit["purity"] <= high
    segments = pd.read_csv(workdir / "results/cnv/SIM_T/SIM_T.segments.tsv", sep="\t")
    loh = segments[segments["call"] == "LOH_copy_loss"].iloc[0]
    assert (loh["total_cn"], loh["minor_cn"], loh["allelic_state"]) == (1, 0, "loss")
    assert abs(loh["mirrored_baf"] - 1 / 1.2) < 0.06


def test_somatic_vcf_carries_standard_fields(small_pair):
    workdir, _, _, _ = small_pair
    with pysam.VariantFile(str(workdir / "results/somatic/SIM_T.vcf.gz")) as vcf:
        assert list(vcf.header.samples) == ["SIM_T", "SIM_N"]
        record = next(r for r in vcf if "PASS" in r.filter)
        for key in ("TDP", "TAF", "NDP", "NAF", "TLOD", "NLOD", "METHODS", "ERROR", "ALT_BQ"):
            assert key in record.info
        tumour = record.samples["SIM_T"]
        assert tumour["DP"] == sum(tumour["AD"])
        assert tumour["AF"][0] == pytest.approx(record.info["TAF"])


def test_tumour_only_marks_unmatched_and_filters_common_variants(tmp_path):
    run_dir = make_run_dir(tmp_path)
    (run_dir / "config/samples.tsv").write_text(
        "patient\tsample\ttype\tsex\tsecondary_findings_consent\ttumour_only\n"
        "P002\ttestT\ttumour\tunknown\tno\tyes\n"
    )
    units = (run_dir / "config/units.tsv").read_text().splitlines()
    (run_dir / "config/units.tsv").write_text(
        "\n".join([units[0]] + [u for u in units if u.startswith("testT\t")]) + "\n"
    )
    snakemake(run_dir, "--cores", "2", "results/somatic/testT.vcf.gz")
    records = list(pysam.VariantFile(str(run_dir / "results/somatic/testT.vcf.gz")))
    assert records and all(r.info.get("UNMATCHED") for r in records)
    assert all("NDP" not in r.info for r in records)
    common = {r.pos: r for r in records}
    # the germline het at 1,982 has gnomAD AF 0.085: removed as a likely germline variant
    assert "PopulationAF" in common[1982].filter
    assert not [r for r in records if "PASS" in r.filter and r.info.get("POP_AF", 0) > 0.001]


def test_shared_germline_variants_rejected_by_both_methods(tmp_path):
    run_dir = make_run_dir(tmp_path)
    snakemake(run_dir, "--cores", "2", "results/somatic/testT.vcf.gz")
    calls = {r.pos: r for r in pysam.VariantFile(str(run_dir / "results/somatic/testT.vcf.gz"))}
    for pos in (1982, 3266):
        assert "PASS" not in calls[pos].filter
        assert "NormalEvidence" in calls[pos].filter
        assert set(calls[pos].info["METHODS"]) == {"pileup", "freebayes"}
    assert "PASS_METHODS" not in calls[1982].info


def test_somatic_scores_are_reproducible_with_the_kit(small_pair):
    workdir, simulation, metrics, _ = small_pair
    again = compare_vcfs(
        simulation / "truth/somatic.vcf.gz",
        workdir / "results/somatic/SIM_T.vcf.gz",
        simulation / "reference.fa",
        regions=simulation / "truth/confident.bed",
        somatic=True,
    )
    first = metrics[metrics["method"] == "consensus"].reset_index(drop=True)
    assert again.metrics["tp"].tolist() == first["tp"].tolist()


def test_pileup_error_rate_comes_from_the_base_qualities(small_pair):
    """mpileup's FORMAT/QS reaches the model: each allele's error from its alt bases'
    qualities (ART's are mostly Q30-40, so most sit on the 0.001 floor, the rest above)."""
    workdir, _, _, _ = small_pair
    with pysam.VariantFile(str(workdir / "results/somatic/methods/SIM_T.pileup.vcf.gz")) as vcf:
        assert {"ReadEndBias", "StrandBias", "LowAltReads"} <= set(vcf.header.filters.keys())
        records = list(vcf)
    with_quality = [r for r in records if "ALT_BQ" in r.info]
    assert len(with_quality) > 0.9 * len(records)
    for record in with_quality:
        expected = max(0.001, 10 ** (-record.info["ALT_BQ"] / 10))
        assert record.info["ERROR"] >= expected * 0.98
    assert any(r.info["ERROR"] > 0.002 for r in with_quality)
    # read-end z wherever I16 describes the allele (one real ALT, so ALT_MQ) beside ref reads
    single_alt = [r for r in with_quality if "ALT_MQ" in r.info]
    beside_ref = [r for r in single_alt if r.samples["SIM_T"]["AD"][0] >= 2]
    assert beside_ref and all("READ_END_Z" in r.info for r in beside_ref)
    assert all(r.info["READ_END_Z"] < -2.5 for r in records if "ReadEndBias" in r.filter)
