"""Rule cnv_segments: purity/ploidy fit, allele-specific segments with calls, the LOH BED and
the plot of copy ratio and BAF along the genome (PNG)."""

from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.somatic.cnv import (
    CnvThresholds,
    contig_lengths,
    fit_segments,
    plot_cnv,
    read_baf,
    read_cnvkit,
    read_segments,
    write_loh_bed,
    write_purity,
    write_segments,
)
from icope.somatic.purity import FitSettings

with rule_log(snakemake.log[0]) as log:
    settings = FitSettings.from_config(snakemake.params.fit)
    bins, baf = read_cnvkit(snakemake.input.cnr), read_baf(snakemake.input.baf)
    contigs = contig_lengths(snakemake.input.fai)
    segments, fit = fit_segments(
        bins,
        read_cnvkit(snakemake.input.cns),
        baf,
        contigs,
        CnvThresholds(),
        purity=snakemake.params.purity,
        svs=read_tsv(snakemake.input.svs),
        settings=settings,
    )
    write_segments(segments, snakemake.output.segments)
    write_purity(fit, snakemake.output.purity)
    n_loh = write_loh_bed(segments, snakemake.output.loh)
    log.info("purity %s (%s, %s), ploidy %s", fit.purity, fit.source, fit.status, fit.ploidy)
    log.info("%d segments, %d LOH/copy-loss", len(segments), n_loh)
    for call, count in segments["call"].value_counts().items():
        log.info("%s: %d", call, count)
    plot_cnv(
        bins,
        read_segments(snakemake.output.segments),
        baf,
        contigs,
        snakemake.output.png,
        title=f"{snakemake.params.tumour} vs {snakemake.params.normal}",
    )
