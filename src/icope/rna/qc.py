"""RNA QC: STAR's mapping rates, the library's strandedness, salmon's detected library type.

Strandedness is read from STAR's ``ReadsPerGene.out.tab`` (``--quantMode GeneCounts``): column
3 counts read pairs whose first read lies on the gene's strand, column 4 those on the opposite
strand. Their share of the stranded total says the library type: at least ``min_fraction``
on one side is a stranded library (``forward``: read 1 on the transcript's strand, salmon
``ISF``, htseq ``-s yes``; ``reverse``: read 1 antisense, dUTP/TruSeq stranded, salmon
``ISR``), else ``unstranded`` (``IU``). With fewer than ``min_reads`` such pairs the type is
"not assessable" rather than guessed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

RNA_QC_COLUMNS = [
    "sample",
    "input_read_pairs",
    "uniquely_mapped_rate",
    "multi_mapped_rate",
    "star_mapping_rate",
    "chimeric_rate",
    "strand_reads",
    "sense_fraction",
    "strandedness",
    "salmon_library_type",
    "salmon_observed_format",
    "salmon_compatible_ratio",
    "salmon_mapping_rate",
]


#: salmon's paired- and single-end library formats (lib_format_counts.json)
SALMON_FORMATS = ("ISF", "ISR", "IU", "MSF", "MSR", "MU", "OSF", "OSR", "OU", "SF", "SR", "U")


def sa_index_nbases(genome_length: int) -> int:
    """STAR ``--genomeSAindexNbases``: min(14, log2(length) / 2 - 1), STAR's manual formula
    for small genomes (14 for GRCh38; 6 for a 40 kb segment).

    >>> sa_index_nbases(3_100_000_000), sa_index_nbases(40_001)
    (14, 6)
    """
    return max(1, min(14, int(math.log2(genome_length) / 2 - 1)))


def genome_length(fai: str) -> int:
    return sum(int(line.split("\t")[1]) for line in Path(fai).read_text().splitlines() if line)


def _percent(value: str) -> float:
    return round(float(value.rstrip("%")) / 100, 4)


def star_log(path: str) -> dict:
    """Input pairs and mapping rates from STAR's ``Log.final.out``."""
    fields = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition("|")
        if sep:
            fields[key.strip()] = value.strip()
    unique = _percent(fields["Uniquely mapped reads %"])
    multi = _percent(fields["% of reads mapped to multiple loci"])
    return {
        "input_read_pairs": int(fields["Number of input reads"]),
        "uniquely_mapped_rate": unique,
        "multi_mapped_rate": multi,
        "star_mapping_rate": round(unique + multi, 4),
        "chimeric_rate": _percent(fields.get("% of chimeric reads", "0%")),
    }


def strandedness(reads_per_gene: str, min_fraction: float, min_reads: int) -> dict:
    """Library strandedness from STAR's ReadsPerGene.out.tab (see the module docstring)."""
    sense = antisense = 0
    for line in Path(reads_per_gene).read_text().splitlines():
        cols = line.split("\t")
        if len(cols) < 4 or cols[0].startswith("N_"):
            continue
        sense += int(cols[2])
        antisense += int(cols[3])
    total = sense + antisense
    if total < min_reads:
        return {
            "strand_reads": total,
            "sense_fraction": "not assessable",
            "strandedness": f"not assessable ({total} gene-assigned pairs < {min_reads})",
        }
    fraction = round(sense / total, 4)
    kind = (
        "forward"
        if fraction >= min_fraction
        else "reverse"
        if fraction <= 1 - min_fraction
        else "unstranded"
    )
    return {"strand_reads": total, "sense_fraction": fraction, "strandedness": kind}


def salmon_library(quant_dir: str) -> dict:
    """salmon's detected library type (``-l A``), the format most of its mapped fragments had
    (salmon's -l A settles on IU when a sample has fewer reads than it inspects before
    deciding, whatever the counts), its compatible-fragment ratio and mapping rate."""
    lib = json.loads((Path(quant_dir) / "lib_format_counts.json").read_text())
    counts = {k: int(lib.get(k, 0)) for k in SALMON_FORMATS}
    observed = max(counts, key=counts.get) if any(counts.values()) else "no mapped fragment"
    meta = json.loads((Path(quant_dir) / "aux_info" / "meta_info.json").read_text())
    return {
        "salmon_library_type": lib.get("expected_format", "not reported"),
        "salmon_observed_format": observed,
        "salmon_compatible_ratio": round(float(lib.get("compatible_fragment_ratio", 0)), 4),
        "salmon_mapping_rate": round(meta["percent_mapped"] / 100, 4),
    }


def rna_qc_row(
    sample: str,
    star_final_log: str,
    reads_per_gene: str,
    salmon_dir: str,
    min_fraction: float,
    min_reads: int,
) -> dict:
    row = {"sample": sample}
    row |= star_log(star_final_log)
    row |= strandedness(reads_per_gene, min_fraction, min_reads)
    row |= salmon_library(salmon_dir)
    return {key: row[key] for key in RNA_QC_COLUMNS}
