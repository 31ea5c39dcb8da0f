"""One preferred transcript per gene, shared by every output that names a transcript.

The choice, from the configured annotation's tags: ``MANE_Select`` first, then
``Ensembl_canonical``, then the transcript with the longest CDS (stop codon included), then the
longest transcript; remaining ties go to the smallest transcript id. The reference table
``results/reference/transcripts.tsv`` (rule ``annotation_tables``) lists every transcript with
its tags, its versioned id, whether it is its gene's preferred one and why, and its exon and
CDS structure, so HGVS (:mod:`icope.core.hgvs`) is computed from that table and the FASTA
without reading the annotation again.

Examples
--------
>>> model = read_annotation("genes.gtf")                    # doctest: +SKIP
>>> write_transcript_table(model, "transcripts.tsv")          # doctest: +SKIP
>>> preferred = load_preferred("transcripts.tsv")             # doctest: +SKIP
>>> preferred["ENSG00000141510.18"].transcript                # doctest: +SKIP
'ENST00000269305.9'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from icope.core.annotation import AnnotationModel, Transcript, _merge_intervals, coding_segments

TRANSCRIPT_TABLE_COLUMNS = [
    "transcript_id",
    "gene_id",
    "gene_name",
    "biotype",
    "tags",
    "transcript",
    "preferred",
    "preference",
    "chrom",
    "strand",
    "exons",
    "cds_start",
    "cds_end",
]
#: Tags that choose a gene's transcript, in order; after them the longest CDS decides.
CHOICE_TAGS = ("MANE_Select", "Ensembl_canonical")


@dataclass(frozen=True)
class TranscriptModel:
    """A transcript's structure as HGVS needs it (1-based inclusive genomic coordinates)."""

    transcript: str  # versioned id, e.g. ENST00000269305.9
    gene: str
    gene_id: str
    chrom: str
    strand: str
    biotype: str
    exons: tuple[tuple[int, int], ...]  # sorted by position
    cds_start: int | None = None  # genomic span of the CDS including the stop codon
    cds_end: int | None = None
    preference: str = ""
    tags: tuple[str, ...] = field(default=())

    @property
    def coding(self) -> bool:
        return self.cds_start is not None

    @property
    def start(self) -> int:
        return self.exons[0][0]

    @property
    def end(self) -> int:
        return self.exons[-1][1]


def versioned_id(tx: Transcript) -> str:
    """``ENST...`` with its version: GENCODE ids carry it, Ensembl gives it apart."""
    if tx.version and not tx.transcript_id.endswith(f".{tx.version}"):
        return f"{tx.transcript_id}.{tx.version}"
    return tx.transcript_id


def _cds_length(tx: Transcript) -> int:
    return sum(e - s + 1 for s, e, _ in coding_segments(tx))


def _exon_length(tx: Transcript) -> int:
    return sum(e - s + 1 for s, e in _merge_intervals(tx.exons))


def _choice_key(tx: Transcript) -> tuple:
    tag_rank = min((CHOICE_TAGS.index(t) for t in tx.tags if t in CHOICE_TAGS), default=2)
    return (tag_rank, -_cds_length(tx), -_exon_length(tx), tx.transcript_id)


def _reason(tx: Transcript) -> str:
    for tag in CHOICE_TAGS:
        if tag in tx.tags:
            return tag
    return "longest_CDS" if tx.cds else "longest_transcript"


def choose_preferred(model: AnnotationModel) -> dict[str, tuple[Transcript, str]]:
    """Gene id -> ``(preferred transcript, reason)``; transcripts without exons never count."""
    by_gene: dict[str, list[Transcript]] = {}
    for tx in model.transcripts.values():
        if tx.exons:
            by_gene.setdefault(tx.gene_id, []).append(tx)
    chosen = {}
    for gene_id, txs in by_gene.items():
        best = min(txs, key=_choice_key)
        chosen[gene_id] = (best, _reason(best))
    return chosen


def _structure(tx: Transcript) -> list[str]:
    exons = ",".join(f"{s}-{e}" for s, e in _merge_intervals(tx.exons))
    cds = coding_segments(tx)
    cds_cells = [str(cds[0][0]), str(cds[-1][1])] if cds else ["", ""]
    return [tx.chrom, tx.strand, exons, *cds_cells]


def write_transcript_table(model: AnnotationModel, out: str | Path) -> int:
    """One row per transcript: tags, versioned id, preferred choice and structure (TSV).

    Returns the number of genes with a preferred transcript.
    """
    chosen = choose_preferred(model)
    preferred_ids = {tx.transcript_id: reason for tx, reason in chosen.values()}
    rows = ["\t".join(TRANSCRIPT_TABLE_COLUMNS)]
    for tx in sorted(model.transcripts.values(), key=lambda t: t.transcript_id):
        gene = model.genes.get(tx.gene_id)
        reason = preferred_ids.get(tx.transcript_id, "")
        cells = [
            tx.transcript_id,
            tx.gene_id,
            gene.name if gene else "",
            tx.biotype,
            ",".join(tx.tags),
            versioned_id(tx),
            "yes" if reason else "no",
            reason,
            *(_structure(tx) if tx.exons else [tx.chrom, tx.strand, "", "", ""]),
        ]
        rows.append("\t".join(cells))
    Path(out).write_text("\n".join(rows) + "\n")
    return len(chosen)


def _model_from_row(row: dict) -> TranscriptModel:
    exons = tuple(tuple(int(x) for x in part.split("-")) for part in row["exons"].split(","))
    return TranscriptModel(
        transcript=row["transcript"],
        gene=row["gene_name"] or row["gene_id"],
        gene_id=row["gene_id"],
        chrom=row["chrom"],
        strand=row["strand"],
        biotype=row["biotype"],
        exons=exons,
        cds_start=int(row["cds_start"]) if row["cds_start"] else None,
        cds_end=int(row["cds_end"]) if row["cds_end"] else None,
        preference=row["preference"],
        tags=tuple(t for t in row["tags"].split(",") if t),
    )


def load_preferred(table_path: str | Path) -> dict[str, TranscriptModel]:
    """Gene id -> its preferred transcript, from the table :func:`write_transcript_table`
    wrote."""
    preferred = {}
    with open(table_path) as handle:
        header = handle.readline().rstrip("\n").split("\t")
        missing = [c for c in ("preferred", "exons") if c not in header]
        if missing:
            raise ValueError(
                f"{table_path}: no column(s) {', '.join(missing)}: written by an older "
                "annotation_tables; rerun it"
            )
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=True))
            if row["preferred"] == "yes" and row["exons"]:
                model = _model_from_row(row)
                preferred[model.gene_id] = model
    return preferred


def preferred_from_annotation(model: AnnotationModel) -> dict[str, TranscriptModel]:
    """The same choice as :func:`load_preferred`, straight from an annotation model."""
    result = {}
    for gene_id, (tx, reason) in choose_preferred(model).items():
        gene = model.genes.get(gene_id)
        cds = coding_segments(tx)
        result[gene_id] = TranscriptModel(
            transcript=versioned_id(tx),
            gene=gene.name if gene else gene_id,
            gene_id=gene_id,
            chrom=tx.chrom,
            strand=tx.strand,
            biotype=tx.biotype,
            exons=tuple(_merge_intervals(tx.exons)),
            cds_start=cds[0][0] if cds else None,
            cds_end=cds[-1][1] if cds else None,
            preference=reason,
            tags=tuple(tx.tags),
        )
    return result
