"""Rule somatic_consensus: merge the methods' calls, add population and near-indel filters."""

import pysam

from icope.core.rulelog import rule_log
from icope.somatic.small_variants import SomaticThresholds, consensus

with rule_log(snakemake.log[0]) as log:
    methods = dict(zip(snakemake.params.methods, snakemake.input.methods, strict=True))
    counts = consensus(
        methods,
        snakemake.output.vcf,
        snakemake.params.tumour,
        snakemake.params.normal or None,
        SomaticThresholds.from_config(snakemake.params.thresholds),
        population_vcf=snakemake.input.population or None,
        population_field=snakemake.params.population_field,
        pon_vcf=snakemake.input.get("pon"),
    )
    pysam.tabix_index(snakemake.output.vcf, preset="vcf", force=True)
    log.info("consensus: %d candidates, %d PASS", counts["candidates"], counts["pass"])
