"""Reads of the simulator: one art_illumina or dwgsim job per sample, population and haplotype
(per-job seeds derived from the run's seed), gzipped and concatenated per sample and mate.

See "Reads" in :mod:`icope.bench.simulate`.
"""

from __future__ import annotations

import gzip
import shutil
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from icope.bench.sim_model import (
    ERROR_PROFILES,
    Dirs,
    ErrorProfile,
    Population,
    SimulationError,
    SimulationParams,
    run_tool,
)


def _seed(seed: int, label: str) -> int:
    return zlib.crc32(f"{seed}:{label}".encode()) % 2_000_000_000 + 1


def _gzip_to(src: Path, dest: Path) -> None:
    with (
        open(src, "rb") as fin,
        open(dest, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=4, mtime=0) as fout,
    ):
        shutil.copyfileobj(fin, fout, 1 << 20)


def simulate_reads_job(
    simulator: str,
    fasta: Path,
    prefix: Path,
    fold: float,
    seed: int,
    read_length: int,
    fragment_mean: int,
    fragment_sd: int,
    errors: ErrorProfile = ERROR_PROFILES["default"],
) -> tuple[Path, Path]:
    """Paired reads from one haplotype FASTA -> (R1.fq.gz, R2.fq.gz), each one gzip member."""
    r1, r2 = Path(f"{prefix}_R1.fq.gz"), Path(f"{prefix}_R2.fq.gz")
    settings = (fasta, prefix, fold, seed, read_length, fragment_mean, fragment_sd, errors)
    if simulator == "art":
        run_tool(_art_command(*settings))
        for src, dest in ((Path(f"{prefix}_1.fq"), r1), (Path(f"{prefix}_2.fq"), r2)):
            _gzip_to(src, dest)
            src.unlink()
    elif simulator == "dwgsim":
        run_tool(_dwgsim_command(*settings))
        Path(f"{prefix}.bwa.read1.fastq.gz").rename(r1)
        Path(f"{prefix}.bwa.read2.fastq.gz").rename(r2)
        for extra in (".mutations.txt", ".mutations.vcf"):
            Path(f"{prefix}{extra}").unlink(missing_ok=True)
    else:
        raise SimulationError(f"unknown simulator {simulator!r} (art or dwgsim)")
    return r1, r2


def _art_command(
    fasta, prefix, fold, seed, read_length, fragment_mean, fragment_sd, errors
) -> list:
    """art_illumina paired-end, HS25 profile up to 150 bp (MSv3 above), no alignment output;
    qualities (and so errors) shifted by the error profile when it asks to."""
    profile = "HS25" if read_length <= 150 else "MSv3"
    shift = (
        ("-qs", errors.art_shift[0], "-qs2", errors.art_shift[1]) if any(errors.art_shift) else ()
    )
    return [
        *("art_illumina", "-ss", profile, "-p", "-l", read_length, "-f", f"{fold:.6f}"),
        *("-m", fragment_mean, "-s", fragment_sd, "-rs", seed, "-na", "-q", *shift),
        *("-i", fasta, "-o", f"{prefix}_"),
    ]


def _dwgsim_command(
    fasta, prefix, fold, seed, read_length, fragment_mean, fragment_sd, errors
) -> list:
    """dwgsim with the profile's error rates and no mutations of its own (-r 0 -R 0 -y 0)."""
    rate1, rate2 = errors.dwgsim_rates
    return [
        *("dwgsim", "-e", rate1, "-E", rate2, "-r", "0", "-R", "0", "-y", "0"),
        *("-1", read_length, "-2", read_length, "-C", f"{fold:.6f}"),
        *("-d", fragment_mean, "-s", fragment_sd, "-z", seed, "-o", "1", fasta, prefix),
    ]


def count_fastq_records(path: Path) -> int:
    with gzip.open(path, "rb") as handle:
        return sum(1 for _ in handle) // 4


# ----------------------------------------------------------------------------- reads step


class ReadJob(NamedTuple):
    sample: str
    haplotype: str  # haplotype FASTA: <population>h<hap>
    fold: float
    seed: int


class Reads(NamedTuple):
    jobs: list[ReadJob]
    pairs: dict[str, int]  # read pairs per sample


def _read_jobs(params: SimulationParams, pops: list[Population]) -> list[ReadJob]:
    """One job per sample, population and haplotype: fold coverage depth * fraction / 2."""
    jobs = []
    for sample, depth, sample_pops in (
        (params.normal_name, params.normal_depth, [Population("N", 1.0, 0)]),
        (params.tumour_name, params.tumour_depth, pops),
    ):
        for pop in sample_pops:
            for hap in (1, 2):
                label = f"{pop.name}h{hap}"
                fold = depth * pop.fraction / 2
                if fold > 0:
                    jobs.append(
                        ReadJob(sample, label, fold, _seed(params.seed, f"{sample}:{label}"))
                    )
    return jobs


def simulate_reads(
    params: SimulationParams, pops: list[Population], hap_dir: Path, dirs: Dirs
) -> Reads:
    """Run the read jobs (largest first) and concatenate them per sample and mate."""
    fq_dir = dirs.work / "fastq"
    fq_dir.mkdir(exist_ok=True)
    jobs = _read_jobs(params, pops)

    def run(job: ReadJob) -> tuple[Path, Path]:
        return simulate_reads_job(
            params.simulator,
            hap_dir / f"{job.haplotype}.fa",
            fq_dir / f"{job.sample}_{job.haplotype}",
            job.fold,
            job.seed,
            params.read_length,
            params.fragment_mean,
            params.fragment_sd,
            ERROR_PROFILES[params.error_profile],
        )

    order_by_size = sorted(range(len(jobs)), key=lambda i: -jobs[i].fold)
    with ThreadPoolExecutor(max_workers=max(1, params.threads)) as pool:
        futures = {i: pool.submit(run, jobs[i]) for i in order_by_size}
        results = [futures[i].result() for i in range(len(jobs))]
    read_counts = {}
    for sample in (params.normal_name, params.tumour_name):
        for mate in (1, 2):
            members = [
                pair[mate - 1]
                for job, pair in zip(jobs, results, strict=True)
                if job.sample == sample
            ]
            _concatenate(members, dirs.reads / f"{sample}_R{mate}.fastq.gz")
        read_counts[sample] = count_fastq_records(dirs.reads / f"{sample}_R1.fastq.gz")
    if not params.keep_intermediate:
        shutil.rmtree(fq_dir)
    return Reads(jobs, read_counts)


def _concatenate(members: list[Path], dest: Path) -> None:
    """Gzip members back to back: one valid gzip file."""
    with open(dest, "wb") as out:
        for member in members:
            with open(member, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
