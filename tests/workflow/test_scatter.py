"""Scatter/gather calling: records gathered from chunks equal those of an unscattered run, on
the bundled test data with cuts placed at the hardest spots (inside a deletion, at an
insertion, at a SNV) and with the chunks rule calling_chunks itself builds. The chunks run
inside one job per sample and caller (germline_call: compared on its normalised VCF, for each
germline caller; somatic_calls: the gathered candidates of each method).

bcftools records are identical byte for byte. freebayes records are identical in position,
alleles, FILTER and every sample column (genotype, depths, allele counts, likelihoods). Their
QUAL (and the INFO fields derived from it) is not: freebayes carries state from one site to the
next, and a call's QUAL changes with where freebayes *started*, kilobases before it, with no
change in the reads it saw (measured here: a shift of 6 to 14 phred units for every call of
some chunks; freebayes-parallel has the same). No padding makes that exact, so for freebayes
the test asserts what QUAL decides downstream: the same side of germline.min_qual (LowQual).
The somatic model does not read freebayes' QUAL."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from icope.core.stamps import write_stamp

from .conftest import make_run_dir, snakemake

pytestmark = pytest.mark.workflow

GERMLINE = "results/germline/NA12878.vcf.gz"
#: Both methods' gathered candidates (temp files, kept with --notemp).
SOMATIC = ["results/somatic/pileup/testT.bcf", "results/somatic/freebayes/testT.bcf"]
CALLERS = ("bcftools", "freebayes")
PADDING = 1000
#: germline.min_qual of the test config: freebayes calls must fall on the same side of it.
MIN_QUAL = 20
CONTIG, LENGTH = "chr22", 40001


def _run_dir(base, chunks: int, min_chunk_bp: int = 10000):
    run_dir = make_run_dir(base)
    _configure(run_dir, calling={"chunks": chunks, "min_chunk_bp": min_chunk_bp})
    return run_dir


def _configure(run_dir, **sections) -> dict:
    path = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    for section, values in sections.items():
        config[section].update(values)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return config


def _call(run_dir, callers=CALLERS, somatic=SOMATIC) -> dict[str, object]:
    """The normal's germline calls by each caller (germline_call, the caller switched in the
    config; each VCF copied aside) and the tumour's gathered candidates of each method."""
    calls = {}
    for number, caller in enumerate(callers):
        _configure(run_dir, germline={"caller": caller})
        targets = [GERMLINE, *(somatic if number == 0 else [])]
        snakemake(run_dir, "--cores", "2", "--notemp", *targets)
        kept = run_dir / "calls" / f"NA12878.{caller}.vcf.gz"
        kept.parent.mkdir(exist_ok=True)
        shutil.copy(run_dir / GERMLINE, kept)
        calls[f"germline {caller}"] = kept
    return calls | {path: run_dir / path for path in somatic}


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
    return _call(run_dir)


def _hard_cuts(unscattered) -> list[int]:
    """0-based cut positions: inside a germline deletion, just after a somatic insertion's
    anchor base (the inserted bases sit across the cut), before a SNV (it is the first base
    of its chunk) and after another (the last base of its chunk)."""
    germline = _records(unscattered["germline bcftools"])
    somatic = _records(unscattered[SOMATIC[1]])
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
    # As calling_chunks would have written them: their stamp (icope.core.stamps), or the next
    # run rebuilds the chunks it finds changed.
    beds = [
        chunks / f"{slot + 1:04d}.{kind}.bed"
        for kind in ("core", "padded")
        for slot in range(slots)
    ]
    write_stamp([*beds, chunks / "chunks.tsv"], chunks / "chunks.stamp")


def test_cuts_at_variants_and_inside_indels_change_no_record(unscattered, tmp_path):
    cuts = _hard_cuts(unscattered)
    slots = len(cuts) + 2  # every cut, and one empty slot
    run_dir = _run_dir(tmp_path, chunks=slots, min_chunk_bp=1)
    snakemake(run_dir, "--cores", "1", "results/reference/chunks/chunks.tsv")
    _write_chunks(run_dir, cuts, slots)
    for name, path in _call(run_dir).items():
        _assert_same_calls(_records(path), _records(unscattered[name]), name)
    # the gathered files really came from several chunks, in chunk order, the empty slot
    # included (each chunk's summary line in the job's log)
    log = (run_dir / "logs/somatic/testT.pileup.calls.log").read_text()
    lines = [line for line in log.splitlines() if line.startswith("chunk ")]
    assert [line.split(":")[0] for line in lines] == [f"chunk {i:04d}" for i in range(1, slots + 1)]
    assert lines[-1].startswith(f"chunk {slots:04d}: 0 bp called in") and "; 0 records" in lines[-1]
    assert not list(run_dir.rglob("*.chunks")), "the work directories are removed"


def test_chunks_the_workflow_builds_change_no_record(unscattered, tmp_path):
    run_dir = _run_dir(tmp_path, chunks=7, min_chunk_bp=1000)
    calls = _call(run_dir)
    table = (run_dir / "results/reference/chunks/chunks.tsv").read_text().splitlines()
    assert len(table) == 1 + 7
    for name, path in calls.items():
        _assert_same_calls(_records(path), _records(unscattered[name]), name)
    assert (run_dir / f"{GERMLINE}.tbi").is_file()


def _planned(tmp_path, chunks: int) -> dict[str, int]:
    run_dir = _run_dir(tmp_path / f"chunks{chunks}", chunks=chunks, min_chunk_bp=1000)
    result = snakemake(run_dir, "--dry-run", "--quiet", "rules", "--cores", "1")
    jobs = {}
    for line in result.stdout.splitlines():
        name, _, count = line.strip().partition(" ")
        if count.strip().isdigit():
            jobs[name] = int(count)
    return jobs


def test_dry_run_plans_one_calling_job_per_sample_and_caller_whatever_the_chunks(tmp_path):
    jobs = _planned(tmp_path, chunks=5)
    normals, tumours = 2, 1
    assert jobs["germline_call"] == normals
    assert jobs["somatic_calls"] == 2 * tumours  # pileup and freebayes
    assert jobs["calling_chunks"] == 1
    # the chunks run inside the jobs: the DAG does not grow with them (WGS: 48)
    assert _planned(tmp_path, chunks=48) == jobs


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
    config = _configure(
        run_dir, calling={"freebayes_best_n_alleles": 0, "freebayes_skip_coverage_factor": 1e6}
    )
    calls = _call(run_dir, callers=("freebayes",), somatic=SOMATIC[1:])
    germline, somatic = "germline freebayes", SOMATIC[1]
    assert _records(calls[germline]) == _records(unscattered[germline])
    unbounded, bounded = _records(calls[somatic]), _records(unscattered[somatic])
    assert set(bounded) <= set(unbounded)
    lost = [r for r in unbounded if r not in set(bounded)]
    assert all(_tumour_alt_reads(r) < config["somatic"]["min_tumour_alt_reads"] for r in lost)
    log = (unscattered[somatic].parents[3] / "logs/somatic/testT.freebayes.calls.log").read_text()
    assert "--skip-coverage 500" in log and "deepest called site DP" in log
