"""Scatter/gather calling: records gathered from chunks equal those of an unscattered run, on
the bundled test data with cuts placed at the hardest spots (inside a deletion, at an
insertion, at a SNV) and with the chunks rule calling_chunks itself builds.

bcftools records are identical byte for byte. freebayes records are identical in position,
alleles, FILTER and every sample column (genotype, depths, allele counts, likelihoods). Their
QUAL (and the INFO fields derived from it) is not: freebayes carries state from one site to the
next, and a call's QUAL changes with where freebayes *started*, kilobases before it, with no
change in the reads it saw (measured here: a shift of 6 to 14 phred units for every call of
some chunks; freebayes-parallel has the same). No padding makes that exact, so for freebayes
the test asserts what QUAL decides downstream: the same side of germline.min_qual (LowQual).
The somatic model does not read freebayes' QUAL."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from .conftest import make_run_dir, snakemake

pytestmark = pytest.mark.workflow

RAW_CALLS = [
    "results/germline/raw/NA12878.bcftools.bcf",
    "results/germline/raw/NA12878.freebayes.bcf",
    "results/somatic/pileup/testT.bcf",
    "results/somatic/freebayes/testT.bcf",
]
PADDING = 1000
#: germline.min_qual of the test config: freebayes calls must fall on the same side of it.
MIN_QUAL = 20
CONTIG, LENGTH = "chr22", 40001


def _run_dir(base, chunks: int, min_chunk_bp: int = 10000):
    run_dir = make_run_dir(base)
    path = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    config["calling"].update(chunks=chunks, min_chunk_bp=min_chunk_bp)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return run_dir


def _records(path) -> list[str]:
    out = subprocess.run(
        ["bcftools", "view", "--no-version", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return out.splitlines()


def _assert_same_calls(gathered: list[str], whole: list[str], path: str) -> None:
    if "freebayes" not in path:
        assert gathered == whole, path
        return
    assert len(gathered) == len(whole), path
    for ours, theirs in zip(gathered, whole, strict=True):
        if ours.startswith("#") or ours == theirs:
            assert ours == theirs, path
            continue
        a, b = ours.split("\t"), theirs.split("\t")
        # CHROM POS ID REF ALT, FILTER, FORMAT and the samples
        assert a[:5] + a[6:7] + a[8:] == b[:5] + b[6:7] + b[8:], (path, ours, theirs)
        assert (float(a[5]) < MIN_QUAL) == (float(b[5]) < MIN_QUAL), (path, ours, theirs)


def _first(records, test) -> list[str]:
    for line in records:
        if not line.startswith("#") and test(line.split("\t")):
            return line.split("\t")
    raise AssertionError("the test data lacks the record this test cuts at")


@pytest.fixture(scope="module")
def unscattered(tmp_path_factory):
    run_dir = _run_dir(tmp_path_factory.mktemp("unscattered"), chunks=1)
    snakemake(run_dir, "--cores", "2", "--notemp", *RAW_CALLS)
    return run_dir


def _hard_cuts(unscattered) -> list[int]:
    """0-based cut positions: inside a germline deletion, just after a somatic insertion's
    anchor base (the inserted bases sit across the cut), before a SNV (it is the first base
    of its chunk) and after another (the last base of its chunk)."""
    germline = _records(unscattered / RAW_CALLS[0])
    somatic = _records(unscattered / RAW_CALLS[3])
    deletion = _first(germline, lambda f: len(f[3]) >= 3 and len(f[4]) < len(f[3]))
    insertion = _first(somatic, lambda f: len(f[4]) > len(f[3]))
    inside = int(deletion[1]) + 1
    snv = _first(germline, lambda f: len(f[3]) == len(f[4]) == 1 and int(f[1]) > inside + 50)
    later = _first(germline, lambda f: len(f[3]) == len(f[4]) == 1 and int(f[1]) > int(snv[1]) + 50)
    return sorted({inside, int(insertion[1]), int(snv[1]) - 1, int(later[1])})


def _write_chunks(run_dir, cuts: list[int], slots: int) -> None:
    bounds = [0, *cuts, LENGTH]
    chunks = run_dir / "results" / "reference" / "chunks"
    for slot in range(slots):
        core = chunks / f"{slot + 1:04d}.core.bed"
        wide = chunks / f"{slot + 1:04d}.padded.bed"
        if slot < len(bounds) - 1:
            start, end = bounds[slot], bounds[slot + 1]
            core.write_text(f"{CONTIG}\t{start}\t{end}\n")
            wide.write_text(f"{CONTIG}\t{max(0, start - PADDING)}\t{min(LENGTH, end + PADDING)}\n")
        else:  # an unused slot, as calling_chunks writes it
            core.write_text("")
            wide.write_text(f"{CONTIG}\t0\t1\n")


def test_cuts_at_variants_and_inside_indels_change_no_record(unscattered, tmp_path):
    cuts = _hard_cuts(unscattered)
    slots = len(cuts) + 2  # every cut, and one empty slot
    run_dir = _run_dir(tmp_path, chunks=slots, min_chunk_bp=1)
    snakemake(run_dir, "--cores", "1", "results/reference/chunks/chunks.tsv")
    _write_chunks(run_dir, cuts, slots)
    snakemake(run_dir, "--cores", "2", "--notemp", *RAW_CALLS)
    for path in RAW_CALLS:
        _assert_same_calls(_records(run_dir / path), _records(unscattered / path), path)
    # the gathered files really came from several chunks, the empty slot included
    logs = sorted((run_dir / "logs" / "germline" / "NA12878").glob("chunk*.bcftools.log"))
    assert len(logs) == slots
    assert "0 records" in logs[-1].read_text()


def test_chunks_the_workflow_builds_change_no_record(unscattered, tmp_path):
    run_dir = _run_dir(tmp_path, chunks=7, min_chunk_bp=1000)
    snakemake(run_dir, "--cores", "2", "--notemp", *RAW_CALLS)
    table = (run_dir / "results/reference/chunks/chunks.tsv").read_text().splitlines()
    assert len(table) == 1 + 7
    for path in RAW_CALLS:
        _assert_same_calls(_records(run_dir / path), _records(unscattered / path), path)
    gathered = run_dir / RAW_CALLS[0]
    assert (gathered.parent / f"{gathered.name}.csi").is_file()


def test_dry_run_plans_one_job_per_chunk_and_caller(tmp_path):
    run_dir = _run_dir(tmp_path, chunks=5, min_chunk_bp=1000)
    result = snakemake(run_dir, "--dry-run", "--quiet", "rules", "--cores", "1")
    jobs = {}
    for line in result.stdout.splitlines():
        name, _, count = line.strip().partition(" ")
        if count.strip().isdigit():
            jobs[name] = int(count)
    normals, tumours = 2, 1
    assert jobs["germline_bcftools"] == 5 * normals
    assert jobs["germline_gather"] == normals
    assert jobs["somatic_pileup"] == jobs["somatic_freebayes"] == 5 * tumours
    assert jobs["somatic_gather"] == 2 * tumours
    assert jobs["calling_chunks"] == 1


def _tumour_alt_reads(record: str) -> int:
    fields = record.split("\t")
    keys, tumour = fields[8].split(":"), fields[9].split(":")
    return sum(int(n) for n in tumour[keys.index("AD")].split(",")[1:] if n != ".")


def test_freebayes_bounds_change_no_call_on_the_test_data(unscattered, tmp_path):
    """--use-best-n-alleles and --skip-coverage only bound pathological sites. With them off,
    germline freebayes makes the same records. The test tumour/normal pair holds a real
    artefact pile-up (3,525 reads combined at chr22:3508, mean depth 6x): skipping it loses 2
    nearby candidate records with 2 tumour alt reads each, which somatic.min_tumour_alt_reads
    (3) rejects anyway: no call changes."""
    run_dir = _run_dir(tmp_path, chunks=1)
    path = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    config["calling"].update(freebayes_best_n_alleles=0, freebayes_skip_coverage_factor=1e6)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    germline, somatic = RAW_CALLS[1], RAW_CALLS[3]
    snakemake(run_dir, "--cores", "2", "--notemp", germline, somatic)
    assert _records(run_dir / germline) == _records(unscattered / germline)
    unbounded, bounded = _records(run_dir / somatic), _records(unscattered / somatic)
    assert set(bounded) <= set(unbounded)
    lost = [r for r in unbounded if r not in set(bounded)]
    assert all(_tumour_alt_reads(r) < config["somatic"]["min_tumour_alt_reads"] for r in lost)
    log = (unscattered / "logs/somatic/testT/chunk0001.freebayes.log").read_text()
    assert "--skip-coverage 500" in log and "deepest called site DP" in log
