"""Cohort expression: the genes x samples matrices (counts and TPM) and, for panel and driver
genes, each sample's z-score (of log2(TPM + 1)) and percentile among the cohort's RNA samples.
Below ``min_samples`` RNA samples the comparison says "not enough samples" instead of giving
numbers that would be noise."""

from __future__ import annotations

import math

import pandas as pd

from icope.core.tables import read_tsv
from icope.rna.fusions import load_known

NOT_ENOUGH = "not enough samples"
OUTLIER_COLUMNS = [
    "sample",
    "gene_id",
    "gene_name",
    "tpm",
    "cohort_samples",
    "cohort_mean_log2_tpm",
    "z_score",
    "percentile",
    "status",
]


def matrices(tables: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, tpm): one row per gene (gene_id, gene_name), one column per sample."""
    long = pd.concat(tables, ignore_index=True)
    names = long.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]

    def wide(value: str) -> pd.DataFrame:
        table = long.pivot_table(
            index="gene_id", columns="sample", values=value, aggfunc="sum", fill_value=0
        )
        table = table[list(dict.fromkeys(long["sample"]))]
        table.insert(0, "gene_name", names.reindex(table.index))
        return table.reset_index()

    return wide("counts"), wide("tpm")


def outliers(tpm: pd.DataFrame, genes: set[str], min_samples: int) -> pd.DataFrame:
    """Per sample and selected gene (by name): z-score and percentile vs the cohort."""
    samples = [c for c in tpm.columns if c not in ("gene_id", "gene_name")]
    selected = tpm[tpm["gene_name"].isin(genes)]
    rows = []
    for gene in selected.to_dict("records"):
        values = {s: float(gene[s]) for s in samples}
        rows += _gene_rows(gene["gene_id"], gene["gene_name"], values, min_samples)
    return pd.DataFrame(rows, columns=OUTLIER_COLUMNS)


def _gene_rows(gene_id, gene_name, values: dict, min_samples: int) -> list[dict]:
    logs = {s: math.log2(v + 1) for s, v in values.items()}
    n = len(logs)
    mean = sum(logs.values()) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs.values()) / (n - 1)) if n > 1 else 0.0
    rows = []
    for sample, x in logs.items():
        row = {
            "sample": sample,
            "gene_id": gene_id,
            "gene_name": gene_name,
            "tpm": values[sample],
            "cohort_samples": n,
            "cohort_mean_log2_tpm": round(mean, 4),
        }
        if n < min_samples:
            status = f"{NOT_ENOUGH} ({n} < {min_samples})"
            row |= {"z_score": NOT_ENOUGH, "percentile": NOT_ENOUGH, "status": status}
        else:
            below = sum(v < x for v in logs.values()) + 0.5 * (
                sum(v == x for v in logs.values()) - 1
            )
            z = round((x - mean) / sd, 3) if sd > 0 else 0.0
            pct = round(100 * below / (n - 1), 1)
            row |= {"z_score": z, "percentile": pct, "status": "compared"}
        rows.append(row)
    return rows


def driver_genes(panel_genes_path: str | None, known_fusions_path: str) -> set[str]:
    """Panel genes plus the genes of the known-fusion list (the paediatric drivers)."""
    genes = set(read_tsv(panel_genes_path)["gene"]) if panel_genes_path else set()
    known = load_known(known_fusions_path)
    return genes | (set(known["gene5"]) | set(known["gene3"])) - {"*"}


def cohort_rna(
    gene_tables: list[str],
    allele_tables: list[str],
    panel_genes_path: str | None,
    known_fusions_path: str,
    min_samples: int,
    outputs,
) -> int:
    tables = [
        pd.read_csv(p, sep="\t", dtype={"gene_id": str, "gene_name": str}) for p in gene_tables
    ]
    counts, tpm = matrices(tables)
    counts.to_csv(outputs.counts, sep="\t", index=False)
    tpm.to_csv(outputs.tpm, sep="\t", index=False)
    genes = driver_genes(panel_genes_path, known_fusions_path)
    outliers(tpm, genes, min_samples).to_csv(outputs.outliers, sep="\t", index=False)
    alleles = [pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False) for p in allele_tables]
    pd.concat(alleles, ignore_index=True).to_csv(outputs.alleles, sep="\t", index=False)
    return len(tables)
