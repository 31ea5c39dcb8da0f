"""The purity/two-hit benchmark's count-level simulation and its section."""

from __future__ import annotations

import pandas as pd
import pytest

from icope.bench import purity as bench


@pytest.mark.parametrize("scenario", list(bench.TWO_HIT_SCENARIOS))
def test_two_hit_scenario_gets_its_mechanism_at_purity_0_8(scenario):
    for seed in (0, 1):  # seed 1 adds the lone single-method false positive
        run = bench.two_hit_run(scenario, seed, 0.8)
        assert run["correct"], run
        assert not run["found_from_lone_call"]
        assert abs(run["estimated_purity"] - 0.8) <= 0.1


def test_count_level_purity_and_summary():
    estimates = bench.count_level_purity((0.6,), seeds=2)
    summary = bench.purity_summary(estimates)
    row = summary.iloc[0]
    assert (row["level"], row["purity"], row["runs"]) == ("counts", 0.6, 2)
    assert row["max_abs_error"] <= 0.1 and row["within_0.1"] == 1.0
    assert estimates["states_correct"].min() >= 0.9


def test_section_lines_show_both_tables():
    table = pd.DataFrame(
        [{"level": "counts", "purity": 0.6, "runs": 2, "mean_estimate": 0.6,
          "mean_abs_error": 0.01, "max_abs_error": 0.02, "within_0.1": 1.0,
          "interval_covers": 1.0, "mean_ploidy_error": 0.0}]
    )  # fmt: skip
    info = {
        "command": "icope bench purity --seeds 2 --read-seeds 1",
        "read_runs": [{"purity": 0.6, "seed": 1, "estimate": 0.59, "low": 0.53, "high": 0.65,
                       "ploidy": 1.9, "status": "estimated", "loh_call": "LOH_copy_loss"}],
        "two_hit": [{"scenario": "somatic LoF", "purity": 0.6, "seeds": 2, "correct": 1.0,
                     "wrong": 0, "found_from_lone_call": 0, "outcomes": "somatic LoF 2"}],
        "two_hit_total": {"runs": 2, "correct": 1.0, "wrong": 0, "not_assessable": 0,
                          "found_from_lone_call": 0},
    }  # fmt: skip
    text = "\n".join(bench.section_lines(info, table))
    assert "## Purity, ploidy and the two-hit call" in text
    assert "| somatic LoF |" in text and "0.59" in text
    assert "0 found from a lone single-method call" in text


def test_loh_power_is_the_exact_ceiling_of_the_variant_reads():
    from icope.bench.purity import _ceiling, loh_power

    # Purity 0.4, 1+0: VAF 0.625 vs 0.375, ln LR = (2k - n) ln(5/3). At a fixed depth of
    # exactly 60 reads the call needs 2k - 60 >= 4.6 / 0.511 = 9.0, k >= 35 (binomial 60, 0.625:
    # P(k >= 35) = 0.79); with Poisson depth (more spread) the ceiling is 0.76.
    assert loh_power(0.4, (1, 0), True) == pytest.approx(0.761, abs=0.002)
    assert loh_power(0.4, (1, 0), False) == loh_power(0.4, (1, 0), True)  # symmetric
    assert loh_power(0.8, (1, 0), True) == 1.0
    assert loh_power(0.4, (1, 0), True, min_log_lr=3.0) > loh_power(0.4, (1, 0), True)
    assert loh_power(0.4, (2, 0), True) > 0.99  # copy-neutral: VAF 0.7 vs 0.3
    assert _ceiling("somatic LoF", 0.4) is None
    assert _ceiling("retained (copy-loss LOH)", 0.6) == loh_power(0.6, (1, 0), True)
