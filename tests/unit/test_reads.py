"""Tests for icope.core.reads: every way a read pair can be broken is named with its file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from icope.core.reads import (
    PairReport,
    ReadFileError,
    UnitReads,
    check_fastq_pair,
    check_sample,
    check_units,
)


def _records(n: int, mate: int = 0, length: int = 20, prefix: str = "r") -> str:
    suffix = f"/{mate}" if mate else ""
    seq, qual = "ACGT" * (length // 4), "I" * length
    return "".join(f"@{prefix}{i}{suffix} x\n{seq}\n+\n{qual}\n" for i in range(n))


def _write(path: Path, text: str | bytes, compress: bool = True) -> Path:
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture
def pair(tmp_path):
    return (
        _write(tmp_path / "a_R1.fastq.gz", _records(10, 1)),
        _write(tmp_path / "a_R2.fastq.gz", _records(10, 2)),
    )


def test_valid_pair_counts_reads_and_bases(pair):
    report = check_fastq_pair(*pair, min_pairs=10)
    assert report.pairs == 10
    assert report.r1_bases == report.r2_bases == 200


def test_plain_fastq_is_read_too(tmp_path):
    r1 = _write(tmp_path / "r1.fq", _records(3), compress=False)
    r2 = _write(tmp_path / "r2.fq", _records(3), compress=False)
    assert check_fastq_pair(r1, r2).pairs == 3


def test_more_batches_than_one(tmp_path, monkeypatch):
    monkeypatch.setattr("icope.core.reads.BATCH", 7)
    r1 = _write(tmp_path / "r1.fq.gz", _records(30, 1))
    r2 = _write(tmp_path / "r2.fq.gz", _records(30, 2))
    assert check_fastq_pair(r1, r2).pairs == 30
    r2 = _write(tmp_path / "r2.fq.gz", _records(30, 2).replace("@r23/2", "@r99/2"))
    with pytest.raises(ReadFileError, match="record 24: read names differ .'r23' vs 'r99'."):
        check_fastq_pair(r1, r2)


def test_truncated_gzip(pair, tmp_path):
    data = gzip.compress(_records(2000).encode())
    truncated = _write(tmp_path / "cut.fastq.gz", data[: len(data) // 2], compress=False)
    with pytest.raises(ReadFileError, match=r"cut\.fastq\.gz: truncated gzip"):
        check_fastq_pair(truncated, pair[1])


def test_mate_file_shorter(tmp_path, pair):
    short = _write(tmp_path / "short_R2.fastq.gz", _records(7, 2))
    with pytest.raises(ReadFileError, match=r"short_R2\.fastq\.gz: ends after 7 records"):
        check_fastq_pair(pair[0], short)


def test_mates_out_of_step(tmp_path, pair):
    other = _write(tmp_path / "other_R2.fastq.gz", _records(10, 2, prefix="q"))
    with pytest.raises(ReadFileError, match="record 1: read names differ"):
        check_fastq_pair(pair[0], other)


def test_fasta_given_as_fastq(tmp_path, pair):
    fasta = _write(tmp_path / "ref.fa", ">chr1\nACGT\n", compress=False)
    with pytest.raises(ReadFileError, match=r"ref\.fa: FASTA, not FASTQ"):
        check_fastq_pair(fasta, pair[1])


def test_bam_given_as_fastq(tmp_path, pair):
    bam = _write(tmp_path / "reads.bam", b"BAM\x01" + b"\x00" * 40)
    with pytest.raises(ReadFileError, match=r"reads\.bam: a BAM file, not FASTQ"):
        check_fastq_pair(pair[0], bam)


def test_empty_file(tmp_path, pair):
    empty = _write(tmp_path / "empty_R1.fastq.gz", b"")
    with pytest.raises(ReadFileError, match=r"empty_R1\.fastq\.gz: empty file: no reads"):
        check_fastq_pair(empty, pair[1])


def test_sequence_and_quality_lengths_differ(tmp_path, pair):
    text = _records(3, 1) + "@r3/1\nACGT\n+\nIII\n" + _records(10, 1).split("\n", 16)[-1]
    bad = _write(tmp_path / "bad_R1.fastq.gz", text)
    message = r"bad_R1\.fastq\.gz: record 4 \(line 13\): sequence has 4 bases but quality has 3"
    with pytest.raises(ReadFileError, match=message):
        check_fastq_pair(bad, pair[1])


def test_missing_plus_line(tmp_path, pair):
    text = _records(10, 1).replace("\n+\n", "\n-\n", 1)
    bad = _write(tmp_path / "noplus_R1.fastq.gz", text)
    with pytest.raises(ReadFileError, match="record 1 .line 1.: third line does not start"):
        check_fastq_pair(bad, pair[1])


def test_file_ending_inside_a_record(tmp_path, pair):
    text = _records(10, 1).rsplit("\n", 3)[0] + "\n"
    bad = _write(tmp_path / "partial_R1.fastq.gz", text)
    with pytest.raises(ReadFileError, match="file ends inside a record"):
        check_fastq_pair(bad, pair[1])


def test_too_few_pairs(pair):
    with pytest.raises(ReadFileError, match=r"10 read pairs, fewer than the minimum of 1,000"):
        check_fastq_pair(*pair, min_pairs=1000)


def test_real_reads_pass(shared_data):
    fastq = "derived_nf-core_chr22/fastq"
    report = check_fastq_pair(
        shared_data(f"{fastq}/NA12878_1.fastq.gz"), shared_data(f"{fastq}/NA12878_2.fastq.gz")
    )
    assert report.pairs == 4949


def test_a_samples_units_are_checked_in_parallel_and_every_broken_one_named(tmp_path, pair):
    short = _write(tmp_path / "b_R2.fastq.gz", _records(9, 2))
    units = {
        "L001": UnitReads(str(pair[0]), str(pair[1])),
        "L002": UnitReads(str(pair[0]), str(short), source="lane2.bam"),
        "L003": UnitReads(str(pair[0]), str(pair[1])),
    }
    for workers in (1, 2):
        figures, problems = check_sample("S1", units, min_pairs=5, workers=workers)
        assert list(figures) == ["L001", "L003"]
        assert figures["L001"] == {"read_pairs": 10, "r1_bases": 200, "r2_bases": 200}
        assert problems == [
            f"check_reads: sample S1, unit L002 (reads extracted from lane2.bam): {short}: "
            f"ends after 9 records, but {pair[0]} has more: R1 and R2 must hold the same reads "
            "in the same order"
        ]


def test_check_units_keeps_the_units_order(pair):
    units = {name: UnitReads(str(pair[0]), str(pair[1])) for name in ("L3", "L1", "L2")}
    results = check_units(units, workers=3)
    assert list(results) == ["L3", "L1", "L2"]
    assert all(isinstance(r, PairReport) and r.pairs == 10 for r in results.values())
