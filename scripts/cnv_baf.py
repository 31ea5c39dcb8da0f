"""Rule cnv_baf: tumour B-allele frequency at the normal's heterozygous SNPs."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import compute_baf, read_het_sites, read_pileup_counts, write_baf

with rule_log(snakemake.log[0]) as log:
    baf = compute_baf(
        read_het_sites(snakemake.input.sites, snakemake.params.normal),
        read_pileup_counts(snakemake.input.counts),
    )
    write_baf(baf, snakemake.output.baf)
    log.info("%d SNPs, %d with tumour reads", len(baf), int((baf["tumour_depth"] > 0).sum()))
