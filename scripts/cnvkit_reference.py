"""Rule cnvkit_reference: CNVkit copy-number reference from one normal (WGS bins)."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import build_reference

with rule_log(snakemake.log[0]) as log:
    bin_size = build_reference(
        snakemake.input.bam,
        snakemake.input.fasta,
        snakemake.input.fai,
        snakemake.output.reference,
        snakemake.threads,
        extra=snakemake.params.extra,
    )
    log.info("reference with %d bp bins written", bin_size)
