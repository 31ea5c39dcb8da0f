"""Rule identity_check: genotypes of each of a patient's samples at the common SNPs, their
concordance and the sex check, written as the patient's identity.json."""

import json

from icope.core.identity import Reason, assess_patient, genotype_patient
from icope.core.rulelog import rule_log

with rule_log(snakemake.log[0]):
    files = snakemake.params.files
    thresholds = snakemake.params.thresholds
    sites = snakemake.input.get("sites") or Reason(
        "not assessed: no population file (reference.known_sites.gnomad) for the SNPs"
    )
    genotypes = genotype_patient(
        {s: f["alignment"] or Reason(f["why"]) for s, f in files.items()},
        snakemake.input.fasta,
        snakemake.input.get("positions"),
        sites,
        thresholds,
        snakemake.output.genotypes,
    )
    identity = assess_patient(
        snakemake.params.patient,
        snakemake.params.samples,
        genotypes,
        {s: f["depth"] for s, f in files.items() if f["depth"]},
        snakemake.input.fai,
        sites,
        thresholds,
    )
    with open(snakemake.output.json, "w") as handle:
        json.dump(identity, handle, indent=2, sort_keys=False)
        handle.write("\n")
