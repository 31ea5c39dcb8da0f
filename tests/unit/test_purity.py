"""Purity/ploidy fit and allele-specific copy number on synthetic segment/BAF data."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pandas as pd
import pytest

from icope.bench.purity import GENOME_STATES, CountDesign, synthetic_tumour
from icope.somatic import purity as purity_module
from icope.somatic.cnv import fit_segments, read_purity, write_purity
from icope.somatic.purity import (
    FitSettings,
    SegmentEvidence,
    baf_log_likelihood,
    fit_purity,
    minor_fraction,
    mirrored_baf_estimate,
)

CONTIGS = {"chr1": 10_000_000}


def test_doctests():
    assert doctest.testmod(purity_module).failed == 0


def _fit(true_purity, states, seed, design=CountDesign(), **kwargs):  # noqa: B008
    rng = np.random.default_rng(seed)
    bins, segments, baf = synthetic_tumour(true_purity, states, rng, design)
    return fit_segments(bins, segments, baf, CONTIGS, **kwargs)


@pytest.mark.parametrize("true_purity", [0.4, 0.6, 0.8])
def test_purity_recovered_with_interval(true_purity):
    rng = np.random.default_rng(11)
    states = list(GENOME_STATES)
    rng.shuffle(states)
    table, fit = _fit(true_purity, states, 12)
    assert fit.source == "estimated" and fit.status == "estimated"
    assert abs(fit.purity - true_purity) <= 0.05
    low, high = fit.purity_interval
    assert low <= true_purity <= high and high - low < 0.2
    assert list(zip(table["total_cn"], table["minor_cn"], strict=True)) == states
    assert fit.ploidy == pytest.approx(np.mean([s[0] for s in states]))


def test_two_to_one_gain_at_purity_0_6_is_a_gain():
    """Issue 12: a one-copy gain at purity 0.6 (mirrored BAF ~0.61, 0.615 expected for 2:1)
    was called "balanced"."""
    table, fit = _fit(0.6, [(2, 1)] * 4 + [(3, 1), (1, 0)], 2)
    gain = table.iloc[4]
    assert 0.58 < gain["mirrored_baf"] < 0.65
    assert (gain["total_cn"], gain["minor_cn"]) == (3, 1)
    assert (gain["call"], gain["allelic_state"]) == ("gain", "gain")
    assert gain["state_reason"].startswith("2+1 copies")
    assert abs(fit.purity - 0.6) <= 0.05
    assert set(table["allelic_state"].iloc[:4]) == {"balanced"}


def test_copy_neutral_loh():
    table, fit = _fit(0.7, [(2, 1)] * 4 + [(2, 0), (1, 0)], 3)
    loh = table.iloc[4]
    assert (loh["total_cn"], loh["minor_cn"], loh["call"]) == (2, 0, "copy_neutral_LOH")
    assert abs(loh["log2"]) < 0.15
    assert abs(fit.purity - 0.7) <= 0.05


def test_loss_over_most_of_a_short_contig_is_not_hidden_by_recentring():
    """Issue 12: CNVkit centres log2 on the median bin, so a loss over most of the contig sits at
    log2 ~0 and the retained rest looked like a gain. With 4 het SNPs per segment."""
    design = CountDesign(bins_per_segment=40, snps_per_segment=4)
    table, fit = _fit(0.7, [(1, 0), (1, 0), (1, 0), (2, 1)], 1, design)
    assert table["call"].tolist() == ["LOH_copy_loss"] * 3 + ["neutral"]
    assert fit.reference_copy_number < 1.5
    assert abs(fit.purity - 0.7) <= 0.1


def test_too_few_het_snps_leave_the_allelic_state_not_assessable():
    design = CountDesign(snps_per_segment=2)
    table, _ = _fit(0.8, [(2, 1), (2, 1), (1, 0)], 4, design)
    lost = table.iloc[2]
    assert lost["allelic_state"] == "not_assessable"
    assert pd.isna(lost["minor_cn"]) and lost["total_cn"] == 1 and lost["call"] == "loss"
    assert "2 het SNPs < 3 (cnv.fit.min_het_snps)" in lost["state_reason"]


def test_no_change_leaves_purity_not_assessable():
    table, fit = _fit(0.6, [(2, 1)] * 5, 3)
    assert fit.purity is None and fit.status == "not assessable"
    assert "1+1" in fit.reason
    assert set(table["call"]) == {"neutral"}


def test_given_purity_overrides_the_estimate(tmp_path):
    table, fit = _fit(0.6, [(2, 1)] * 4 + [(3, 1), (1, 0)], 2, purity=0.5)
    assert (fit.purity, fit.source) == (0.5, "given")
    path = tmp_path / "purity.json"
    write_purity(fit, path)
    stored = read_purity(path)
    assert stored["purity"] == 0.5 and stored["source"] == "given"
    assert set(stored) >= {"purity", "purity_interval", "ploidy", "ploidy_interval", "source"}
    assert json.loads(path.read_text())["ploidy"] == pytest.approx(fit.ploidy, abs=0.001)


def test_pass_deletion_supports_a_loss_and_is_recorded():
    length = CountDesign().bins_per_segment * CountDesign().bin_size
    svs = pd.DataFrame(
        [
            # over the lost segment (the 3rd): PASS supports, filtered does not
            {"chrom": "chr1", "pos": 2 * length + 1000, "end": 3 * length - 1000,
             "svtype": "DEL", "id": "DEL0001", "filter": "PASS"},
            {"chrom": "chr1", "pos": 2 * length + 1000, "end": 3 * length - 1000,
             "svtype": "DEL", "id": "DEL0002", "filter": "LowTumourAF"},
            # a deletion over a balanced segment supports nothing
            {"chrom": "chr1", "pos": 1000, "end": length - 1000,
             "svtype": "DEL", "id": "DEL0003", "filter": "PASS"},
        ]
    )  # fmt: skip
    table, _ = _fit(0.8, [(2, 1), (2, 1), (1, 0), (2, 1)], 5, svs=svs)
    assert table["supporting_svs"].tolist() == ["", "", "DEL0001", ""]
    # the PASS deletion over a 1+1 segment is noted as a disagreement
    assert "PASS deletion(s) DEL0003 overlap without a copy loss" in table["state_reason"][0]
    assert "PASS deletion" not in table["state_reason"][2]


def test_whole_genome_doubling_tie_goes_to_the_simpler_solution():
    # 1+1 with 2+1 at purity 0.6 is exactly 2+2 with 4+2 at purity 0.6/1.4
    _, fit = _fit(0.6, [(2, 1)] * 5 + [(3, 1)], 6)
    assert abs(fit.purity - 0.6) <= 0.05 and fit.ploidy < 2.5


def test_baf_likelihood_prefers_the_true_fraction():
    rng = np.random.default_rng(1)
    b = float(minor_fraction(0.6, 3, 1))
    depth = np.full(30, 60)
    alt = np.where(rng.random(30) < 0.5, rng.binomial(60, b, 30), rng.binomial(60, 1 - b, 30))
    scores = baf_log_likelihood(alt, depth, [0.5, b, 0.2])
    assert scores.argmax() == 1
    assert abs(mirrored_baf_estimate(alt, depth) - (1 - b)) < 0.03


def test_fit_without_segments_is_not_assessable():
    fit = fit_purity([], [], FitSettings())
    assert fit.purity is None and fit.status == "not assessable"


def test_segments_without_snps_are_fitted_on_log2_alone():
    segment = SegmentEvidence(0.0, 0.05, 40, np.array([]), np.array([]))
    fit = fit_purity([segment], [1000], FitSettings())
    assert fit.states == [(2, 1)]
