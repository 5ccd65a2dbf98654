"""Interval estimates for shares: Wilson (independent units) and a cluster bootstrap over plans
(speerpunten of one plan are not independent, so the plan is the unit that is resampled).

Everything here works on plain numpy arrays and is vectorised: the bootstrap draws all resamples as
one integer matrix per block and turns them into per-resample totals with a matrix product, so its cost
grows with (resamples x plans) in C, never with a Python loop per resample or per speerpunt."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint

LEVEL = 0.95
N_BOOTSTRAP = 2000
# Resamples drawn per block: bounds memory (block x plans integers) at any sample size. Fixed, so that
# the same seed always gives the same resamples whatever the machine.
_BLOCK = 200


def wilson_interval(count, nobs, *, level: float = LEVEL) -> np.ndarray:
    """Wilson score interval for ``count`` successes out of ``nobs`` (scalars or equal-length arrays).

    Returns an array of shape ``(..., 2)`` with ``[low, high]`` as fractions 0..1; NaN where ``nobs`` is 0.
    """
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    count, nobs = np.broadcast_arrays(count, nobs)
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    ok = nobs > 0
    if ok.any():
        lo, hi = proportion_confint(count[ok], nobs[ok], alpha=1 - level, method="wilson")
        low[ok], high[ok] = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    return np.stack([low, high], axis=-1)


def resample_counts(n_clusters: int, n_resamples: int, rng: np.random.Generator, *, block: int = _BLOCK):
    """Yield blocks of bootstrap resamples as count matrices.

    Each block has shape ``(b, n_clusters)``: entry ``[r, i]`` is how often cluster ``i`` was drawn in
    resample ``r`` (every row sums to ``n_clusters``: draws with replacement, uniform over clusters).
    """
    done = 0
    while done < n_resamples:
        b = min(block, n_resamples - done)
        draws = rng.integers(0, n_clusters, size=(b, n_clusters))
        offsets = (np.arange(b) * n_clusters)[:, None]
        counts = np.bincount((draws + offsets).ravel(), minlength=b * n_clusters)
        yield counts.reshape(b, n_clusters)
        done += b


def cluster_bootstrap_ratios(numerators, denominators, *, n_resamples: int = N_BOOTSTRAP, seed: int,
                             level: float = LEVEL) -> np.ndarray:
    """Percentile bootstrap interval of ratio estimates ``sum(numerator) / sum(denominator)``, resampling
    whole clusters (plans) with replacement.

    Args:
        numerators: shape ``(n_clusters, k)``: per cluster, the count for each of ``k`` quantities
            (e.g. speerpunten per theme); a 1-d array is one quantity.
        denominators: shape ``(n_clusters,)``: per cluster, the total (e.g. speerpunten in the plan).
        n_resamples: number of bootstrap resamples (2,000 or more for reporting).
        seed: seed of the numpy Generator; the same seed and input give the same interval.
    Returns:
        array ``(k, 2)`` (or ``(2,)`` for 1-d input) of ``[low, high]``; NaN when there are no clusters or
        the denominators sum to 0. Resamples whose denominators sum to 0 are left out.
    """
    num = np.asarray(numerators, dtype=float)
    one = num.ndim == 1
    if one:
        num = num[:, None]
    den = np.asarray(denominators, dtype=float)
    if num.ndim != 2 or den.shape != (num.shape[0],):
        raise ValueError(f"numerators must be (n_clusters, k) and denominators (n_clusters,); "
                         f"got {num.shape} and {den.shape}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    n, k = num.shape
    if n == 0 or den.sum() <= 0:
        out = np.full((k, 2), np.nan)
        return out[0] if one else out
    rng = np.random.default_rng(seed)
    both = np.column_stack([num, den])
    totals = np.vstack([counts @ both for counts in resample_counts(n, n_resamples, rng)])
    keep = totals[:, -1] > 0
    ratios = totals[keep, :-1] / totals[keep, -1:]
    tail = (1 - level) / 2
    out = np.quantile(ratios, [tail, 1 - tail], axis=0).T
    return out[0] if one else out


def share(count, nobs) -> float:
    """``count / nobs`` as a float; NaN when ``nobs`` is 0."""
    return float(count) / float(nobs) if nobs else float("nan")
