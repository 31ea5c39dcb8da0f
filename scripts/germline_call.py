"""Rule germline_call: the configured caller over every calling chunk of a normal (up to the
job's threads at a time), gathered, normalised and soft-filtered."""

import sys

from icope.core import callers
from icope.core.rulelog import rule_log
from icope.core.scatter import chunk_slots, run_scattered

with rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    reads = callers.Reads(snakemake.input.fasta, (snakemake.input.bam,))
    if p.caller == "freebayes":
        skip = callers.skip_coverage(
            list(snakemake.input.depth), p.settings["skip_factor"], p.settings["skip_minimum"]
        )
        log.info("freebayes --skip-coverage %d", skip)
        command = callers.germline_freebayes(reads, p.settings, skip)
    else:
        command = callers.germline_bcftools(reads, p.settings)
    slots = chunk_slots(list(snakemake.params.core), list(snakemake.params.padded))
    then = callers.germline_normalise(
        snakemake.input.fasta, snakemake.output.vcf, p.min_qual, p.min_depth
    )
    results = run_scattered(
        slots, command, snakemake.output.vcf, snakemake.threads, sys.stderr, then
    )
    log.info("%s: %d chunks called on %d threads", p.caller, len(results), snakemake.threads)
