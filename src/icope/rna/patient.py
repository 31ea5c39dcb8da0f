"""One patient's RNA evidence: allele counts of every RNA sample at the patient's germline
calls (within panel genes; within any gene without a panel) and somatic calls, and the RNA
document the report reads (QC, allele counts, fusions)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.rna.alleles import ALLELE_COLUMNS, allele_counts, gene_spans, sites_from_variants
from icope.rna.report import rna_summary


def patient_sites(patient: str, files: dict, gene_table: pd.DataFrame, panel: set | None):
    """The DNA calls RNA is looked up at: germline ones in the (panel) genes, all somatic."""
    spans = gene_spans(gene_table, panel)
    sites = []
    for vcf in files["germline"].values():
        sites += sites_from_variants(read_variants(vcf, patient, "germline"), "germline", spans)
    for vcf in files["somatic"].values():
        sites += sites_from_variants(read_variants(vcf, patient, "somatic"), "somatic", spans)
    return sites


def patient_rna(
    patient: str,
    files: dict,
    gene_table_path: str,
    panel_genes_path: str | None,
    settings: dict,
    alleles_out: str,
    json_out: str,
) -> pd.DataFrame:
    gene_table = read_tsv(gene_table_path)
    panel = set(read_tsv(panel_genes_path)["gene"]) if panel_genes_path else None
    sites = patient_sites(patient, files, gene_table, panel)
    rows = []
    for sample, own in files["rna"].items():
        rows += allele_counts(
            own["bam"],
            sites,
            patient=patient,
            rna_sample=sample,
            min_depth=settings["ase_min_depth"],
            max_p=settings["ase_max_p"],
            min_base_quality=settings["min_base_quality"],
            min_mapq=settings["min_mapq"],
        )
    table = pd.DataFrame(rows, columns=ALLELE_COLUMNS)
    table.to_csv(alleles_out, sep="\t", index=False)
    qc = [pd.read_csv(f["qc"], sep="\t") for f in files["rna"].values()]
    fusions = [pd.read_csv(f["fusions"], sep="\t") for f in files["rna"].values()]
    summary = rna_summary(patient, qc, table, [f for f in fusions if len(f)])
    Path(json_out).write_text(json.dumps(summary, indent=1) + "\n")
    return table
