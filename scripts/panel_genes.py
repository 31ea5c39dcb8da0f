"""Rule panel_genes: resolve every panel gene in the annotation (unknown genes are an error)."""

from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.germline.panel import read_panel, resolve_panel

with rule_log(snakemake.log[0]) as log:
    genes = read_tsv(snakemake.input.genes)
    panel = read_panel(snakemake.input.panel)
    table = resolve_panel(panel, genes, snakemake.params.name, snakemake.input.panel)
    table.to_csv(snakemake.output[0], sep="\t", index=False)
    log.info("panel %s: %d genes resolved", snakemake.params.name, len(table))
