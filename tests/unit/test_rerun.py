"""icope rerun: the Snakemake arguments each request becomes."""

from __future__ import annotations

import pytest

from icope.core.rerun import RESOURCES, STAGES, Rerun, RerunError


def test_patient_stage_targets_the_reports_and_forces_the_stage():
    args = Rerun(("P001",), step="somatic").snakemake_args()
    assert args[:2] == ["results/patients/P001/report.html", "results/patients/P001/report.json"]
    assert args[2] == "--forcerun"
    assert args[3:] == list(STAGES["somatic"])


def test_only_stops_at_the_stage_s_last_rule():
    args = Rerun(("P001",), step="cnv", only=True).snakemake_args()
    assert args[-2:] == ["--until", "cnv_segments"]


def test_stage_rules_the_workflow_does_not_define_are_left_out():
    rules = {"bwa_mem", "merge_markdup", "fastp"}
    args = Rerun((), step="align").snakemake_args(rules)
    assert args == ["--forcerun", "bwa_mem", "merge_markdup"]
    minimap2 = Rerun((), step="align", only=True).snakemake_args(
        {"minimap2_align", "merge_markdup"}
    )
    assert minimap2 == ["--forcerun", "minimap2_align", "merge_markdup", "--until", "merge_markdup"]
    # unsplit, one job trims and aligns a DNA unit: redoing the reads redoes its alignment
    fused = {"check_reads", "fastp", "fastp_bwa_mem", "merge_markdup"}
    assert Rerun((), step="reads").snakemake_args(fused) == [
        "--forcerun",
        "check_reads",
        "fastp",
        "fastp_bwa_mem",
    ]
    assert Rerun((), step="align").snakemake_args(fused) == [
        "--forcerun",
        "fastp_bwa_mem",
        "merge_markdup",
    ]


def test_downstream_of_a_source_forces_its_first_reader_for_every_patient():
    assert Rerun(downstream_of="clinvar").snakemake_args() == [
        "--forcerun",
        "results/reference/known/clinvar.vcf.gz",
    ]
    assert set(RESOURCES) >= {"panel", "clinvar", "gnomad", "dbsnp", "annotation"}


def test_cohort_tables_join_a_patient_rerun_only_when_asked():
    assert "results/cohort/variants.tsv" not in Rerun(("P1",), step="panel").targets()
    assert "results/cohort/variants.tsv" in Rerun(("P1",), step="panel", cohort=True).targets()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (Rerun(("P1",)), "exactly one of --step and --downstream-of"),
        (Rerun(("P1",), step="somatic", downstream_of="panel"), "exactly one"),
        (Rerun(step="calling"), "--step 'calling': not one of reads, align"),
        (Rerun(downstream_of="cosmic"), "--downstream-of 'cosmic'"),
        (Rerun(("P1; rm -rf /",), step="report"), "--patient 'P1; rm -rf /'"),
    ],
)
def test_bad_requests_name_the_option(request_, message):
    with pytest.raises(RerunError, match=message.replace("(", r"\(")):
        request_.snakemake_args()
