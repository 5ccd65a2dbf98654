"""Wilson intervals and the cluster bootstrap over plans (ivp.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ivp.stats import cluster_bootstrap_ratios, resample_counts, share, wilson_interval

Z = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    """The textbook Wilson score formula, written out independently of statsmodels."""
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


def test_wilson_interval_of_zero_successes_runs_from_zero_to_z2_over_n_plus_z2():
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(Z**2 / (10 + Z**2))  # 0.2775


def test_wilson_interval_of_five_out_of_ten_is_symmetric_around_one_half():
    low, high = wilson_interval(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert low + high == pytest.approx(1.0)


def test_wilson_interval_is_vectorised_and_matches_the_formula():
    got = wilson_interval(np.array([1, 3, 7]), 9)
    for (low, high), k in zip(got, (1, 3, 7)):
        assert (low, high) == pytest.approx(wilson_by_hand(k, 9))


def test_wilson_interval_without_observations_is_nan_not_an_error():
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_share_without_denominator_is_nan():
    assert share(2, 8) == 0.25
    assert math.isnan(share(0, 0))


def test_resample_counts_draw_every_resample_with_as_many_plans_as_there_are():
    rng = np.random.default_rng(1)
    blocks = list(resample_counts(7, 450, rng, block=200))
    assert [b.shape for b in blocks] == [(200, 7), (200, 7), (50, 7)]
    for block in blocks:
        assert (block.sum(axis=1) == 7).all()
        assert (block >= 0).all()


def test_cluster_bootstrap_is_deterministic_for_a_seed():
    rng = np.random.default_rng(11)
    den = rng.integers(1, 9, size=40)
    num = np.column_stack([rng.binomial(den, 0.3), rng.binomial(den, 0.5)])
    first = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=42)
    again = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=42)
    other = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=43)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_cluster_bootstrap_interval_contains_the_point_estimate():
    rng = np.random.default_rng(7)
    den = rng.integers(1, 8, size=60)
    num = np.column_stack([rng.binomial(den, p) for p in (0.1, 0.4, 0.8)])
    intervals = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=3)
    estimates = num.sum(axis=0) / den.sum()
    for (low, high), estimate in zip(intervals, estimates):
        assert low <= estimate <= high
        assert low < high


def test_cluster_bootstrap_resamples_whole_plans_not_speerpunten():
    # Every plan has one VWL out of two speerpunten: any resample of plans gives exactly 1/2, whereas
    # resampling the 40 speerpunten independently would give a wide interval.
    num = np.ones(20)
    den = np.full(20, 2)
    low, high = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=1)
    assert (low, high) == (0.5, 0.5)


def test_cluster_bootstrap_of_two_opposite_plans_spans_zero_to_one():
    # Plan A: 2 of 2, plan B: 0 of 2. Resamples AA, AB, BA, BB give 1, 1/2, 1/2, 0 (each 1/4).
    low, high = cluster_bootstrap_ratios([2, 0], [2, 2], n_resamples=2000, seed=5)
    assert (low, high) == (0.0, 1.0)


def test_cluster_bootstrap_of_one_quantity_returns_one_interval():
    result = cluster_bootstrap_ratios([1, 2, 0], [2, 2, 2], n_resamples=2000, seed=1)
    assert result.shape == (2,)


def test_cluster_bootstrap_without_plans_gives_nan_interval():
    result = cluster_bootstrap_ratios(np.zeros((0, 3)), np.zeros(0), n_resamples=2000, seed=1)
    assert result.shape == (3, 2)
    assert np.isnan(result).all()


def test_cluster_bootstrap_rejects_mismatched_shapes_with_both_shapes_in_the_message():
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(2,\)"):
        cluster_bootstrap_ratios([1, 2, 3], [1, 2], seed=1)


def test_cluster_bootstrap_rejects_zero_resamples():
    with pytest.raises(ValueError, match="n_resamples must be at least 1, got 0"):
        cluster_bootstrap_ratios([1, 2], [2, 2], n_resamples=0, seed=1)
