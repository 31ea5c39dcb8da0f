"""The whole workflow on the real test data: content of every stage's results."""

from __future__ import annotations

import json
import re

import pandas as pd
import pysam
import pytest

from .conftest import REPO, planned_jobs

pytestmark = pytest.mark.workflow

DATA = REPO.parent / "shared" / "data"
GIAB = DATA / "derived_nf-core_chr22" / "truth" / "NA12878_GIAB.chr22_local.vcf.gz"


def _calls(path):
    return {(r.pos, r.ref, r.alts[0]): r for r in pysam.VariantFile(str(path))}


def test_giab_het_snvs_are_called(completed_run):
    calls = _calls(completed_run / "results/germline/NA12878.vcf.gz")
    het_snvs = [
        (r.pos, r.ref, r.alts[0])
        for r in pysam.VariantFile(str(GIAB))
        if len(r.alts) == 1
        and len(r.ref) == len(r.alts[0]) == 1
        and sorted(r.samples[0]["GT"]) == [0, 1]
    ]
    assert len(het_snvs) == 31
    missing = [k for k in het_snvs if k not in calls or "PASS" not in calls[k].filter]
    assert missing == []
    assert calls[het_snvs[0]].samples["NA12878"]["GT"] in ((0, 1), (1, 0))


def test_germline_vcf_is_normalised_and_indexed(completed_run):
    vcf = completed_run / "results/germline/NA12878.vcf.gz"
    assert (completed_run / "results/germline/NA12878.vcf.gz.tbi").exists()
    records = list(pysam.VariantFile(str(vcf)))
    assert all(len(r.alts) == 1 for r in records), "multiallelics must be split"
    assert 80 <= len(records) <= 130


def test_shared_germline_variants_are_not_somatic(completed_run):
    somatic = _calls(completed_run / "results/somatic/testT.vcf.gz")
    het = somatic[(1982, "A", "G")]
    assert "PASS" not in het.filter and "NormalEvidence" in het.filter
    assert het.info["NAF"] > 0.05 and het.info["TDP"] > 50
    passed = [k for k, r in somatic.items() if "PASS" in r.filter]
    assert (1982, "A", "G") not in passed and (3266, "T", "C") not in passed
    tumour = het.samples["testT"]
    assert tumour["DP"] == sum(tumour["AD"]) and tumour["AF"][0] == pytest.approx(het.info["TAF"])


def test_annotation_adds_consequence_dbsnp_and_gnomad(completed_run):
    annotated = _calls(completed_run / "results/annotation/germline/NA12878.vcf.gz")
    missense = annotated[(21594, "A", "G")]
    assert missense.id == "rs2236639"
    assert missense.info["gnomAD_AF"][0] == pytest.approx(0.908, abs=0.001)
    assert "missense|CCT8L2|ENST00000359963" in ",".join(missense.info["BCSQ"])


def test_panel_table_lists_panel_variants_with_reasons(completed_run):
    panel = pd.read_csv(completed_run / "results/patients/P001/germline_panel.tsv", sep="\t")
    assert set(panel["panel_gene"]) <= {"CCT8L2", "AP000547.1", "KCNMB3P1"}
    row = panel[panel["pos"] == 21594].iloc[0]
    # HGVS on CCT8L2's preferred transcript (no tags in this GTF: the longest CDS)
    assert (row["transcript"], row["hgvs_c"], row["hgvs_p"]) == (
        "ENST00000359963.4",
        "ENST00000359963.4:c.958T>C",
        "p.Trp320Arg",
    )
    assert row["consequence"] == "missense"
    assert row["panel_filter"].startswith("common:gnomAD_AF=0.908")


def test_salmon_quantifies_expressed_genes(completed_run):
    genes = pd.read_csv(completed_run / "results/rna/GM12878_RNA/quant.genes.sf", sep="\t")
    tpm = dict(zip(genes["Name"], genes["TPM"], strict=True))
    reads = dict(zip(genes["Name"], genes["NumReads"], strict=True))
    assert reads["ENSG00000240122"] > 1000  # FABP5P11 carries most of the reads
    assert tpm["ENSG00000239435"] > 0 and reads["ENSG00000239435"] > 50  # KCNMB3P1
    # CCT8L2 is quantified but the GM12878 reads cover none of its exon (checked with bwa).
    assert "ENSG00000198445" in tpm


def test_qc_summary_judges_each_sample(completed_run):
    qc = pd.read_csv(completed_run / "results/qc/qc_summary.tsv", sep="\t").set_index("sample")
    assert qc.loc["NA12878", "status"] == "pass"
    assert 25 <= qc.loc["NA12878", "mean_depth"] <= 45
    assert qc.loc["NA12878", "mapping_rate"] > 0.99
    # testN/testT reads cover only ~1.2 kb of the 40 kb segment: low mean depth fails.
    assert qc.loc["testN", "status"] == "fail" and "mean_depth" in qc.loc["testN", "reasons"]
    assert 0 < qc.loc["GM12878_RNA", "rna_mapping_rate"] < 1
    assert (completed_run / "results/qc/multiqc/multiqc_report.html").stat().st_size > 10000


def test_reports_name_samples_and_are_self_contained(completed_run):
    for patient, samples in {
        "P001": ["NA12878", "GM12878_RNA"],
        "P002": ["testN", "testT"],
    }.items():
        report = json.loads((completed_run / f"results/patients/{patient}/report.json").read_text())
        assert [s["sample"] for s in report["samples"]] == sorted(samples)
        html = (completed_run / f"results/patients/{patient}/report.html").read_text()
        for sample in samples:
            assert sample in html
        assert not re.search(r"(src|href)=\"https?://", html), "report must render offline"
    p2 = json.loads((completed_run / "results/patients/P002/report.json").read_text())
    assert p2["somatic_counts"]["testT"]["pass"] == 0
    assert "No consent" in p2["secondary_findings_policy"]
    tools = {t["tool"]: t["version"] for t in p2["software_versions"]}
    assert tools["bcftools"] != "not found" and tools["bwa"] != "not found"
    p1 = json.loads((completed_run / "results/patients/P001/report.json").read_text())
    expression = {e["gene"]: e["tpm"] for e in p1["expression"]}
    assert expression["KCNMB3P1"] > 0


def test_cohort_tables_hold_every_patient(completed_run):
    parquet = pd.read_parquet(completed_run / "results/cohort/variants.parquet")
    tsv = pd.read_csv(completed_run / "results/cohort/variants.tsv", sep="\t")
    assert len(parquet) == len(tsv) > 100
    assert set(parquet["patient"]) == {"P001", "P002"}
    assert set(parquet["origin"]) == {"germline", "somatic"}
    som = parquet[(parquet["origin"] == "somatic") & (parquet["pos"] == 1982)].iloc[0]
    assert som["normal_sample"] == "testN" and som["tumour_af"] > 0
    assert parquet["reference"].iloc[0] == "GRCh38_chr22_16570000-16610000"


PANEL_DOWNSTREAM = {
    "panel_genes",
    "germline_panel",
    "two_hit",
    # RNA allele counts are read at the panel calls, per patient and for the cohort table
    "rna_patient",
    "rna_cohort",
    "patient_report",
    "cohort_fragment",
    "cohort_database",
    "cohort_tables",
    "all",
}


def test_rerun_does_nothing_and_panel_change_reruns_only_downstream(completed_run):
    assert planned_jobs(completed_run) == {}
    panel = completed_run / "panel.tsv"
    panel.write_text(panel.read_text() + "# reanalysis: panel revised\n")
    assert set(planned_jobs(completed_run)) == PANEL_DOWNSTREAM
