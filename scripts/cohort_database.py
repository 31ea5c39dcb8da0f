"""Rule cohort_database: the DuckDB database from every patient's fragments (DuckDB runs
with the rule's threads), the MAF, the cBioPortal study folder and the shareable aggregate."""

from icope.cohort.database import run_row
from icope.cohort.pipeline import write_cohort_outputs
from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv

with rule_log(snakemake.log[0]) as log:
    versions = dict(read_tsv(snakemake.input.versions)[["tool", "version"]].values)
    settings = snakemake.params.settings
    run = run_row(snakemake.params.sources, versions, settings["centre"])
    counts = write_cohort_outputs(
        snakemake.params.fragments, run, settings, dict(snakemake.output), snakemake.threads
    )
    for table, n in counts.items():
        log.info("%s: %d rows", table, n)
