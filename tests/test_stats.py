"""Wilson intervals and the cluster bootstrap over plans (ivp.stats)."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats as scipy_stats

from ivp.stats import (
    DIFFERENCE_METHOD,
    METHOD_TEXT,
    SHARE_METHOD,
    cluster_bootstrap_ratios,
    difference_interval,
    pattern_draw_totals,
    patterns,
    plan_draw_totals,
    resample_counts,
    share,
    share_interval,
    wilson_interval,
)

SAMPLERS = ("plans", "patterns")

Z = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


def wilson_by_hand(k: float, n: float, z: float = Z) -> tuple[float, float]:
    """The textbook Wilson score formula, written out independently of ivp.stats (``n`` may be an
    effective, fractional number of units; ``z`` the quantile)."""
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


# Wilson intervals as statsmodels' proportion_confint(method="wilson") gave them before ivp wrote the
# formula out (statsmodels 0.14): (count, nobs, low, high) at 95%, and one at 90%.
STATSMODELS_WILSON = [(0, 1, 0.0, 0.7934506856227627), (1, 3, 0.06149194472039626, 0.7923403991979523),
                      (7, 25, 0.14283853850956557, 0.4757660519036158),
                      (42, 100, 0.3279838267435473, 0.5179351329695703),
                      (439, 439, 0.9913254309320447, 0.9999999999999998)]


def test_wilson_interval_gives_the_old_statsmodels_values_to_1e_12():
    got = wilson_interval([k for k, *_ in STATSMODELS_WILSON], [n for _, n, *_ in STATSMODELS_WILSON])
    np.testing.assert_allclose(got, [[lo, hi] for *_, lo, hi in STATSMODELS_WILSON], rtol=0, atol=1e-12)
    np.testing.assert_allclose(wilson_interval(3, 10, level=0.90), [0.12687658390319784, 0.558300204130165],
                               rtol=0, atol=1e-12)


def test_wilson_interval_no_longer_imports_statsmodels():
    import subprocess
    import sys
    code = "import sys, ivp.stats; print('statsmodels' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


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


# --- share_interval and difference_interval: the intervals the reports show ---------------------------

T2 = 4.302652729749464  # Student's t, 2 degrees of freedom, 97.5% quantile
T3 = 3.1824463052837078  # 3 degrees of freedom
T4 = 2.7764451051977934  # 4 degrees of freedom


def effective_wilson_by_hand(y, m, q):
    """Wilson on the effective sample size, written out plan by plan with plain Python."""
    Y, M, n = sum(y), sum(m), len(m)
    r = Y / M
    v = n / (n - 1) * sum(((yi - r * mi) / M) ** 2 for yi, mi in zip(y, m))
    deff = v / (r * (1 - r) / (M - 1)) if 0 < r < 1 and v > 0 else 1.0
    return wilson_by_hand(r * M / deff, M / deff, q)


def test_share_interval_by_hand_on_three_plans():
    # plans (on the theme, speerpunten): (1, 2), (2, 4), (0, 2). r = 3/8.
    # influence u_i = (y_i - r m_i) / 8 = 0.03125, 0.0625, -0.09375; sum u^2 = 0.013671875
    # linearised variance v = 3/2 * sum u^2 = 0.0205078125; binomial r(1-r)/(8-1) = 0.234375/7
    # deff = v / binomial = 0.6125; effective n = 8 / 0.6125; quantile t(2).
    n_eff = 8 / (0.0205078125 / (0.234375 / 7))
    assert n_eff == pytest.approx(13.0612244898)
    low, high = share_interval([1, 2, 0], [2, 4, 2], seed=1)
    assert (low, high) == pytest.approx(wilson_by_hand(3 / 8 * n_eff, n_eff, T2), abs=1e-12)
    # by hand: q^2/n = 18.5128/13.0612 = 1.41740; centre = (0.375 + 0.70870)/2.41740 = 0.44829;
    # half = 4.30265 sqrt(0.234375/13.0612 + 18.5128/(4 * 13.0612^2)) / 2.41740 = 0.37788
    assert (low, high) == pytest.approx((0.0704, 0.8262), abs=5e-5)


def test_share_interval_of_a_share_of_plans_is_plain_wilson():
    # one unit per plan: the binomial model is exact, deff = 1 and the quantile is the normal one
    yes = np.array([1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1])
    np.testing.assert_allclose(share_interval(yes, np.ones(12), seed=1), wilson_interval(5, 12), atol=1e-12)


def test_share_interval_is_wider_than_wilson_when_plans_differ_and_narrower_when_they_agree_too_well():
    den = np.array([4, 4, 4, 4, 4, 4])
    spread = share_interval([4, 4, 0, 0, 4, 0], den, seed=1)  # whole plans on or off the theme: deff 3.83
    wilson = wilson_interval(12, 24)
    assert spread[1] - spread[0] > 1.5 * (wilson[1] - wilson[0])
    even = share_interval([2, 2, 2, 2, 2, 3], den, seed=1)  # plans alike: deff < 1
    assert even[1] - even[0] < wilson[1] - wilson[0]


def test_share_interval_is_deterministic_and_the_seed_does_not_change_a_closed_form():
    rng = np.random.default_rng(4)
    den = rng.integers(1, 9, size=30)
    num = np.column_stack([rng.binomial(den, 0.3), rng.binomial(den, 0.05)])
    first = share_interval(num, den, seed=42)
    np.testing.assert_array_equal(first, share_interval(num, den, seed=42))
    np.testing.assert_array_equal(first, share_interval(num, den, seed=7, n_resamples=5000))
    assert first.shape == (2, 2)


def test_share_interval_contains_its_estimate():
    rng = np.random.default_rng(12)
    for n in (1, 2, 3, 10, 60):
        den = rng.integers(0, 8, size=n) + (np.arange(n) == 0)
        num = np.column_stack([rng.binomial(den, p) for p in (0.0, 0.05, 0.3, 0.7, 1.0)])
        got = share_interval(num, den, seed=1)
        estimate = num.sum(axis=0) / den.sum()
        assert ((got[:, 0] <= estimate + 1e-15) & (estimate - 1e-15 <= got[:, 1])).all(), n


@pytest.mark.parametrize("den", ([3, 4, 2], [1, 1, 1, 1], [5]), ids=("speerpunten", "plans", "one plan"))
def test_share_interval_at_share_0_and_1_is_not_degenerate(den):
    den = np.array(den)
    low0, high0 = share_interval(np.zeros(len(den)), den, seed=1)
    low1, high1 = share_interval(den, den, seed=1)
    assert low0 == 0 and high0 > 0.05
    assert high1 == 1 and low1 < 0.95
    assert high0 == pytest.approx(1 - low1)


def test_share_interval_without_units_is_nan_and_checks_shapes():
    assert np.isnan(share_interval([0, 0], [0, 0], seed=1)).all()
    assert share_interval(np.zeros((0, 3)), np.zeros(0), seed=1).shape == (3, 2)
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(2,\)"):
        share_interval([1, 2, 3], [1, 2], seed=1)


def test_difference_interval_with_a_plan_in_both_groups_by_hand():
    # plans (y, m): P1 (1, 2) in a; P2 (2, 4) in a and b; P3 (0, 2) in b; P4 (3, 4) in a.
    num, den = np.array([1, 2, 0, 3]), np.array([2, 4, 2, 4])
    in_a, in_b = np.array([True, True, False, True]), np.array([False, True, True, False])
    ra, rb = 6 / 10, 2 / 6
    # influence on r_a of P1, P2, P4: (y - 0.6 m) / 10 = -0.02, -0.04, 0.06 (sum of squares 0.0056);
    # on r_b of P2, P3: (y - m/3) / 6 = 1/9, -1/9 (sum of squares 2/81). Only P2 is in both:
    # phi = (-0.04 * 1/9) / sqrt(0.0056 * 2/81) = -0.37796
    phi = (-0.04 / 9) / math.sqrt(0.0056 * 2 / 81)
    assert phi == pytest.approx(-0.37796, abs=1e-5)
    # group a: v = 3/2 * 0.0056 = 0.0084, binomial 0.24/9: deff 0.315, n_eff 10/0.315 = 31.746;
    # group b: v = 2 * 2/81, binomial (2/9)/5: deff 10/9, n_eff 5.4; t with 4 plans - 1 = 3 df
    la, ha = wilson_by_hand(0.6 * 10 / 0.315, 10 / 0.315, T3)
    lb, hb = wilson_by_hand(5.4 / 3, 5.4, T3)
    assert (la, ha) == pytest.approx(effective_wilson_by_hand([1, 2, 3], [2, 4, 4], T3))
    low = ra - rb - math.sqrt((ra - la) ** 2 - 2 * phi * (ra - la) * (hb - rb) + (hb - rb) ** 2)
    high = ra - rb + math.sqrt((ha - ra) ** 2 - 2 * phi * (ha - ra) * (rb - lb) + (rb - lb) ** 2)
    got = difference_interval(num, den, in_a, in_b, seed=1)
    assert tuple(got) == pytest.approx((low, high), abs=1e-12)
    assert got[0] < ra - rb < got[1]
    # ignoring that P2 is in both groups (phi = 0) would give a narrower interval here
    assert got[1] - got[0] > math.hypot(ra - la, hb - rb) + math.hypot(ha - ra, rb - lb) + 1e-3


def test_a_shared_plan_that_moves_both_groups_alike_narrows_the_difference():
    # group a = plans 0-5, group b = plans 3-8: plans 3-5 in both. Plans 3-5 are far from the rest,
    # so both shares move with them: the covariance must narrow the interval of the difference.
    num = np.array([1, 1, 1, 4, 0, 4, 1, 1, 1])
    den = np.full(9, 4)
    in_a, in_b = np.arange(9) < 6, np.arange(9) >= 3
    with_overlap = difference_interval(num, den, in_a, in_b, seed=1)
    # the same counts as if the shared plans were different plans (two independent groups)
    num_ind, den_ind = np.r_[num[:6], num[3:]], np.full(12, 4)
    ind = difference_interval(num_ind, den_ind, np.arange(12) < 6, np.arange(12) >= 6, seed=1)
    assert with_overlap[1] - with_overlap[0] < 0.8 * (ind[1] - ind[0])


def test_difference_interval_of_independent_groups_is_newcombe_with_t_at_all_plans_minus_one():
    num, den = np.array([2, 0, 1, 3, 1]), np.array([3, 2, 2, 4, 1])
    in_a = np.array([True, True, False, False, False])
    (la, ha) = effective_wilson_by_hand([2, 0], [3, 2], T4)  # 5 plans in either group: t(4)
    (lb, hb) = effective_wilson_by_hand([1, 3, 1], [2, 4, 1], T4)
    ra, rb = 2 / 5, 5 / 7
    want = (ra - rb - math.hypot(ra - la, hb - rb), ra - rb + math.hypot(ha - ra, rb - lb))
    assert tuple(difference_interval(num, den, in_a, ~in_a, seed=1)) == pytest.approx(want, abs=1e-12)


def test_difference_of_two_shares_of_plans_is_newcombes_interval_from_wilson():
    yes = np.array([1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1])
    in_a = np.arange(11) < 5  # 3 of 5 against 4 of 6
    (la, ha), (lb, hb) = wilson_by_hand(3, 5), wilson_by_hand(4, 6)
    want = (3 / 5 - 4 / 6 - math.hypot(3 / 5 - la, hb - 4 / 6), 3 / 5 - 4 / 6 + math.hypot(ha - 3 / 5, 4 / 6 - lb))
    assert tuple(difference_interval(yes, np.ones(11), in_a, ~in_a, seed=1)) == pytest.approx(want, abs=1e-12)


def test_difference_interval_of_two_columns_and_of_empty_shares_is_not_degenerate():
    num = np.array([[0, 1], [0, 2], [0, 0], [0, 1]])
    den = np.array([2, 3, 2, 2])
    in_a, in_b = np.array([True, True, False, False]), np.array([False, False, True, True])
    got = difference_interval(num, den, in_a, in_b, seed=3)
    assert got.shape == (2, 2)
    assert got[0, 0] < 0 < got[0, 1]  # 0 - 0: both shares 0, still an interval around 0
    np.testing.assert_array_equal(got, difference_interval(num, den, in_a, in_b, seed=3))


def test_method_names_have_a_dutch_description():
    assert SHARE_METHOD != DIFFERENCE_METHOD
    for name in (SHARE_METHOD, DIFFERENCE_METHOD, "wilson", "clusterbootstrap"):
        assert len(METHOD_TEXT[name]) > 40 and "interval" in METHOD_TEXT[name]


# --- a small coverage check: the interval must account for speerpunten clustering within plans ---------

def clustered_samples(n_plans=20, samples=400, p=0.25, rho=0.3, seed=2020):
    """Counts of ``samples`` simulated cohorts of ``n_plans`` plans of fixed sizes: per plan a
    Beta(mean p, intra-plan correlation rho) probability, then binomial. Returns (num (n, samples), den)."""
    rng = np.random.default_rng(seed)
    den = rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 6, 7, 8], size=n_plans)
    scale = 1 / rho - 1
    probs = rng.beta(p * scale, (1 - p) * scale, size=(n_plans, samples))
    return rng.binomial(den[:, None], probs), den


def test_share_interval_covers_clustered_shares_about_95_percent_where_wilson_does_not():
    num, den = clustered_samples()
    got = share_interval(num, den, seed=1)
    covered = np.mean((got[:, 0] <= 0.25) & (got[:, 1] >= 0.25))
    wilson = wilson_interval(num.sum(axis=0), den.sum())
    covered_wilson = np.mean((wilson[:, 0] <= 0.25) & (wilson[:, 1] >= 0.25))
    assert covered_wilson < 0.88  # the simulation clusters: ignoring it under-covers (about 0.8)
    assert 0.91 <= covered <= 0.99


def test_difference_interval_covers_a_clustered_difference_where_independent_speerpunten_do_not():
    a_num, den_a = clustered_samples(seed=1)
    b_num, den_b = clustered_samples(seed=2)
    num, den = np.vstack([a_num, b_num]), np.r_[den_a, den_b]
    in_a = np.arange(len(den)) < len(den_a)
    got = difference_interval(num, den, in_a, ~in_a, seed=1)
    covered = np.mean((got[:, 0] <= 0) & (got[:, 1] >= 0))
    ra, rb = a_num.sum(0) / den_a.sum(), b_num.sum(0) / den_b.sum()
    wa, wb = wilson_interval(a_num.sum(0), den_a.sum()), wilson_interval(b_num.sum(0), den_b.sum())
    naive_low = ra - rb - np.hypot(ra - wa[:, 0], wb[:, 1] - rb)
    naive_high = ra - rb + np.hypot(wa[:, 1] - ra, rb - wb[:, 0])
    assert np.mean((naive_low <= 0) & (naive_high >= 0)) < 0.88
    assert 0.91 <= covered <= 0.99
