"""Rule calling_chunks: the reference (or its targets) cut into balanced calling chunks."""

import re

from icope.core.chunks import build_chunks, read_fai, write_chunks
from icope.core.rulelog import rule_log
from icope.core.stamps import write_stamp

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.settings
    slots = len(snakemake.output.core)
    chunks, padding = build_chunks(
        snakemake.input.fasta,
        snakemake.input.fai,
        snakemake.input.targets or None,
        slots,
        settings,
    )
    contigs = read_fai(snakemake.input.fai)
    write_chunks(
        chunks,
        list(snakemake.output.core),
        list(snakemake.output.padded),
        snakemake.output.table,
        padding=padding,
        lengths={row[0]: row[1] for row in contigs},
        first_contig=contigs[0][0],
    )
    sizes = [c.length for c in chunks]
    log.info(
        "%d of %d chunk slots used (%s mode, padding %d bp); bp per chunk: min %d, mean %.0f, "
        "max %d; %d cuts inside sequence",
        len(chunks),
        slots,
        "targets" if snakemake.input.targets else "whole-genome",
        padding,
        min(sizes),
        sum(sizes) / len(sizes),
        max(sizes),
        sum(c.cut_in_sequence for c in chunks) // 2,
    )
    exclude = settings.get("exclude_contigs") if not snakemake.input.targets else ""
    if exclude:
        skipped = [row[0] for row in contigs if re.search(exclude, row[0])]
        log.info(
            "not called (calling.exclude_contigs): %d contigs, %d bp: %s",
            len(skipped),
            sum(row[1] for row in contigs if row[0] in set(skipped)),
            ", ".join(skipped) or "none",
        )
    write_stamp(
        [*snakemake.output.core, *snakemake.output.padded, snakemake.output.table],
        snakemake.output.stamp,
    )
