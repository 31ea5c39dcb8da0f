"""A small RNA-seq read simulator for tests: paired reads from annotated transcripts (and
fusion transcripts joined from two of them at exon boundaries), a chosen library strandedness
and per-site allele fractions. Reads are error-free and uniformly placed; fragment lengths are
uniform in ``fragment`` (bounded by the transcript)."""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field

import pysam

from icope.core.annotation import AnnotationModel

_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


@dataclass
class Molecule:
    """A transcript sequence in RNA orientation with its genome position per base."""

    name: str
    sequence: str
    positions: list[int] = field(default_factory=list)


def transcript_molecule(
    model: AnnotationModel, fasta: pysam.FastaFile, tx_id: str, exons: slice = slice(None)
) -> Molecule:
    """The transcript's exons (in transcription order, ``exons`` selecting some) spliced."""
    tx = model.transcripts[tx_id]
    ordered = sorted(tx.exons, reverse=tx.strand == "-")[exons]
    seq, pos = [], []
    for start, end in ordered:
        part = fasta.fetch(tx.chrom, start - 1, end).upper()
        coords = list(range(start, end + 1))
        if tx.strand == "-":
            part, coords = revcomp(part), coords[::-1]
        seq.append(part)
        pos += coords
    return Molecule(tx_id, "".join(seq), pos)


def fuse(five: Molecule, three: Molecule) -> Molecule:
    return Molecule(
        f"{five.name}--{three.name}",
        five.sequence + three.sequence,
        five.positions + three.positions,
    )


def _with_alleles(mol: Molecule, alleles: dict[int, tuple[str, float]], rng, strand: str):
    """The molecule with each site's alt base (genome strand) at its fraction."""
    seq = list(mol.sequence)
    for i, p in enumerate(mol.positions):
        if p in alleles and rng.random() < alleles[p][1]:
            base = alleles[p][0]
            seq[i] = revcomp(base) if strand == "-" else base
    return "".join(seq)


def simulate_pairs(
    molecules: list[tuple[Molecule, str, int]],
    out1: str,
    out2: str,
    *,
    library: str = "reverse",
    read_length: int = 100,
    fragment: tuple[int, int] = (200, 300),
    alleles: dict[int, tuple[str, float]] | None = None,
    seed: int = 1,
) -> int:
    """Write gzipped FASTQ pairs: ``molecules`` are (molecule, genome strand, pairs).

    ``library``: ``reverse`` (dUTP: read 1 antisense, salmon ISR), ``forward`` (read 1 sense,
    ISF) or ``unstranded`` (either, at random). ``alleles``: genome position -> (alt base on
    the + strand, fraction of molecules carrying it).
    """
    rng = random.Random(seed)
    n = 0
    with gzip.open(out1, "wt") as f1, gzip.open(out2, "wt") as f2:
        for mol, strand, pairs in molecules:
            for _ in range(pairs):
                seq = _with_alleles(mol, alleles or {}, rng, strand)
                size = min(len(seq), rng.randint(*fragment))
                start = rng.randint(0, len(seq) - size)
                frag = seq[start : start + size]
                sense, antisense = frag[:read_length], revcomp(frag)[:read_length]
                first_sense = {"forward": True, "reverse": False}.get(library)
                if first_sense is None:
                    first_sense = rng.random() < 0.5
                r1, r2 = (sense, antisense) if first_sense else (antisense, sense)
                n += 1
                name = f"sim{n}"
                f1.write(f"@{name}/1\n{r1}\n+\n{'I' * len(r1)}\n")
                f2.write(f"@{name}/2\n{r2}\n+\n{'I' * len(r2)}\n")
    return n
