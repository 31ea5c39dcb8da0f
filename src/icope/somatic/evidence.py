"""Read evidence of a somatic candidate beyond its allele counts: the error rate of the reads
that carry it (from their base and mapping qualities) and the artefact tests that still work
with a handful of alt reads (strand, distance to the read ends, depth-scaled support).

The error rate is per allele: the alt reads' mean base quality, combined with their mean
mapping quality (a read is wrong if its base call is wrong or it is misplaced), floored by the
config's ``error_rate``. For the tumour log-odds the mean base quality is the right summary:
each alt read adds about ``log10(fraction / (error / 3))``, which is linear in its phred
quality, so the sum over reads depends on the qualities only through their sum (``QS``/``QA``).

Orientation bias (oxoG-style C>A/G>T and FFPE-style C>T/G>A artefacts, whose alt reads all
come from one read of the pair: F1R2 vs F2R1) needs per-read-orientation counts, which neither
``bcftools mpileup`` nor freebayes writes: :func:`orientation_counts` reads them from the
tumour's alignments at each candidate of those substitution classes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pysam

#: bcftools mpileup caps each read's distance to its nearer end at 25 in INFO/I16.
I16_TAIL_CAP = 25


def phred_to_error(phred: float) -> float:
    """Error probability of a phred-scaled quality.

    >>> phred_to_error(30)
    0.001
    """
    return 10 ** (-phred / 10)


def allele_error(base_error: float, mean_mapq: float | None, floor: float) -> float:
    """Probability that a read supporting an allele is wrong: its base call is an error
    (``base_error``, from the base qualities) or the read is mismapped (its mapping quality),
    ``1 - (1 - e_base)(1 - e_map)``, at least ``floor`` and at most 0.5.

    >>> round(allele_error(0.01, 60, 0.001), 5)
    0.01
    >>> allele_error(0.0001, None, 0.001)
    0.001
    >>> round(allele_error(0.001, 20, 0.001), 4)
    0.011
    """
    correct = 1 - base_error
    if mean_mapq is not None:
        correct *= 1 - phred_to_error(mean_mapq)
    return min(0.5, max(floor, 1 - correct))


def _log_binom_pmf(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided binomial p: total probability of the outcomes no more likely than ``k``.

    >>> round(binomial_two_sided(0, 6, 0.5), 5)
    0.03125
    >>> binomial_two_sided(3, 6, 0.5)
    1.0
    """
    if n == 0 or p <= 0 or p >= 1:
        return 1.0
    observed = _log_binom_pmf(k, n, p)
    total = sum(
        math.exp(lp)
        for lp in (_log_binom_pmf(x, n, p) for x in range(n + 1))
        if lp <= observed + 1e-9
    )
    return min(1.0, total)


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p).

    >>> round(binomial_upper_tail(3, 60, 0.001), 7)
    3.28e-05
    """
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    total = 0.0
    for x in range(k, n + 1):
        term = math.exp(_log_binom_pmf(x, n, p))
        total += term
        if x > n * p and term < total * 1e-12:  # past the mode the terms only shrink
            break
    return min(1.0, total)


@dataclass(frozen=True)
class StrandCounts:
    """Forward/reverse reads of the reference and the alt allele (one sample)."""

    ref_forward: int
    ref_reverse: int
    alt_forward: int
    alt_reverse: int

    def bias_p(self, pseudo_reads: int = 2) -> float:
        """Two-sided binomial p of the alt reads' forward/reverse split, the expected forward
        fraction being the ref reads' (with ``pseudo_reads`` on each strand, so a thin or
        one-sided reference still expects some of both).

        >>> round(StrandCounts(30, 30, 6, 0).bias_p(), 4)
        0.0313
        >>> round(StrandCounts(30, 30, 3, 3).bias_p(), 3)
        1.0
        """
        ref_total = self.ref_forward + self.ref_reverse + 2 * pseudo_reads
        forward_fraction = (self.ref_forward + pseudo_reads) / ref_total
        alt = self.alt_forward + self.alt_reverse
        return binomial_two_sided(self.alt_forward, alt, forward_fraction)

    @property
    def minor_fraction(self) -> float:
        """Fraction of the alt reads on their less used strand."""
        alt = self.alt_forward + self.alt_reverse
        return min(self.alt_forward, self.alt_reverse) / alt if alt else 0.0


@dataclass(frozen=True)
class ReadEnds:
    """Distance of the bases to the nearer end of their read (I16: sums and sums of squares,
    each read's distance capped at :data:`I16_TAIL_CAP`) of the ref and the alt reads."""

    ref_reads: int
    ref_sum: float
    ref_sum_sq: float
    alt_reads: int
    alt_sum: float
    alt_sum_sq: float

    @property
    def alt_mean(self) -> float:
        return self.alt_sum / self.alt_reads if self.alt_reads else float("nan")

    def z(self, min_sd: float = 1.0) -> float | None:
        """Two-sample z of the alt reads' mean distance against the ref reads' (pooled
        standard deviation; negative = alt bases nearer the read ends); None without reads
        on both sides.

        >>> round(ReadEnds(60, 60 * 21, 60 * (21**2 + 49), 3, 9, 3 * (9 + 9)).z(), 2)
        -3.87
        """
        if self.ref_reads < 2 or self.alt_reads == 0:
            return None
        reads = self.ref_reads + self.alt_reads
        mean = (self.ref_sum + self.alt_sum) / reads
        variance = max((self.ref_sum_sq + self.alt_sum_sq) / reads - mean**2, 0.0)
        sd = max(math.sqrt(variance), min_sd)
        se = sd * math.sqrt(1 / self.alt_reads + 1 / self.ref_reads)
        return (self.alt_mean - self.ref_sum / self.ref_reads) / se

    @classmethod
    def from_i16(cls, i16) -> ReadEnds:
        """From INFO/I16: counts 0-3 (ref fwd/rev, alt fwd/rev), tail sums 12-15."""
        return cls(
            ref_reads=int(i16[0] + i16[1]),
            ref_sum=float(i16[12]),
            ref_sum_sq=float(i16[13]),
            alt_reads=int(i16[2] + i16[3]),
            alt_sum=float(i16[14]),
            alt_sum_sq=float(i16[15]),
        )


def error_alone_p(alt: int, depth: int, error: float) -> float:
    """Probability that sequencing error alone gives at least ``alt`` reads of one particular
    alt base at ``depth`` (each read shows it with probability ``error / 3``): the bar rises
    with depth and error rate.

    >>> f"{error_alone_p(3, 60, 0.001):.2g}"
    '1.2e-06'
    >>> f"{error_alone_p(3, 60, 0.01):.2g}"
    '0.0011'
    >>> f"{error_alone_p(3, 300, 0.001):.2g}"
    '0.00015'
    """
    return binomial_upper_tail(alt, depth, error / 3)


#: Substitutions that oxidation (8-oxoG: C>A/G>T) and deamination (FFPE, cytosine: C>T/G>A)
#: make on one strand of the library fragment, so on one read of the pair.
ORIENTATION_PRONE = frozenset({("C", "A"), ("G", "T"), ("C", "T"), ("G", "A")})


def orientation_prone(ref: str, alt: str) -> bool:
    """Whether an SNV is of a class that orientation artefacts produce.

    >>> orientation_prone("G", "T"), orientation_prone("A", "G")
    (True, False)
    """
    return (ref.upper(), alt.upper()) in ORIENTATION_PRONE


@dataclass(frozen=True)
class OrientationCounts:
    """Reads of the ref and the alt allele by pair orientation: F1R2 = read 1 on the forward
    strand or read 2 on the reverse (its mate then reads the other way), F2R1 the opposite."""

    ref_f1r2: int
    ref_f2r1: int
    alt_f1r2: int
    alt_f2r1: int

    def bias_p(self, pseudo_reads: int = 2) -> float:
        """Two-sided binomial p of the alt reads' F1R2/F2R1 split, expected as the ref reads'
        (with ``pseudo_reads`` in each orientation, as for the strand test).

        >>> round(OrientationCounts(20, 20, 8, 0).bias_p(), 4)
        0.0078
        >>> round(OrientationCounts(20, 20, 4, 4).bias_p(), 3)
        1.0
        """
        as_strands = StrandCounts(self.ref_f1r2, self.ref_f2r1, self.alt_f1r2, self.alt_f2r1)
        return as_strands.bias_p(pseudo_reads)

    @property
    def minor_fraction(self) -> float:
        """Fraction of the alt reads in their less used orientation."""
        alt = self.alt_f1r2 + self.alt_f2r1
        return min(self.alt_f1r2, self.alt_f2r1) / alt if alt else 0.0


def is_f1r2(read: pysam.AlignedSegment) -> bool:
    """Whether a paired read is in F1R2 orientation (read 1 forward or read 2 reverse)."""
    return read.is_read1 != read.is_reverse


def orientation_counts(
    alignments: pysam.AlignmentFile,
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    min_base_quality: int,
    min_mapq: int,
) -> OrientationCounts:
    """Ref and alt reads by pair orientation at a 1-based SNV position (paired, primary,
    non-duplicate reads at the calling's base and mapping quality cuts; a fragment whose
    mates overlap the site counts once, by its higher-quality base)."""
    counts = {(allele, f1r2): 0 for allele in (ref, alt) for f1r2 in (True, False)}
    columns = alignments.pileup(
        chrom,
        pos - 1,
        pos,
        truncate=True,
        stepper="samtools",
        min_base_quality=min_base_quality,
        min_mapping_quality=min_mapq,
        ignore_overlaps=True,
        max_depth=1_000_000,
    )
    for column in columns:
        for read in column.pileups:
            segment = read.alignment
            if read.is_del or read.query_position is None or not segment.is_paired:
                continue
            if segment.query_qualities[read.query_position] < min_base_quality:
                continue  # the lower-quality mate of an overlapping pair
            base = segment.query_sequence[read.query_position].upper()
            key = (base, is_f1r2(segment))
            if key in counts:
                counts[key] += 1
    return OrientationCounts(
        counts[(ref, True)], counts[(ref, False)], counts[(alt, True)], counts[(alt, False)]
    )
