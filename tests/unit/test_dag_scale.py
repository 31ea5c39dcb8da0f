"""Tests for icope.bench.dag_scale: the synthetic cohort and the dry-run job count."""

from __future__ import annotations

import pytest

from icope.bench.dag_scale import (
    FLOOR_JOBS_PER_PATIENT,
    _count_jobs,
    dry_run,
    floor_workflow,
    write_cohort,
)
from icope.core.sheets import load_sample_sheet


def test_synthetic_cohort_is_a_valid_sheet(tmp_path):
    samples, units, n_units = write_cohort(tmp_path, patients=2, lanes=3)
    assert n_units == 18
    sheet = load_sample_sheet(samples, units, tmp_path)
    assert sheet.patients == ["P00001", "P00002"]
    assert len(sheet.tumour_normal_pairs()) == 2
    assert [u.unit for u in sheet.units_of("P00002_R")] == ["L001", "L002", "L003"]


def test_job_count_from_dry_run_output():
    assert _count_jobs("Job stats:\njob count\n---\nall 1\ntotal 474\n") == 474
    with pytest.raises(RuntimeError, match="no job count"):
        _count_jobs("Nothing to be done")


def test_floor_workflow_plans_its_shape(tmp_path):
    """The floor of the DAG benchmark: 11 jobs per patient and rule all, in a real dry run."""
    _, units, _ = write_cohort(tmp_path, patients=3, lanes=2)
    snakefile, config = floor_workflow(tmp_path, units)
    jobs, seconds, rss_mb = dry_run(snakefile, tmp_path / "floor", config, False)
    assert jobs == 3 * FLOOR_JOBS_PER_PATIENT + 1
    assert seconds > 0 and rss_mb > 50


def test_figures_of_an_older_dag_benchmark_still_render(tmp_path):
    """A stored DAG table without the floor columns (an older run) renders with its own."""
    import json

    from icope.bench.run import render_report

    (tmp_path / "benchmarks.dag.tsv").write_text(
        "patients\tsamples\tunits\tjobs\tseconds\tpeak_rss_mb\n10\t30\t60\t389\t3.38\t187.7\n"
    )
    (tmp_path / "benchmarks.dag.json").write_text(json.dumps({"command": "x", "notes": []}))
    text = render_report(tmp_path).read_text()
    assert "| patients | samples | units | jobs | seconds | peak_rss_mb |" in text
    assert "| 10 | 30 | 60 | 389 | 3.38 | 187.70 |" in text
