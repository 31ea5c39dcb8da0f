"""Gene annotation: read GTF or GFF3, write what the pipeline's tools need.

``bcftools csq`` only reads Ensembl-style GFF3 (``ID=gene:...``, ``Parent=transcript:...``,
``biotype=``, CDS that *include* the stop codon). Real annotations come as Ensembl or GENCODE
GTF, or GFF3 from other sources, so the pipeline converts whatever it is given into that one
dialect, plus a gene table (for panel checks and reports) and a transcript-to-gene map (for
salmon's gene-level summary).

Examples
--------
>>> model = read_annotation("genes.gtf")            # doctest: +SKIP
>>> write_csq_gff3(model, "genes.csq.gff3")           # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

GENE_TABLE_COLUMNS = ["gene_id", "gene_name", "chrom", "start", "end", "strand", "biotype"]

#: GFF3 feature types that describe a gene (Ensembl GFF3 uses several).
GENE_TYPES = {"gene", "ncRNA_gene", "pseudogene"}
#: GFF3 feature types that describe a transcript.
TRANSCRIPT_TYPES = {
    "transcript",
    "mRNA",
    "lnc_RNA",
    "lncRNA",
    "ncRNA",
    "pseudogenic_transcript",
    "unconfirmed_transcript",
    "miRNA",
    "snRNA",
    "snoRNA",
    "rRNA",
    "misc_RNA",
    "scRNA",
    "NMD_transcript_variant",
    "processed_transcript",
}
#: Tags worth carrying to the csq GFF3 so that canonical/MANE transcripts can be preferred.
KEPT_TAGS = ("Ensembl_canonical", "MANE_Select", "MANE_Plus_Clinical", "basic", "CCDS")

_GTF_ATTR = re.compile(r'\s*([^\s]+)\s+"?([^";]*)"?\s*;?')


class AnnotationError(ValueError):
    """The annotation file cannot be used; the message names file and line."""


@dataclass
class Transcript:
    transcript_id: str
    gene_id: str
    chrom: str
    strand: str
    biotype: str = "unknown"
    name: str = ""
    tags: list[str] = field(default_factory=list)
    exons: list[tuple[int, int]] = field(default_factory=list)
    cds: list[tuple[int, int, int]] = field(default_factory=list)  # start, end, phase
    stop_codons: list[tuple[int, int]] = field(default_factory=list)
    start: int = 0
    end: int = 0
    #: Version from a separate attribute (Ensembl GTF ``transcript_version``, GFF3 ``version``);
    #: GENCODE carries it in the id itself.
    version: str = ""

    def span(self) -> tuple[int, int]:
        coords = [c for e in self.exons for c in e] + [c for c in self.cds for c in c[:2]]
        if self.start and self.end:
            coords += [self.start, self.end]
        return min(coords), max(coords)


@dataclass
class Gene:
    gene_id: str
    name: str
    chrom: str
    start: int
    end: int
    strand: str
    biotype: str = "unknown"


@dataclass
class AnnotationModel:
    genes: dict[str, Gene] = field(default_factory=dict)
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    source: str = ""


def _open(path: Path):
    return gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    with _open(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 9:
                raise AnnotationError(f"{path}, line {lineno}: expected 9 tab-separated columns")
            yield lineno, cols


def _parse_gtf_attributes(text: str) -> dict[str, list[str]]:
    attrs: dict[str, list[str]] = {}
    for match in _GTF_ATTR.finditer(text):
        attrs.setdefault(match.group(1), []).append(match.group(2))
    return attrs


def _parse_gff3_attributes(text: str) -> dict[str, list[str]]:
    attrs: dict[str, list[str]] = {}
    for item in text.strip().strip(";").split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            attrs[key.strip()] = value.split(",")
    return attrs


def detect_format(path: str | Path) -> str:
    """Return ``"gtf"`` or ``"gff3"`` from the first feature line's attribute syntax."""
    for _, cols in _records(Path(path)):
        return "gff3" if re.match(r"^[A-Za-z_]+=", cols[8].strip()) else "gtf"
    raise AnnotationError(f"{path}: no feature lines")


def _strip_prefix(value: str) -> str:
    return value.split(":", 1)[1] if value.startswith(("gene:", "transcript:")) else value


def _first(attrs: dict[str, list[str]], *keys: str, default: str = "") -> str:
    for key in keys:
        if attrs.get(key):
            return attrs[key][0]
    return default


def _coordinates(path: Path, lineno: int, start: str, end: str) -> tuple[int, int]:
    try:
        return int(start), int(end)
    except ValueError as exc:
        raise AnnotationError(f"{path}, line {lineno}: start/end are not integers") from exc


def _gtf_ids(attrs: dict[str, list[str]], path: Path, lineno: int) -> tuple[str, str]:
    """``(gene_id, transcript_id)`` of a GTF feature."""
    gene_id = _first(attrs, "gene_id")
    if not gene_id:
        raise AnnotationError(f"{path}, line {lineno}: GTF feature without gene_id")
    return gene_id, _first(attrs, "transcript_id")


def _gff3_ids(
    ftype: str, attrs: dict[str, list[str]], genes: dict[str, Gene], tx_gene: dict[str, str]
) -> tuple[str, str]:
    """``(gene_id, transcript_id)`` of a GFF3 feature from its ID/Parent; ``tx_gene`` collects
    transcript -> gene so that exons and CDS (children of transcripts) find their gene."""
    feature_id = _strip_prefix(_first(attrs, "ID"))
    parent = _strip_prefix(_first(attrs, "Parent"))
    if ftype in GENE_TYPES:
        return feature_id, ""
    if ftype in TRANSCRIPT_TYPES or (parent and parent in genes and feature_id):
        tx_gene[feature_id] = parent
        return parent, feature_id
    return tx_gene.get(parent, ""), parent


def _transcript_of(
    model: AnnotationModel, tx_id: str, gene_id: str, cols: list[str], attrs, gene_biotype: str
) -> Transcript:
    """The transcript a feature belongs to, created on first sight."""
    tx = model.transcripts.get(tx_id)
    if tx is None:
        biotype = _first(attrs, "transcript_biotype", "transcript_type", default=gene_biotype)
        tx = Transcript(tx_id, gene_id, cols[0], cols[6], biotype=biotype)
        model.transcripts[tx_id] = tx
    return tx


def _add_to_transcript(
    tx: Transcript, cols: list[str], span: tuple[int, int], attrs, gene_biotype: str, fmt: str
) -> None:
    """Record a transcript, exon, CDS or (GTF) stop_codon feature on its transcript."""
    ftype, phase = cols[2], cols[7]
    if ftype in TRANSCRIPT_TYPES:
        tx.biotype = _first(
            attrs, "transcript_biotype", "transcript_type", "biotype", default=gene_biotype
        )
        tx.name = _first(attrs, "transcript_name", "Name", default=tx.transcript_id)
        tx.tags = [t for t in attrs.get("tag", []) if t in KEPT_TAGS]
        tx.version = _first(attrs, "transcript_version", "version")
        tx.start, tx.end = span
    elif ftype == "exon":
        tx.exons.append(span)
    elif ftype == "CDS":
        tx.cds.append((*span, int(phase) if phase in "012" and phase else 0))
    elif ftype == "stop_codon" and fmt == "gtf":
        tx.stop_codons.append(span)


def _extend_genes_to_transcripts(model: AnnotationModel) -> None:
    for gene in model.genes.values():
        spans = [t.span() for t in model.transcripts.values() if t.gene_id == gene.gene_id]
        if spans:
            gene.start = min(gene.start, *(s for s, _ in spans))
            gene.end = max(gene.end, *(e for _, e in spans))


def read_annotation(path: str | Path) -> AnnotationModel:
    """Read an Ensembl/GENCODE GTF or a GFF3 file into genes and transcripts."""
    path = Path(path)
    fmt = detect_format(path)
    model = AnnotationModel(source=str(path))
    parse = _parse_gtf_attributes if fmt == "gtf" else _parse_gff3_attributes
    gff3_tx_gene: dict[str, str] = {}
    for lineno, cols in _records(path):
        chrom, ftype, strand = cols[0], cols[2], cols[6]
        span = _coordinates(path, lineno, cols[3], cols[4])
        attrs = parse(cols[8])
        if fmt == "gtf":
            gene_id, tx_id = _gtf_ids(attrs, path, lineno)
        else:
            gene_id, tx_id = _gff3_ids(ftype, attrs, model.genes, gff3_tx_gene)
        gene_name = _first(attrs, "gene_name", "Name", default=gene_id)
        gene_biotype = _first(attrs, "gene_biotype", "gene_type", "biotype", default="unknown")
        gene = Gene(gene_id, gene_name, chrom, *span, strand, gene_biotype)
        if ftype in GENE_TYPES:
            model.genes[gene_id] = gene
            continue
        if not tx_id:
            continue
        tx = _transcript_of(model, tx_id, gene_id, cols, attrs, gene_biotype)
        if fmt == "gtf" and gene_id not in model.genes:
            model.genes[gene_id] = gene
        _add_to_transcript(tx, cols, span, attrs, gene_biotype, fmt)
    _extend_genes_to_transcripts(model)
    return model


def _merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def coding_segments(tx: Transcript) -> list[tuple[int, int, int]]:
    """CDS segments including the stop codon, with phases recomputed in transcript order.

    GTF CDS features exclude the stop codon; GFF3 (and ``bcftools csq``) include it.
    """
    if not tx.cds:
        return []
    first_phase = min(tx.cds)[2] if tx.strand == "+" else max(tx.cds, key=lambda c: c[1])[2]
    segments = _merge_intervals([(s, e) for s, e, _ in tx.cds] + tx.stop_codons)
    ordered = segments if tx.strand == "+" else list(reversed(segments))
    result = []
    done = -first_phase
    for start, end in ordered:
        phase = (3 - done % 3) % 3
        result.append((start, end, phase))
        done += end - start + 1
    return sorted(result)


def _utrs(tx: Transcript, cds: list[tuple[int, int, int]]) -> list[tuple[str, int, int]]:
    if not cds:
        return []
    cds_start, cds_end = cds[0][0], cds[-1][1]
    utrs = []
    for start, end in _merge_intervals(tx.exons):
        if start < cds_start:
            utrs.append(("left", start, min(end, cds_start - 1)))
        if end > cds_end:
            utrs.append(("right", max(start, cds_end + 1), end))
    five, three = ("left", "right") if tx.strand == "+" else ("right", "left")
    names = {five: "five_prime_UTR", three: "three_prime_UTR"}
    return [(names[side], s, e) for side, s, e in utrs]


def _gff3_line(chrom: str, ftype: str, start: int, end: int, strand: str, phase, attrs) -> str:
    return "\t".join([chrom, "icope", ftype, str(start), str(end), ".", strand, phase, attrs])


def _csq_transcript_lines(tx: Transcript, gene: Gene) -> list[str]:
    """The transcript line and its exon, CDS and UTR lines (by position)."""
    start, end = tx.span()
    tags = f";tag={','.join(tx.tags)}" if tx.tags else ""
    lines = [
        _gff3_line(
            tx.chrom,
            "transcript",
            start,
            end,
            tx.strand,
            ".",
            f"ID=transcript:{tx.transcript_id};Parent=gene:{gene.gene_id};"
            f"Name={tx.name or tx.transcript_id};biotype={tx.biotype}{tags}",
        )
    ]
    parent = f"Parent=transcript:{tx.transcript_id}"
    cds = coding_segments(tx)
    features = [("exon", s, e, ".") for s, e in _merge_intervals(tx.exons)]
    features += [("CDS", s, e, str(p)) for s, e, p in cds]
    features += [(name, s, e, ".") for name, s, e in _utrs(tx, cds)]
    for ftype, fs, fe, phase in sorted(features, key=lambda f: (f[1], f[0])):
        lines.append(_gff3_line(tx.chrom, ftype, fs, fe, tx.strand, phase, parent))
    return lines


def write_csq_gff3(model: AnnotationModel, out: str | Path) -> int:
    """Write the Ensembl GFF3 dialect ``bcftools csq -g`` reads; return transcripts written."""
    lines = ["##gff-version 3"]
    by_gene: dict[str, list[Transcript]] = {}
    for tx in model.transcripts.values():
        if tx.exons or tx.cds:
            by_gene.setdefault(tx.gene_id, []).append(tx)
    written = 0
    for gene in sorted(model.genes.values(), key=lambda g: (g.chrom, g.start, g.gene_id)):
        txs = by_gene.get(gene.gene_id, [])
        if not txs:
            continue
        lines.append(
            _gff3_line(
                gene.chrom,
                "gene",
                gene.start,
                gene.end,
                gene.strand,
                ".",
                f"ID=gene:{gene.gene_id};Name={gene.name};biotype={gene.biotype}",
            )
        )
        for tx in sorted(txs, key=lambda t: (t.span(), t.transcript_id)):
            lines += _csq_transcript_lines(tx, gene)
            written += 1
    Path(out).write_text("\n".join(lines) + "\n")
    return written


def write_gene_table(model: AnnotationModel, out: str | Path) -> None:
    """One row per gene: id, name, 1-based inclusive span, strand, biotype (TSV)."""
    rows = ["\t".join(GENE_TABLE_COLUMNS)]
    for g in sorted(model.genes.values(), key=lambda g: (g.chrom, g.start, g.gene_id)):
        rows.append(
            "\t".join([g.gene_id, g.name, g.chrom, str(g.start), str(g.end), g.strand, g.biotype])
        )
    Path(out).write_text("\n".join(rows) + "\n")


def transcript_preference(table_path: str | Path) -> dict[str, int]:
    """Transcript id (with and without version) -> 0 for each gene's preferred transcript.

    The choice is :mod:`icope.core.transcripts`' (MANE Select, Ensembl canonical, longest
    CDS), read from the table it wrote, so a BCSQ consequence picked with this map is on the
    same transcript as the HGVS names.
    """
    ranks: dict[str, int] = {}
    with open(table_path) as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
            if row.get("preferred") == "yes":
                for name in (row["transcript_id"], row["transcript"]):
                    ranks[name] = 0
                    ranks[name.split(".")[0]] = 0
    return ranks


def write_tx2gene(model: AnnotationModel, out: str | Path) -> None:
    """Two columns, no header, as salmon's ``--geneMap`` expects: transcript id, gene id."""
    rows = [f"{t.transcript_id}\t{t.gene_id}" for t in model.transcripts.values() if t.exons]
    Path(out).write_text("\n".join(sorted(rows)) + "\n")
