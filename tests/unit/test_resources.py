"""Memory and runtime of a job from its input sizes (icope.core.resources)."""

from __future__ import annotations

import dataclasses

import pytest

from icope.core.resources import (
    CHUNK_COSTS,
    COSTS,
    CRAM_READS_PER_BYTE,
    PIPES,
    Cost,
    estimate,
    file_bytes,
    total_bytes,
)

GB = 10**9


def test_estimate_is_base_plus_per_gb_times_attempt():
    assert estimate(1000, 500, 0, attempt=1) == 1000
    assert estimate(1000, 500, 4 * GB, attempt=1) == 3000
    assert estimate(1000, 500, 4 * GB, attempt=3) == 9000


def test_estimate_rounds_up_and_returns_an_int():
    value = estimate(10, 1.2, 1.5 * GB, attempt=1)
    assert value == 12 and isinstance(value, int)
    assert isinstance(estimate(10.5, 0, 0, attempt=1), int)


def test_estimate_is_capped_after_the_attempt():
    assert estimate(1000, 0, 0, attempt=2, cap=1500) == 1500
    assert estimate(1000, 0, 0, attempt=1, cap=1500) == 1000


def test_estimate_rejects_attempt_zero():
    with pytest.raises(ValueError, match="attempt"):
        estimate(1000, 0, 0, attempt=0)


def test_memory_adds_a_part_per_thread():
    cost = Cost(mem_mb=500, minutes=10, mem_mb_per_gb=1100, mem_mb_per_thread=1224)
    # bwa on GRCh38: a 5.5 GB index, 16 threads
    assert cost.memory(5.5 * GB, threads=16, attempt=1) == 500 + 6050 + 16 * 1224
    assert cost.memory(5.5 * GB, threads=2, attempt=2) == 2 * (500 + 6050 + 2 * 1224)


def test_runtime_spreads_cpu_time_over_threads_up_to_max_speedup():
    cost = Cost(mem_mb=1, minutes=20, cpu_minutes_per_gb=200)
    assert cost.runtime(10 * GB, threads=1, attempt=1) == 20 + 2000
    assert cost.runtime(10 * GB, threads=16, attempt=1) == 20 + 125
    capped = Cost(mem_mb=1, minutes=20, cpu_minutes_per_gb=6, max_speedup=3)
    assert capped.runtime(60 * GB, threads=8, attempt=1) == 20 + 120
    assert capped.runtime(60 * GB, threads=8, attempt=2) == 2 * (20 + 120)


def test_runtime_and_memory_caps():
    cost = Cost(mem_mb=1000, minutes=10, mem_mb_per_gb=20000, max_mem_mb=256000, max_minutes=60)
    assert cost.memory(100 * GB, threads=1, attempt=1) == 256000
    assert Cost(mem_mb=1, minutes=50, max_minutes=60).runtime(0, 1, attempt=2) == 60


def test_grows_with_every_attempt_for_every_rule():
    for name, cost in (COSTS | CHUNK_COSTS).items():
        for threads in (1, 2, 16):
            mem = [cost.memory(3 * GB, threads, attempt) for attempt in (1, 2, 3)]
            minutes = [cost.runtime(30 * GB, threads, attempt) for attempt in (1, 2, 3)]
            capped_mem = cost.max_mem_mb is not None and mem[0] == cost.max_mem_mb
            assert capped_mem or mem[0] < mem[1] < mem[2], name
            assert minutes[0] < minutes[1] < minutes[2], name
            assert mem[0] >= 500 and minutes[0] >= 10, name


def test_bwa_mem_on_grch38_asks_for_the_index_and_the_sort_buffers():
    cost = COSTS["bwa_mem"]
    mem = cost.memory(5.5 * GB, threads=16, attempt=1)
    assert 20000 < mem < 32000
    # a 40 GB 30x genome in one unit, 16 threads: several hours, less than a day
    assert 6 * 60 < cost.runtime(40 * GB, threads=16, attempt=1) < 24 * 60


def test_file_bytes_of_files_directories_and_crams(tmp_path):
    (tmp_path / "reads.fastq.gz").write_bytes(b"x" * 100)
    (tmp_path / "sample.cram").write_bytes(b"x" * 10)
    index = tmp_path / "salmon_index"
    (index / "sub").mkdir(parents=True)
    (index / "pos.bin").write_bytes(b"x" * 7)
    (index / "sub" / "info.json").write_bytes(b"x" * 3)
    assert file_bytes(str(tmp_path / "reads.fastq.gz")) == 100
    assert file_bytes(str(tmp_path / "sample.cram")) == 10 * CRAM_READS_PER_BYTE
    assert file_bytes(str(index)) == 10
    assert total_bytes([str(tmp_path / "reads.fastq.gz"), str(index)]) == 110
    assert total_bytes([]) == 0


def test_a_missing_file_raises_file_not_found_naming_it(tmp_path):
    # Snakemake turns a FileNotFoundError naming one of the job's inputs into <TBD> (a dry
    # run, an input not yet made) and evaluates the resource again before the job runs.
    missing = str(tmp_path / "results" / "unit.bam")
    with pytest.raises(FileNotFoundError) as caught:
        total_bytes([missing])
    assert caught.value.filename == missing


def test_a_fused_job_asks_for_the_sum_of_its_tools():
    # fastp piped into bwa mem on GRCh38: fastp's buffers beside bwa's index and sort buffers
    sizes = {("index",): 5.5 * GB, ("r1", "r2"): 40 * GB, (): 0, ("bam",): 30 * GB}
    fused, fastp, bwa = PIPES["fastp_bwa_mem"], COSTS["fastp"], COSTS["bwa_mem"]
    # fastp --stdout on one worker thread: its own model, without the speedup of threads
    fastp = dataclasses.replace(fastp, max_speedup=1)
    mem = fused.memory_of(sizes.get, threads=16, attempt=2)
    assert mem == fastp.memory(0, 16, 2) + bwa.memory(5.5 * GB, 16, 2)
    minutes = fused.runtime_of(sizes.get, threads=16, attempt=1)
    assert minutes == fastp.runtime(40 * GB, 16, 1) + bwa.runtime(40 * GB, 16, 1)
    # samtools stats and mosdepth side by side: the genome sizes mosdepth, the BAM both
    qc_sizes = {("bam",): 30 * GB, ("fasta",): 3.1 * GB, (): 0}
    qc = PIPES["bam_qc"].memory_of(qc_sizes.get, threads=8, attempt=1)
    assert qc == COSTS["samtools_stats"].memory(0, 8, 1) + COSTS["mosdepth"].memory(3.1 * GB, 8, 1)
    assert set(PIPES) == {"fastp_bwa_mem", "fastp_minimap2", "bam_qc"}
