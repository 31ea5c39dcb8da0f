"""Rule qc_summary: pass/warn/fail per sample from fastp, samtools, mosdepth and salmon."""

import pandas as pd

from icope.core.qc import QC_COLUMNS, summarise_samples
from icope.core.rulelog import rule_log

with rule_log(snakemake.log[0]):
    rows = summarise_samples(
        snakemake.params.samples, snakemake.params.files, snakemake.params.thresholds
    )
    pd.DataFrame(rows, columns=QC_COLUMNS).to_csv(
        snakemake.output[0],
        sep="\t",
        index=False,
        na_rep="",
    )
