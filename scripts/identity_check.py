"""Rule identity_check: genotype concordance between a patient's samples and the sex check,
written as the patient's identity.json."""

import json

from icope.core.identity import Reason, assess_patient
from icope.core.rulelog import rule_log

with rule_log(snakemake.log[0]):
    files = snakemake.params.files
    genotypes = {s: f["genotypes"] or Reason(f["why"]) for s, f in files.items()}
    sites = snakemake.input.get("sites") or Reason(
        "not assessed: no population file (reference.known_sites.gnomad) for the SNPs"
    )
    identity = assess_patient(
        snakemake.params.patient,
        snakemake.params.samples,
        genotypes,
        {s: f["depth"] for s, f in files.items() if f["depth"]},
        snakemake.input.fai,
        sites,
        snakemake.params.thresholds,
    )
    with open(snakemake.output[0], "w") as handle:
        json.dump(identity, handle, indent=2, sort_keys=False)
        handle.write("\n")
