"""Rule qc_summary: pass/warn/fail per sample from fastp, samtools, mosdepth and salmon."""

from pathlib import Path

import pandas as pd

from icope.core.qc import QC_COLUMNS, summarise_sample
from icope.core.rulelog import rule_log


def _for(paths, sample, suffix):
    return next((p for p in paths if Path(p).name == f"{sample}{suffix}"), None)


with rule_log(snakemake.log[0]):
    inp = snakemake.input
    rows = []
    for sample, meta in snakemake.params.samples.items():
        rows.append(
            summarise_sample(
                sample,
                meta,
                fastp=[p for p in inp.fastp if Path(p).name.startswith(f"{sample}.")],
                stats=_for(inp.stats, sample, ".stats"),
                mosdepth=_for(inp.mosdepth, sample, ".mosdepth.summary.txt"),
                salmon=next((p for p in inp.salmon if Path(p).parent.name == sample), None),
                thresholds=snakemake.params.thresholds,
            )
        )
    pd.DataFrame(rows, columns=QC_COLUMNS).to_csv(
        snakemake.output[0],
        sep="\t",
        index=False,
        na_rep="",
    )
