"""End-to-end: sample identity of the test patients (identity.json), a swapped tumour, the sex
check on the chr22 segment, and MultiQC's sample names (issue 13, defect 7)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from icope.core.identity import (
    MATCH,
    MISMATCH,
    NOT_ASSESSABLE,
    assess_patient,
    read_patient_genotypes,
)


def _identity(run, patient):
    return json.loads((run / "results" / "patients" / patient / "identity.json").read_text())


def test_p002_normal_and_tumour_are_one_individual(completed_run):
    identity = _identity(completed_run, "P002")
    # biallelic gnomAD SNPs of AF 0.01-0.99 on the segment (the test setting)
    assert identity["sites_considered"] == 160
    (pair,) = identity["pairs"]
    assert (pair["sample_a"], pair["sample_b"]) == ("testN", "testT")
    # testN/testT have reads over ~1 kb only: 4 SNPs at depth >= 8 in both (1,982 het, the
    # others hom-ref), every one concordant
    assert (pair["sites_compared"], pair["concordant"], pair["identical_genotypes"]) == (4, 4, 4)
    assert (pair["verdict"], pair["concordance"]) == (MATCH, 1.0)
    assert identity["verdict"] == "pass"
    assert identity["thresholds"]["min_sites"] == 4


def test_each_patient_s_genotypes_are_one_table_of_its_own_samples(completed_run):
    """Rule identity_check's genotype table: every sample of the patient genotyped alone
    (one pileup each), nothing of another patient's."""
    tables = completed_run / "results" / "identity"
    p002 = (tables / "P002.genotypes.tsv").read_text().splitlines()
    assert p002[0] == "sample\tchrom\tpos\tref\talt\tgt\tad"
    # testN/testT: reads at 6 of the 160 sites; 1,982 het in both, the others hom-ref
    assert [row.split("\t")[0] for row in p002[1:]] == ["testN"] * 6 + ["testT"] * 6
    assert p002[1] == "testN\tchr22\t1982\tA\tG\t0/1\t80,15"
    assert p002[7] == "testT\tchr22\t1982\tA\tG\t0/1\t79,15"
    p001 = read_patient_genotypes(tables / "P001.genotypes.tsv")
    assert {sample: len(calls) for sample, calls in p001.items()} == {
        "NA12878": 160,
        "GM12878_RNA": 150,
    }
    assert not list(tables.glob("NA12878*")) and not list(tables.glob("testT*"))


def test_p001_normal_and_its_rna_are_one_individual(completed_run):
    (pair,) = _identity(completed_run, "P001")["pairs"]
    assert (pair["sample_a"], pair["sample_b"], pair["type_b"]) == (
        "NA12878",
        "GM12878_RNA",
        "rna",
    )
    # RNA-covered SNPs only; hets seen on one allele in RNA (3,214, 3,443, 7,727) concordant;
    # 25,384, hom-alt in NA12878 (GIAB too), shows only G in 1,391 RNA reads (paralogous reads)
    assert (pair["sites_compared"], pair["concordant"], pair["discordant"]) == (12, 11, 1)
    assert pair["verdict"] == MATCH
    assert pair["identical_genotypes"] is None


def test_a_tumour_of_another_individual_is_a_mismatch(completed_run):
    """NA12878's normal against testT's tumour (different individuals, PROVENANCE.md): the
    function of rule identity_check on the patients' genotype tables of the shared run."""
    thresholds = yaml.safe_load((completed_run / "config" / "config.yaml").read_text())["identity"]
    tables = completed_run / "results" / "identity"
    p001 = read_patient_genotypes(tables / "P001.genotypes.tsv")
    p002 = read_patient_genotypes(tables / "P002.genotypes.tsv")
    identity = assess_patient(
        "SWAP",
        {
            "NA12878": {"type": "normal", "sex": "female"},
            "testT": {"type": "tumour", "sex": "female"},
        },
        {"NA12878": p001["NA12878"], "testT": p002["testT"]},
        {},
        str(completed_run / "results" / "reference" / "genome.fa.fai"),
        str(tables / "sites.alleles.tsv.gz"),
        thresholds,
    )
    (pair,) = identity["pairs"]
    # 1,982: testT het A/G where NA12878 is hom-ref A
    assert (pair["sites_compared"], pair["concordant"], pair["discordant"]) == (4, 3, 1)
    assert (pair["verdict"], pair["concordance"]) == (MISMATCH, 0.75)
    assert "different individuals" in pair["reason"]
    assert identity["verdict"] == MISMATCH
    assert identity["reason"] == "identity check failed: NA12878 vs testT"


def test_sex_is_not_assessable_on_the_chr22_segment(completed_run):
    for patient in ("P001", "P002"):
        for row in _identity(completed_run, patient)["sex"]:
            assert row["verdict"] == NOT_ASSESSABLE
            assert row["reason"] == "reference has no chrX and chrY"
            assert row["inferred_sex"] is None


def test_multiqc_names_every_result_after_its_sample(completed_run):
    stats = pd.read_csv(
        completed_run / "results/qc/multiqc/multiqc_report_data/multiqc_general_stats.txt",
        sep="\t",
        index_col="Sample",
    )
    # before: fastp rows "testN.L001" etc. beside the samples' rows, salmon's row "salmon"
    assert sorted(stats.index) == ["GM12878_RNA", "NA12878", "testN", "testT"]
    # testN's fastp metrics in testN's own row: 5,582 of 5,642 reads kept (in millions)
    assert stats.loc["testN", "fastp-filtering_result_passed_filter_reads"] == pytest.approx(
        0.005582
    )
    assert stats.loc["testN", "mosdepth-mean_coverage"] == 6.15
    assert stats.loc["GM12878_RNA", "salmon-percent_mapped"] > 0
    assert pd.isna(stats.loc["testN", "salmon-percent_mapped"])
