"""Gene fusions from STAR's chimeric junctions (``Chimeric.out.junction``).

STAR writes one line per chimeric read pair: the donor (5') side's contig, first intronic base
and strand, the acceptor (3') side's, and a junction type (-1: the pair spans the junction
between its mates, no exact breakpoint; >= 0: a read crosses the junction). The donor side is
on the RNA's 5' end for read 1's orientation; in an unstranded library half the pairs describe
the reverse complement, so a junction whose sides lie on no annotated gene of their strand is
read flipped (donor <-> acceptor, strands swapped).

Filter (documented in config/README.md, ``rna.fusion_*``): a fusion is two different genes,
the 5' gene on the donor's strand and the 3' gene on the acceptor's, joined by at least
``min_split_reads`` junction-crossing reads at one breakpoint pair plus, counting the pairs
that span it, at least ``min_support`` fragments; genes that overlap each other (antisense
or nested pairs, which are alignment artefacts more often than fusions) are not reported.
Breakpoints are reported as the last base of the 5' partner and the first base of the 3'
partner, with whether each lies on an annotated exon boundary, and the reading frame across
the junction when both partners are coding there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from icope.core.annotation import AnnotationModel, Transcript, coding_segments

FUSION_COLUMNS = [
    "sample",
    "fusion",
    "gene5",
    "gene3",
    "gene5_id",
    "gene3_id",
    "breakpoint5",
    "breakpoint3",
    "strand5",
    "strand3",
    "split_reads",
    "spanning_pairs",
    "exon_boundary5",
    "exon_boundary3",
    "transcript5",
    "transcript3",
    "reading_frame",
    "known",
    "known_source",
]


@dataclass(frozen=True)
class Side:
    chrom: str
    pos: int  # STAR: the first intronic base next to the junction
    strand: str


def _flip(strand: str) -> str:
    return "-" if strand == "+" else "+"


class GeneIndex:
    """Annotated genes and transcripts by contig, for breakpoint lookups."""

    def __init__(self, model: AnnotationModel):
        self.genes = defaultdict(list)
        for gene in model.genes.values():
            self.genes[gene.chrom].append(gene)
        self.transcripts = defaultdict(list)
        for tx in model.transcripts.values():
            self.transcripts[tx.gene_id].append(tx)

    def at(self, side: Side, five_prime: bool) -> list:
        """Genes on the side's strand holding its exonic base (see _exonic_end)."""
        pos = _exonic_end(side, five_prime)
        return [
            g
            for g in self.genes.get(side.chrom, [])
            if g.start <= pos <= g.end and g.strand == side.strand
        ]


def read_junctions(path: str) -> list[tuple[Side, Side, int]]:
    """(donor, acceptor, junction type) of each line of Chimeric.out.junction."""
    junctions = []
    for line in Path(path).read_text().splitlines():
        cols = line.split("\t")
        if not line or line.startswith("#") or cols[0] == "chr_donorA" or len(cols) < 14:
            continue
        donor = Side(cols[0], int(cols[1]), cols[2])
        acceptor = Side(cols[3], int(cols[4]), cols[5])
        junctions.append((donor, acceptor, int(cols[6])))
    return junctions


def _exonic_end(side: Side, five_prime: bool) -> int:
    """The exonic base next to STAR's first intronic base: the 5' partner's last base and the
    3' partner's first."""
    step = -1 if (side.strand == "+") == five_prime else 1
    return side.pos + step


def _boundary_transcripts(txs: list[Transcript], pos: int, five_prime: bool) -> list[Transcript]:
    """Transcripts with an exon ending (5' partner) or starting (3' partner) at pos, in
    transcript orientation."""
    hits = []
    for tx in txs:
        for start, end in tx.exons:
            last, first = (end, start) if tx.strand == "+" else (start, end)
            if (five_prime and pos == last) or (not five_prime and pos == first):
                hits.append(tx)
    return hits


def _coding_offset(tx: Transcript, pos: int, include: bool) -> int | None:
    """Coding bases from the CDS start to pos (inclusive or not), None outside the CDS."""
    segments = coding_segments(tx)
    if not segments or not (segments[0][0] <= pos <= segments[-1][1]):
        return None
    done = 0
    ordered = segments if tx.strand == "+" else list(reversed(segments))
    for start, end, _ in ordered:
        if start <= pos <= end:
            inside = (pos - start) if tx.strand == "+" else (end - pos)
            return done + inside + (1 if include else 0)
        done += end - start + 1
    return None


def reading_frame(tx5: Transcript | None, pos5: int, tx3: Transcript | None, pos3: int) -> str:
    """in-frame / frameshift across the junction, or why it cannot be judged."""
    if tx5 is None or tx3 is None:
        return "not assessable (breakpoint not on an exon boundary)"
    if not tx5.cds or not tx3.cds:
        return "not assessable (non-coding partner)"
    n5 = _coding_offset(tx5, pos5, include=True)
    n3 = _coding_offset(tx3, pos3, include=False)
    if n5 is None or n3 is None:
        return "not assessable (breakpoint outside the coding sequence)"
    return "in-frame" if n5 % 3 == n3 % 3 else "frameshift"


def load_known(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", comment="#", dtype=str).fillna("")


def known_match(known: pd.DataFrame, gene5: str, gene3: str) -> tuple[str, str]:
    """('yes' | 'partner' | 'no', source): an exact pair, or a row whose other gene is '*'."""
    exact = known[(known["gene5"] == gene5) & (known["gene3"] == gene3)]
    if len(exact):
        return "yes", exact.iloc[0]["source"]
    family = known[
        ((known["gene5"] == gene5) & (known["gene3"] == "*"))
        | ((known["gene5"] == "*") & (known["gene3"] == gene3))
    ]
    if len(family):
        return "partner", family.iloc[0]["source"]
    return "no", ""


def _orient(index: GeneIndex, donor: Side, acceptor: Side):
    """(donor, acceptor, genes5, genes3) as read, or flipped when only that hits genes."""
    genes5, genes3 = index.at(donor, True), index.at(acceptor, False)
    if genes5 and genes3:
        return donor, acceptor, genes5, genes3
    fd = Side(acceptor.chrom, acceptor.pos, _flip(acceptor.strand))
    fa = Side(donor.chrom, donor.pos, _flip(donor.strand))
    return fd, fa, index.at(fd, True), index.at(fa, False)


def _overlap(a, b) -> bool:
    return a.chrom == b.chrom and a.start <= b.end and b.start <= a.end


def call_fusions(
    junction_file: str,
    model: AnnotationModel,
    known: pd.DataFrame,
    sample: str,
    min_split_reads: int,
    min_support: int,
) -> pd.DataFrame:
    """The sample's fusions (FUSION_COLUMNS), most supported first."""
    index = GeneIndex(model)
    split = defaultdict(int)
    spanning = defaultdict(int)
    for donor, acceptor, jtype in read_junctions(junction_file):
        d, a, genes5, genes3 = _orient(index, donor, acceptor)
        pairs = {
            (g5.gene_id, g3.gene_id)
            for g5 in genes5
            for g3 in genes3
            if g5.gene_id != g3.gene_id and not _overlap(g5, g3)
        }
        for pair in pairs:
            if jtype >= 0:
                split[(pair, d, a)] += 1
            else:
                spanning[pair] += 1
    rows = []
    for (pair, d, a), reads in split.items():
        g5, g3 = model.genes[pair[0]], model.genes[pair[1]]
        if reads < min_split_reads or reads + spanning[pair] < min_support:
            continue
        pos5, pos3 = _exonic_end(d, True), _exonic_end(a, False)
        tx5 = _boundary_transcripts(index.transcripts[g5.gene_id], pos5, True)
        tx3 = _boundary_transcripts(index.transcripts[g3.gene_id], pos3, False)
        t5, t3 = (tx5[0] if tx5 else None), (tx3[0] if tx3 else None)
        flag, source = known_match(known, g5.name, g3.name)
        rows.append(
            {
                "sample": sample,
                "fusion": f"{g5.name}::{g3.name}",
                "gene5": g5.name,
                "gene3": g3.name,
                "gene5_id": g5.gene_id,
                "gene3_id": g3.gene_id,
                "breakpoint5": f"{d.chrom}:{pos5}",
                "breakpoint3": f"{a.chrom}:{pos3}",
                "strand5": d.strand,
                "strand3": a.strand,
                "split_reads": reads,
                "spanning_pairs": spanning[pair],
                "exon_boundary5": bool(tx5),
                "exon_boundary3": bool(tx3),
                "transcript5": ",".join(sorted(t.transcript_id for t in tx5)),
                "transcript3": ",".join(sorted(t.transcript_id for t in tx3)),
                "reading_frame": reading_frame(t5, pos5, t3, pos3),
                "known": flag,
                "known_source": source,
            }
        )
    table = pd.DataFrame(rows, columns=FUSION_COLUMNS)
    if len(table):
        table["_support"] = table["split_reads"] + table["spanning_pairs"]
        table = table.sort_values(["_support", "fusion"], ascending=[False, True])
        table = table.drop(columns="_support")
    return table
