"""Rule somatic_method_call: score one method's tumour/normal candidates."""

import pysam

from icope.core.rulelog import rule_log
from icope.somatic.small_variants import SomaticThresholds, TumourReads, call_method

with rule_log(snakemake.log[0]) as log:
    counts = call_method(
        snakemake.params.method,
        snakemake.input[0],
        snakemake.output.vcf,
        snakemake.params.tumour,
        snakemake.params.normal or None,
        SomaticThresholds.from_config(snakemake.params.thresholds),
        TumourReads(
            snakemake.input.tumour,
            snakemake.input.fasta,
            snakemake.params.min_bq,
            snakemake.params.min_mapq,
        ),
        workers=snakemake.threads,
    )
    pysam.tabix_index(snakemake.output.vcf, preset="vcf", force=True)
    log.info(
        "%s: %d candidates, %d PASS", snakemake.params.method, counts["candidates"], counts["pass"]
    )
