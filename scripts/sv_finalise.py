"""Rule sv_finalise: delly's somatic filter, then judge delly's calls into the final somatic
SV VCF and TSV."""

import pysam

from icope.core.rulelog import rule_log
from icope.somatic.sv import filter_and_finalise

with rule_log(snakemake.log[0]) as log:
    counts = filter_and_finalise(
        snakemake.input.calls,
        snakemake.output.vcf,
        snakemake.output.tsv,
        snakemake.params.tumour,
        snakemake.params.normal or None,
        snakemake.params.delly_filter,
        snakemake.params.thresholds,
    )
    pysam.tabix_index(snakemake.output.vcf, preset="vcf", force=True)
    log.info("%(calls)d delly calls, %(pass)d PASS", counts)
