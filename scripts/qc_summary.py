"""Rule qc_summary: every patient's QC rows in one cohort table, in sample-sheet order."""

from icope.core.qc import gather_qc_tables
from icope.core.rulelog import rule_log

with rule_log(snakemake.log[0]) as log:
    table = gather_qc_tables(list(snakemake.input), snakemake.params.samples)
    table.to_csv(snakemake.output[0], sep="\t", index=False, na_rep="")
    log.info("%d samples", len(table))
