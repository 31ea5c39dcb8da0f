"""Rule cnv_segments: allele-specific segments with calls, and the LOH BED."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import (
    allele_specific_segments,
    contig_lengths,
    read_baf,
    read_cnvkit,
    write_loh_bed,
    write_segments,
)

with rule_log(snakemake.log[0]) as log:
    segments = allele_specific_segments(
        read_cnvkit(snakemake.input.cnr),
        read_cnvkit(snakemake.input.cns),
        read_baf(snakemake.input.baf),
        contig_lengths(snakemake.input.fai),
        purity=snakemake.params.purity,
    )
    write_segments(segments, snakemake.output.segments)
    n_loh = write_loh_bed(segments, snakemake.output.loh)
    log.info("%d segments, %d LOH/copy-loss", len(segments), n_loh)
    for call, count in segments["call"].value_counts().items():
        log.info("%s: %d", call, count)
