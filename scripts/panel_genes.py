"""Rule panel_genes: resolve every panel gene in the annotation (unknown genes are an error)."""

import pandas as pd

from icope.panel import read_panel, resolve_panel
from icope.rulelog import rule_log

with rule_log(snakemake.log[0]) as log:  # noqa: F821
    genes = pd.read_csv(snakemake.input.genes, sep="\t")  # noqa: F821
    panel = read_panel(snakemake.input.panel)  # noqa: F821
    table = resolve_panel(panel, genes, snakemake.params.name, snakemake.input.panel)  # noqa: F821
    table.to_csv(snakemake.output[0], sep="\t", index=False)  # noqa: F821
    log.info("panel %s: %d genes resolved", snakemake.params.name, len(table))  # noqa: F821
