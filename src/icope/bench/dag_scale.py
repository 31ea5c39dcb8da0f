"""How long Snakemake takes to plan a cohort: DAG build time and peak memory of ``snakemake -n``
for synthetic cohorts of N patients (normal + tumour + RNA, several lanes each).

The reads are empty placeholder files (the dry run only checks that they exist and are
readable); the reference, annotation and known sites are the bundled test set, so what is
measured is the workflow's own cost per patient: sheet loading, input functions, DAG building.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import yaml

SAMPLE_TYPES = (("N", "normal"), ("T", "tumour"), ("R", "rna"))


@dataclass(frozen=True)
class DagMeasurement:
    patients: int
    samples: int
    units: int
    jobs: int
    seconds: float
    peak_rss_mb: float


def write_cohort(base: Path, patients: int, lanes: int) -> tuple[Path, Path, int]:
    """Sheets for ``patients`` patients (normal, tumour, RNA; ``lanes`` units each) with empty
    FASTQ placeholders under ``base/reads``; returns (samples.tsv, units.tsv, unit count)."""
    reads = base / "reads"
    reads.mkdir(parents=True, exist_ok=True)
    samples = ["patient\tsample\ttype\tsex\tsecondary_findings_consent\ttumour_only"]
    units = ["sample\tunit\tfq1\tfq2\tbam\tplatform\tlibrary"]
    for index in range(1, patients + 1):
        patient = f"P{index:05d}"
        for suffix, kind in SAMPLE_TYPES:
            sample = f"{patient}_{suffix}"
            samples.append(f"{patient}\t{sample}\t{kind}\tunknown\tno\tno")
            for lane in range(1, lanes + 1):
                pair = [reads / f"{sample}_L{lane}_R{read}.fastq.gz" for read in (1, 2)]
                for path in pair:
                    path.touch()
                units.append(
                    f"{sample}\tL{lane:03d}\t{pair[0]}\t{pair[1]}\t\tILLUMINA\t{sample}_lib1"
                )
    (base / "samples.tsv").write_text("\n".join(samples) + "\n")
    (base / "units.tsv").write_text("\n".join(units) + "\n")
    return base / "samples.tsv", base / "units.tsv", len(units) - 1


def cohort_config(workflow_dir: Path, base: Path, samples: Path, units: Path) -> Path:
    """The bundled test configuration with the synthetic sheets, all paths absolute."""
    config = yaml.safe_load((workflow_dir / ".test" / "config" / "config.yaml").read_text())
    config["samples"], config["units"] = str(samples), str(units)
    config["data_manifest"] = str(workflow_dir / config["data_manifest"])
    config["panel"]["genes"] = str(workflow_dir / config["panel"]["genes"])
    path = base / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _count_jobs(text: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "total" and parts[1].isdigit():
            return int(parts[1])
    raise RuntimeError(f"no job count in snakemake's dry-run output:\n{text[-3000:]}")


def dry_run(workflow_dir: Path, base: Path, config: Path) -> tuple[int, float, float]:
    """Run ``snakemake -n`` once; returns (jobs, wall seconds, peak RSS in MB of that process)."""
    command = [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--cores", "2"]
    command += ["--snakefile", str(workflow_dir / "Snakefile"), "--directory", str(base)]
    command += ["--configfile", str(config)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"snakemake -n failed for {base}:\n{output[-3000:]}")
    return _count_jobs(output), seconds, usage.ru_maxrss / 1024


def measure(
    workflow_dir: Path, scratch: Path, patients: int, lanes: int = 2, repeats: int = 3
) -> DagMeasurement:
    """Median wall time and peak memory of ``repeats`` dry runs for one cohort size."""
    base = scratch / f"cohort_{patients}"
    samples, units, n_units = write_cohort(base, patients, lanes)
    config = cohort_config(workflow_dir, base, samples, units)
    runs = sorted(dry_run(workflow_dir, base, config) for _ in range(repeats))
    jobs, seconds, rss = runs[len(runs) // 2]
    return DagMeasurement(
        patients=patients,
        samples=patients * len(SAMPLE_TYPES),
        units=n_units,
        jobs=jobs,
        seconds=round(sorted(r[1] for r in runs)[len(runs) // 2], 2),
        peak_rss_mb=round(max(r[2] for r in runs), 1),
    )


def dag_benchmark(
    workflow_dir: Path, docs: Path, scratch: Path, sizes: list[int], repeats: int, notes: list[str]
) -> pd.DataFrame:
    """Measure every cohort size, store the figures as the `dag` section of the benchmarks."""
    from icope.bench.run import write_section

    rows = [asdict(measure(workflow_dir, scratch, n, repeats=repeats)) for n in sizes]
    table = pd.DataFrame(rows)
    command = f"icope bench dag --patients {','.join(map(str, sizes))} --repeats {repeats}"
    write_section(docs, "dag", table, {"command": command, "notes": notes})
    return table


DAG_NOTES = [
    "Planning time grows linearly with the number of jobs (~55 per patient with the test "
    "config: a check, trim and alignment job per lane, separate jobs per QC tool, CNV and SV "
    "step; calling is one job per normal and one per tumour and somatic method), at about "
    "2.5 ms per job on this machine; memory likewise (~25 kB per job).",
    "Almost all of it is Snakemake's own per-job work: in a profile of 100 patients, the "
    "dry-run job listing (each job's resources and shell command formatted, as a real run "
    "also does) takes a third, dependency resolution and job creation most of the rest; the "
    "workflow's input functions and sheet lookups are dictionary lookups built once, under "
    "2 %.",
    "Calling chunks run inside their calling job (germline_call, somatic_calls: up to "
    "threads.germline_call / threads.somatic_calls chunks at a time), so the number of "
    "chunks no longer changes the DAG: a patient (normal + tumour) has 6 calling jobs with "
    "the test config's 2 chunks and with the WGS default of 48 alike (before: 13 and 151, "
    "one job per chunk and caller plus the gathers).",
    "Not yet at the target of 1,000 patients in 30 s and 1 GB: that needs ~10 jobs per "
    "patient at Snakemake's per-job cost (for example reads check, trimming and alignment of "
    "a lane in one job; one job per CNV and SV chain), not faster input functions.",
]
