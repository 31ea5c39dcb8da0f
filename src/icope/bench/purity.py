"""Purity/ploidy and two-hit benchmark (``icope bench purity``).

Two parts, both on data simulated here with their own seeds:

1. **Read level** (``read_level_purity``): the chr21 pair of :func:`icope.bench.run.simulated_pair`
   (a few hundred kb, normal 30x, tumour 60x, one copy-loss LOH segment of a tenth of the
   region) at purity 0.4, 0.6 and 0.8, run through the workflow up to ``cnv_segments``; the
   estimate in ``purity.json`` against the simulated purity.
2. **Count level** (``count_level_purity``, ``two_hit_scenarios``): CNVkit-like bins (log2 with
   Gaussian scatter, median-centred as CNVkit does) and het-SNP allele counts (binomial at the
   state's expected BAF) of genomes of several segments with known allele-specific states, at
   purity 0.4/0.6/0.8 over many seeds; and, for the two-hit call, a germline het variant with
   nearby het SNPs in four scenarios (mutant retained with the wild type lost by LOH, mutant
   lost by LOH, somatic LoF with both alleles kept, no second hit), each with a lone
   single-method somatic false positive in half of the seeds. The statistical models are
   exercised on exactly the data they assume (no mapping or caller error): the read-level runs
   say how the whole chain behaves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icope.somatic.cnv import BAF_COLUMNS, mirrored

PURITIES = (0.4, 0.6, 0.8)
#: Allele-specific states (total, minor) of the count-level genomes: mostly 1+1 with a copy
#: loss, a CN-LOH, an unbalanced gain and a balanced gain, in random order per seed.
GENOME_STATES = [(2, 1)] * 6 + [(1, 0), (2, 0), (3, 1), (4, 2)]


@dataclass(frozen=True)
class CountDesign:
    """A count-level tumour: bins and het SNPs per segment, depths and scatter."""

    bins_per_segment: int = 40
    snps_per_segment: int = 20
    tumour_depth: int = 60
    bin_sd: float = 0.15
    bin_size: int = 5000


def expected_ratio(purity: float, total: int) -> float:
    return (purity * total + 2 * (1 - purity)) / 2


def synthetic_tumour(
    purity: float,
    states: list[tuple[int, int]],
    rng: np.random.Generator,
    design: CountDesign = CountDesign(),  # noqa: B008 - frozen, immutable
    chrom: str = "chr1",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(bins, segments, baf) tables as the workflow's CNVkit and BAF rules write them.

    Segment k spans ``bins_per_segment`` bins; log2 ratios are median-centred over all bins
    (CNVkit's recentring); each SNP's tumour alt count is binomial at the state's minor-allele
    fraction, on a random parental allele.
    """
    bins, segments, snps = [], [], []
    length = design.bins_per_segment * design.bin_size
    for k, (total, minor) in enumerate(states):
        start = k * length
        log2 = math.log2(max(expected_ratio(purity, total), 1e-3))
        values = log2 + rng.normal(0, design.bin_sd, design.bins_per_segment)
        for b, value in enumerate(values):
            s = start + b * design.bin_size
            bins.append((chrom, s, s + design.bin_size, "-", 1.0, value, 1.0))
        segments.append((chrom, start, start + length, float(np.mean(values))))
        denominator = purity * total + 2 * (1 - purity)
        b_minor = (purity * minor + 1 - purity) / denominator if denominator > 0 else 0.5
        positions = np.sort(
            rng.choice(np.arange(start + 1, start + length), design.snps_per_segment, replace=False)
        )
        depths = rng.poisson(design.tumour_depth, len(positions))
        for pos, depth in zip(positions, depths, strict=True):
            fraction = b_minor if rng.random() < 0.5 else 1 - b_minor
            alt = int(rng.binomial(depth, fraction))
            snps.append((chrom, int(pos), "A", "G", 30, 0.5, int(depth) - alt, alt, int(depth)))
    bins_table = pd.DataFrame(
        bins, columns=["chrom", "start", "end", "gene", "depth", "log2", "weight"]
    )
    centre = float(bins_table["log2"].median())
    bins_table["log2"] -= centre
    seg_table = pd.DataFrame(segments, columns=["chrom", "start", "end", "log2"])
    seg_table["log2"] -= centre
    seg_table["probes"] = design.bins_per_segment
    baf = pd.DataFrame(snps, columns=BAF_COLUMNS[:9])
    with np.errstate(invalid="ignore", divide="ignore"):
        baf["baf"] = np.where(
            baf["tumour_depth"] > 0, baf["tumour_alt"] / baf["tumour_depth"], np.nan
        )
    baf["baf_mirrored"] = mirrored(baf["baf"])
    return bins_table, seg_table, baf
