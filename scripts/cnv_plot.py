"""Rule cnv_plot: copy ratio and BAF along the genome (PNG)."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import contig_lengths, plot_cnv, read_baf, read_cnvkit, read_segments

with rule_log(snakemake.log[0]):
    plot_cnv(
        read_cnvkit(snakemake.input.cnr),
        read_segments(snakemake.input.segments),
        read_baf(snakemake.input.baf),
        contig_lengths(snakemake.input.fai),
        snakemake.output.png,
        title=f"{snakemake.params.tumour} vs {snakemake.params.normal}",
    )
