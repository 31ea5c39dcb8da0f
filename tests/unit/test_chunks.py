"""Calling chunks: balanced, contiguous, cut at gaps when one is near, never inside a target."""

from __future__ import annotations

from pathlib import Path

import pytest

from icope.core.chunks import (
    Chunk,
    ChunkError,
    Interval,
    build_chunks,
    chunk_ids,
    genome_intervals,
    padded,
    split_genome,
    split_targets,
    target_intervals,
    write_chunks,
)


def _fasta(tmp_path, contigs: dict[str, str], width: int = 60):
    fasta, fai = tmp_path / "genome.fa", tmp_path / "genome.fa.fai"
    offset, fasta_text, fai_rows = 0, "", []
    for name, seq in contigs.items():
        header = f">{name}\n"
        offset += len(header)
        lines = [seq[i : i + width] for i in range(0, len(seq), width)]
        body = "".join(line + "\n" for line in lines)
        fai_rows.append(f"{name}\t{len(seq)}\t{offset}\t{width}\t{width + 1}\n")
        fasta_text += header + body
        offset += len(body)
    fasta.write_text(fasta_text)
    fai.write_text("".join(fai_rows))
    return fasta, fai


def _covered(chunks: list[Chunk]) -> list[Interval]:
    return [i for c in chunks for i in c.intervals]


def test_gaps_are_found_across_line_breaks_and_excluded_contigs_dropped(tmp_path):
    seq = "A" * 100 + "N" * 150 + "C" * 50 + "n" * 20 + "G" * 30
    contigs = {"chr1": seq, "chrM": "A" * 80, "chr1_KI270706v1_random": "A" * 9}
    fasta, fai = _fasta(tmp_path, contigs)
    intervals = genome_intervals(fasta, fai, min_gap=100, exclude="(_random|^chrM$)")
    # the 150-N run is a gap; the 20-n run is shorter than min_gap and stays in
    assert intervals == [Interval("chr1", 0, 100), Interval("chr1", 250, 350)]


def test_everything_excluded_is_an_error_naming_the_setting(tmp_path):
    fasta, fai = _fasta(tmp_path, {"chrM": "A" * 80})
    with pytest.raises(ChunkError, match="exclude_contigs"):
        genome_intervals(fasta, fai, min_gap=10, exclude="^chrM$")


def test_gapless_genome_is_cut_in_sequence_into_balanced_contiguous_chunks():
    intervals = [Interval("chr1", 0, 1_000_000)]
    chunks = split_genome(intervals, 8, min_chunk_bp=1000)
    sizes = [c.length for c in chunks]
    assert len(chunks) == 8 and sum(sizes) == 1_000_000
    assert max(sizes) / (sum(sizes) / 8) <= 1.01
    covered = _covered(chunks)
    assert all(a.end == b.start for a, b in zip(covered, covered[1:], strict=False))
    assert chunks[0].cut_in_sequence == 1 and chunks[3].cut_in_sequence == 2


def test_cut_snaps_to_a_gap_near_the_balanced_point():
    # two stretches split by a gap at 48-52 kb: the 2-chunk cut (50 kb) moves to the gap
    intervals = [Interval("chr1", 0, 48_000), Interval("chr1", 52_000, 100_000)]
    chunks = split_genome(intervals, 2, min_chunk_bp=1000)
    assert [c.intervals for c in chunks] == [[intervals[0]], [intervals[1]]]
    assert [c.cut_in_sequence for c in chunks] == [0, 0]


def test_without_in_sequence_cuts_chunks_end_at_gaps_or_contig_ends():
    intervals = [Interval("chr1", 0, 70_000), Interval("chr2", 0, 30_000)]
    chunks = split_genome(intervals, 4, min_chunk_bp=1000, in_sequence=False)
    assert all(c.cut_in_sequence == 0 for c in chunks)
    assert _covered(chunks) == intervals


def test_small_genome_gets_fewer_chunks_than_slots():
    chunks = split_genome([Interval("chr22", 0, 40_001)], 48, min_chunk_bp=10_000)
    assert len(chunks) == 4
    assert sum(c.length for c in chunks) == 40_001


def test_many_small_contigs_share_chunks_in_reference_order():
    intervals = [Interval(f"c{i}", 0, 1000) for i in range(20)]
    chunks = split_genome(intervals, 4, min_chunk_bp=100)
    assert [len(c.intervals) for c in chunks] == [5, 5, 5, 5]
    assert _covered(chunks) == intervals


def test_targets_are_never_split_and_balanced_by_targeted_bases(tmp_path):
    _, fai = _fasta(tmp_path, {"chr1": "A" * 5000, "chr2": "C" * 5000})
    bed = tmp_path / "targets.bed"
    bed.write_text(
        "chr2\t100\t200\nchr1\t0\t100\nchr1\t50\t300\nchr1\t300\t400\nchr1\t1000\t1100\n"
        "chr2\t4000\t4300\n"
    )
    targets = target_intervals(bed, fai)
    # overlapping and touching targets merge; chr1 (first in the .fai) comes first
    assert targets[0] == Interval("chr1", 0, 400)
    chunks = split_targets(targets, 3)
    assert _covered(chunks) == targets
    assert len(chunks) == 3
    assert split_targets(targets, 10)[-1].intervals  # no more chunks than targets
    assert len(split_targets(targets, 10)) == len(targets)


def test_target_on_unknown_contig_names_file_and_line(tmp_path):
    _, fai = _fasta(tmp_path, {"chr1": "A" * 500})
    bed = tmp_path / "t.bed"
    bed.write_text("chr1\t0\t10\n1\t0\t10\n")
    with pytest.raises(ChunkError, match=r"t.bed: line 2: contig '1'"):
        target_intervals(bed, fai)


def test_padding_stays_inside_the_contig_and_merges():
    chunk = Chunk([Interval("chr1", 100, 200), Interval("chr1", 900, 1000)])
    assert padded(chunk, 50, {"chr1": 1020}) == [
        Interval("chr1", 50, 250),
        Interval("chr1", 850, 1020),
    ]
    assert padded(chunk, 500, {"chr1": 1020}) == [Interval("chr1", 0, 1020)]


def test_unused_slots_get_an_empty_core_and_a_one_base_padded_bed(tmp_path):
    fasta, fai = _fasta(tmp_path, {"chr22": "ACGT" * 5000})
    settings = {"min_gap_bp": 100, "min_chunk_bp": 8000, "padding_bp": 100}
    chunks, padding = build_chunks(fasta, fai, None, 4, settings)
    ids = chunk_ids(4)
    cores = [str(tmp_path / f"{i}.core.bed") for i in ids]
    wides = [str(tmp_path / f"{i}.padded.bed") for i in ids]
    write_chunks(
        chunks,
        cores,
        wides,
        tmp_path / "chunks.tsv",
        padding=padding,
        lengths={"chr22": 20000},
        first_contig="chr22",
    )
    assert ids == ["0001", "0002", "0003", "0004"]
    assert Path(cores[0]).read_text() == "chr22\t0\t10000\n"
    assert Path(wides[0]).read_text() == "chr22\t0\t10100\n"
    assert Path(cores[1]).read_text() == "chr22\t10000\t20000\n"
    assert Path(cores[3]).read_text() == "" and Path(wides[3]).read_text() == "chr22\t0\t1\n"
    table = (tmp_path / "chunks.tsv").read_text().splitlines()
    assert table[1].split("\t") == ["0001", "1", "10000", "chr22:1", "chr22:10000", "1"]
    assert table[4].split("\t")[:3] == ["0004", "0", "0"]


def test_a_panel_gets_no_chunk_below_the_minimum_targeted_bases():
    targets = [Interval("chr1", i * 10_000, i * 10_000 + 200) for i in range(100)]  # 20 kb
    assert len(split_targets(targets, 48, min_chunk_bp=1_000_000)) == 1
    assert len(split_targets(targets, 48, min_chunk_bp=5_000)) == 4
