"""Calling chunks: the genome (or a targets BED) cut into balanced regions for scatter/gather.

Two modes, as nf-core/sarek and bcbio do it:

* whole genome: the calling intervals are the contigs' stretches between assembly gaps (runs of
  N), on every contig not excluded (alternate haplotypes, decoys, chrM, ...). A chunk ends at
  a gap or a contig end when one lies near its balanced cut point; otherwise (GRCh38 has long
  gap-free arms) it is cut inside sequence, and the chunk is then called with padding on both
  sides and keeps only the records that start inside it, so that a record at or across the
  cut is reported exactly once and as in an unscattered run.
* targets (exome, panel): chunks hold whole targets, never part of one, and are called on
  exactly those targets.

Chunks are contiguous in reference order, so gathering them in chunk order gives a sorted file.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

#: A cut moves to a gap or contig end no further than this fraction of a chunk away.
GAP_SNAP_FRACTION = 0.1


class ChunkError(ValueError):
    """A reference or targets file that gives nothing to call."""


@dataclass(frozen=True)
class Interval:
    contig: str
    start: int  # 0-based, inclusive
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class Chunk:
    intervals: list[Interval] = field(default_factory=list)
    #: Cuts inside sequence at this chunk's ends (whole-genome mode).
    cut_in_sequence: int = 0

    @property
    def length(self) -> int:
        return sum(i.length for i in self.intervals)


def read_fai(path: str | Path) -> list[tuple[str, int, int, int, int]]:
    """(name, length, offset, bases per line, bytes per line) of every contig, in order."""
    rows = []
    with open(path) as handle:
        for line in handle:
            name, length, offset, bases, width = line.split("\t")[:5]
            rows.append((name, int(length), int(offset), int(bases), int(width)))
    return rows


def contig_gaps(fasta: str | Path, fai_row: tuple, min_gap: int) -> list[tuple[int, int]]:
    """Runs of N (or n) of at least ``min_gap`` bases in one contig, 0-based half-open."""
    name, length, offset, bases, width = fai_row
    n_lines = -(-length // bases) if length else 0
    with open(fasta, "rb") as handle:
        handle.seek(offset)
        raw = handle.read(length + n_lines * (width - bases))
    sequence = raw.replace(b"\n", b"").replace(b"\r", b"")[:length]
    pattern = re.compile(rb"[Nn]{%d,}" % min_gap)
    return [(m.start(), m.end()) for m in pattern.finditer(sequence)]


def genome_intervals(
    fasta: str | Path, fai: str | Path, min_gap: int, exclude: str = ""
) -> list[Interval]:
    """The stretches between gaps of every contig whose name ``exclude`` does not match."""
    skip = re.compile(exclude) if exclude else None
    intervals = []
    for row in read_fai(fai):
        name, length = row[0], row[1]
        if skip is not None and skip.search(name):
            continue
        start = 0
        for gap_start, gap_end in contig_gaps(fasta, row, min_gap):
            if gap_start > start:
                intervals.append(Interval(name, start, gap_start))
            start = gap_end
        if length > start:
            intervals.append(Interval(name, start, length))
    if not intervals:
        raise ChunkError(
            f"{fai}: no contig left to call after calling.exclude_contigs {exclude!r} "
            "(and gaps) are removed"
        )
    return intervals


def target_intervals(bed: str | Path, fai: str | Path) -> list[Interval]:
    """The targets, merged where they overlap or touch, in reference order."""
    order = {row[0]: i for i, row in enumerate(read_fai(fai))}
    raw = []
    with open(bed) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            if fields[0] not in order:
                raise ChunkError(
                    f"{bed}: line {number}: contig {fields[0]!r} is not in the reference"
                )
            raw.append(Interval(fields[0], int(fields[1]), int(fields[2])))
    raw.sort(key=lambda i: (order[i.contig], i.start, i.end))
    merged: list[Interval] = []
    for interval in raw:
        last = merged[-1] if merged else None
        if last and last.contig == interval.contig and interval.start <= last.end:
            merged[-1] = Interval(last.contig, last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    if not merged:
        raise ChunkError(f"{bed}: no target to call")
    return merged


def _snap(offset: int, ideal: float, length: int, tolerance: float) -> int | None:
    """Where in an interval starting at cumulative ``offset`` to cut for ``ideal``: 0 (its
    start) or ``length`` (its end) when that is within ``tolerance``, else None."""
    if ideal - offset <= tolerance:
        return 0
    if offset + length - ideal <= tolerance:
        return length
    return None


def split_genome(
    intervals: list[Interval], n: int, min_chunk_bp: int, in_sequence: bool = True
) -> list[Chunk]:
    """Cut whole-genome intervals into at most ``n`` chunks of about equal length."""
    total = sum(i.length for i in intervals)
    count = max(1, min(n, total // max(min_chunk_bp, 1)))
    size = total / count
    chunks, current, offset = [], Chunk(), 0
    queue = deque(intervals)
    while queue:
        interval = queue.popleft()
        ideal = size * (len(chunks) + 1)
        if len(chunks) == count - 1 or offset + interval.length <= ideal:
            current.intervals.append(interval)
            offset += interval.length
            continue
        cut = _snap(offset, ideal, interval.length, GAP_SNAP_FRACTION * size)
        if cut is None:
            cut = round(ideal - offset) if in_sequence else interval.length
        if cut == 0 and not current.intervals:
            cut = interval.length
        if cut > 0:
            current.intervals.append(
                Interval(interval.contig, interval.start, interval.start + cut)
            )
            offset += cut
        if cut < interval.length:
            queue.appendleft(Interval(interval.contig, interval.start + cut, interval.end))
        inside = int(0 < cut < interval.length)
        current.cut_in_sequence += inside
        chunks.append(current)
        current = Chunk(cut_in_sequence=inside)
    chunks.append(current)
    return [c for c in chunks if c.intervals]


def split_targets(targets: list[Interval], n: int, min_chunk_bp: int = 1) -> list[Chunk]:
    """Group whole targets into at most ``n`` chunks of about equal targeted length, none
    holding fewer than ``min_chunk_bp`` targeted bases (a panel gets few chunks)."""
    total = sum(t.length for t in targets)
    count = max(1, min(n, len(targets), total // max(min_chunk_bp, 1)))
    size = total / count
    chunks, current, offset = [], Chunk(), 0
    for target in targets:
        ideal = size * (len(chunks) + 1)
        past_cut = offset + target.length / 2 > ideal
        if current.intervals and past_cut and len(chunks) < count - 1:
            chunks.append(current)
            current = Chunk()
        current.intervals.append(target)
        offset += target.length
    chunks.append(current)
    return chunks


def padded(chunk: Chunk, padding: int, lengths: dict[str, int]) -> list[Interval]:
    """The chunk's intervals widened by ``padding`` on both sides (within the contig), merged."""
    out: list[Interval] = []
    for i in chunk.intervals:
        wide = Interval(
            i.contig, max(0, i.start - padding), min(lengths[i.contig], i.end + padding)
        )
        if out and out[-1].contig == wide.contig and wide.start <= out[-1].end:
            out[-1] = Interval(wide.contig, out[-1].start, max(out[-1].end, wide.end))
        else:
            out.append(wide)
    return out


def write_bed(path: str | Path, intervals: list[Interval]) -> None:
    with open(path, "w") as handle:
        for i in intervals:
            handle.write(f"{i.contig}\t{i.start}\t{i.end}\n")


def write_chunks(
    chunks: list[Chunk],
    core_paths: list[str],
    padded_paths: list[str],
    table: str | Path,
    *,
    padding: int,
    lengths: dict[str, int],
    first_contig: str,
) -> None:
    """One core and one padded BED per chunk slot, and a table of them. Slots beyond the
    chunks made get an empty core BED (nothing to call) and a 1-bp padded BED, so that the
    caller still writes a header of the same form as every other chunk."""
    with open(table, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["chunk", "intervals", "bp", "first", "last", "cuts_in_sequence"])
        for slot, (core, wide) in enumerate(zip(core_paths, padded_paths, strict=True)):
            chunk = chunks[slot] if slot < len(chunks) else Chunk()
            write_bed(core, chunk.intervals)
            if not chunk.intervals:
                write_bed(wide, [Interval(first_contig, 0, 1)])
                writer.writerow([Path(core).name.split(".")[0], 0, 0, "", "", 0])
                continue
            write_bed(wide, padded(chunk, padding, lengths) if padding else chunk.intervals)
            first, last = chunk.intervals[0], chunk.intervals[-1]
            writer.writerow(
                [
                    Path(core).name.split(".")[0],
                    len(chunk.intervals),
                    chunk.length,
                    f"{first.contig}:{first.start + 1}",
                    f"{last.contig}:{last.end}",
                    chunk.cut_in_sequence,
                ]
            )


def build_chunks(
    fasta: str | Path,
    fai: str | Path,
    targets: str | Path | None,
    n: int,
    settings: dict,
) -> tuple[list[Chunk], int]:
    """The chunks of a reference (or of its targets) and the padding they are called with."""
    if targets:
        return split_targets(target_intervals(targets, fai), n, settings["min_chunk_bp"]), 0
    intervals = genome_intervals(
        fasta, fai, settings["min_gap_bp"], settings.get("exclude_contigs", "")
    )
    chunks = split_genome(
        intervals, n, settings["min_chunk_bp"], settings.get("split_in_sequence", True)
    )
    return chunks, settings["padding_bp"]


def chunk_ids(n: int) -> list[str]:
    """Chunk slot names in gather order: 0001, 0002, ..."""
    return [f"{i:04d}" for i in range(1, n + 1)]
