"""Rule cohort_tables: all germline and somatic calls of all patients, TSV + Parquet."""

from icope.core.hgvs import load_annotator
from icope.core.rulelog import rule_log
from icope.report.cohort import cohort_table, write_cohort

with rule_log(snakemake.log[0]) as log:
    # consequence and HGVS on each gene's preferred transcript, as in the panel and report
    annotator = (
        load_annotator(snakemake.input.transcripts, snakemake.input.fasta)
        if snakemake.input.transcripts
        else None
    )
    table = cohort_table(
        snakemake.params.calls,
        list(snakemake.input.panels),
        snakemake.params.samples,
        snakemake.params.sources,
        annotator,
    )
    write_cohort(table, snakemake.output.tsv, snakemake.output.parquet)
    log.info("%d variant rows", len(table))
