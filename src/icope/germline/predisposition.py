"""Germline predisposition findings of one patient: ACMG/AMP classification of the variants in
panel genes, and secondary findings (pathogenic variants outside the panel) for patients who
consented to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd
import pysam

from icope.core.variants import VariantRow
from icope.germline.acmg import (
    GeneInfo,
    Thresholds,
    VariantEvidence,
    classify,
    load_gene_thresholds,
)
from icope.germline.panel import PANEL_TABLE_COLUMNS, germline_panel_table, panel_genes_at

CLASSIFICATION_COLUMNS = [
    "acmg_class",
    "acmg_points",
    "acmg_criteria",
    "acmg_not_assessable",
    "acmg_evidence",
]
FINDINGS_COLUMNS = [
    *PANEL_TABLE_COLUMNS,
    "mechanism",
    "mode_of_inheritance",
    *CLASSIFICATION_COLUMNS,
]
PATHOGENIC = {"Pathogenic", "Likely pathogenic"}


def covered_contigs(population_vcf: str | None) -> set[str]:
    """Contigs a population VCF has records for; variants elsewhere are 'not assessable'."""
    if not population_vcf:
        return set()
    with pysam.TabixFile(population_vcf) as tabix:
        return set(tabix.contigs)


def evidence_for(
    row: VariantRow | dict,
    covered: set[str],
    source: str,
    insilico: float | None = None,
    insilico_name: str = "in-silico",
) -> VariantEvidence:
    get = row.get if isinstance(row, dict) else row.__getattribute__
    af = get("gnomad_af")
    af = None if af is None or (isinstance(af, float) and pd.isna(af)) else float(af)
    return VariantEvidence(
        gene=get("gene") or "",
        consequence=get("consequence") or "",
        protein_change=get("hgvs_p") or "",
        population_af=af,
        population_assessable=get("chrom") in covered,
        population_source=source,
        insilico_score=insilico,
        insilico_name=insilico_name,
        clinvar_significance=get("clinvar_significance") or None,
        clinvar_review=get("clinvar_review") or None,
    )


def _classification_columns(result) -> dict:
    return {
        "acmg_class": result.classification,
        "acmg_points": result.points,
        "acmg_criteria": ";".join(result.met_codes),
        "acmg_not_assessable": ";".join(result.not_assessable),
        "acmg_evidence": json.dumps([c.to_dict() for c in result.criteria], default=str),
    }


def classify_panel_variants(
    rows: list[VariantRow],
    panel: pd.DataFrame,
    max_af: float,
    consequences: set[str],
    covered: set[str],
    source: str,
    thresholds: Thresholds,
    gene_rules: dict,
) -> pd.DataFrame:
    """Every germline call inside a panel gene, with its panel filter and ACMG classification."""
    table = germline_panel_table(rows, panel, max_af, consequences)
    genes = {
        g.gene: GeneInfo(g.gene, _text(g.mechanism), _text(g.mode_of_inheritance))
        for g in panel.itertuples()
    }
    classified = []
    for record in table.to_dict("records"):
        gene = record["gene"] if record["gene"] in genes else record["panel_gene"].split(",")[0]
        result = classify(
            evidence_for(record, covered, source), genes[gene], thresholds, gene_rules
        )
        classified.append(
            {
                **record,
                "mechanism": genes[gene].mechanism,
                "mode_of_inheritance": genes[gene].inheritance,
                **_classification_columns(result),
            }
        )
    return pd.DataFrame(classified, columns=FINDINGS_COLUMNS)


def secondary_findings(
    rows: list[VariantRow],
    panel: pd.DataFrame,
    covered: set[str],
    source: str,
    thresholds: Thresholds,
    gene_rules: dict,
) -> pd.DataFrame:
    """Pathogenic / likely pathogenic PASS variants outside the panel genes.

    Without a gene's mechanism PVS1 is not assessable, so these rest mostly on ClinVar.
    """
    found = []
    for row in rows:
        if row.filter != "PASS" or not row.gene or panel_genes_at(row, panel):
            continue
        result = classify(
            evidence_for(row, covered, source),
            GeneInfo(row.gene),
            thresholds,
            gene_rules,
        )
        if result.classification in PATHOGENIC:
            found.append(
                {
                    **row.as_dict(),
                    "panel_gene": "",
                    "panel_filter": "outside_panel",
                    "mechanism": "",
                    "mode_of_inheritance": "",
                    **_classification_columns(result),
                }
            )
    return pd.DataFrame(found, columns=FINDINGS_COLUMNS)


def panel_findings(
    rows: list[VariantRow],
    panel: pd.DataFrame | None,
    consent: bool,
    max_af: float | None,
    consequences: Iterable[str] | None,
    covered: set[str],
    source: str,
    thresholds: Thresholds,
    gene_rules: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(findings, secondary)`` of one patient: the panel classification and, only with
    consent, the secondary findings outside the panel.

    Without a panel or without germline calls both tables are empty (with
    :data:`FINDINGS_COLUMNS`); ``max_af`` and ``consequences`` (the panel settings) are only
    read when there is a panel. Secondary findings are not even computed without consent.
    """
    empty = pd.DataFrame(columns=FINDINGS_COLUMNS)
    if panel is None or not rows:
        return empty, empty
    findings = classify_panel_variants(
        rows, panel, max_af, set(consequences), covered, source, thresholds, gene_rules
    )
    if not consent:
        return findings, empty
    return findings, secondary_findings(rows, panel, covered, source, thresholds, gene_rules)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def load_rules(path: str | None) -> dict:
    return load_gene_thresholds(path) if path else {}
