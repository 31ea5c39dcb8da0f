"""Rule rna_sample_tables: gene-level counts/TPM, RNA QC and fusions of one RNA sample."""

from icope.core.rulelog import rule_log
from icope.rna.sample import sample_tables

with rule_log(snakemake.log[0]) as log:
    row = sample_tables(
        snakemake.params.sample, snakemake.input, snakemake.params.rna, snakemake.output
    )
    log.info("%s", row)
