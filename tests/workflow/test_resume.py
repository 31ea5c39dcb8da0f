"""Kill and resume: a run SIGKILLed at three points (reads QC, calling, reports) is finished by
the same documented command, `icope run ...`, with the same results as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pysam
import pytest

from icope.core.locks import lock_files

from .conftest import REPO, make_run_dir

pytestmark = pytest.mark.workflow

# A file that appears early, midway and late in the test run: the run is killed just after it.
# fastp writes its report while the unit's job (fastp piped into bwa mem, fixmate, sort) is
# still aligning: that job is killed half-done, and resuming must redo it.
KILL_POINTS = {
    "reads_qc": "results/qc/fastp/NA12878.L001.fastp.json",
    "calling": "results/germline/NA12878.vcf.gz",
    "reports": "results/patients/P001/germline_panel.tsv",
}
COMPARED = [
    "results/qc/qc_summary.tsv",
    "results/patients/P001/germline_panel.tsv",
    "results/patients/P002/germline_panel.tsv",
    "results/cohort/variants.tsv",
]


def _command(run_dir: Path) -> list[str]:
    return [
        "icope",
        "run",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(run_dir),
        "--profile",
        str(REPO / "profiles" / "local"),
        "--configfile",
        str(run_dir / "config" / "config.yaml"),
    ]


def _kill_after(run_dir: Path, marker: str, timeout: float = 300) -> None:
    process = subprocess.Popen(
        _command(run_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not (run_dir / marker).exists() and process.poll() is None:
        assert time.monotonic() < deadline, f"{marker} never appeared"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _records(path: Path) -> list[str]:
    with pysam.VariantFile(str(path)) as vcf:
        return [str(record) for record in vcf]


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_killed_run_resumes_with_the_same_command(point, tmp_path, completed_run):
    run_dir = make_run_dir(tmp_path)
    _kill_after(run_dir, KILL_POINTS[point])
    assert lock_files(run_dir), "the killed run left no lock: it was not interrupted"
    # What users hit with plain snakemake (it stops at the lock, before any job).
    plain = subprocess.run(["snakemake", *_command(run_dir)[2:]], capture_output=True, text=True)
    assert plain.returncode != 0 and "cannot be locked" in plain.stderr
    resumed = subprocess.run(_command(run_dir), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert "removing the stale lock" in resumed.stdout
    assert not lock_files(run_dir)
    for name in COMPARED:
        assert (run_dir / name).read_text() == (completed_run / name).read_text(), name
    for vcf in ("results/germline/NA12878.vcf.gz", "results/somatic/testT.vcf.gz"):
        assert _records(run_dir / vcf) == _records(completed_run / vcf), vcf
