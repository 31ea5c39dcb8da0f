"""Rule somatic_calls: one method's candidates of a tumour (and its matched normal) over every
calling chunk (up to the job's threads at a time), gathered; freebayes' split per allele."""

import sys

from icope.core import callers
from icope.core.rulelog import rule_log
from icope.core.scatter import chunk_slots, run_scattered

with rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    samples = (snakemake.input.tumour, *([snakemake.input.normal] if p.normal else []))
    reads = callers.Reads(snakemake.input.fasta, samples)
    then = None
    if p.method == "freebayes":
        skip = callers.skip_coverage(
            list(snakemake.input.depth), p.settings["skip_factor"], p.settings["skip_minimum"]
        )
        log.info("freebayes --skip-coverage %d", skip)
        command = callers.somatic_freebayes(reads, p.settings, skip)
        then = callers.split_alleles(snakemake.input.fasta, snakemake.output[0])
    else:
        command = callers.somatic_pileup(reads, p.settings)
    slots = chunk_slots(list(snakemake.params.core), list(snakemake.params.padded))
    results = run_scattered(
        slots, command, snakemake.output[0], snakemake.threads, sys.stderr, then
    )
    log.info("%s: %d chunks called on %d threads", p.method, len(results), snakemake.threads)
