"""Salmon gene-level quantification joined to gene names."""

from __future__ import annotations

import pandas as pd

EXPRESSION_COLUMNS = ["sample", "gene_id", "gene", "biotype", "tpm", "num_reads", "in_panel"]


def gene_expression(
    quant_genes: str, gene_table: pd.DataFrame, sample: str, panel_genes: set[str]
) -> pd.DataFrame:
    """Read salmon's ``quant.genes.sf`` and name each gene from the annotation's gene table."""
    quant = pd.read_csv(quant_genes, sep="\t", dtype={"Name": str})
    names = gene_table.set_index("gene_id")[["gene_name", "biotype"]]
    merged = quant.merge(names, left_on="Name", right_index=True, how="left")
    table = pd.DataFrame(
        {
            "sample": sample,
            "gene_id": merged["Name"],
            "gene": merged["gene_name"].fillna(merged["Name"]),
            "biotype": merged["biotype"].fillna("unknown"),
            "tpm": merged["TPM"].round(3),
            "num_reads": merged["NumReads"].round(2),
        }
    )
    table["in_panel"] = table["gene"].isin(panel_genes)
    return table.sort_values("tpm", ascending=False)[EXPRESSION_COLUMNS]
