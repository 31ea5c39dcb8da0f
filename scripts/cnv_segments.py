"""Rule cnv_segments: purity/ploidy fit, allele-specific segments with calls, the LOH BED."""

from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.somatic.cnv import (
    CnvThresholds,
    contig_lengths,
    fit_segments,
    read_baf,
    read_cnvkit,
    write_loh_bed,
    write_purity,
    write_segments,
)
from icope.somatic.purity import FitSettings

with rule_log(snakemake.log[0]) as log:
    settings = FitSettings.from_config(snakemake.params.fit)
    segments, fit = fit_segments(
        read_cnvkit(snakemake.input.cnr),
        read_cnvkit(snakemake.input.cns),
        read_baf(snakemake.input.baf),
        contig_lengths(snakemake.input.fai),
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
