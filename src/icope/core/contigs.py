"""Contig names of every input checked against the reference before any job runs.

A known-sites VCF written with ``22`` against a ``chr22`` reference annotates nothing, silently:
no dbSNP IDs, no population frequency, so a common benign variant becomes a VUS and the somatic
PopulationAF filter disappears. :func:`check_contigs` compares the contigs of the annotation,
known sites, targets and input alignments with the reference's and raises
:class:`ContigError` naming each file that shares no contig with it, with the chr-prefix remedy
when that is the cause.

Reading contig names is cheap for indexed files (``.fai``, tabix/CSI index, BAM/CRAM header);
an annotation or an unindexed FASTA is scanned once and the result cached by path, size and
modification time, so a rerun of the workflow does not pay again.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from pathlib import Path

import pysam

from icope.core.filecache import FileCache


class ContigError(ValueError):
    """An input's contig names do not match the reference."""


def _open_text(path: Path):
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt") if gzipped else path.open()


def fasta_contigs(path: str | Path) -> list[str]:
    """Sequence names of a FASTA: from its ``.fai`` when present, else from its headers."""
    path = Path(path)
    fai = Path(f"{path}.fai")
    if fai.is_file():
        return [line.split("\t", 1)[0] for line in fai.read_text().splitlines() if line]
    with _open_text(path) as handle:
        return [line[1:].split()[0] for line in handle if line.startswith(">") and line[1:].strip()]


def _first_column(path: Path, comment: str = "#") -> list[str]:
    seen: dict[str, None] = {}
    with _open_text(path) as handle:
        for line in handle:
            if line.startswith((comment, "track", "browser")) or not line.strip():
                continue
            seen.setdefault(line.split("\t", 1)[0], None)
    return list(seen)


def annotation_contigs(path: str | Path) -> list[str]:
    """Sequence names used by a GTF/GFF3 (first column)."""
    return _first_column(Path(path))


def bed_contigs(path: str | Path) -> list[str]:
    return _first_column(Path(path))


def vcf_contigs(path: str | Path) -> list[str]:
    """Contigs with records (from the tabix/CSI index), else those declared in the header."""
    path = str(path)
    for index in (f"{path}.tbi", f"{path}.csi"):
        if Path(index).is_file():
            with pysam.TabixFile(path, index=index) as tabix:
                return list(tabix.contigs)
    with pysam.VariantFile(path) as vcf:
        declared = list(vcf.header.contigs)
        if declared:
            return declared
        return list(dict.fromkeys(record.chrom for record in vcf))


def alignment_contigs(path: str | Path) -> list[str]:
    """Reference sequences of a BAM/CRAM header (a CRAM header needs no reference)."""
    with pysam.AlignmentFile(str(path), "r", check_sq=False) as aln:
        return list(aln.references)


def _toggle_chr(name: str) -> str:
    return name[3:] if name.startswith("chr") else f"chr{name}"


def compare(reference: Iterable[str], other: Iterable[str], label: str) -> str | None:
    """One problem line if ``other`` shares no contig with the reference, else None.

    Partial overlap is normal (a genome-wide gnomAD VCF against a one-chromosome reference);
    no overlap at all means the file annotates or restricts nothing.
    """
    reference, other = set(reference), list(other)
    if not other or reference.intersection(other):
        return None
    shown = ", ".join(sorted(other)[:5]) + (" ..." if len(other) > 5 else "")
    ref_shown = ", ".join(sorted(reference)[:5]) + (" ..." if len(reference) > 5 else "")
    message = f"{label}: none of its contigs ({shown}) is in the reference ({ref_shown})"
    if reference.intersection(_toggle_chr(c) for c in other):
        with_chr = any(c.startswith("chr") for c in other)
        remedy = (
            "remove the 'chr' prefix (bcftools annotate --rename-chrs with a 'chr22 22' map)"
            if with_chr
            else "add the 'chr' prefix (bcftools annotate --rename-chrs with a '22 chr22' map)"
        )
        message += f"; the names differ by the 'chr' prefix: {remedy}, or use a reference "
        message += "with the same naming"
    return message


def check_contigs(
    fasta: str | Path,
    *,
    annotation: str | Path | None = None,
    known_sites: dict[str, str | Path] | None = None,
    targets: str | Path | None = None,
    alignments: dict[str, str | Path] | None = None,
    cache: FileCache | None = None,
) -> list[str]:
    """Check every input against the reference's contigs; returns them, or raises
    :class:`ContigError` listing every file that does not match."""
    cache = cache or FileCache()
    reference = cache.get(fasta, "contigs", fasta_contigs)
    inputs: list[tuple[str, str | Path, Callable]] = []
    if annotation:
        inputs.append((f"reference.annotation {annotation}", annotation, annotation_contigs))
    for name, path in (known_sites or {}).items():
        inputs.append((f"reference.known_sites.{name} {path}", path, vcf_contigs))
    if targets:
        inputs.append((f"reference.targets {targets}", targets, bed_contigs))
    for label, path in (alignments or {}).items():
        inputs.append((f"{label} {path}", path, alignment_contigs))
    problems = [
        problem
        for label, path, reader in inputs
        if (
            problem := compare(
                reference, cache.get(path, f"contigs:{reader.__name__}", reader), label
            )
        )
    ]
    cache.save()
    if problems:
        raise ContigError("\n".join(problems))
    return reference
