"""Wilson intervals and the cluster bootstrap over plans (ivp.stats)."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats as scipy_stats

from ivp.stats import (
    cluster_bootstrap_ratios,
    pattern_draw_totals,
    patterns,
    plan_draw_totals,
    resample_counts,
    share,
    wilson_interval,
)

SAMPLERS = ("plans", "patterns")

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


@pytest.mark.parametrize("method", ("auto", *SAMPLERS))
def test_cluster_bootstrap_is_deterministic_for_a_seed(method):
    rng = np.random.default_rng(11)
    den = rng.integers(1, 9, size=40)
    num = np.column_stack([rng.binomial(den, 0.3), rng.binomial(den, 0.5)])
    first = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=42, method=method)
    again = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=42, method=method)
    other = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=43, method=method)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("method", SAMPLERS)
def test_cluster_bootstrap_interval_contains_the_point_estimate(method):
    rng = np.random.default_rng(7)
    den = rng.integers(1, 8, size=60)
    num = np.column_stack([rng.binomial(den, p) for p in (0.1, 0.4, 0.8)])
    intervals = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=3, method=method)
    estimates = num.sum(axis=0) / den.sum()
    for (low, high), estimate in zip(intervals, estimates):
        assert low <= estimate <= high
        assert low < high


@pytest.mark.parametrize("method", SAMPLERS)
def test_cluster_bootstrap_resamples_whole_plans_not_speerpunten(method):
    # Every plan has one VWL out of two speerpunten: any resample of plans gives exactly 1/2, whereas
    # resampling the 40 speerpunten independently would give a wide interval.
    num = np.ones(20)
    den = np.full(20, 2)
    low, high = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=1, method=method)
    assert (low, high) == (0.5, 0.5)


@pytest.mark.parametrize("method", SAMPLERS)
def test_cluster_bootstrap_of_two_opposite_plans_spans_zero_to_one(method):
    # Plan A: 2 of 2, plan B: 0 of 2. Resamples AA, AB, BA, BB give 1, 1/2, 1/2, 0 (each 1/4).
    low, high = cluster_bootstrap_ratios([2, 0], [2, 2], n_resamples=2000, seed=5, method=method)
    assert (low, high) == (0.0, 1.0)


def test_cluster_bootstrap_of_one_quantity_returns_one_interval():
    result = cluster_bootstrap_ratios([1, 2, 0], [2, 2, 2], n_resamples=2000, seed=1)
    assert result.shape == (2,)


@pytest.mark.parametrize("method", SAMPLERS)
def test_cluster_bootstrap_without_plans_gives_nan_interval(method):
    result = cluster_bootstrap_ratios(np.zeros((0, 3)), np.zeros(0), n_resamples=2000, seed=1, method=method)
    assert result.shape == (3, 2)
    assert np.isnan(result).all()


@pytest.mark.parametrize("method", ("auto", *SAMPLERS))
def test_cluster_bootstrap_of_no_quantities_is_an_empty_table(method):
    result = cluster_bootstrap_ratios(np.zeros((5, 0)), np.ones(5), n_resamples=2000, seed=1, method=method)
    assert result.shape == (0, 2)


def test_cluster_bootstrap_rejects_mismatched_shapes_with_both_shapes_in_the_message():
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(2,\)"):
        cluster_bootstrap_ratios([1, 2, 3], [1, 2], seed=1)


def test_cluster_bootstrap_rejects_zero_resamples():
    with pytest.raises(ValueError, match="n_resamples must be at least 1, got 0"):
        cluster_bootstrap_ratios([1, 2], [2, 2], n_resamples=0, seed=1)


def test_cluster_bootstrap_rejects_an_unknown_sampler_naming_the_valid_ones():
    with pytest.raises(ValueError, match="method must be one of auto, plans, patterns, got 'fast'"):
        cluster_bootstrap_ratios([1, 2], [2, 2], seed=1, method="fast")


# --- the pattern sampler draws from exactly the plans sampler's distribution --------------------------

# Six plans (speerpunten on theme A, on theme B, all speerpunten). Plans 3-5 all have three speerpunten,
# plan 6 has none, so patterns repeat for one quantity and not for the other.
SMALL = np.array([[0, 1, 1], [1, 0, 1], [2, 1, 3], [1, 1, 3], [1, 2, 3], [0, 0, 0]], dtype=float)


def exact_bootstrap_distribution(num: np.ndarray, den: np.ndarray) -> dict[tuple, float]:
    """Every resample of the plans with replacement, enumerated: (numerator totals..., denominator
    total) -> probability. A resample is a count vector over plans, multinomial with equal weights."""
    n = len(den)
    dist: Counter = Counter()
    for drawn in itertools.combinations_with_replacement(range(n), n):
        counts = np.bincount(drawn, minlength=n)
        prob = math.factorial(n) / np.prod([math.factorial(c) for c in counts]) / n**n
        dist[(*(counts @ num), counts @ den)] += prob
    return dict(dist)


def goodness_of_fit(sampled: list[tuple], exact: dict[tuple, float]) -> float:
    """Chi-square p-value of sampled outcomes against exact probabilities (rare outcomes pooled so
    that every expected count is at least 5)."""
    seen = Counter(sampled)
    outcomes = sorted(exact, key=exact.get, reverse=True)
    observed, expected, pool_obs, pool_exp = [], [], 0, 0.0
    for outcome in outcomes:
        e = exact[outcome] * len(sampled)
        if e >= 5:
            observed.append(seen.get(outcome, 0))
            expected.append(e)
        else:
            pool_obs += seen.get(outcome, 0)
            pool_exp += e
    assert sum(seen.values()) == len(sampled) and set(seen) <= set(exact), "an impossible resample was drawn"
    observed.append(pool_obs)
    expected.append(pool_exp)
    return scipy_stats.chisquare(observed, expected).pvalue


def test_exact_distribution_of_two_opposite_plans_is_one_quarter_each_way():
    exact = exact_bootstrap_distribution(np.array([[2.0], [0.0]]), np.array([2.0, 2.0]))
    assert exact == pytest.approx({(4.0, 4.0): 0.25, (2.0, 4.0): 0.5, (0.0, 4.0): 0.25})


@pytest.mark.parametrize("scale", (1.0, 0.5), ids=("counts", "fractions"))
@pytest.mark.parametrize("quantity", (0, 1))
def test_pattern_sampler_draws_each_quantity_from_the_exact_bootstrap_distribution(quantity, scale):
    # counts take a fast path in ``patterns``; other values (here halves) are grouped by factorising
    num, den = SMALL[:, [quantity]] * scale, SMALL[:, 2]
    exact = exact_bootstrap_distribution(num, den)
    totals, dens = pattern_draw_totals(num, den, 40_000, np.random.default_rng(2024))
    sampled = [(float(t), float(d)) for t, d in zip(totals[:, 0], dens)]
    assert goodness_of_fit(sampled, exact) > 0.001


def test_plan_sampler_passes_the_same_goodness_of_fit_test():
    num, den = SMALL[:, [0]], SMALL[:, 2]
    totals, dens = plan_draw_totals(num, den, 40_000, np.random.default_rng(2024))
    sampled = [(float(t), float(d)) for t, d in zip(totals[:, 0], dens)]
    assert goodness_of_fit(sampled, exact_bootstrap_distribution(num, den)) > 0.001


def test_goodness_of_fit_rejects_a_sampler_that_ignores_how_often_a_pattern_occurs():
    # Drawing each distinct plan pattern with equal probability (not in proportion to how many plans
    # have it) is the mistake the pattern sampler must not make; the test above must be able to see it.
    num, den = SMALL[:, [0]], SMALL[:, 2]
    distinct = np.unique(np.column_stack([num, den]), axis=0)
    rng = np.random.default_rng(2024)
    counts = rng.multinomial(len(den), np.full(len(distinct), 1 / len(distinct)), size=40_000)
    totals = counts @ distinct
    sampled = [(float(t), float(d)) for t, d in totals]
    assert goodness_of_fit(sampled, exact_bootstrap_distribution(num, den)) < 1e-6


def test_pattern_table_groups_plans_by_size_then_value_and_draws_only_what_is_not_the_remainder():
    table = patterns(SMALL[:, :2], SMALL[:, 2])
    assert table["sizes"].tolist() == [0, 1, 3]
    assert table["size_plans"].tolist() == [1, 2, 3]
    # theme A among the plans with 3 speerpunten: values 2, 1, 1 -> entries 2 (1 plan) then 1 (2 plans,
    # the remainder); with 1 speerpunt: 0 and 1 (one plan each) -> one draw. Same counts for theme B.
    cell_a3 = [(v, p) for c, v, p in zip(table["cell"], table["value"], table["plans"])
               if table["cell_quantity"][c] == 0 and table["cell_size"][c] == 2]
    assert cell_a3 == [(2.0, 1), (1.0, 2)]
    # draws per resample: 2 for the sizes, per quantity 1 (size 1) + 1 (size 3) + 0 (size 0)
    assert table["n_binomials"] == 2 + 2 * 2


def test_pattern_sampler_interval_endpoints_match_the_plan_sampler_over_many_seeds():
    # 60 plans; the interval from each sampler over 150 seeds: the two sets of endpoints must come from
    # the same distribution (two-sample Kolmogorov-Smirnov test), although no single pair is equal.
    rng = np.random.default_rng(99)
    den = rng.integers(0, 6, size=60)
    num = np.column_stack([rng.binomial(den, 0.25), rng.binomial(den, 0.6)])
    by_method = {m: np.array([cluster_bootstrap_ratios(num, den, n_resamples=400, seed=s, method=m)
                              for s in range(150)]) for m in SAMPLERS}
    plans, pats = by_method["plans"], by_method["patterns"]
    assert not np.array_equal(plans, pats)
    for q in range(2):
        for end in range(2):
            assert scipy_stats.ks_2samp(plans[:, q, end], pats[:, q, end]).pvalue > 0.001, (q, end)


def test_pattern_sampler_gives_identical_columns_identical_intervals():
    rng = np.random.default_rng(5)
    den = rng.integers(1, 6, size=80)
    theme = rng.binomial(den, 0.3)
    other = rng.binomial(den - theme, 0.5)
    # the category "Ondermijning" holds one theme only, so its column equals the theme's
    num = np.column_stack([theme, other, theme])
    result = cluster_bootstrap_ratios(num, den, n_resamples=2000, seed=8, method="patterns")
    np.testing.assert_array_equal(result[0], result[2])
    assert not np.array_equal(result[0], result[1])


def test_auto_uses_the_plan_sampler_for_few_plans_and_the_pattern_sampler_for_many():
    rng = np.random.default_rng(3)
    few_den = rng.integers(1, 6, size=30)
    few = rng.binomial(few_den, 0.3)
    np.testing.assert_array_equal(cluster_bootstrap_ratios(few, few_den, seed=4),
                                  cluster_bootstrap_ratios(few, few_den, seed=4, method="plans"))
    many_den = rng.integers(1, 6, size=5000)  # 5 sizes, at most 15 patterns: far fewer than plans
    many = rng.binomial(many_den, 0.3)
    np.testing.assert_array_equal(cluster_bootstrap_ratios(many, many_den, seed=4),
                                  cluster_bootstrap_ratios(many, many_den, seed=4, method="patterns"))
