"""Gene-level counts and TPM from salmon's transcript quantification and the annotation's
transcript-to-gene map: a gene's counts are its transcripts' summed NumReads, its TPM their
summed TPM (transcripts missing from the map count under their own id)."""

from __future__ import annotations

import pandas as pd

GENE_COLUMNS = ["sample", "gene_id", "gene_name", "counts", "tpm"]


def gene_level(quant_sf: str, tx2gene: str, gene_table: pd.DataFrame, sample: str) -> pd.DataFrame:
    quant = pd.read_csv(quant_sf, sep="\t", dtype={"Name": str})
    mapping = pd.read_csv(tx2gene, sep="\t", header=None, names=["tx", "gene_id"], dtype=str)
    tx = quant.merge(mapping, left_on="Name", right_on="tx", how="left")
    tx["gene_id"] = tx["gene_id"].fillna(tx["Name"])
    genes = tx.groupby("gene_id", sort=True).agg(counts=("NumReads", "sum"), tpm=("TPM", "sum"))
    names = gene_table.set_index("gene_id")["gene_name"]
    genes = genes.reset_index()
    genes["gene_name"] = genes["gene_id"].map(names).fillna(genes["gene_id"])
    genes["counts"] = genes["counts"].round(3)
    genes["tpm"] = genes["tpm"].round(4)
    genes.insert(0, "sample", sample)
    return genes[GENE_COLUMNS]
