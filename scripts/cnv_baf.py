"""Rule cnv_baf: the normal's informative heterozygous SNPs, the tumour's pileup there and
its B-allele frequencies."""

from icope.core.rulelog import rule_log
from icope.somatic.cnv import tumour_baf

with rule_log(snakemake.log[0]):
    tumour_baf(
        snakemake.input.vcf,
        snakemake.params.normal,
        snakemake.input.tumour,
        snakemake.input.fasta,
        snakemake.params.pileup,
        snakemake.output.baf,
    )
