"""Rule cnv_het_sites: the normal's informative heterozygous SNPs for tumour BAF."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import select_het_sites

with rule_log(snakemake.log[0]) as log:
    n_sites = select_het_sites(snakemake.input.vcf, snakemake.params.normal, snakemake.output.vcf)
    log.info("%d heterozygous SNPs of %s selected", n_sites, snakemake.params.normal)
