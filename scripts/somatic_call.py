"""Rule somatic_call: score tumour/normal pileup counts into the somatic VCF."""

import pysam

from icope.rulelog import rule_log
from icope.somatic import SomaticThresholds, call_somatic

with rule_log(snakemake.log[0]) as log:
    keys = SomaticThresholds.__dataclass_fields__
    thresholds = SomaticThresholds(
        **{k: v for k, v in snakemake.params.thresholds.items() if k in keys}
    )
    counts = call_somatic(
        snakemake.input[0],
        snakemake.output.vcf,
        snakemake.params.tumour,
        snakemake.params.normal or None,
        thresholds,
    )
    pysam.tabix_index(snakemake.output.vcf, preset="vcf", force=True)
    log.info("%(candidates)d candidates, %(pass)d PASS", counts)
