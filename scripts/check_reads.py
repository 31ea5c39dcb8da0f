"""Rule check_reads: read every unit's pair of one sample to the end, units in parallel; a
broken file fails the job by name (every broken unit of the sample at once)."""

import json
import sys

from icope.core.reads import UnitReads, check_sample
from icope.core.rulelog import rule_log

params = snakemake.params
units = {
    name: UnitReads(r1, r2, source)
    for name, r1, r2, source in zip(
        params.units, snakemake.input.r1, snakemake.input.r2, params.sources, strict=True
    )
}
with rule_log(snakemake.log[0]) as log:
    # Each unit: its own thread checks while R1 and R2 decompress on one thread each.
    workers = max(1, snakemake.threads // 2)
    figures, problems = check_sample(snakemake.wildcards.sample, units, params.min_pairs, workers)
    for problem in problems:
        log.error("%s", problem)
    for name, unit in figures.items():
        log.info("sample %s, unit %s: %s", snakemake.wildcards.sample, name, unit)
    if not problems:
        with open(snakemake.output.report, "w") as handle:
            json.dump({"units": figures}, handle, indent=2)
            handle.write("\n")
# Outside the log's redirection, so the messages reach Snakemake's stderr too.
if problems:
    sys.exit("\n".join(problems))
