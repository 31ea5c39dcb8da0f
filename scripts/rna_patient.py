"""Rule rna_patient: RNA allele counts at the patient's DNA calls, and its RNA document."""

from icope.core.rulelog import rule_log
from icope.rna.patient import patient_rna

with rule_log(snakemake.log[0]) as log:
    table = patient_rna(
        snakemake.params.patient,
        snakemake.params.files,
        snakemake.input.genes,
        snakemake.input.panel_genes or None,
        snakemake.params.rna,
        snakemake.output.alleles,
        snakemake.output.json,
    )
    log.info("%d sites x RNA samples; %d with RNA reads", len(table), (table.rna_depth > 0).sum())
