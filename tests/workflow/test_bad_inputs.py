"""The bad-input battery: one broken input per test, each in a fresh run directory.

An unsafe read path stops the run while the sheets are read (icope.core.sheets), before any
job. Every other broken read file fails its sample's check_reads job (icope.core.reads: one
job checks all units of a sample), which names the sample, unit, file and problem on stderr and
in its log; fastp, bwa mem and everything after them never run for that sample. The sheets
hold only the broken sample (NA12878) and the runs ask for its reads check and alignment, so
each case costs a few seconds.
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pysam
import pytest

from .conftest import REPO, make_run_dir, snakemake

pytestmark = pytest.mark.workflow

FASTQ = "derived_nf-core_chr22/fastq"
PATIENTS = {"NA12878": "P001", "testN": "P002"}
SOURCES = {"NA12878": "NA12878", "testN": "test"}
SAMPLES_HEADER = "patient\tsample\ttype\tsex\tsecondary_findings_consent\ttumour_only\n"
UNITS_HEADER = "sample\tunit\tfq1\tfq2\tbam\tplatform\tlibrary\n"


def _targets(sample: str) -> list[str]:
    return [f"results/qc/reads/{sample}.json", f"results/alignment/{sample}.bam"]


def _copy_reads(shared_data, folder: Path, sample: str = "NA12878") -> tuple[Path, Path]:
    """Writable copies of a real test pair, to be broken by the test."""
    folder.mkdir(parents=True, exist_ok=True)
    pair = []
    for mate in (1, 2):
        source = shared_data(f"{FASTQ}/{SOURCES[sample]}_{mate}.fastq.gz")
        target = folder / f"{sample}_{mate}.fastq.gz"
        target.write_bytes(source.read_bytes())
        pair.append(target)
    return pair[0], pair[1]


def _records(path: Path) -> list[str]:
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    return ["".join(lines[i : i + 4]) for i in range(0, len(lines), 4)]


def _write_records(path: Path, records: list[str]) -> None:
    path.write_bytes(gzip.compress("".join(records).encode()))


def _unaligned_bam(r1: Path, r2: Path, bam: Path) -> Path:
    subprocess.run(
        ["samtools", "import", "-1", str(r1), "-2", str(r2), "-o", str(bam)],
        check=True,
        capture_output=True,
    )
    return bam


def _run_dir(tmp_path: Path, units: dict[str, tuple[object, object, object]]) -> Path:
    """A run directory whose sheets hold only ``units``: sample -> (fq1, fq2, bam)."""
    run_dir = make_run_dir(tmp_path / "run")
    samples = "".join(f"{PATIENTS[s]}\t{s}\tnormal\tfemale\tno\tno\n" for s in units)
    rows = "".join(
        f"{s}\tL001\t{fq1 or ''}\t{fq2 or ''}\t{bam or ''}\tILLUMINA\t{s}_lib1\n"
        for s, (fq1, fq2, bam) in units.items()
    )
    (run_dir / "config" / "samples.tsv").write_text(SAMPLES_HEADER + samples)
    (run_dir / "config" / "units.tsv").write_text(UNITS_HEADER + rows)
    return run_dir


def _run(run_dir: Path, *args: str, sample: str = "NA12878") -> subprocess.CompletedProcess:
    return snakemake(run_dir, "--cores", "2", *args, *_targets(sample), check=False)


def _check_failed(run_dir: Path, result: subprocess.CompletedProcess, message: str) -> None:
    """The run failed in NA12878's check_reads with ``message`` on stderr and in the job's
    log, and nothing trimmed or aligned that unit."""
    assert result.returncode != 0
    assert "Error in rule check_reads" in result.stderr
    assert message in result.stderr
    log = (run_dir / "logs/check_reads/NA12878.log").read_text()
    assert "ERROR check_reads: sample NA12878, unit L001" in log and message in log
    assert not (run_dir / "results/qc/reads/NA12878.json").exists()
    assert not (run_dir / "logs/fastp/NA12878").exists()
    assert not (run_dir / "logs/bwa_mem/NA12878").exists()
    assert not (run_dir / "results/alignment/units/NA12878").exists()
    assert not (run_dir / "results/alignment/NA12878.bam").exists()


# --- rejected while the sheets are read ----------------------------------------------------


def test_command_substitution_in_a_path_is_rejected_and_never_run(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    bad1 = r1.rename(r1.with_name("$(touch pwned)_1.fastq.gz"))
    bad2 = r2.rename(r2.with_name("$(touch pwned)_2.fastq.gz"))
    run_dir = _run_dir(tmp_path, {"NA12878": (bad1, bad2, None)})

    result = snakemake(run_dir, "--cores", "2", check=False)

    assert result.returncode != 0
    assert "icope: invalid input" in result.stderr
    units = run_dir / "config/units.tsv"
    for line, field, path in ((2, "fq1", bad1), (2, "fq2", bad2)):
        assert (
            f"{units}, line {line}: field '{field}': path contains '$', '(', a space and ')': "
            "read paths reach shell commands, so only letters, digits and _ - . / + , = @ : are "
            f"allowed; rename the file or link it (ln -s) under a safe name (got '{path}')"
        ) in result.stderr
    assert not (run_dir / "results").exists()
    assert list(tmp_path.rglob("pwned")) == []
    assert not (REPO / "pwned").exists() and not (Path.cwd() / "pwned").exists()


def test_space_in_a_path_is_rejected(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "my reads")
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None)})

    result = snakemake(run_dir, "--cores", "2", check=False)

    assert result.returncode != 0
    units = run_dir / "config/units.tsv"
    assert (
        f"{units}, line 2: field 'fq1': path contains a space: read paths reach shell commands, "
        "so only letters, digits and _ - . / + , = @ : are allowed; rename the file or link it "
        f"(ln -s) under a safe name (got '{r1}')"
    ) in result.stderr
    assert f"{units}, line 2: field 'fq2': path contains a space" in result.stderr
    assert not (run_dir / "results").exists()


# --- rejected by check_reads, before fastp and bwa mem --------------------------------------


def test_truncated_gzip(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    data = r1.read_bytes()
    r1.write_bytes(data[: len(data) // 2])
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None)})
    _check_failed(
        run_dir, _run(run_dir), f"{r1}: truncated gzip file (ended before its end marker)"
    )


def test_mates_with_different_read_counts_keep_going(tmp_path, shared_data):
    """With --keep-going the good sample is aligned, the broken one is not."""
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    _write_records(r2, _records(r2)[:-100])
    good1, good2 = _copy_reads(shared_data, tmp_path / "reads", "testN")
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None), "testN": (good1, good2, None)})

    result = _run(run_dir, "--keep-going", *_targets("testN"))

    _check_failed(
        run_dir,
        result,
        f"{r2}: ends after 4,849 records, but {r1} has more: "
        "R1 and R2 must hold the same reads in the same order",
    )
    report = (run_dir / "results/qc/reads/testN.json").read_text()
    assert '"read_pairs": 2821' in report
    with pysam.AlignmentFile(str(run_dir / "results/alignment/testN.bam")) as bam:
        assert bam.header["RG"][0]["SM"] == "testN"
        # fastp drops a few short pairs; the rest are aligned
        assert 5000 < sum(1 for _ in bam) <= 2 * 2821


def test_fasta_given_as_fastq(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    r1.write_bytes(shared_data("nf-core-test-datasets_chr22/reference/genome.fasta").read_bytes())
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None)})
    _check_failed(run_dir, _run(run_dir), f"{r1}: FASTA, not FASTQ (no base qualities)")


def test_bam_given_as_fastq(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    bam = _unaligned_bam(r1, r2, tmp_path / "reads" / "NA12878.bam")
    run_dir = _run_dir(tmp_path, {"NA12878": (bam, r2, None)})
    _check_failed(
        run_dir,
        _run(run_dir),
        f"{bam}: a BAM file, not FASTQ (give BAM input in the 'bam' column)",
    )


@pytest.mark.parametrize("content", [gzip.compress(b""), b""], ids=["gzip_of_nothing", "0_bytes"])
def test_empty_fastq(tmp_path, shared_data, content):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    r1.write_bytes(content)
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None)})
    _check_failed(run_dir, _run(run_dir), f"{r1}: empty file: no reads")


def test_sequence_and_quality_lengths_differ(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    records = _records(r1)
    header, seq, plus, qual = records[99].splitlines(keepends=True)
    records[99] = header + seq + plus + qual[:-2] + "\n"
    _write_records(r1, records)
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None)})
    _check_failed(
        run_dir,
        _run(run_dir),
        f"{r1}: record 100 (line 397): sequence has 150 bases but quality has 149",
    )


def test_fewer_pairs_than_the_minimum(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    for path in (r1, r2):
        _write_records(path, _records(path)[:500])
    run_dir = _run_dir(tmp_path, {"NA12878": (r1, r2, None)})
    _check_failed(
        run_dir,
        _run(run_dir),
        f"{r1}: 500 read pairs, fewer than the minimum of 1,000 (reads.min_read_pairs)",
    )


def test_bam_unit_with_fewer_pairs_than_the_minimum(tmp_path, shared_data):
    """A unit given as BAM is checked on the pair extracted from it; the message names both."""
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    for path in (r1, r2):
        _write_records(path, _records(path)[:500])
    bam = _unaligned_bam(r1, r2, tmp_path / "reads" / "NA12878.bam")
    run_dir = _run_dir(tmp_path, {"NA12878": (None, None, bam)})
    result = _run(run_dir)
    _check_failed(
        run_dir,
        result,
        f"check_reads: sample NA12878, unit L001 (reads extracted from {bam}): "
        "results/reads_from_bam/NA12878/L001_R1.fastq.gz: 500 read pairs, fewer than the "
        "minimum of 1,000 (reads.min_read_pairs)",
    )


def test_a_broken_lane_stops_its_whole_sample_naming_the_lane(tmp_path, shared_data):
    """One check job per sample: a good lane L001 and a truncated lane L002 of NA12878; the
    job names L002 and no lane of the sample is trimmed or aligned."""
    good1, good2 = _copy_reads(shared_data, tmp_path / "lane1")
    bad1, bad2 = _copy_reads(shared_data, tmp_path / "lane2")
    data = bad1.read_bytes()
    bad1.write_bytes(data[: len(data) // 2])
    run_dir = _run_dir(tmp_path, {"NA12878": (good1, good2, None)})
    units = run_dir / "config" / "units.tsv"
    units.write_text(
        units.read_text() + f"NA12878\tL002\t{bad1}\t{bad2}\t\tILLUMINA\tNA12878_lib1\n"
    )
    message = (
        f"check_reads: sample NA12878, unit L002: {bad1}: truncated gzip file (ended before "
        "its end marker)"
    )

    result = _run(run_dir)

    assert result.returncode != 0
    assert "Error in rule check_reads" in result.stderr and message in result.stderr
    log = (run_dir / "logs/check_reads/NA12878.log").read_text()
    assert f"ERROR {message}" in log and "unit L001: {'read_pairs': 4949" in log
    assert not (run_dir / "results/qc/reads/NA12878.json").exists()
    assert not (run_dir / "logs/fastp").exists() and not (run_dir / "logs/bwa_mem").exists()
    assert not (run_dir / "results/alignment/units").exists()


# --- good input passes -------------------------------------------------------------------


def test_bam_unit_is_checked_on_its_extracted_pair(tmp_path, shared_data):
    r1, r2 = _copy_reads(shared_data, tmp_path / "reads")
    bam = _unaligned_bam(r1, r2, tmp_path / "reads" / "NA12878.bam")
    run_dir = _run_dir(tmp_path, {"NA12878": (None, None, bam)})
    snakemake(run_dir, "--cores", "2", "results/qc/reads/NA12878.json")
    report = (run_dir / "results/qc/reads/NA12878.json").read_text()
    assert '"read_pairs": 4949' in report and '"r1_bases": 742350' in report


def test_bundled_test_data_passes_the_check(tmp_path):
    """The test setup's own units hold more pairs than the default reads.min_read_pairs."""
    run_dir = make_run_dir(tmp_path)
    expected = {"NA12878": 4949, "testN": 2821, "testT": 2718, "GM12878_RNA": 4159}
    targets = [f"results/qc/reads/{sample}.json" for sample in expected]
    snakemake(run_dir, "--cores", "2", *targets)
    for sample, pairs in expected.items():
        report = (run_dir / f"results/qc/reads/{sample}.json").read_text()
        assert f'"read_pairs": {pairs},' in report
