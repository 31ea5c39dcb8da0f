"""One patient's failure does not stop another patient's report (run with --keep-going)."""

from __future__ import annotations

import shutil

import pytest

from .conftest import make_run_dir, snakemake

pytestmark = pytest.mark.workflow


def test_broken_patient_does_not_block_the_others(tmp_path, shared_data):
    run_dir = make_run_dir(tmp_path)
    # P002's tumour reads: a truncated gzip, which passes the parse-time checks (the file exists
    # and is readable) and fails check_reads at run time.
    broken = tmp_path / "testT_1.truncated.fastq.gz"
    source = shared_data("derived_nf-core_chr22/fastq/test2_1.fastq.gz")
    shutil.copy(source, broken)
    data = broken.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    units = run_dir / "config/units.tsv"
    units.write_text(
        units.read_text().replace("derived_nf-core_chr22/fastq/test2_1.fastq.gz", str(broken))
    )

    result = snakemake(run_dir, "--cores", "2", "--keep-going", check=False)
    assert result.returncode != 0
    assert "truncated gzip" in result.stdout + result.stderr
    results = run_dir / "results"
    assert (results / "patients/P001/report.json").is_file()
    assert (results / "patients/P001/report.html").is_file()
    assert "NA12878" in (results / "patients/P001/qc.tsv").read_text()
    assert not (results / "patients/P002/report.json").exists()
    assert not (results / "alignment/testT.bam").exists()
    # the cohort tables need every patient: they wait for P002
    assert not (results / "cohort/variants.tsv").exists()
