"""Rule rna_cohort: cohort expression matrices, panel/driver gene outliers, RNA allele counts."""

from icope.core.rulelog import rule_log
from icope.rna.cohort import cohort_rna

with rule_log(snakemake.log[0]) as log:
    n = cohort_rna(
        list(snakemake.input.genes),
        list(snakemake.input.alleles),
        snakemake.input.panel_genes or None,
        snakemake.input.known,
        snakemake.params.min_samples,
        snakemake.output,
    )
    log.info("%d RNA samples", n)
