"""Rule sv_finalise: judge delly's calls into the final somatic SV VCF and TSV."""

import pysam

from icope.core.rulelog import rule_log
from icope.somatic.sv import finalise_sv_calls, thresholds_from_params

with rule_log(snakemake.log[0]) as log:
    normal = snakemake.params.normal or None
    if normal is None:
        log.info("tumour-only: delly filter -f somatic skipped, calls marked UNMATCHED")
    counts = finalise_sv_calls(
        snakemake.input.calls,
        snakemake.input.somatic if normal else None,
        snakemake.output.vcf,
        snakemake.output.tsv,
        snakemake.params.tumour,
        normal,
        thresholds_from_params(snakemake.params.thresholds),
    )
    pysam.tabix_index(snakemake.output.vcf, preset="vcf", force=True)
    log.info("%(calls)d delly calls, %(pass)d PASS", counts)
