"""Tumour purity and ploidy from segment copy ratios and B-allele frequencies together, and the
integer allele-specific copy number of each segment (as ASCAT, Sequenza and PURPLE do).

Model. A tumour of purity ``p`` mixed with diploid normal cells; a segment whose tumour cells
carry ``n = nA + nB`` copies (``nA >= nB``) has the expected copy ratio, relative to the level
CNVkit centres on (log2 0),

    R(n) = (p n + 2 (1 - p)) / (p psi + 2 (1 - p))

where ``psi`` is the tumour copy number of that reference level (CNVkit centres on the median
bin, so a loss over most of the genome moves it: ``psi`` is fitted, from 1 copy up, and a loss
over most of a short contig is not hidden by the recentring). The minor allele's expected
fraction in the reads is

    b(n, nB) = (p nB + (1 - p)) / (p n + 2 (1 - p)),  mirrored BAF 1 - b.

Likelihood of one segment in a state: a Gaussian of its log2 ratio around ``log2 R`` (standard
error from the bins' scatter and a floor for systematic error) plus, at each of its het SNPs, the
binomial likelihood of the tumour's alt reads under ``b`` or ``1 - b`` (phase unknown, each with
probability 1/2), minus an event penalty per copy away from 1+1. Each segment takes its best
state; a grid point's log-likelihood is the sum over segments. The best grid point gives purity
and the states; the 95 % interval of purity holds the purities whose profile log-likelihood
(best over ``psi``) lies within 1.92 of the maximum (likelihood-ratio test, 1 d.f.), and the
ploidy interval the mean tumour ploidies of the grid points in that region.

A whole-genome doubling is an exact tie (``p, psi`` and ``p / (2 - p), 2 psi``): the event penalty
chooses the simpler solution. Without any segment away from 1+1 purity is not identifiable and
reported as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: 95 % likelihood-ratio interval: half the chi-square(1) quantile 3.84.
LR_INTERVAL_DROP = 1.92
#: Floor of a read's allele probability (sequencing error keeps an LOH BAF from 0 or 1).
BAF_ERROR = 0.005
#: Minor-allele fractions at which each segment's BAF log-likelihood is tabulated.
B_GRID = np.linspace(BAF_ERROR, 0.5, 200)


@dataclass(frozen=True)
class FitSettings:
    """Grid and model settings of the purity/ploidy fit (config ``cnv.fit``)."""

    min_purity: float = 0.1
    max_purity: float = 1.0
    purity_step: float = 0.01
    min_ploidy: float = 1.0
    max_ploidy: float = 5.0
    ploidy_step: float = 0.05
    max_copy_number: int = 6
    log2_sd_floor: float = 0.05
    event_penalty: float = 2.0
    min_het_snps: int = 3

    @classmethod
    def from_config(cls, values: dict | None) -> FitSettings:
        return cls(**(values or {}))


@dataclass
class SegmentEvidence:
    """What the fit knows about one segment: its log2 ratio, standard error, bins, and the
    tumour alt/total read counts of its het SNPs."""

    log2: float
    se: float
    n_bins: int
    alt: np.ndarray
    depth: np.ndarray

    @property
    def n_het(self) -> int:
        return len(self.depth)


@dataclass
class PurityFit:
    purity: float | None
    ploidy: float | None
    reference_copy_number: float
    purity_interval: tuple[float, float] | None
    ploidy_interval: tuple[float, float] | None
    log_likelihood: float
    source: str
    status: str
    reason: str
    states: list[tuple[int, int] | None]
    #: The grid purity the states were chosen at (the estimate, or the best grid point when
    #: purity is not identifiable and every state is 1+1 anyway).
    state_purity: float = 1.0

    def as_json(self) -> dict:
        def rounded(value, digits=3):
            return None if value is None else round(float(value), digits)

        return {
            "purity": rounded(self.purity),
            "purity_interval": (
                None if self.purity_interval is None else [rounded(v) for v in self.purity_interval]
            ),
            "ploidy": rounded(self.ploidy),
            "ploidy_interval": (
                None if self.ploidy_interval is None else [rounded(v) for v in self.ploidy_interval]
            ),
            "reference_copy_number": rounded(self.reference_copy_number),
            "log_likelihood": rounded(self.log_likelihood, 2),
            "source": self.source,
            "status": self.status,
            "reason": self.reason,
            "interval_method": "95 % profile likelihood (drop 1.92)",
        }


def allele_states(max_copy_number: int) -> list[tuple[int, int]]:
    """(total, minor) states with total 0..max, minor <= total / 2.

    >>> allele_states(2)
    [(0, 0), (1, 0), (2, 0), (2, 1)]
    """
    return [(n, b) for n in range(max_copy_number + 1) for b in range(n // 2 + 1)]


def expected_log2(purity, reference_cn, total) -> np.ndarray:
    """Expected log2 copy ratio of ``total`` tumour copies (floored at -3, as deep losses are).

    >>> round(float(expected_log2(0.6, 2.0, 1)), 3)
    -0.515
    """
    purity = np.asarray(purity, dtype=float)
    numerator = purity * np.asarray(total, dtype=float) + 2 * (1 - purity)
    denominator = purity * np.asarray(reference_cn, dtype=float) + 2 * (1 - purity)
    return np.maximum(np.log2(np.maximum(numerator, 1e-9) / denominator), -3.0)


def minor_fraction(purity, total, minor) -> np.ndarray:
    """Expected minor-allele fraction at a het SNP (NaN when no copy is left).

    >>> round(float(1 - minor_fraction(0.6, 3, 1)), 3)
    0.615
    """
    purity = np.asarray(purity, dtype=float)
    denominator = purity * np.asarray(total, dtype=float) + 2 * (1 - purity)
    numerator = purity * np.asarray(minor, dtype=float) + (1 - purity)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 1e-9, numerator / np.maximum(denominator, 1e-12), np.nan)


def baf_log_likelihood(alt, depth, b) -> np.ndarray:
    """Sum over SNPs of log(1/2 Bin(alt; depth, b) + 1/2 Bin(alt; depth, 1 - b)), without the
    binomial coefficient (the same for every state); ``b`` may be an array."""
    alt = np.asarray(alt, dtype=float)[:, None]
    ref = np.asarray(depth, dtype=float)[:, None] - alt
    b = np.clip(np.atleast_1d(np.asarray(b, dtype=float)), BAF_ERROR, 1 - BAF_ERROR)[None, :]
    one = alt * np.log(b) + ref * np.log1p(-b)
    other = alt * np.log1p(-b) + ref * np.log(b)
    return (np.logaddexp(one, other) - math.log(2)).sum(axis=0)


def _baf_table(segment: SegmentEvidence) -> np.ndarray:
    if segment.n_het == 0:
        return np.zeros_like(B_GRID)
    return baf_log_likelihood(segment.alt, segment.depth, B_GRID)


def _baf_at(table: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A segment's BAF log-likelihood at minor fractions ``b`` (interpolated; NaN b: 0)."""
    folded = np.minimum(np.nan_to_num(b, nan=0.5), 1 - np.nan_to_num(b, nan=0.5))
    values = np.interp(folded, B_GRID, table)
    return np.where(np.isnan(b), table[-1] if table.any() else 0.0, values)


def _penalty(states: np.ndarray, weight: float) -> np.ndarray:
    major = states[:, 0] - states[:, 1]
    return weight * (np.abs(major - 1) + np.abs(states[:, 1] - 1))


class _Grid:
    """Per-segment, per-state log-likelihoods at one purity, for every reference level."""

    def __init__(self, segments: list[SegmentEvidence], settings: FitSettings):
        self.segments = segments
        self.settings = settings
        self.states = np.array(allele_states(settings.max_copy_number))
        self.log2 = np.array([s.log2 for s in segments])
        self.se = np.array([s.se for s in segments])
        self.allelic = np.array([s.n_het >= settings.min_het_snps for s in segments])
        self.baf_tables = [_baf_table(s) for s in segments]
        self.penalty = _penalty(self.states, settings.event_penalty)

    def state_scores(self, purity: float, reference_cn: np.ndarray) -> np.ndarray:
        """Scores [reference level, segment, state]."""
        totals, minors = self.states[:, 0], self.states[:, 1]
        b = minor_fraction(purity, totals, minors)
        baf = np.array(
            [
                _baf_at(t, b) if a else np.zeros(len(b))
                for t, a in zip(self.baf_tables, self.allelic, strict=True)
            ]
        )  # [segment, state]
        expected = expected_log2(purity, reference_cn[:, None], totals[None, :])  # [ref, state]
        z = (self.log2[None, :, None] - expected[:, None, :]) / self.se[None, :, None]
        return -0.5 * z**2 + baf[None, :, :] - self.penalty[None, None, :]


def _grid_axes(settings: FitSettings, given_purity: float | None):
    if given_purity is not None:
        purities = np.array([float(given_purity)])
    else:
        count = int(round((settings.max_purity - settings.min_purity) / settings.purity_step)) + 1
        purities = np.round(np.linspace(settings.min_purity, settings.max_purity, count), 4)
    count = int(round((settings.max_ploidy - settings.min_ploidy) / settings.ploidy_step)) + 1
    return purities, np.round(np.linspace(settings.min_ploidy, settings.max_ploidy, count), 4)


def _mean_ploidy(states: np.ndarray, lengths: np.ndarray) -> float:
    if lengths.sum() <= 0:
        return float("nan")
    return float(np.average(states[:, 0], weights=lengths))


def fit_purity(
    segments: list[SegmentEvidence],
    lengths,
    settings: FitSettings = FitSettings(),  # noqa: B008 - frozen, immutable
    given_purity: float | None = None,
) -> PurityFit:
    """Grid search over purity x reference copy number; see the module docstring.

    ``lengths`` are the segments' lengths (bp), weighting the mean tumour ploidy. With
    ``given_purity`` only the reference level is fitted and the purity is reported as given.
    """
    lengths = np.asarray(lengths, dtype=float)
    source = "given" if given_purity is not None else "estimated"
    if not segments:
        return PurityFit(
            given_purity, None, 2.0, None, None, 0.0, source, "not assessable",
            "no segment with a copy ratio", [], given_purity or 1.0,
        )  # fmt: skip
    grid = _Grid(segments, settings)
    purities, references = _grid_axes(settings, given_purity)
    surface = np.empty((len(purities), len(references)))
    ploidies = np.empty_like(surface)
    best = (-np.inf, 0, 0, None)
    for i, purity in enumerate(purities):
        scores = grid.state_scores(purity, references)
        choice = scores.argmax(axis=2)  # [ref, segment]
        surface[i] = scores.max(axis=2).sum(axis=1)
        for j in range(len(references)):
            ploidies[i, j] = _mean_ploidy(grid.states[choice[j]], lengths)
        j = int(surface[i].argmax())
        if surface[i, j] > best[0]:
            best = (surface[i, j], i, j, grid.states[choice[j]])
    loglik, i, j, chosen = best
    states = [tuple(int(x) for x in s) for s in chosen]
    informative = [s for s in states if s != (2, 1)]
    region = surface >= loglik - LR_INTERVAL_DROP
    profile = surface.max(axis=1) >= loglik - LR_INTERVAL_DROP
    purity_interval = (float(purities[profile].min()), float(purities[profile].max()))
    ploidy_interval = (float(ploidies[region].min()), float(ploidies[region].max()))
    purity = float(purities[i])
    status, reason = "estimated" if source == "estimated" else "given", ""
    if not informative and given_purity is None:
        status = "not assessable"
        reason = "every segment fits 1+1 copies: no copy-number or allelic change to fit"
        purity, purity_interval = None, None
    return PurityFit(
        purity,
        _mean_ploidy(chosen, lengths),
        float(references[j]),
        purity_interval,
        ploidy_interval,
        float(loglik),
        source,
        status,
        reason,
        states,
        float(purities[i]),
    )


def best_state(
    segment: SegmentEvidence,
    purity: float,
    reference_cn: float,
    settings: FitSettings = FitSettings(),  # noqa: B008 - frozen, immutable
) -> tuple[int, int]:
    """The segment's best (total, minor) state at a purity and reference level."""
    grid = _Grid([segment], settings)
    scores = grid.state_scores(purity, np.array([reference_cn]))[0, 0]
    return tuple(int(x) for x in grid.states[int(scores.argmax())])


def mirrored_baf_estimate(alt, depth) -> float:
    """Maximum-likelihood mirrored BAF of a segment's SNPs (phase unknown), NaN without SNPs.

    Unlike the median of per-SNP mirrored BAFs it is not pushed above 0.5 by binomial noise.
    """
    depth = np.asarray(depth, dtype=float)
    if len(depth) == 0 or depth.sum() == 0:
        return float("nan")
    table = baf_log_likelihood(alt, depth, B_GRID)
    return float(1 - B_GRID[int(table.argmax())])
