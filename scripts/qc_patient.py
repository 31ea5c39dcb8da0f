"""Rule qc_patient: pass/warn/fail for each sample of one patient from fastp, samtools,
mosdepth and salmon."""

from icope.core.qc import summarise_samples, write_qc_table
from icope.core.rulelog import rule_log

with rule_log(snakemake.log[0]):
    rows = summarise_samples(
        snakemake.params.samples, snakemake.params.files, snakemake.params.thresholds
    )
    write_qc_table(rows, snakemake.output[0])
