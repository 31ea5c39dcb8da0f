"""The small-variant callers' command lines, one chunk at a time (run by
:func:`icope.core.scatter.run_scattered`), and the steps after gathering.

Every path is ``shlex``-quoted. The ``*_extra`` settings are argument strings pasted unquoted
on purpose (config/README.md). ``--no-version`` everywhere, and freebayes' ``##commandline``
(with data_dir paths) and ``##fileDate`` removed: no command lines or dates in the headers;
the tool versions are in results/versions.tsv.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from shlex import quote

from icope.core.scatter import ChunkSlot

#: freebayes' VCF header lines that carry paths and dates.
DROP_FREEBAYES_HEADER = "grep -v -e '^##commandline=' -e '^##fileDate='"


def skip_coverage(summaries: list[str], factor: float, minimum: int) -> int:
    """freebayes' ``--skip-coverage``: ``factor`` times the summed mean depth (mosdepth's
    ``total_region`` rows, over the calling targets) of the samples called, at least
    ``minimum``: pathological pileups (satellites, poly-G at thousands-fold depth) are
    skipped at any sequencing depth, normal sites never."""
    depth = 0.0
    for path in summaries:
        with open(path, newline="") as handle:
            for row in csv.reader(handle, delimiter="\t"):
                if row and row[0] == "total_region":
                    depth += float(row[3])
    return max(int(depth * factor), int(minimum))


@dataclass(frozen=True)
class Reads:
    """The reference and the alignments a job calls (a tumour-only pair has no normal)."""

    fasta: str
    samples: tuple[str, ...]

    def quoted(self) -> str:
        return " ".join(quote(s) for s in self.samples)


ChunkCommand = Callable[[ChunkSlot], str]


def germline_bcftools(reads: Reads, p: Mapping) -> ChunkCommand:
    """bcftools mpileup | call on the chunk's padded regions."""

    def command(slot: ChunkSlot) -> str:
        return (
            f"bcftools mpileup --no-version -f {quote(reads.fasta)} -R {quote(slot.padded)} "
            f"-q {quote(str(p['min_mapq']))} -Q {quote(str(p['min_bq']))} "
            f"-a FORMAT/AD,FORMAT/DP {p['mpileup_extra']} -Ou {reads.quoted()} "
            f"| bcftools call --no-version -m -v {p['call_extra']} -Ou"
        )

    return command


def germline_freebayes(reads: Reads, p: Mapping, skip: int) -> ChunkCommand:
    """freebayes, bounded: at most best_n alleles per site, no site deeper than ``skip``."""

    def command(slot: ChunkSlot) -> str:
        return (
            f"freebayes -f {quote(reads.fasta)} -t {quote(slot.padded)} "
            f"--min-mapping-quality {quote(str(p['min_mapq']))} "
            f"--min-base-quality {quote(str(p['min_bq']))} "
            f"--use-best-n-alleles {quote(str(p['best_n']))} --skip-coverage {skip} "
            f"{p['extra']} {reads.quoted()} | {DROP_FREEBAYES_HEADER}"
        )

    return command


def somatic_pileup(reads: Reads, p: Mapping) -> ChunkCommand:
    """Allele counts of tumour (and normal) at sites with enough tumour alt reads."""

    def command(slot: ChunkSlot) -> str:
        return (
            f"bcftools mpileup --no-version -f {quote(reads.fasta)} -R {quote(slot.padded)} "
            f"-q {quote(str(p['min_mapq']))} -Q {quote(str(p['min_bq']))} "
            f"-d {quote(str(p['max_depth']))} -a {quote(p['annotations'])} {p['extra']} -Ou "
            f"{reads.quoted()} "
            f"| bcftools view --no-version -i {quote(p['enough_alt_reads'])} -Ou"
        )

    return command


def somatic_freebayes(reads: Reads, p: Mapping, skip: int) -> ChunkCommand:
    """freebayes joint calling, pooled-continuous: allele frequencies are not constrained to
    diploid genotypes. Bounded by --use-best-n-alleles and --skip-coverage."""

    def command(slot: ChunkSlot) -> str:
        return (
            f"freebayes -f {quote(reads.fasta)} -t {quote(slot.padded)} --pooled-discrete "
            "--pooled-continuous --genotype-qualities --allele-balance-priors-off "
            f"--min-alternate-fraction {quote(str(p['min_af']))} "
            f"--min-alternate-count {quote(str(p['min_alt_count']))} "
            f"--min-mapping-quality {quote(str(p['min_mapq']))} "
            f"--min-base-quality {quote(str(p['min_bq']))} "
            f"--use-best-n-alleles {quote(str(p['best_n']))} --skip-coverage {skip} "
            f"{p['extra']} {reads.quoted()} | {DROP_FREEBAYES_HEADER}"
        )

    return command


def split_alleles(fasta: str, output: str) -> str:
    """freebayes' gathered records, one allele per record, left-aligned (after gathering:
    left-alignment may move a record across a chunk cut, and bcftools norm re-sorts)."""
    return (
        f"bcftools norm --no-version -f {quote(fasta)} -m -any -a --atom-overlaps . -Ob "
        f"-o {quote(output)}"
    )


def germline_normalise(fasta: str, vcf: str, min_qual: float, min_depth: int) -> str:
    """Gathered germline calls left-aligned, multiallelics split, duplicates and ``*``
    alleles dropped, soft-filtered (LowQual, LowDepth), bgzipped and indexed."""
    return (
        f"bcftools norm --no-version -f {quote(fasta)} -m -any -a --atom-overlaps . -Ou "
        f"| bcftools norm --no-version -f {quote(fasta)} -d exact -Ou "
        "| bcftools view --no-version -e 'ALT=\"*\"' -Ou "
        f"| bcftools filter --no-version -s LowQual -e {quote(f'QUAL<{min_qual}')} -Ou "
        f"| bcftools filter --no-version -s LowDepth -e {quote(f'INFO/DP<{min_depth}')} -Oz "
        f"-o {quote(vcf)} && tabix -p vcf {quote(vcf)}"
    )
