"""Read evidence of somatic candidates: per-allele error rates, strand, read ends, the
depth-scaled alt-read bar."""

from __future__ import annotations

import math

import pytest

from icope.somatic.evidence import (
    ReadEnds,
    StrandCounts,
    allele_error,
    binomial_two_sided,
    binomial_upper_tail,
    error_alone_p,
    phred_to_error,
)


def test_phred_to_error():
    assert phred_to_error(20) == pytest.approx(0.01)
    assert phred_to_error(0) == 1.0


@pytest.mark.parametrize(
    ("base_error", "mapq", "floor", "expected"),
    [
        (0.003, None, 0.001, 0.003),  # base qualities alone
        (0.0001, 60, 0.001, 0.001),  # floored
        (0.001, 20, 0.001, 1 - 0.999 * 0.99),  # a misplaced read is a wrong read
        (0.9, 60, 0.001, 0.5),  # capped
    ],
)
def test_allele_error(base_error, mapq, floor, expected):
    assert allele_error(base_error, mapq, floor) == pytest.approx(expected)


def test_binomial_tails_match_direct_sums():
    n, p = 20, 0.1
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    assert binomial_upper_tail(3, n, p) == pytest.approx(sum(pmf[3:]))
    assert binomial_upper_tail(0, n, p) == 1.0
    assert binomial_upper_tail(21, n, p) == 0.0
    observed = pmf[0]
    assert binomial_two_sided(0, n, p) == pytest.approx(sum(x for x in pmf if x <= observed))


def test_error_alone_rises_with_depth_and_error():
    # 3 alt reads: convincing at 60x and Q30, not at 300x or at Q20
    assert error_alone_p(3, 60, 0.001) < 1e-5
    assert error_alone_p(3, 300, 0.001) > 1e-5
    assert error_alone_p(3, 60, 0.01) > 1e-5
    assert error_alone_p(6, 60, 0.01) < 1e-5


def test_strand_bias_p_follows_the_ref_reads():
    balanced = StrandCounts(30, 30, 8, 0)
    assert balanced.bias_p() == pytest.approx(2 * 0.5**8)
    assert balanced.minor_fraction == 0.0
    # ref reads mostly forward: 8 forward alt reads are expected
    assert StrandCounts(95, 5, 8, 0).bias_p() > 0.3
    assert StrandCounts(30, 30, 3, 3).bias_p() == 1.0
    assert StrandCounts(30, 30, 0, 0).bias_p() == 1.0
    assert StrandCounts(30, 30, 9, 1).minor_fraction == pytest.approx(0.1)


def _tails(values):
    return len(values), float(sum(values)), float(sum(v * v for v in values))


def test_read_end_z_from_i16_sums():
    ref = _tails([25] * 40 + [10] * 20)
    near_end = _tails([1, 2, 0, 3])
    ends = ReadEnds(*ref, *near_end)
    assert ends.alt_mean == pytest.approx(1.5)
    assert ends.z() < -4
    like_ref = ReadEnds(*ref, *_tails([25, 25, 10]))
    assert abs(like_ref.z()) < 1
    assert ReadEnds(*ref, 0, 0.0, 0.0).z() is None
    assert ReadEnds(1, 25.0, 625.0, *near_end).z() is None


def test_read_ends_from_i16_layout():
    i16 = [30, 30, 2, 1, 1800, 54000, 90, 2700, 3600, 216000, 180, 10800, 1200, 26000, 6, 20]
    ends = ReadEnds.from_i16(i16)
    assert (ends.ref_reads, ends.ref_sum, ends.ref_sum_sq) == (60, 1200.0, 26000.0)
    assert (ends.alt_reads, ends.alt_sum, ends.alt_sum_sq) == (3, 6.0, 20.0)
