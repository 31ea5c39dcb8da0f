"""Gene panels: read them, resolve every gene against the annotation, filter germline calls.

A panel is either a CPSR panel file (``panel_zero.tsv.gz``: ``GENE`` wrapped in an HTML link,
``ENSEMBL_GENE_ID``, ``CPG_MOI``, ``CPG_MOD``) or a plain list (one gene per line, or a TSV
with a ``gene`` column). A gene that cannot be found in the annotation is an error that names
it: a panel never silently loses a gene.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from icope.core.variants import VARIANT_COLUMNS, VariantRow

PANEL_GENE_COLUMNS = [
    "gene",
    "gene_id",
    "chrom",
    "start",
    "end",
    "strand",
    "mode_of_inheritance",
    "mechanism",
    "panel",
]

_TAG = re.compile(r"<[^>]+>")


class PanelError(ValueError):
    """The panel cannot be used as given."""


@dataclass(frozen=True)
class PanelGene:
    symbol: str
    ensembl_id: str = ""
    mode_of_inheritance: str = ""
    mechanism: str = ""


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        return [line.rstrip("\n") for line in handle]


def read_panel(path: str | Path) -> list[PanelGene]:
    """Read a CPSR panel or a plain gene list; return genes in file order, deduplicated."""
    path = Path(path)
    lines = [ln for ln in _lines(path) if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise PanelError(f"{path}: panel has no genes")
    header = [h.strip() for h in lines[0].split("\t")]
    lowered = [h.lower() for h in header]
    genes: dict[str, PanelGene] = {}
    if "gene" in lowered:
        col = {name: lowered.index(name) for name in lowered}

        def cell(fields: list[str], *names: str) -> str:
            for name in names:
                if name in col and col[name] < len(fields):
                    value = fields[col[name]].strip()
                    return "" if value == "NA" else value
            return ""

        for lineno, line in enumerate(lines[1:], start=2):
            fields = line.split("\t")
            symbol = _TAG.sub("", cell(fields, "gene")).strip()
            if not symbol:
                raise PanelError(f"{path}, line {lineno}: field 'gene' is empty")
            genes.setdefault(
                symbol,
                PanelGene(
                    symbol,
                    cell(fields, "ensembl_gene_id"),
                    cell(fields, "cpg_moi", "mode_of_inheritance"),
                    cell(fields, "cpg_mod", "mechanism"),
                ),
            )
    else:
        for line in lines:
            symbol = line.split("\t")[0].strip()
            genes.setdefault(symbol, PanelGene(symbol))
    if not genes:
        raise PanelError(f"{path}: panel has a header but no genes")
    return list(genes.values())


def resolve_panel(
    panel: list[PanelGene], gene_table: pd.DataFrame, panel_name: str, panel_path: str = "panel"
) -> pd.DataFrame:
    """Match every panel gene to the annotation by symbol, or by Ensembl ID when given.

    Raises :class:`PanelError` naming every gene that is not in the annotation.
    """
    by_name = {row.gene_name: row for row in gene_table.itertuples()}
    by_id = {row.gene_id.split(".")[0]: row for row in gene_table.itertuples()}
    rows, missing = [], []
    for gene in panel:
        match = by_name.get(gene.symbol)
        if match is None and gene.ensembl_id:
            match = by_id.get(gene.ensembl_id.split(".")[0])
        if match is None:
            missing.append(gene.symbol)
            continue
        rows.append(
            {
                "gene": match.gene_name,
                "gene_id": match.gene_id,
                "chrom": match.chrom,
                "start": match.start,
                "end": match.end,
                "strand": match.strand,
                "mode_of_inheritance": gene.mode_of_inheritance or "NA",
                "mechanism": gene.mechanism or "NA",
                "panel": panel_name,
            }
        )
    if missing:
        raise PanelError(
            f"{panel_path}: {len(missing)} panel gene(s) not found in the annotation: "
            + ", ".join(missing)
        )
    return pd.DataFrame(rows, columns=PANEL_GENE_COLUMNS)


def panel_filter_reasons(row: VariantRow, max_af: float, consequences: set[str]) -> list[str]:
    """Why a germline variant in a panel gene is not a reportable finding (empty = reportable).

    Missing from the population VCF counts as rare.
    """
    reasons = []
    if row.filter != "PASS":
        reasons.append(f"call_filter:{row.filter}")
    if row.gnomad_af is not None and row.gnomad_af > max_af:
        reasons.append(f"common:gnomAD_AF={row.gnomad_af:g}")
    terms = set(row.consequence.lstrip("*").split("&")) if row.consequence else set()
    if not terms & consequences:
        reasons.append(f"not_protein_altering:{row.consequence or 'none'}")
    return reasons


PANEL_TABLE_COLUMNS = [*VARIANT_COLUMNS, "panel_gene", "panel_filter"]


def panel_genes_at(row: VariantRow, panel: pd.DataFrame) -> list[str]:
    """Panel genes whose annotated span contains the variant's first base."""
    hits = panel[
        (panel["chrom"] == row.chrom) & (panel["start"] <= row.pos) & (panel["end"] >= row.pos)
    ]
    return sorted(hits["gene"])


def germline_panel_table(
    rows: list[VariantRow], panel: pd.DataFrame, max_af: float, consequences: set[str]
) -> pd.DataFrame:
    """Germline variants inside panel genes, each with ``panel_filter`` = PASS or the reasons."""
    records = []
    for row in rows:
        genes = panel_genes_at(row, panel)
        if not genes:
            continue
        record = row.as_dict()
        record["panel_gene"] = ",".join(genes)
        record["panel_filter"] = ";".join(panel_filter_reasons(row, max_af, consequences)) or "PASS"
        records.append(record)
    return pd.DataFrame(records, columns=PANEL_TABLE_COLUMNS)
