"""Coverage benchmark of 95% intervals for shares and differences of shares (issue #12).

Usage (from the project folder)::

    .venv/bin/python bench/bench_coverage.py --quick     # 200 samples per cell, a first look (~1 min)
    .venv/bin/python bench/bench_coverage.py             # 2,000 samples per cell (the documented run)
    .venv/bin/python bench/bench_coverage.py --samples 1000 --json /tmp/coverage.json

What is simulated (every cell seeded from ``--seed`` and its own position, so cells are reproducible one
by one):

* **speerpunt shares**: ``n`` plans whose sizes (speerpunten per plan) are drawn with replacement from the
  shipped sample (``data/raw/speerpunten.csv``, count per ``plan_id``); every plan has its own probability
  of a speerpunt being on the theme, Beta-distributed with mean ``P`` and intra-plan correlation ``rho``
  (``a = P (1/rho - 1)``, ``b = (1 - P)(1/rho - 1)``; ``rho = 0`` is binomial); the count on the theme is
  binomial given that probability. The truth is ``P``, the estimate the ratio of sums.
* **plan shares**: ``n`` plans, each yes with probability ``P`` (denominator 1 per plan). Not sampled: every
  possible number of yes plans is evaluated once and weighted by its binomial probability, so coverage and
  width are exact (the bootstrap's own resampling noise aside).
* **differences**: share(a) - share(b) of speerpunten, base share 0.25, true difference 0 or 0.1, either
  two independent groups of ``n`` plans each, or two groups of ``n`` plans of which ``n // 2`` are in both
  (a joint plan in two cohorts, a plan in force in both reference years). With overlap, the plans only in
  a have mean ``0.25 + d'/2`` and those only in b ``0.25 - d'/2`` with ``d' = d n / (n - n // 2)``, shared
  plans 0.25, so that the expected ratio of group a minus that of b is exactly ``d``.

Candidates (all vectorised over samples; the bootstrap draws one resample matrix per block of samples, so
resamples are shared within a block, which leaves each interval an exact bootstrap interval):
see ``SHARE_CANDIDATES`` and ``DIFFERENCE_CANDIDATES``. The methods the package uses are ``ivp.stats``'s
``share_interval`` and ``difference_interval``; the benchmark checks that they agree with its own
vectorised versions on the first samples of every cell.

Printed per family: coverage with its Monte-Carlo standard error in units of the last digit
(``0.951(5)`` = 0.951 +- 0.005), mean width, and a summary per candidate (coverage range over the cells
with at least 10 plans and below 10 plans, cells in 0.93-0.97, and how many intervals of a sample whose
estimate was 0 or 1 had zero width)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import special, stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ivp import stats as ivp_stats  # noqa: E402
from ivp.stats import resample_counts  # noqa: E402

LEVEL = 0.95
PLANS = (3, 5, 10, 20, 50, 100)
SHARE_P = (0.05, 0.25, 0.42)
PLAN_P = (0.1, 0.25, 0.5)
RHOS = (0.0, 0.1, 0.3)
DIFF_BASE, DIFF_D, DIFF_RHOS = 0.25, (0.0, 0.1), (0.0, 0.1, 0.3)
TARGET = (0.93, 0.97)
SAMPLE_BLOCK = 250  # samples per bootstrap resample matrix


def shipped_plan_sizes() -> np.ndarray:
    """Speerpunten per plan of the shipped sample (count of rows per ``plan_id``), shape ``(n_plans,)``."""
    with open(ROOT / "data" / "raw" / "speerpunten.csv", encoding="utf-8-sig", newline="") as f:
        ids = [row["plan_id"] for row in csv.DictReader(f)]
    _, counts = np.unique(ids, return_counts=True)
    return counts


def draw_counts(rng, sizes: np.ndarray, p: np.ndarray, rho: float) -> np.ndarray:
    """Beta-binomial counts: ``sizes`` and ``p`` of equal shape; each plan's probability is Beta with mean
    ``p`` and intra-class correlation ``rho`` (binomial at ``rho = 0``)."""
    if rho > 0:
        scale = 1 / rho - 1
        p = rng.beta(p * scale, (1 - p) * scale)
    return rng.binomial(sizes, p).astype(float)


# --- closed-form candidates, vectorised: y, m of shape (S, n) -> low, high of shape (S,) -------------

def _t(df, level=LEVEL):
    return stats.t.ppf(0.5 + level / 2, np.maximum(df, 1))


Z = stats.norm.ppf(0.5 + LEVEL / 2)


def moments(y, m):
    """Ratio r, totals, and the linearised (Taylor) variance of r with the n/(n-1) factor, per sample."""
    n = y.shape[1]
    Y, M = y.sum(1), m.sum(1)
    r = Y / M
    v = n / (n - 1) * ((y - r[:, None] * m) ** 2).sum(1) / M**2
    return r, Y, M, v, n


def wilson_core(r, n, q):
    """Wilson score interval for a proportion ``r`` out of ``n`` (may be fractional) with quantile ``q``."""
    q2 = q**2
    centre = (r + q2 / (2 * n)) / (1 + q2 / n)
    half = q * np.sqrt(np.maximum(r * (1 - r), 0) / n + q2 / (4 * n**2)) / (1 + q2 / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def c_wilson(y, m):
    r, Y, M, v, n = moments(y, m)
    return wilson_core(r, M, Z)


def c_linear_t(y, m):
    r, Y, M, v, n = moments(y, m)
    h = _t(n - 1) * np.sqrt(v)
    return np.clip(r - h, 0, 1), np.clip(r + h, 0, 1)


def c_logit_t_half(y, m):
    """Linearised variance on the logit scale with t(n-1), shares moved off 0/1 by adding half a speerpunt
    on and off the theme (the add-half adjustment)."""
    n = y.shape[1]
    Y, M = y.sum(1), m.sum(1)
    rt = (Y + 0.5) / (M + 1)
    v = n / (n - 1) * ((y - rt[:, None] * m) ** 2).sum(1) / M**2
    se = np.sqrt(v) / (rt * (1 - rt))
    lo, hi = special.logit(rt) + np.multiply.outer([-1, 1], _t(n - 1) * se)
    return special.expit(lo), special.expit(hi)


def effective_n(r, M, v, *, floor=True):
    """Effective number of speerpunten ``M / deff``, deff = linearised variance over the binomial one
    ``r (1 - r) / (M - 1)``; deff = 1 where r is 0 or 1 (no information), floored at 1 if ``floor``."""
    binom = r * (1 - r) / np.maximum(M - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(binom > 0, v / binom, 1.0)
    if floor:
        deff = np.maximum(deff, 1.0)
    deff = np.where(deff > 0, deff, 1.0)
    return M / deff


def c_wilson_deff_t(y, m):
    r, Y, M, v, n = moments(y, m)
    return wilson_core(r, effective_n(r, M, v), _t(n - 1))


def c_wilson_deff_z(y, m):
    r, Y, M, v, n = moments(y, m)
    return wilson_core(r, effective_n(r, M, v, floor=False), Z)


def c_wilson_deff_t_nofloor(y, m):
    """The package's method: Wilson on the effective sample size (deff not floored), t(n-1), or z when
    every plan has one unit (plan shares: deff is 1 by construction, nothing is estimated)."""
    r, Y, M, v, n = moments(y, m)
    q = Z if (m <= 1).all() else _t(n - 1)
    return wilson_core(r, effective_n(r, M, v, floor=False), q)


def c_korn_graubard(y, m):
    """Korn & Graubard (1998): Clopper-Pearson on the effective sample size, shrunk by (z / t(n-1))^2."""
    r, Y, M, v, n = moments(y, m)
    ns = effective_n(r, M, v) * (Z / _t(n - 1)) ** 2
    x = r * ns
    alpha = 1 - LEVEL
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, special.betaincinv(np.maximum(x, 1e-12), ns - x + 1, alpha / 2), 0.0)
        hi = np.where(x < ns, special.betaincinv(x + 1, np.maximum(ns - x, 1e-12), 1 - alpha / 2), 1.0)
    return lo, hi


SHARE_CLOSED = {
    "wilson": c_wilson,
    "linear_t": c_linear_t,
    "logit_t_half": c_logit_t_half,
    "wilson_deff_z": c_wilson_deff_z,
    "wilson_deff_t_floor1": c_wilson_deff_t,
    ivp_stats.SHARE_METHOD: c_wilson_deff_t_nofloor,
    "korn_graubard": c_korn_graubard,
}


# --- bootstrap candidates (percentile, BCa, studentised) ----------------------------------------------

def bootstrap_shares(y, m, rng, n_resamples):
    """Percentile, BCa and studentised cluster-bootstrap intervals, dict name -> (low, high), shape (S,)."""
    S, n = y.shape
    r, Y, M, v, _ = moments(y, m)
    out = {k: (np.empty(S), np.empty(S)) for k in ("boot_percentile", "boot_bca", "boot_studentised")}
    tail = (1 - LEVEL) / 2
    for start in range(0, S, SAMPLE_BLOCK):
        sl = slice(start, min(S, start + SAMPLE_BLOCK))
        C = np.vstack(list(resample_counts(n, n_resamples, rng))).astype(float).T  # (n, B)
        yb, mb = y[sl], m[sl]
        Ys, Ms = yb @ C, mb @ C
        rs = Ys / Ms
        out["boot_percentile"][0][sl], out["boot_percentile"][1][sl] = np.quantile(rs, [tail, 1 - tail], axis=1)
        # BCa: bias correction from the share of resamples below the estimate, acceleration from the jackknife
        rr = r[sl][:, None]
        below = (rs < rr).mean(1) + 0.5 * (rs == rr).mean(1)
        z0 = stats.norm.ppf(np.clip(below, 0.5 / n_resamples, 1 - 0.5 / n_resamples))
        jack = (Y[sl][:, None] - yb) / (M[sl][:, None] - mb)
        d = jack.mean(1, keepdims=True) - jack
        s2 = (d**2).sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(s2 > 0, (d**3).sum(1) / (6 * s2**1.5), 0.0)
        srt = np.sort(rs, axis=1)
        for j, zq in enumerate((stats.norm.ppf(tail), stats.norm.ppf(1 - tail))):
            adj = stats.norm.cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
            idx = np.clip(np.round(adj * (n_resamples - 1)).astype(int), 0, n_resamples - 1)
            out["boot_bca"][j][sl] = np.take_along_axis(srt, idx[:, None], 1)[:, 0]
        # studentised: t = (r* - r) / se*, se* the linearised standard error of the resample
        s_yy, s_ym, s_mm = (yb**2) @ C, (yb * mb) @ C, (mb**2) @ C
        vs = n / (n - 1) * (s_yy - 2 * rs * s_ym + rs**2 * s_mm) / Ms**2
        se_s = np.sqrt(np.maximum(vs, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            ts = np.where(se_s > 0, (rs - rr) / se_s, 0.0)
        qlo, qhi = np.quantile(ts, [tail, 1 - tail], axis=1)
        se = np.sqrt(v[sl])
        out["boot_studentised"][0][sl] = np.clip(r[sl] - qhi * se, 0, 1)
        out["boot_studentised"][1][sl] = np.clip(r[sl] - qlo * se, 0, 1)
    return out


# --- differences: y, m of shape (S, N) over the union, masks a, b of shape (N,) ----------------------

def group_moments(y, m, mask):
    Y, M = (y * mask).sum(1), (m * mask).sum(1)
    r = Y / M
    u = mask * (y - r[:, None] * m) / M[:, None]  # influence of each plan on r
    return r, M, u


def diff_parts(y, m, a, b):
    N = y.shape[1]
    ra, Ma, ua = group_moments(y, m, a)
    rb, Mb, ub = group_moments(y, m, b)
    f = N / (N - 1)
    va, vb, cab = f * (ua**2).sum(1), f * (ub**2).sum(1), f * (ua * ub).sum(1)
    return ra, rb, Ma, Mb, va, vb, cab, ua - ub


def newcombe(ra, la, ha, rb, lb, hb, phi=0.0):
    """Newcombe's hybrid score interval for ra - rb from the two groups' intervals; ``phi`` the correlation
    of the two estimates (Newcombe 1998, paired data: 0 for independent groups)."""
    d = ra - rb
    lo = d - np.sqrt(np.maximum((ra - la) ** 2 - 2 * phi * (ra - la) * (hb - rb) + (hb - rb) ** 2, 0))
    hi = d + np.sqrt(np.maximum((ha - ra) ** 2 - 2 * phi * (ha - ra) * (rb - lb) + (rb - lb) ** 2, 0))
    return lo, hi


def d_newcombe_wilson(y, m, a, b):
    """Newcombe with plain Wilson intervals: speerpunten independent, overlap ignored."""
    ra, rb, Ma, Mb, *_ = diff_parts(y, m, a, b)
    return newcombe(ra, *wilson_core(ra, Ma, Z), rb, *wilson_core(rb, Mb, Z))


def d_linear_t(y, m, a, b):
    """Linearised variance of the difference over the union of plans (covariance of shared plans
    included), t with (union plans - 1) degrees of freedom."""
    ra, rb, Ma, Mb, va, vb, cab, u = diff_parts(y, m, a, b)
    h = _t(y.shape[1] - 1) * np.sqrt(np.maximum(va + vb - 2 * cab, 0))
    return ra - rb - h, ra - rb + h


def d_linear_satt(y, m, a, b):
    """As ``d_linear_t`` with Satterthwaite's degrees of freedom (sum u^2)^2 / sum u^4, floored at 1."""
    ra, rb, Ma, Mb, va, vb, cab, u = diff_parts(y, m, a, b)
    s2, s4 = (u**2).sum(1), (u**4).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(s4 > 0, s2**2 / s4, y.shape[1] - 1)
    h = _t(np.maximum(df, 1)) * np.sqrt(np.maximum(va + vb - 2 * cab, 0))
    return ra - rb - h, ra - rb + h


def _group_wilson_deff(r, M, v, n_plans, quantile, unit_plans):
    q = np.where(unit_plans, Z, _t(n_plans - 1)) if quantile == "t" else Z
    return wilson_core(r, effective_n(r, M, v, floor=False), q)


def d_newcombe_deff(y, m, a, b, quantile="t"):
    """Newcombe's hybrid from each group's Wilson interval on its effective sample size (t with the
    group's plans - 1), with the estimated correlation of the two estimates for shared plans."""
    ra, rb, Ma, Mb, va, vb, cab, u = diff_parts(y, m, a, b)
    na, nb = a.sum(), b.sum()
    # each group's own variance with its own n/(n-1) (as share_interval computes it)
    fa, fb = (na / (na - 1)) / (y.shape[1] / (y.shape[1] - 1)), (nb / (nb - 1)) / (y.shape[1] / (y.shape[1] - 1))
    la, ha = _group_wilson_deff(ra, Ma, va * fa, na, quantile, ((m <= 1) | ~a.astype(bool)).all(1))
    lb, hb = _group_wilson_deff(rb, Mb, vb * fb, nb, quantile, ((m <= 1) | ~b.astype(bool)).all(1))
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where((va > 0) & (vb > 0), cab / np.sqrt(va * vb), 0.0)
    return newcombe(ra, la, ha, rb, lb, hb, np.clip(phi, -1, 1))


def d_newcombe_deff_z(y, m, a, b):
    return d_newcombe_deff(y, m, a, b, quantile="z")


def d_newcombe_deff_union_df(y, m, a, b):
    """The package's method: as ``d_newcombe_deff`` but both groups' intervals with t at (plans in either
    group - 1) degrees of freedom instead of each group's own (plans - 1)."""
    ra, rb, Ma, Mb, va, vb, cab, u = diff_parts(y, m, a, b)
    N, na, nb = y.shape[1], a.sum(), b.sum()
    fa, fb = (na / (na - 1)) / (N / (N - 1)), (nb / (nb - 1)) / (N / (N - 1))
    q = np.where((m <= 1).all(1), Z, _t(N - 1))
    la, ha = wilson_core(ra, effective_n(ra, Ma, va * fa, floor=False), q)
    lb, hb = wilson_core(rb, effective_n(rb, Mb, vb * fb, floor=False), q)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where((va > 0) & (vb > 0), cab / np.sqrt(va * vb), 0.0)
    return newcombe(ra, la, ha, rb, lb, hb, np.clip(phi, -1, 1))


DIFF_CLOSED = {
    "newcombe_wilson": d_newcombe_wilson,
    "linear_t": d_linear_t,
    "linear_satterthwaite": d_linear_satt,
    "newcombe_deff_z": d_newcombe_deff_z,
    "newcombe_deff_group_df": d_newcombe_deff,
    ivp_stats.DIFFERENCE_METHOD: d_newcombe_deff_union_df,
}


def bootstrap_differences(y, m, a, b, rng, n_resamples):
    """Percentile bootstrap of ra - rb resampling the union of plans once per resample; resamples in
    which a group has no speerpunten are left out."""
    S, N = y.shape
    lo, hi = np.empty(S), np.empty(S)
    tail = (1 - LEVEL) / 2
    for start in range(0, S, SAMPLE_BLOCK):
        sl = slice(start, min(S, start + SAMPLE_BLOCK))
        C = np.vstack(list(resample_counts(N, n_resamples, rng))).astype(float).T
        yb, mb = y[sl], m[sl]
        Ma, Mb = (mb * a) @ C, (mb * b) @ C
        with np.errstate(divide="ignore", invalid="ignore"):
            ds = ((yb * a) @ C) / Ma - ((yb * b) @ C) / Mb
        ds[(Ma == 0) | (Mb == 0)] = np.nan
        lo[sl], hi[sl] = np.nanquantile(ds, [tail, 1 - tail], axis=1)
    return {"boot_percentile": (lo, hi)}


# --- cells ---------------------------------------------------------------------------------------------

def score(intervals: dict, truth: float, estimate: np.ndarray, edge: np.ndarray, weights=None) -> dict:
    """Coverage, its Monte-Carlo SE, mean width, and zero-width intervals among samples at the edge.

    With ``weights`` (the probability of each sample: exact enumeration) coverage and width are exact
    expectations, the SE is 0 (up to the bootstrap's own resampling noise) and ``edge`` counts are
    probabilities x 1000."""
    out = {}
    S = len(estimate)
    w = np.full(S, 1 / S) if weights is None else np.asarray(weights)
    scale = S if weights is None else 1000
    for name, (lo, hi) in intervals.items():
        cov = float(np.sum(w * ((lo <= truth + 1e-12) & (truth - 1e-12 <= hi))))
        width = hi - lo
        se = float(np.sqrt(max(cov * (1 - cov), 1 / S) / S)) if weights is None else 0.0
        out[name] = {"coverage": cov, "se": se, "width": float(np.sum(w * width)),
                     "edge": int(round(scale * np.sum(w * edge))),
                     "zero_width_edge": int(round(scale * np.sum(w * ((width < 1e-12) & edge))))}
    return out


def check_package(kind, y, m, intervals, a=None, b=None, seed=0):
    """The package's functions must give what the benchmark's own vectorised version gives."""
    share_name, diff_name = ivp_stats.SHARE_METHOD, ivp_stats.DIFFERENCE_METHOD
    for s in range(3):
        if kind == "difference":
            got = ivp_stats.difference_interval(y[s], m[s], a, b, seed=seed)
            want = [intervals[diff_name][0][s], intervals[diff_name][1][s]]
        else:
            got = ivp_stats.share_interval(y[s], m[s], seed=seed)
            want = [intervals[share_name][0][s], intervals[share_name][1][s]]
        if not np.allclose(got, want, atol=1e-10):
            raise AssertionError(f"{kind}: ivp.stats gives {got}, the benchmark's version {want}")


def run_shares(sizes, samples, n_resamples, seed, kind):
    rows = []
    ps = SHARE_P if kind == "share" else PLAN_P
    rhos = RHOS if kind == "share" else (0.0,)
    for i, (p, rho, n) in enumerate((p, rho, n) for p in ps for rho in rhos for n in PLANS):
        rng = np.random.default_rng([seed, 1 if kind == "share" else 2, i])
        if kind == "share":
            m = rng.choice(sizes, size=(samples, n)).astype(float)
            y = draw_counts(rng, m.astype(int), np.full(m.shape, p), rho)
        else:  # every possible number of yes plans, weighted by its binomial probability: exact coverage
            m = np.ones((n + 1, n))
            y = (np.arange(n)[None, :] < np.arange(n + 1)[:, None]).astype(float)
        intervals = {name: f(y, m) for name, f in SHARE_CLOSED.items()}
        intervals.update(bootstrap_shares(y, m, rng, n_resamples))
        check_package(kind, y, m, intervals)
        r = y.sum(1) / m.sum(1)
        weights = None if kind == "share" else stats.binom.pmf(np.arange(n + 1), n, p)
        rows.append({"P": p, "rho": rho, "plans": n,
                     "methods": score(intervals, p, r, (r == 0) | (r == 1), weights)})
    return rows


def run_differences(sizes, samples, n_resamples, seed):
    rows = []
    cells = [(design, d, rho, n) for design in ("independent", "overlap") for d in DIFF_D for rho in DIFF_RHOS
             for n in PLANS]
    for i, (design, d, rho, n) in enumerate(cells):
        rng = np.random.default_rng([seed, 3, i])
        shared = n // 2 if design == "overlap" else 0
        only = n - shared
        N = 2 * only + shared
        a = np.r_[np.ones(only), np.zeros(only), np.ones(shared)]
        b = np.r_[np.zeros(only), np.ones(only), np.ones(shared)]
        dd = d * n / only
        p = np.r_[np.full(only, DIFF_BASE + dd / 2), np.full(only, DIFF_BASE - dd / 2), np.full(shared, DIFF_BASE)]
        m = rng.choice(sizes, size=(samples, N)).astype(float)
        y = draw_counts(rng, m.astype(int), np.broadcast_to(p, m.shape).copy(), rho)
        intervals = {name: f(y, m, a, b) for name, f in DIFF_CLOSED.items()}
        intervals.update(bootstrap_differences(y, m, a, b, rng, n_resamples))
        check_package("difference", y, m, intervals, a.astype(bool), b.astype(bool))
        ra, rb = group_moments(y, m, a)[0], group_moments(y, m, b)[0]
        edge = ((ra == 0) | (ra == 1)) & ((rb == 0) | (rb == 1))
        rows.append({"design": design, "d": d, "rho": rho, "plans": n,
                     "methods": score(intervals, d, ra - rb, edge)})
    return rows


# --- printing ------------------------------------------------------------------------------------------

def fmt_cov(c):
    return f"{c['coverage']:.3f}({round(c['se'] * 1000):d})"


def print_table(title, rows, keys):
    names = list(rows[0]["methods"])
    print(f"\n## {title}: coverage (Monte-Carlo SE in units of 0.001)\n")
    head = " ".join(f"{k:>6}" for k in keys)
    print(head + " " + " ".join(f"{n[:15]:>15}" for n in names))
    for r in rows:
        cells = " ".join(f"{fmt_cov(r['methods'][n]):>15}" for n in names)
        print(" ".join(f"{str(r[k]):>6}" for k in keys) + " " + cells)
    print(f"\n## {title}: mean width\n")
    print(head + " " + " ".join(f"{n[:15]:>15}" for n in names))
    for r in rows:
        cells = " ".join(f"{r['methods'][n]['width']:>15.3f}" for n in names)
        print(" ".join(f"{str(r[k]):>6}" for k in keys) + " " + cells)
    print(f"\n## {title}: summary per method\n")
    print(f"{'method':>22} {'min..max cov, >=10 plans':>26} {'in 0.93-0.97':>13} {'min..max cov, <10 plans':>25}"
          f" {'zero width at 0/1':>18}")
    for n in names:
        big = [r["methods"][n]["coverage"] for r in rows if r["plans"] >= 10]
        small = [r["methods"][n]["coverage"] for r in rows if r["plans"] < 10]
        inside = sum(TARGET[0] <= c <= TARGET[1] for c in big)
        zero = sum(r["methods"][n]["zero_width_edge"] for r in rows)
        edge = sum(r["methods"][n]["edge"] for r in rows)
        print(f"{n:>22} {min(big):>12.3f}..{max(big):.3f} {inside:>8}/{len(big):<4} "
              f"{min(small):>11.3f}..{max(small):.3f}"
              f" {zero:>9}/{edge}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 samples per cell and 500 resamples (a first look)")
    parser.add_argument("--samples", type=int, default=2000, help="samples per cell (default 2000)")
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    parser.add_argument("--seed", type=int, default=20200525)
    parser.add_argument("--json", type=Path, help="also write all numbers to this JSON file")
    args = parser.parse_args(argv)
    samples, resamples = (200, 500) if args.quick else (args.samples, args.resamples)
    sizes = shipped_plan_sizes()
    print(f"# Coverage of 95% intervals: {samples} samples per cell, {resamples} bootstrap resamples, seed {args.seed}")
    print(f"# plan sizes from data/raw/speerpunten.csv: {len(sizes)} plans, mean {sizes.mean():.2f} speerpunten; "
          f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    results, timing = {}, {}
    for family, run in (("speerpunt_shares", lambda: run_shares(sizes, samples, resamples, args.seed, "share")),
                        ("plan_shares", lambda: run_shares(sizes, samples, resamples, args.seed, "plan")),
                        ("differences", lambda: run_differences(sizes, samples, resamples, args.seed))):
        t0 = time.perf_counter()
        results[family] = run()
        timing[family] = time.perf_counter() - t0
    print_table("Share of speerpunten", results["speerpunt_shares"], ("P", "rho", "plans"))
    print_table("Share of plans (exact: every number of yes plans weighted by its binomial probability; "
                "zero-width counts per 1000)", results["plan_shares"], ("P", "plans"))
    print_table("Difference of two speerpunt shares", results["differences"], ("design", "d", "rho", "plans"))
    total = time.perf_counter() - started
    print("\n# time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timing.items()) + f"; total {total:.0f} s; "
          f"load at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"samples": samples, "resamples": resamples, "seed": args.seed,
                                         "seconds": timing, **results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
