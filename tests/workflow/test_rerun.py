"""icope rerun on a completed test run: the exact jobs each command would run (-n)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from .conftest import REPO, snakemake

pytestmark = pytest.mark.workflow


def _planned(run_dir, *options: str) -> tuple[dict[str, int], str]:
    command = [sys.executable, "-m", "icope.cli", "rerun", *options, "-n", "--quiet", "rules"]
    command += ["--cores", "1", "--snakefile", str(REPO / "Snakefile")]
    command += ["--directory", str(run_dir), "--configfile", str(run_dir / "config/config.yaml")]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    text = result.stdout + result.stderr
    jobs: dict[str, int] = {}
    if "Job stats:" in text:
        lines = text.splitlines()
        for line in lines[lines.index("Job stats:") + 3 :]:
            name, _, count = line.partition(" ")
            if name == "total" or not count.strip():
                break
            jobs[name] = int(count)
    return jobs, text


@pytest.fixture(scope="module")
def up_to_date(completed_run):
    """The shared test run, brought up to date first: tests before these may have touched its
    inputs (the panel file, for one), and a rerun's plan is only exact on a finished run."""
    snakemake(completed_run, "--cores", "2")
    return completed_run


SOMATIC = {
    "somatic_calls": 2,  # one per method, each running the test config's two chunks inside
    "somatic_method_call": 2,
    "somatic_consensus": 1,
}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--patient", "P002", "--step", "somatic"],
            SOMATIC | {"annotate": 1, "two_hit": 1, "patient_report": 1},
        ),
        (["--patient", "P002", "--step", "somatic", "--only"], SOMATIC),
        (
            ["--patient", "P001", "--downstream-of", "panel"],
            {"panel_genes": 1, "germline_panel": 1, "rna_patient": 1, "patient_report": 1},
        ),
        (
            ["--downstream-of", "panel"],
            {
                "panel_genes": 1,
                "germline_panel": 2,
                "two_hit": 1,
                # P001's RNA allele counts at its panel calls, and the cohort's table of them
                "rna_patient": 1,
                "rna_cohort": 1,
                "patient_report": 2,
                "cohort_fragment": 2,
                "cohort_database": 1,
                "cohort_tables": 1,
                "all": 1,
            },
        ),
        (
            ["--downstream-of", "gnomad"],
            {
                "known_sites": 1,
                "annotate": 3,
                "somatic_consensus": 1,
                "germline_panel": 2,
                "two_hit": 1,
                # the identity check's common SNPs come from gnomAD: every patient again
                "identity_sites": 1,
                "identity_check": 2,
                "rna_patient": 1,
                "rna_cohort": 1,
                "patient_report": 2,
                "cohort_fragment": 2,
                "cohort_database": 1,
                "cohort_tables": 1,
                "all": 1,
            },
        ),
    ],
    ids=["somatic", "somatic-only", "panel-one-patient", "panel", "gnomad"],
)
def test_rerun_plans_exactly_these_jobs(up_to_date, options, expected):
    jobs, text = _planned(up_to_date, *options)
    assert jobs == expected, text[-3000:]


def test_rerun_of_an_unconfigured_source_names_the_config_key(up_to_date):
    jobs, text = _planned(up_to_date, "--downstream-of", "clinvar")
    assert jobs == {}
    assert "config reference.known_sites.clinvar is not set" in text


def test_a_delly_filter_setting_reruns_the_sv_filter_not_delly_call(up_to_date, tmp_path):
    """sv.delly_filter changed: sv_finalise (delly filter and the final tables) and what reads
    the SV table run again; delly call's kept calls are reused."""
    config = yaml.safe_load((up_to_date / "config/config.yaml").read_text())
    config["sv"]["delly_filter"]["min_site_quality"] += 1
    changed = tmp_path / "config.yaml"
    changed.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--cores", "1"]
    command += ["--snakefile", str(REPO / "Snakefile"), "--directory", str(up_to_date)]
    command += ["--configfile", str(changed)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    text = result.stdout + result.stderr
    lines = text.splitlines()
    jobs = {}
    for line in lines[lines.index("Job stats:") + 3 :]:
        name, _, count = line.partition(" ")
        if name == "total" or not count.strip():
            break
        jobs[name] = int(count)
    assert jobs == {
        "sv_finalise": 1,
        # the SV table feeds the CNV segments (supporting SVs), two-hit and the report
        "cnv_segments": 1,
        "two_hit": 1,
        "patient_report": 1,
        "cohort_fragment": 1,
        "cohort_database": 1,
        "all": 1,
    }, text[-3000:]
