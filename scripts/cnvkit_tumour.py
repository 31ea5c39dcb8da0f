"""Rule cnvkit_tumour: CNVkit copy ratios (.cnr) and segments (.cns) of a tumour."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import run_cnvkit

with rule_log(snakemake.log[0]) as log:
    usable = run_cnvkit(
        snakemake.input.tumour,
        snakemake.input.reference,
        snakemake.output.cnr,
        snakemake.output.cns,
        snakemake.threads,
        snakemake.params.segment_method,
        extra=snakemake.params.extra,
    )
    log.info("%d usable reference bins", usable)
