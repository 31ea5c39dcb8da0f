"""Rule check_reads: read a unit's pair to the end; a broken file fails the job by name."""

import json
import sys

from icope.core.reads import ReadFileError, check_fastq_pair
from icope.core.rulelog import rule_log

unit = f"sample {snakemake.wildcards.sample}, unit {snakemake.wildcards.unit}"
if snakemake.params.source:
    unit += f" (reads extracted from {snakemake.params.source})"
problem = None
with rule_log(snakemake.log[0]) as log:
    try:
        report = check_fastq_pair(
            snakemake.input.r1, snakemake.input.r2, snakemake.params.min_pairs
        )
    except ReadFileError as exc:
        problem = f"check_reads: {unit}: {exc}"
        log.error("%s", problem)
    else:
        with open(snakemake.output.report, "w") as handle:
            json.dump(report.as_dict(), handle, indent=2)
            handle.write("\n")
        log.info("%s: %s", unit, report.as_dict())
# Outside the log's redirection, so the message reaches Snakemake's stderr too.
if problem:
    sys.exit(problem)
