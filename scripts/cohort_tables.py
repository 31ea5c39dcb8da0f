"""Rule cohort_tables: all germline and somatic calls of all patients, TSV + Parquet."""

from icope.cohort import cohort_table, write_cohort
from icope.rulelog import rule_log

with rule_log(snakemake.log[0]) as log:  # noqa: F821
    table = cohort_table(
        list(snakemake.input.germline),  # noqa: F821
        list(snakemake.input.somatic),  # noqa: F821
        list(snakemake.input.panels),  # noqa: F821
        snakemake.params.samples,  # noqa: F821
        snakemake.params.sources,  # noqa: F821
    )
    write_cohort(table, snakemake.output.tsv, snakemake.output.parquet)  # noqa: F821
    log.info("%d variant rows", len(table))
