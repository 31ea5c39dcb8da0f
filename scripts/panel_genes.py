"""Rule panel_genes: resolve every panel gene in the annotation (unknown genes are an error)."""

import pandas as pd

from icope.panel import read_panel, resolve_panel
from icope.rulelog import rule_log

with rule_log(snakemake.log[0]) as log:
    genes = pd.read_csv(snakemake.input.genes, sep="\t")
    panel = read_panel(snakemake.input.panel)
    table = resolve_panel(panel, genes, snakemake.params.name, snakemake.input.panel)
    table.to_csv(snakemake.output[0], sep="\t", index=False)
    log.info("panel %s: %d genes resolved", snakemake.params.name, len(table))
