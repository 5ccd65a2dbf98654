"""Interval estimates for shares: the intervals the reports show (``share_interval`` for a share,
``difference_interval`` for a difference of two shares; chosen by ``bench/bench_coverage.py``, see
``docs/intervals.md``), Wilson (independent units) and a cluster bootstrap over plans (speerpunten of one
plan are not independent, so the plan is the unit that is resampled).

Everything here works on plain numpy arrays and is vectorised: no Python loop per resample, per plan or
per speerpunt. The cluster bootstrap has two exact samplers of the same resampling distribution:

* **plans** (``plan_draw_totals``): draws every resample's plans with replacement, as one integer
  matrix per block of resamples. Cost grows with resamples x plans.
* **patterns** (``pattern_draw_totals``): the statistic ``sum(k_i) / sum(n_i)`` depends only on how
  often each plan is drawn, and plans with the same ``(k, n)`` are exchangeable, so it draws how often
  each *distinct* pattern is drawn (multinomial counts). Cost grows with resamples x distinct patterns,
  not with the number of plans.

``cluster_bootstrap_ratios`` picks the cheaper one from the shape of the data (never from a clock, so
the same seed and input always give the same interval)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit

LEVEL = 0.95
N_BOOTSTRAP = 2000
# Resamples drawn per block by the plan sampler: bounds memory (block x plans integers) at any sample
# size. Fixed, so that the same seed always gives the same resamples whatever the machine.
_BLOCK = 200
# Cost of one binomial draw relative to drawing one plan index (measured: about 105 ns against 7.5 ns,
# numpy 2.4). Only decides which exact sampler runs; a fixed number, so the choice is reproducible.
_BINOMIAL_COST = 14
METHODS = ("auto", "plans", "patterns")

# Names of the methods of the headline intervals, as results.json gives them, and their Dutch description
# for the report's methods section (the coverage numbers are those of bench/bench_coverage.py, docs/intervals.md).
SHARE_METHOD = "wilson_designeffect"
DIFFERENCE_METHOD = "newcombe_designeffect"
METHOD_TEXT = {
    SHARE_METHOD: (
        "Wilson-interval op de effectieve steekproefomvang: het aantal speerpunten gedeeld door het geschatte "
        "designeffect (de gelineariseerde variantie van de ratio over plannen gedeeld door de binomiale), met het "
        "t-kwantiel bij (aantal plannen − 1) vrijheidsgraden. Bij aandelen van plannen (één eenheid per plan) is "
        "het designeffect 1 en is dit het gewone Wilson-interval. Bij een aandeel 0 of 1 is het designeffect niet "
        "te schatten en geldt 1, zodat het interval niet tot één punt krimpt."
    ),
    DIFFERENCE_METHOD: (
        "Newcombe's hybride score-interval uit de Wilson-intervallen van beide groepen op hun effectieve "
        "steekproefomvang (t-kwantiel bij het aantal plannen van beide groepen samen − 1), met de geschatte "
        "correlatie tussen beide aandelen voor plannen die in beide groepen zitten."
    ),
    "wilson": "Wilson-interval dat speerpunten (of plannen) als onafhankelijke eenheden behandelt.",
    "clusterbootstrap": "percentielinterval van een bootstrap die plannen met teruglegging trekt.",
}


def wilson_interval(count, nobs, *, level: float = LEVEL) -> np.ndarray:
    """Wilson score interval for ``count`` successes out of ``nobs`` (scalars or equal-length arrays).

    Returns an array of shape ``(..., 2)`` with ``[low, high]`` as fractions 0..1; NaN where ``nobs`` is 0.
    """
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    count, nobs = np.broadcast_arrays(count, nobs)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = wilson_bounds(count / nobs, nobs, ndtri(0.5 + level / 2))
    ok = nobs > 0
    return np.stack([np.where(ok, low, np.nan), np.where(ok, high, np.nan)], axis=-1)


def wilson_bounds(p, n, q):
    """The Wilson score interval written out: for a proportion ``p`` of ``n`` units (``n`` may be a
    fractional effective sample size) and the quantile ``q`` (1.96 for 95%), the ``P`` with
    ``(p - P)^2 <= q^2 P (1 - P) / n``:

        centre = (p + q^2 / 2n) / (1 + q^2 / n),  half = q sqrt(p (1 - p) / n + q^2 / 4n^2) / (1 + q^2 / n).

    Arrays broadcast; returns ``(low, high)`` clipped to 0..1 (NaN where ``n`` is not positive)."""
    p, n, q = np.asarray(p, dtype=float), np.asarray(n, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q2n = q**2 / n
        centre = (p + q2n / 2) / (1 + q2n)
        half = q * np.sqrt(np.maximum(p * (1 - p), 0) / n + q2n**2 / (4 * q**2)) / (1 + q2n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _as_columns(numerators, denominators) -> tuple[np.ndarray, np.ndarray, bool]:
    num = np.asarray(numerators, dtype=float)
    one = num.ndim == 1
    if one:
        num = num[:, None]
    den = np.asarray(denominators, dtype=float)
    if num.ndim != 2 or den.shape != (num.shape[0],):
        raise ValueError(f"numerators must be (n_plans,) or (n_plans, k) (plans or other clusters) and "
                         f"denominators (n_plans,); "
                         f"got {num.shape} and {den.shape}")
    return num, den, one


def ratio_moments(num: np.ndarray, den: np.ndarray) -> dict:
    """Ratio of sums and its linearised (Taylor) variance over plans.

    Args:
        num: ``(n, k)`` per plan the count of each of ``k`` quantities; den: ``(n,)`` per plan its units.
    Returns:
        dict with ``r`` ``(k,)`` = sum(num) / sum(den) (NaN when sum(den) is 0), ``total`` = sum(den),
        ``n`` (plans with at least one unit), ``u`` ``(n, k)`` the influence of each plan on ``r``,
        ``(num - r den) / sum(den)``, and ``v`` ``(k,)`` = n / (n - 1) sum(u^2) (NaN with fewer than 2 plans).
    """
    total = den.sum()
    n = int((den > 0).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num.sum(axis=0) / total
        u = (num - r[None, :] * den[:, None]) / total
        v = n / (n - 1) * (u**2).sum(axis=0) if n > 1 else np.full(num.shape[1], np.nan)
    return {"r": r, "total": total, "n": n, "u": u, "v": v}


def share_interval(numerators, denominators, *, seed: int, n_resamples: int = N_BOOTSTRAP,
                   level: float = LEVEL) -> np.ndarray:
    """The interval the reports show for a share ``sum(numerators) / sum(denominators)`` over plans
    (method ``SHARE_METHOD``; coverage measured by ``bench/bench_coverage.py``, see docs/intervals.md).

    Wilson's score interval on the effective sample size ``sum(den) / deff``, where the design effect
    ``deff`` is the linearised (Taylor) variance of the ratio over plans divided by the binomial variance
    ``r (1 - r) / (sum(den) - 1)``, and the quantile is Student's t with (plans - 1) degrees of freedom
    (at least 1). Where the design effect cannot be estimated (share 0 or 1, fewer than two plans, or no
    variation between plans) it is taken as 1, so the interval never has zero width. When every plan has
    at most one unit (a share of plans) the binomial model is exact, deff is 1 and the quantile is the
    normal one: plain Wilson. Closed-form, so ``seed`` and ``n_resamples`` do not change the result; they
    are part of the signature so that a resampling method could replace this one without changing callers.

    Args:
        numerators: ``(n_plans,)`` or ``(n_plans, k)``: per plan the count on the theme (for k quantities).
        denominators: ``(n_plans,)``: per plan its number of units (speerpunten; 1 for a share of plans).
        seed, n_resamples: see above. level: coverage level (0.95).
    Returns:
        ``[low, high]``: shape ``(2,)`` for 1-d numerators, ``(k, 2)`` otherwise; NaN when the
        denominators sum to 0.
    """
    num, den, one = _as_columns(numerators, denominators)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    low, high = _effective_wilson(num, den, _quantile(den, int((den > 0).sum()), level))
    out = np.column_stack([low, high])
    return out[0] if one else out


def _quantile(den: np.ndarray, n_plans: int, level: float) -> float:
    """Normal quantile when every plan has at most one unit (nothing is estimated beyond the binomial),
    else Student's t with ``n_plans - 1`` (at least 1) degrees of freedom."""
    if (den <= 1).all():
        return float(ndtri(0.5 + level / 2))
    return float(stdtrit(max(n_plans - 1, 1), 0.5 + level / 2))


def _effective_wilson(num: np.ndarray, den: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson bounds ``(k,)``, ``(k,)`` on the effective sample size ``sum(den) / deff`` with quantile ``q``
    (see ``share_interval``); NaN when the denominators sum to 0."""
    mom = ratio_moments(num, den)
    r, total, v = mom["r"], mom["total"], mom["v"]
    with np.errstate(divide="ignore", invalid="ignore"):
        binomial = r * (1 - r) / max(total - 1, 1)
        deff = np.where((binomial > 0) & (v > 0), v / binomial, 1.0)
    if not total > 0:
        return np.full(num.shape[1], np.nan), np.full(num.shape[1], np.nan)
    return wilson_bounds(r, total / deff, q)


def difference_interval(numerators, denominators, in_a, in_b, *, seed: int, n_resamples: int = N_BOOTSTRAP,
                        level: float = LEVEL) -> np.ndarray:
    """The interval the reports show for share(a) - share(b) (method ``DIFFERENCE_METHOD``).

    Newcombe's hybrid score interval (Newcombe 1998) built from each group's Wilson interval on its
    effective sample size ``[l, u]`` around its share ``r`` (as ``share_interval``, but with the t quantile
    at (plans in a or b - 1) degrees of freedom: the difference is estimated from all those plans; the
    normal quantile when every plan has one unit, which makes this Newcombe's own interval for plan shares):

        low  = d - sqrt((r_a - l_a)^2 - 2 phi (r_a - l_a)(u_b - r_b) + (u_b - r_b)^2)
        high = d + sqrt((u_a - r_a)^2 - 2 phi (u_a - r_a)(r_b - l_b) + (r_b - l_b)^2)

    with ``d = r_a - r_b`` and ``phi`` the estimated correlation of the two shares: the linearised
    covariance over the plans in both groups, ``sum(u_a u_b) / sqrt(sum(u_a^2) sum(u_b^2))`` with ``u`` each
    plan's influence on its group's share (0 for a plan outside the group). Without shared plans phi is 0
    and this is Newcombe's interval for independent groups. Closed-form: see ``share_interval`` on ``seed``.

    Args:
        numerators: ``(n_plans,)`` or ``(n_plans, k)`` over the union of both groups' plans.
        denominators: ``(n_plans,)``.
        in_a, in_b: boolean ``(n_plans,)``: which plans are in group a and in group b (a plan may be in both).
    Returns:
        ``[low, high]`` of share(a) - share(b), shape ``(2,)`` or ``(k, 2)``; NaN where a group has no units.
    """
    num, den, one = _as_columns(numerators, denominators)
    a, b = np.asarray(in_a, dtype=bool), np.asarray(in_b, dtype=bool)
    if a.shape != den.shape or b.shape != den.shape:
        raise ValueError(f"in_a and in_b must be boolean (n_plans,) = {den.shape}; got {a.shape} and {b.shape}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    ma, mb = ratio_moments(num[a], den[a]), ratio_moments(num[b], den[b])
    union = a | b
    q = _quantile(den[union], int((den[union] > 0).sum()), level)
    (la, ha), (lb, hb) = _effective_wilson(num[a], den[a], q), _effective_wilson(num[b], den[b], q)
    ua, ub = np.zeros_like(num), np.zeros_like(num)
    ua[a], ub[b] = ma["u"], mb["u"]
    saa, sbb, sab = (ua**2).sum(axis=0), (ub**2).sum(axis=0), (ua * ub).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.clip(np.where((saa > 0) & (sbb > 0), sab / np.sqrt(saa * sbb), 0.0), -1, 1)
    ra, rb = ma["r"], mb["r"]
    low = ra - rb - np.sqrt(np.maximum((ra - la) ** 2 - 2 * phi * (ra - la) * (hb - rb) + (hb - rb) ** 2, 0))
    high = ra - rb + np.sqrt(np.maximum((ha - ra) ** 2 - 2 * phi * (ha - ra) * (rb - lb) + (rb - lb) ** 2, 0))
    out = np.column_stack([low, high])
    return out[0] if one else out


def resample_counts(n_clusters: int, n_resamples: int, rng: np.random.Generator, *, block: int = _BLOCK):
    """Yield blocks of bootstrap resamples as count matrices.

    Each block has shape ``(b, n_clusters)``: entry ``[r, i]`` is how often cluster ``i`` was drawn in
    resample ``r`` (every row sums to ``n_clusters``: draws with replacement, uniform over clusters).
    """
    done = 0
    while done < n_resamples:
        b = min(block, n_resamples - done)
        draws = rng.integers(0, n_clusters, size=(b, n_clusters))
        draws += (np.arange(b) * n_clusters)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n_clusters)
        yield counts.reshape(b, n_clusters)
        done += b


def plan_draw_totals(numerators: np.ndarray, denominators: np.ndarray, n_resamples: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap totals by drawing plans: ``(n_resamples, k)`` numerator and ``(n_resamples,)``
    denominator sums over the plans of each resample (``numerators`` ``(n, k)``, ``denominators`` ``(n,)``)."""
    both = np.column_stack([numerators, denominators]).astype(float)
    totals = np.vstack([counts.astype(float) @ both
                        for counts in resample_counts(len(both), n_resamples, rng)])
    return totals[:, :-1], totals[:, -1]


def patterns(numerators: np.ndarray, denominators: np.ndarray) -> dict:
    """The distinct ``(value, denominator)`` patterns of every quantity, as the pattern sampler walks them.

    Plans are grouped into *cells* (quantity ``q``, distinct denominator ``s``); within a cell, into
    *entries* (distinct numerator value) with their number of plans. Entries of a cell are ordered
    from rare to common, so the most common one takes the remainder instead of a draw.

    Returns arrays: ``sizes`` (distinct denominators), ``size_plans`` (plans per size), and per entry
    ``cell`` (column of the cell), ``value``, ``plans``, ``p`` (probability of the entry among the
    cell's plans not given to an earlier entry), ``rank`` (position in its cell), ``last``; per cell
    ``cell_size`` (index into ``sizes``) and ``cell_quantity``; and ``n_binomials`` (draws per resample).
    """
    k = numerators.shape[1]
    size_of, sizes = pd.factorize(denominators, sort=True)
    counts = numerators.astype(np.int64)
    if numerators.size and (counts == numerators).all() and counts.min() >= 0 and counts.max() < 2**20:
        value_of, values = counts.ravel(), np.arange(counts.max() + 1, dtype=float)  # counts: no sort
    else:
        value_of, values = pd.factorize(numerators.ravel(), sort=True)
    cell_of = (np.arange(k)[None, :] * len(sizes) + size_of.reshape(-1, 1)).ravel()
    key_of, keys = pd.factorize(cell_of * len(values) + value_of, sort=True)
    plans = np.bincount(key_of, minlength=len(keys))
    cell, value = keys // len(values), values[keys % len(values)]
    order = np.lexsort((plans, cell))  # by cell, then rare to common (ties: by value)
    cell, value, plans = cell[order], value[order], plans[order]
    cells, first, per_cell = np.unique(cell, return_index=True, return_counts=True)
    start = np.repeat(first, per_cell)
    rank = np.arange(len(cell)) - start
    done_before = np.cumsum(plans) - plans
    left = np.repeat(np.add.reduceat(plans, first), per_cell) - (done_before - done_before[start])
    return {
        "sizes": np.asarray(sizes, dtype=float), "size_plans": np.bincount(size_of, minlength=len(sizes)),
        "cell": np.repeat(np.arange(len(cells)), per_cell), "value": value, "plans": plans,
        "p": plans / left, "rank": rank, "last": rank == np.repeat(per_cell - 1, per_cell),
        "cell_size": cells % len(sizes), "cell_quantity": cells // len(sizes),
        "n_binomials": int(len(cell) - len(cells) + len(sizes) - 1),
    }


def pattern_draw_totals(numerators: np.ndarray, denominators: np.ndarray, n_resamples: int,
                        rng: np.random.Generator, table: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap totals by drawing pattern counts instead of plans (same distribution, see module doc).

    A resample of ``n`` plans with replacement is a multinomial count vector over plans with equal
    probabilities. Grouping plans first by denominator and then, within a size, by numerator value is
    the multinomial's own aggregation property: the counts per size are multinomial with probabilities
    proportional to the plans of that size, and given those, the counts per value within a size are
    multinomial too. Each quantity's totals therefore have exactly their bootstrap distribution.
    Quantities are drawn separately given the shared size counts, so the denominator total of a resample
    is the same for every quantity, while numerators of different quantities are independent given it
    (the percentile interval of each quantity only uses its own distribution).

    Returns ``(n_resamples, k)`` numerator and ``(n_resamples,)`` denominator totals.
    """
    t = table or patterns(numerators, denominators)
    n = len(denominators)
    per_size = rng.multinomial(n, t["size_plans"] / n, size=n_resamples)
    remaining = per_size.T[t["cell_size"]]  # cells x resamples: plans of the cell not yet placed
    drawn = np.empty((len(t["cell"]), n_resamples))  # entries x resamples: plans drawn per pattern
    for rank in range(int(t["rank"].max()) + 1):  # a loop over pattern positions, not resamples
        entries = np.flatnonzero(t["rank"] == rank)
        cols = t["cell"][entries]
        now = remaining[cols]
        draw = ~t["last"][entries]
        if draw.any():
            now[draw] = rng.binomial(now[draw], t["p"][entries[draw]][:, None])
        remaining[cols] -= now
        drawn[entries] = now
    weights = np.zeros((numerators.shape[1], len(t["cell"])))
    weights[t["cell_quantity"][t["cell"]], np.arange(len(t["cell"]))] = t["value"]
    return (weights @ drawn).T, per_size @ t["sizes"]


def distinct_columns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of a 2-d array in order of first appearance, and for every column the
    index of its distinct column (``distinct[:, index] == values``)."""
    first: dict[bytes, int] = {}
    index = np.array([first.setdefault(np.ascontiguousarray(values[:, j]).tobytes(), len(first))
                      for j in range(values.shape[1])], dtype=int)
    keep = np.unique(index, return_index=True)[1]
    return values[:, keep], index


def cluster_bootstrap_ratios(numerators, denominators, *, n_resamples: int = N_BOOTSTRAP, seed: int,
                             level: float = LEVEL, method: str = "auto") -> np.ndarray:
    """Percentile bootstrap interval of ratio estimates ``sum(numerator) / sum(denominator)``, resampling
    whole clusters (plans) with replacement.

    Args:
        numerators: shape ``(n_clusters, k)``: per cluster, the count for each of ``k`` quantities
            (e.g. speerpunten per theme); a 1-d array is one quantity.
        denominators: shape ``(n_clusters,)``: per cluster, the total (e.g. speerpunten in the plan).
        n_resamples: number of bootstrap resamples (2,000 or more for reporting).
        seed: seed of the numpy Generator; the same seed and input give the same interval.
        method: ``"plans"`` or ``"patterns"`` (the two exact samplers of the module doc) or ``"auto"``:
            the cheaper one for this input. Identical columns always get identical intervals.
    Returns:
        array ``(k, 2)`` (or ``(2,)`` for 1-d input) of ``[low, high]``; NaN when there are no clusters or
        the denominators sum to 0. Resamples whose denominators sum to 0 are left out.
    """
    num, den, one = _as_columns(numerators, denominators)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    n, k = num.shape
    if n == 0 or k == 0 or den.sum() <= 0:
        out = np.full((k, 2), np.nan)
        return out[0] if one else out
    distinct, column_of = distinct_columns(num)
    rng = np.random.default_rng(seed)
    table = None
    if method != "plans":
        table = patterns(distinct, den)
        if method == "auto" and table["n_binomials"] * _BINOMIAL_COST >= n:
            method = "plans"
    if method == "plans":
        num_totals, den_totals = plan_draw_totals(distinct, den, n_resamples, rng)
    else:
        num_totals, den_totals = pattern_draw_totals(distinct, den, n_resamples, rng, table)
    keep = den_totals > 0
    ratios = num_totals[keep] / den_totals[keep, None]
    tail = (1 - level) / 2
    out = np.quantile(ratios, [tail, 1 - tail], axis=0).T[column_of]
    return out[0] if one else out


def share(count, nobs) -> float:
    """``count / nobs`` as a float; NaN when ``nobs`` is 0."""
    return float(count) / float(nobs) if nobs else float("nan")
