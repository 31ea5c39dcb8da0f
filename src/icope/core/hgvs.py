"""HGVS c./n. and p. names and the consequence of small variants on the preferred transcript.

Computed from the reference FASTA and the transcript structure of
:mod:`icope.core.transcripts` (one preferred transcript per gene), so every table, the report
and the cohort name a variant the same way: ``ENST00000269305.9:c.524G>A`` / ``p.Arg175His``.

Conventions (those of ClinVar's variant names, which are HGVS):

* deletions, duplications and insertions are shifted 3' on the transcript (for a minus-strand
  gene towards lower genomic positions); an insertion that repeats the bases 5' of it is a
  ``dup``; other changes of several bases are ``delins``; deleted bases are not listed;
* intronic positions count from the nearer exon (``c.375+1``, ``c.376-2``; the middle of an
  odd intron takes ``+``), 5' UTR ``c.-29``, 3' UTR ``c.*12``; non-coding transcripts ``n.``;
* protein names use three-letter amino acids without parentheses: missense ``p.Arg175His``,
  synonymous ``p.Arg175=``, nonsense ``p.Arg196Ter``, frameshift ``p.Pro72fs`` (ClinVar's
  short form), in-frame ``p.Lys10del`` / ``p.Lys10_Gly12del`` / ``p.Lys10dup`` /
  ``p.Lys10_Gly11insArg`` / ``p.Cys28delinsTrpVal``, start loss ``p.Met1?``, stop loss
  ``p.Ter394GlnextTer17`` (``extTer?`` without a new stop in the transcript);
* ``p.?`` where the protein effect is not predicted from the sequence: intronic and splice
  site changes, UTRs, changes across an exon/intron border; non-coding transcripts have no p.

Consequence terms are bcftools csq's (``missense``, ``splice_donor``, ``intron``,
``5_prime_utr`` ...), joined with ``&`` when several apply, most severe first.

Examples
--------
>>> annotator = load_annotator("results/reference/transcripts.tsv", "genome.fa")  # doctest: +SKIP
>>> annotator.annotate("chr17", 15310, "C", "T").hgvs_c                        # doctest: +SKIP
'ENST00000269305.9:c.524G>A'
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pysam

from icope.core.transcripts import TranscriptModel, load_preferred

AA3 = {
    "A": "Ala",
    "R": "Arg",
    "N": "Asn",
    "D": "Asp",
    "C": "Cys",
    "Q": "Gln",
    "E": "Glu",
    "G": "Gly",
    "H": "His",
    "I": "Ile",
    "L": "Leu",
    "K": "Lys",
    "M": "Met",
    "F": "Phe",
    "P": "Pro",
    "S": "Ser",
    "T": "Thr",
    "W": "Trp",
    "Y": "Tyr",
    "V": "Val",
    "*": "Ter",
    "X": "Xaa",
}
_BASES = "TCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODON_TABLE = {
    a + b + c: _AMINO[16 * i + 4 * j + k]
    for i, a in enumerate(_BASES)
    for j, b in enumerate(_BASES)
    for k, c in enumerate(_BASES)
}
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")
#: Consequence terms, most severe first (bcftools csq's vocabulary).
SEVERITY = [
    "stop_gained",
    "frameshift",
    "splice_acceptor",
    "splice_donor",
    "stop_lost",
    "start_lost",
    "inframe_altering",
    "inframe_insertion",
    "inframe_deletion",
    "missense",
    "splice_region",
    "start_retained",
    "stop_retained",
    "synonymous",
    "coding_sequence",
    "5_prime_utr",
    "3_prime_utr",
    "non_coding",
    "intron",
]
#: Intronic bases next to an exon that make a splice region (1-2: the splice site itself).
SPLICE_REGION_INTRON = 8
#: Exonic bases next to an exon/intron junction that make a splice region.
SPLICE_REGION_EXON = 3
#: Changes at least this long have their consequence read at their ends and the exon borders
#: inside them only (a deletion of many kilobases is not walked base by base).
LONG_CHANGE = 200


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def translate(seq: str, to_stop: bool = False) -> str:
    """One-letter protein of ``seq`` (whole codons); ``to_stop`` ends after the first stop."""
    protein = []
    for i in range(0, len(seq) - 2, 3):
        aa = CODON_TABLE.get(seq[i : i + 3].upper(), "X")
        protein.append(aa)
        if to_stop and aa == "*":
            break
    return "".join(protein)


def _aa(seq: str) -> str:
    return "".join(AA3[a] for a in seq)


@dataclass(frozen=True)
class Annotation:
    """A variant on one transcript; ``hgvs_c`` carries the versioned transcript id."""

    gene: str
    gene_id: str
    transcript: str
    biotype: str
    consequence: str
    hgvs_c: str
    hgvs_p: str

    @property
    def rank(self) -> int:
        return min(SEVERITY.index(t) for t in self.consequence.split("&"))


class Reference:
    """Bases of a FASTA by 1-based inclusive coordinates, cached per contig window."""

    def __init__(self, fasta: str | Path):
        self._fasta = pysam.FastaFile(str(fasta))

    def bases(self, chrom: str, start: int, end: int) -> str:
        """``start..end`` (1-based, inclusive); positions off the contig read as ``N``."""
        if end < start:
            return ""
        length = self._fasta.get_reference_length(chrom)
        lo, hi = max(start, 1), min(end, length)
        seq = self._fasta.fetch(chrom, lo - 1, hi).upper() if hi >= lo else ""
        return "N" * (lo - start) + seq + "N" * (end - hi)

    def close(self) -> None:
        self._fasta.close()


# ------------------------------------------------------------------------ positions on a transcript


@dataclass
class _Layout:
    """Exons in transcript order with their transcript coordinates."""

    tx: TranscriptModel

    @cached_property
    def exons(self) -> list[tuple[int, int, int]]:
        """``(genomic start, genomic end, transcript position of its 5'-most base)``."""
        ordered = self.tx.exons if self.tx.strand == "+" else tuple(reversed(self.tx.exons))
        result, offset = [], 1
        for start, end in ordered:
            result.append((start, end, offset))
            offset += end - start + 1
        return result

    @property
    def length(self) -> int:
        start, end, offset = self.exons[-1]
        return offset + end - start

    def exon_index(self, g: int) -> int | None:
        for i, (start, end, _) in enumerate(self.exons):
            if start <= g <= end:
                return i
        return None

    def tx_pos(self, g: int) -> int | None:
        """Transcript position (1-based) of an exonic genomic position, else None."""
        i = self.exon_index(g)
        if i is None:
            return None
        start, end, offset = self.exons[i]
        return offset + (g - start if self.tx.strand == "+" else end - g)

    @cached_property
    def cds_tx(self) -> tuple[int, int] | None:
        if not self.tx.coding:
            return None
        five, three = (
            (self.tx.cds_start, self.tx.cds_end)
            if self.tx.strand == "+"
            else (self.tx.cds_end, self.tx.cds_start)
        )
        return self.tx_pos(five), self.tx_pos(three)

    def label(self, t: int) -> str:
        """c. (coding) or n. position of transcript position ``t`` (may lie outside)."""
        if self.cds_tx is None:
            if t < 1:
                return f"-{1 - t}"
            return f"*{t - self.length}" if t > self.length else str(t)
        cds_start, cds_end = self.cds_tx
        if t < cds_start:
            return f"-{cds_start - t}"
        if t > cds_end:
            return f"*{t - cds_end}"
        return str(t - cds_start + 1)

    def _toward_3prime(self, g: int, other: int) -> int:
        """Distance from ``other`` to ``g`` counted along the transcript (positive = 3')."""
        return g - other if self.tx.strand == "+" else other - g

    def locate(self, g: int) -> tuple[str, int, int]:
        """``(kind, anchor transcript position, offset)``: kind is exon, intron, upstream
        or downstream; offset is the signed intronic distance (+ after the exon)."""
        t = self.tx_pos(g)
        if t is not None:
            return "exon", t, 0
        first_start, first_end, _ = self.exons[0]
        five_end = first_start if self.tx.strand == "+" else first_end
        if self._toward_3prime(g, five_end) < 0:
            return "upstream", 1 + self._toward_3prime(g, five_end), 0
        last_start, last_end, _ = self.exons[-1]
        three_end = last_end if self.tx.strand == "+" else last_start
        if self._toward_3prime(g, three_end) > 0:
            return "downstream", self.length + self._toward_3prime(g, three_end), 0
        for (s1, e1, o1), (s2, e2, o2) in zip(self.exons, self.exons[1:], strict=False):
            up_end = e1 if self.tx.strand == "+" else s1
            down_start = s2 if self.tx.strand == "+" else e2
            after_up = self._toward_3prime(g, up_end)
            before_down = -self._toward_3prime(g, down_start)
            if after_up > 0 and before_down > 0:
                if after_up <= before_down:
                    return "intron", o1 + (e1 - s1), after_up
                return "intron", o2, -before_down
        raise ValueError(f"{g} not placed on {self.tx.transcript}")

    def position(self, g: int) -> str:
        kind, t, offset = self.locate(g)
        if kind == "intron":
            return f"{self.label(t)}{offset:+d}"
        return self.label(t)


# ------------------------------------------------------------------------ the variant itself


@dataclass(frozen=True)
class _Change:
    """A minimal change on the plus strand: bases ``start..end`` replaced by ``alt``; an
    insertion has ``end == start - 1`` (between ``end`` and ``start``)."""

    start: int
    end: int
    ref: str
    alt: str

    @property
    def kind(self) -> str:
        if self.ref and self.alt:
            return "snv" if len(self.ref) == len(self.alt) == 1 else "delins"
        return "del" if self.ref else "ins"


def _trim(pos: int, ref: str, alt: str) -> _Change:
    ref, alt = ref.upper(), alt.upper()
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return _Change(pos, pos + len(ref) - 1, ref, alt)


def _shift(change: _Change, chrom: str, ref: Reference, strand: str) -> _Change:
    """Move a deletion or insertion as far 3' (on the transcript's strand) as it goes."""
    if change.kind not in ("del", "ins"):
        return change
    seq = change.ref or change.alt
    start, end = change.start, change.end
    step = 1 if strand == "+" else -1
    while True:
        nxt = (
            ref.bases(chrom, end + 1, end + 1)
            if step == 1
            else ref.bases(chrom, start - 1, start - 1)
        )
        head = seq[0] if step == 1 else seq[-1]
        if nxt != head or nxt == "N":
            break
        seq = seq[1:] + nxt if step == 1 else nxt + seq[:-1]
        start, end = start + step, end + step
    if change.kind == "del":
        return _Change(start, end, seq, "")
    return _Change(start, end, "", seq)


# ------------------------------------------------------------------------ c./n. and p.


@dataclass
class _OnTranscript:
    tx: TranscriptModel
    ref: Reference

    @cached_property
    def layout(self) -> _Layout:
        return _Layout(self.tx)

    @cached_property
    def sequence(self) -> str:
        """The spliced transcript, 5' to 3'."""
        parts = [self.ref.bases(self.tx.chrom, s, e) for s, e, _ in self.layout.exons]
        return "".join(parts if self.tx.strand == "+" else [revcomp(p) for p in parts])

    def oriented(self, seq: str) -> str:
        return seq if self.tx.strand == "+" else revcomp(seq)

    def five_three(self, start: int, end: int) -> tuple[int, int]:
        return (start, end) if self.tx.strand == "+" else (end, start)

    def dna(self, change: _Change) -> tuple[str, _Change]:
        """The c./n. description and the change (shifted 3') it describes."""
        change = _shift(change, self.tx.chrom, self.ref, self.tx.strand)
        pos = self.layout.position
        if change.kind == "snv":
            text = f"{pos(change.start)}{self.oriented(change.ref)}>{self.oriented(change.alt)}"
        elif change.kind == "del":
            text = _range(pos, *self.five_three(change.start, change.end)) + "del"
        elif change.kind == "delins":
            text = (
                _range(pos, *self.five_three(change.start, change.end))
                + f"delins{self.oriented(change.alt)}"
            )
        else:
            text = self._insertion(change)
        prefix = "c." if self.tx.coding else "n."
        return prefix + text, change

    def _insertion(self, change: _Change) -> str:
        n = len(change.alt)
        pos = self.layout.position
        if self.tx.strand == "+":
            before = (change.end - n + 1, change.end)
        else:
            before = (change.start, change.start + n - 1)
        if self.ref.bases(self.tx.chrom, *before) == change.alt:
            return _range(pos, *self.five_three(*before)) + "dup"
        a, b = self.five_three(change.end, change.start)
        return f"{pos(a)}_{pos(b)}ins{self.oriented(change.alt)}"

    # ------------------------------------------------------------------ consequence

    def _site_terms(self, g: int) -> set[str]:
        kind, t, offset = self.layout.locate(g)
        if kind == "intron":
            side = "splice_donor" if offset > 0 else "splice_acceptor"
            if abs(offset) <= 2:
                return {side}
            return {"splice_region"} if abs(offset) <= SPLICE_REGION_INTRON else {"intron"}
        if kind != "exon":
            return set()
        terms = set()
        if self._near_junction(t):
            terms.add("splice_region")
        if self.layout.cds_tx is None:
            terms.add("non_coding")
        elif t < self.layout.cds_tx[0]:
            terms.add("5_prime_utr")
        elif t > self.layout.cds_tx[1]:
            terms.add("3_prime_utr")
        else:
            terms.add("coding_sequence")
        return terms

    def _near_junction(self, t: int) -> bool:
        for i, (start, end, offset) in enumerate(self.layout.exons):
            last = offset + end - start
            if offset <= t <= last:
                near_5 = i > 0 and t - offset < SPLICE_REGION_EXON
                near_3 = i < len(self.layout.exons) - 1 and last - t < SPLICE_REGION_EXON
                return near_5 or near_3
        return False

    def _touched(self, change: _Change) -> list[int]:
        if change.kind == "ins":
            return [change.end, change.start]
        if change.end - change.start < LONG_CHANGE:
            return list(range(change.start, change.end + 1))
        # a long change: its ends and the exon borders (with their splice regions) inside it
        near = SPLICE_REGION_INTRON + SPLICE_REGION_EXON
        sites = {change.start, change.end}
        for start, end in self.tx.exons:
            for border in (start, end):
                lo, hi = max(change.start, border - near), min(change.end, border + near)
                sites.update(range(lo, hi + 1))
        return sorted(sites)

    def annotate(self, change: _Change) -> Annotation:
        hgvs_c, shifted = self.dna(change)
        # the sites of the 3'-shifted change (the same molecule as called); the sites as called
        # only when the shift left the transcript's end
        touched = self._touched(shifted)
        terms = set().union(*(self._site_terms(g) for g in touched))
        if not terms:
            terms = set().union(*(self._site_terms(g) for g in self._touched(change)))
        kinds = {self.layout.locate(g)[0] for g in touched}
        change = shifted
        exonic_cds = kinds == {"exon"} and terms & {"coding_sequence"}
        if self.tx.coding and exonic_cds and not terms & {"5_prime_utr", "3_prime_utr"}:
            protein_terms, hgvs_p = self._protein(change)
            terms = (terms - {"coding_sequence"}) | protein_terms
        elif self.tx.coding:
            hgvs_p = "p.?"
            terms |= self._codons_lost(change)
            if len(terms) > 1:
                terms.discard("intron")
        else:
            hgvs_p = ""
            if len(terms) > 1:
                terms.discard("intron")
        ordered = sorted(terms, key=SEVERITY.index)
        return Annotation(
            gene=self.tx.gene,
            gene_id=self.tx.gene_id,
            transcript=self.tx.transcript,
            biotype=self.tx.biotype,
            consequence="&".join(ordered),
            hgvs_c=f"{self.tx.transcript}:{hgvs_c}",
            hgvs_p=hgvs_p,
        )

    def _codons_lost(self, change: _Change) -> set[str]:
        """start_lost / stop_lost for a change that removes bases of the start or stop codon
        and reaches beyond the CDS (UTR or intron), where no protein is predicted."""
        if change.kind == "ins":
            return set()
        first, last = self.layout.cds_tx
        hit = {self.layout.tx_pos(g) for g in range(change.start, change.end + 1)} - {None}
        lost = set()
        if hit & set(range(first, first + 3)):
            lost.add("start_lost")
        if hit & set(range(last - 2, last + 1)):
            lost.add("stop_lost")
        return lost

    def _protein(self, change: _Change) -> tuple[set[str], str]:
        """Consequence terms and p. of a change inside the CDS exons."""
        seq = self.sequence
        cds_start, cds_end = self.layout.cds_tx
        if change.kind == "ins":
            a, b = sorted((self.layout.tx_pos(change.end), self.layout.tx_pos(change.start)))
            lo, hi = b, a  # empty range between a and b
        else:
            lo, hi = sorted((self.layout.tx_pos(change.start), self.layout.tx_pos(change.end)))
        alt_seq = seq[: lo - 1] + self.oriented(change.alt) + seq[hi:]
        ref_protein = translate(seq[cds_start - 1 : cds_end])
        alt_protein = translate(alt_seq[cds_start - 1 :], to_stop=True)
        delta = len(change.alt) - len(change.ref)
        return _protein_change(ref_protein, alt_protein, delta, (lo - cds_start) // 3)


def _range(pos, a: int, b: int) -> str:
    return pos(a) if a == b else f"{pos(a)}_{pos(b)}"


def _protein_change(ref: str, alt: str, delta: int, first_codon: int) -> tuple[set[str], str]:
    """Terms and p. from the reference and variant proteins (one-letter, ``*`` = stop)."""
    p = 0
    while p < min(len(ref), len(alt)) and ref[p] == alt[p]:
        p += 1
    if p == len(ref) == len(alt):
        codon = min(first_codon, len(ref) - 1)
        aa = ref[codon]
        term = "stop_retained" if aa == "*" else "start_retained" if codon == 0 else "synonymous"
        return {term}, f"p.{AA3[aa]}{codon + 1}="
    if p == 0 and ref[0] == "M":
        return {"start_lost"}, "p.Met1?"
    if delta % 3:
        if p < len(alt) and alt[p] == "*":
            return {"frameshift"}, f"p.{AA3[ref[p]]}{p + 1}Ter"
        return {"frameshift"}, f"p.{AA3[ref[p]]}{p + 1}fs"
    if p < len(alt) and alt[p] == "*" and ref[p] != "*":
        return {"stop_gained"}, f"p.{AA3[ref[p]]}{p + 1}Ter"
    if p < len(ref) and ref[p] == "*":
        tail = f"Ter{alt.index('*') - p}" if alt.endswith("*") else "Ter?"
        return {"stop_lost"}, f"p.Ter{p + 1}{AA3[alt[p]]}ext{tail}"
    s = 0
    while s < min(len(ref), len(alt)) - p and ref[-1 - s] == alt[-1 - s]:
        s += 1
    deleted, inserted = ref[p : len(ref) - s], alt[p : len(alt) - s]
    return _inframe(ref, p, deleted, inserted)


def _inframe(ref: str, p: int, deleted: str, inserted: str) -> tuple[set[str], str]:
    def at(i: int) -> str:
        return f"{AA3[ref[i]]}{i + 1}"

    stop = {"stop_gained"} if inserted.endswith("*") else set()
    if len(deleted) == len(inserted) == 1:
        return {"missense"} | stop, f"p.{at(p)}{AA3[inserted]}"
    if not inserted:
        span = at(p) if len(deleted) == 1 else f"{at(p)}_{at(p + len(deleted) - 1)}"
        return {"inframe_deletion"}, f"p.{span}del"
    if not deleted:
        n = len(inserted)
        if p >= n and ref[p - n : p] == inserted:
            span = at(p - 1) if n == 1 else f"{at(p - n)}_{at(p - 1)}"
            return {"inframe_insertion"}, f"p.{span}dup"
        return {"inframe_insertion"} | stop, f"p.{at(p - 1)}_{at(p)}ins{_aa(inserted)}"
    span = at(p) if len(deleted) == 1 else f"{at(p)}_{at(p + len(deleted) - 1)}"
    term = "missense" if len(deleted) == len(inserted) else "inframe_altering"
    return {term} | stop, f"p.{span}delins{_aa(inserted)}"


# ------------------------------------------------------------------------ the annotator


class Annotator:
    """Annotates variants on each gene's preferred transcript (one choice for every output).

    Where preferred transcripts of several genes overlap a variant, the most severe
    consequence is reported (then protein-coding genes, then the gene name).
    """

    def __init__(self, transcripts: dict[str, TranscriptModel] | list, fasta: str | Path):
        models = list(transcripts.values()) if isinstance(transcripts, dict) else transcripts
        self.reference = Reference(fasta)
        self._by_chrom: dict[str, list[TranscriptModel]] = {}
        for tx in sorted(models, key=lambda t: (t.chrom, t.start, t.transcript)):
            self._by_chrom.setdefault(tx.chrom, []).append(tx)
        self._starts = {c: [t.start for t in txs] for c, txs in self._by_chrom.items()}
        self._longest = {c: max(t.end - t.start for t in txs) for c, txs in self._by_chrom.items()}
        # each transcript's layout and spliced sequence, built once
        self._placed: dict[str, _OnTranscript] = {}

    def transcripts_at(self, chrom: str, start: int, end: int) -> list[TranscriptModel]:
        txs = self._by_chrom.get(chrom, [])
        lo = bisect.bisect_left(self._starts[chrom], start - self._longest[chrom]) if txs else 0
        hi = bisect.bisect_right(self._starts.get(chrom, []), end)
        return [t for t in txs[lo:hi] if t.start <= end and t.end >= start]

    def _on(self, tx: TranscriptModel) -> _OnTranscript:
        if tx.transcript not in self._placed:
            self._placed[tx.transcript] = _OnTranscript(tx, self.reference)
        return self._placed[tx.transcript]

    def on_transcript(self, tx: TranscriptModel, pos: int, ref: str, alt: str) -> Annotation:
        """The variant on a given transcript (preferred or not)."""
        return self._on(tx).annotate(_trim(pos, ref, alt))

    def annotate(self, chrom: str, pos: int, ref: str, alt: str) -> Annotation | None:
        """The variant on the preferred transcript it matters most for; None: intergenic
        (or an ALT that is no sequence, e.g. ``*`` or a symbolic allele)."""
        if not alt or not set(alt.upper()) <= set("ACGTN") or ref.upper() == alt.upper():
            return None
        change = _trim(pos, ref, alt)
        first, last = min(change.start, change.end), max(change.start, change.end)
        found = [self._on(tx).annotate(change) for tx in self.transcripts_at(chrom, first, last)]
        if not found:
            return None
        return min(found, key=lambda a: (a.rank, a.biotype != "protein_coding", a.gene))

    def close(self) -> None:
        self.reference.close()


def load_annotator(transcript_table: str | Path, fasta: str | Path) -> Annotator:
    """The annotator every output uses: the preferred transcripts of
    ``results/reference/transcripts.tsv`` and the reference FASTA."""
    return Annotator(load_preferred(transcript_table), fasta)
