"""Rule somatic_call: score tumour/normal pileup counts into the somatic VCF."""

import pysam

from icope.rulelog import rule_log
from icope.somatic import SomaticThresholds, call_somatic

with rule_log(snakemake.log[0]) as log:  # noqa: F821
    keys = SomaticThresholds.__dataclass_fields__
    thresholds = SomaticThresholds(
        **{k: v for k, v in snakemake.params.thresholds.items() if k in keys}  # noqa: F821
    )
    counts = call_somatic(
        snakemake.input[0],  # noqa: F821
        snakemake.output.vcf,  # noqa: F821
        snakemake.params.tumour,  # noqa: F821
        snakemake.params.normal or None,  # noqa: F821
        thresholds,
    )
    pysam.tabix_index(snakemake.output.vcf, preset="vcf", force=True)  # noqa: F821
    log.info("%(candidates)d candidates, %(pass)d PASS", counts)
