"""Municipality-level figures: the sample seen per municipality instead of per plan or speerpunt.

A covered municipality's speerpunten are those of every plan in scope that covers it (its own plan and
joint or regional ones). Per covered municipality: does it have at least one speerpunt on each theme and
category, is it in a joint plan, is citizen participation in at least one of its plans evidenced. These
are the figures to set beside published per-municipality figures (e.g. the CCV survey: 54% of
municipalities draw their plan up with others, 97% have ondermijning among their priorities).

Intervals: municipalities linked by a shared plan are not independent (one joint plan gives all of
them the same speerpunten), so the unit of resampling is a *cluster*: a connected component of the
graph municipalities - plans (two municipalities are in one cluster when a chain of shared plans links
them). A cluster contributes (members with the property, members) to a ratio estimate.

``weighted_municipality_shares`` post-stratifies the same shares by cohort (G4, G40, P10, overig), each
stratum counted by its share of the 355 municipalities.

Every function takes plain DataFrames and returns DataFrames or dicts (fractions 0..1, intervals
``[low, high]``, NaN where nothing can be divided).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ivp.analysis.measures import SMALL_N, rollup_categories
from ivp.reference.municipalities import membership, theme_codes
from ivp.stats import LEVEL, N_BOOTSTRAP, SHARE_METHOD, resample_counts, share_interval

THEME_PREFIX = "thema_"
CATEGORY_PREFIX = "categorie_"
JOINT = "gezamenlijk"
PARTICIPATION = "participatie"
STRATA = ("G4", "G40", "P10", "overig")
METHOD = f"{SHARE_METHOD}_gemeenten"
METHOD_NL = (
    "95%-interval van ivp.stats.share_interval (Wilson op de effectieve steekproefomvang, zie Methode) met groepen "
    "gemeenten als clusters: gemeenten die via een gedeeld plan met elkaar verbonden zijn, vormen samen één "
    "groep, want hun speerpunten komen uit dezelfde plannen."
)
WEIGHTED_METHOD = "poststratificatie_cohort_bootstrap_binnen_strata"
WEIGHTED_METHOD_NL = (
    "Poststratificatie naar cohort (G4, G40, P10, overige gemeenten): het aandeel binnen elk cohort telt mee "
    "naar het aandeel van dat cohort in alle 355 gemeenten. 95%-percentielinterval van een bootstrap binnen "
    "elk cohort ({n} trekkingen, seed {seed}): binnen een cohort worden de groepen gemeenten die een plan delen "
    "samen getrokken; een groep die over cohorten heen loopt, wordt per cohort apart getrokken, dus die "
    "samenhang zit niet in het interval. Een cohort met één gedekte groep draagt geen onzekerheid bij."
)
WEIGHTING_NOTE = (
    "De weging corrigeert alleen voor de mix van cohorten in de steekproef (grote gemeenten zijn "
    "oververtegenwoordigd), niet voor welke gemeenten binnen een cohort hun plan openbaar maken of in de "
    "steekproef kwamen."
)


# --- the clustered interval ---------------------------------------------------------------------

def _ratio_interval(numerators, denominators, *, seed: int, n_resamples: int) -> np.ndarray:
    """Clustered 95% interval of ``sum(numerators[:, j]) / sum(denominators)`` for every column ``j``.

    ``numerators`` ``(n_clusters, k)``, ``denominators`` ``(n_clusters,)``; returns ``(k, 2)``. The one
    place that chooses the method: ``ivp.stats.share_interval``, chosen by the coverage benchmark for ratios of
    sums over clusters (docs/intervals.md).
    """
    return share_interval(numerators, denominators, seed=seed, n_resamples=n_resamples)


# --- per municipality ---------------------------------------------------------------------------

def _links_in_scope(links: pd.DataFrame, plan_ids: pd.Index) -> pd.DataFrame:
    keep = links["plan_id"].isin(plan_ids).to_numpy() & links["code"].notna().to_numpy()
    return links.loc[keep, ["plan_id", "code"]].drop_duplicates().reset_index(drop=True)


def municipality_clusters(links: pd.DataFrame, codes=None) -> pd.Series:
    """Clusters of municipalities: connected components of the municipality - plan graph.

    Args:
        links: plan -> municipality rows, columns ``plan_id`` and ``code`` (2020 CBS code).
        codes: the municipalities to label (default: every code in ``links``); each must occur in ``links``.
    Returns:
        an int Series indexed by ``gemeentecode`` (the sorted ``codes``): the cluster number, 0, 1, ...
        in order of each cluster's first municipality. Municipalities outside ``codes`` still connect
        clusters (a joint plan of A, B and C links A and C when only they are labelled).
    """
    links = links.loc[links["code"].notna(), ["plan_id", "code"]].drop_duplicates()
    all_codes = pd.Index(sorted(links["code"].unique()))
    plans = pd.Index(sorted(links["plan_id"].unique()))
    codes = all_codes if codes is None else pd.Index(sorted(set(codes)))
    missing = codes.difference(all_codes)
    if len(missing):
        raise ValueError(f"municipalities without a plan in links: {', '.join(missing[:10])}")
    row = all_codes.get_indexer(links["code"])
    col = len(all_codes) + plans.get_indexer(links["plan_id"])
    size = len(all_codes) + len(plans)
    graph = coo_matrix((np.ones(len(links)), (row, col)), shape=(size, size))
    _, component = connected_components(graph, directed=False)
    labels = component[all_codes.get_indexer(codes)]
    renumbered = pd.factorize(labels)[0] if len(labels) else labels  # 0, 1, ... in order of first member
    return pd.Series(renumbered.astype(int), index=codes.rename("gemeentecode"), name="cluster")


def municipality_properties(plans: pd.DataFrame, links: pd.DataFrame, speerpunten: pd.DataFrame, covered, *,
                            rollup: str | None = None, theme_columns=("thema",)) -> pd.DataFrame:
    """Per covered municipality: which themes and categories its speerpunten touch, joint plan, participation.

    Args:
        plans: the plans in scope, columns ``plan_id``, ``gezamenlijk`` (bool; the cleaning stage sets it
            for ``ja`` or two or more distinct municipalities), ``burgerparticipatie`` (ja/nee/onbekend).
        links: plan -> municipality rows (``plan_gemeenten``), columns ``plan_id``, ``code``; rows of plans
            not in ``plans`` are ignored.
        speerpunten: columns ``plan_id`` and the ``theme_columns`` (codebook codes); rows of other plans
            are ignored.
        covered: the job's covered municipalities (2020 codes; for a cohort job the cohort's own covered
            members, nationally every covered municipality); each must be linked to a plan in ``plans``.
        rollup: codebook roll-up for the categories (default: the codebook's default).
        theme_columns: which theme columns count (default the main theme only, as the plan shares do;
            ``("thema", "thema_2")`` also counts second themes).
    Returns:
        one row per covered municipality (index ``gemeentecode``, sorted): ``n_plannen`` (plans in scope
        covering it), ``cluster`` (see ``municipality_clusters``; computed over all plans in scope),
        ``gezamenlijk`` and ``participatie`` (bool: in at least one joint plan / plan with
        ``burgerparticipatie == "ja"``), and bool columns ``thema_<CODE>`` per codebook theme and
        ``categorie_<label>`` per category (at least one speerpunt on it in any of its plans).
    """
    plan_ids = pd.Index(plans["plan_id"])
    if plan_ids.has_duplicates:
        raise ValueError("plans: plan_id must be unique")
    in_scope = _links_in_scope(links, plan_ids)
    covered = pd.Index(sorted(set(covered)), name="gemeentecode")
    clusters = municipality_clusters(in_scope, covered)
    codes = theme_codes()
    categories = rollup_categories(rollup)
    # plans x themes: at least one speerpunt of the plan on the theme
    has_theme = np.zeros((len(plan_ids), len(codes)), dtype=bool)
    for column in theme_columns:
        p = plan_ids.get_indexer(speerpunten["plan_id"])
        t = pd.Index(codes).get_indexer(speerpunten[column])
        keep = (p >= 0) & (t >= 0)
        has_theme[p[keep], t[keep]] = True
    member = np.array([[code in cat for cat in categories.values()] for code in codes], dtype=bool)
    has_category = (has_theme.astype(np.int64) @ member.astype(np.int64)) > 0
    joint = plans["gezamenlijk"].fillna(False).astype(bool).to_numpy()
    participation = (plans["burgerparticipatie"].fillna("") == "ja").to_numpy()
    plan_flags = np.column_stack([np.ones(len(plan_ids)), joint, participation, has_theme, has_category])
    # municipalities x plans incidence, then "any" over the municipality's plans
    row = covered.get_indexer(in_scope["code"])
    keep = row >= 0
    col = plan_ids.get_indexer(in_scope["plan_id"])
    incidence = coo_matrix((np.ones(int(keep.sum())), (row[keep], col[keep])),
                           shape=(len(covered), len(plan_ids))).tocsr()
    per_municipality = np.asarray(incidence @ plan_flags.astype(float))
    table = pd.DataFrame(index=covered)
    table["n_plannen"] = per_municipality[:, 0].astype(int)
    table["cluster"] = clusters.to_numpy()
    table[JOINT] = per_municipality[:, 1] > 0
    table[PARTICIPATION] = per_municipality[:, 2] > 0
    for j, code in enumerate(codes):
        table[THEME_PREFIX + code] = per_municipality[:, 3 + j] > 0
    for j, label in enumerate(categories):
        table[CATEGORY_PREFIX + label] = per_municipality[:, 3 + len(codes) + j] > 0
    return table


def _property_columns(properties: pd.DataFrame) -> list[str]:
    return [c for c in properties.columns
            if c.startswith((THEME_PREFIX, CATEGORY_PREFIX)) or c in (JOINT, PARTICIPATION)]


def _nest(properties: pd.DataFrame, leaves: dict[str, dict]) -> dict:
    """Leaves per property column -> the dict of ``municipality_shares`` (themes, categories, ...)."""
    return {
        "themes": {c[len(THEME_PREFIX):]: leaves[c] for c in properties.columns if c.startswith(THEME_PREFIX)},
        "categories": {c[len(CATEGORY_PREFIX):]: leaves[c] for c in properties.columns
                       if c.startswith(CATEGORY_PREFIX)},
        "joint_share": leaves[JOINT],
        "participation_at_least": leaves[PARTICIPATION],
    }


def _per_cluster(flags: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster: members with each property ``(n_clusters, k)`` and members ``(n_clusters,)``."""
    n_clusters = int(clusters.max()) + 1 if len(clusters) else 0
    sizes = np.bincount(clusters, minlength=n_clusters).astype(float)
    numerators = np.zeros((n_clusters, flags.shape[1]))
    np.add.at(numerators, clusters, flags.astype(float))
    return numerators, sizes


def municipality_shares(properties: pd.DataFrame, *, seed: int, n_resamples: int = N_BOOTSTRAP) -> dict:
    """Shares of covered municipalities with each property, with a clustered 95% interval.

    Args:
        properties: as from ``municipality_properties`` (``cluster``, ``gezamenlijk``, ``participatie``,
            ``thema_<CODE>``, ``categorie_<label>``; one row per covered municipality).
        seed, n_resamples: of the bootstrap (one call for every property, so the same seed and input
            give the same intervals).
    Returns:
        keys ``n`` (covered municipalities), ``n_clusters``, ``themes`` {code: leaf}, ``categories``
        {label: leaf}, ``joint_share`` (leaf), ``participation_at_least`` (leaf: a lower bound, since
        participation is mostly unknown in public sources), ``ci95_methode`` (``METHOD``),
        ``methode_toelichting`` (Dutch), ``seed``, ``n_resamples``, ``indicatief`` (fewer than
        ``SMALL_N`` clusters). Every leaf is ``{"share_with", "n_with", "n", "ci95"}``: the share of
        the ``n`` covered municipalities, the number with the property, the interval.
    """
    columns = _property_columns(properties)
    flags = properties[columns].to_numpy(dtype=bool)
    n = len(properties)
    numerators, sizes = _per_cluster(flags, properties["cluster"].to_numpy(dtype=int))
    interval = _ratio_interval(numerators, sizes, seed=seed, n_resamples=n_resamples)
    counts = flags.sum(axis=0)
    leaves = {c: {"share_with": float(counts[j] / n) if n else np.nan, "n_with": int(counts[j]), "n": n,
                  "ci95": [float(interval[j, 0]), float(interval[j, 1])]}
              for j, c in enumerate(columns)}
    return {"n": n, "n_clusters": len(sizes), **_nest(properties, leaves),
            "ci95_methode": METHOD, "methode_toelichting": METHOD_NL.format(n=n_resamples, seed=seed),
            "seed": seed, "n_resamples": n_resamples, "indicatief": len(sizes) < SMALL_N}


def municipality_figures(plans: pd.DataFrame, links: pd.DataFrame, speerpunten: pd.DataFrame, covered, *,
                         seed: int, n_resamples: int = N_BOOTSTRAP, rollup: str | None = None) -> dict:
    """``municipality_shares(municipality_properties(...))``: the ``municipalities`` figures of a job
    (arguments as there)."""
    properties = municipality_properties(plans, links, speerpunten, covered, rollup=rollup)
    return municipality_shares(properties, seed=seed, n_resamples=n_resamples)


# --- reweighted by cohort -----------------------------------------------------------------------

def cohort_strata() -> pd.Series:
    """Stratum of every 2020 municipality: a categorical Series indexed by code with categories
    ``STRATA`` (G4, G40, P10, overig; from ``ivp.reference.municipalities.membership``)."""
    table = membership()
    label = np.select([table[s].to_numpy() for s in STRATA], list(STRATA), default="")
    if (label == "").any():
        raise ValueError("municipality without cohort in the reference table")
    return pd.Series(pd.Categorical(label, categories=list(STRATA)), index=table.index.rename("gemeentecode"),
                     name="stratum")


def weighted_municipality_shares(properties: pd.DataFrame, *, strata: pd.Series | None = None, seed: int,
                                 n_resamples: int = N_BOOTSTRAP) -> dict:
    """Municipality-level shares post-stratified by cohort, with the unweighted share beside each.

    Estimate: ``sum_h W_h * p_h`` with ``p_h`` the share among the covered municipalities of stratum h
    and ``W_h = N_h / N`` its share of the population. A stratum without a covered municipality has no
    ``p_h``: it is named in ``strata_without_coverage`` and the weights of the covered strata are
    renormalised to sum to 1 (the estimate then stands for the covered strata only; see ``toelichting``).

    Interval: percentile bootstrap within strata. In each stratum the units are the parts of the
    clusters (``properties["cluster"]``) that lie in it: each resample draws, per stratum, as many
    units as it has with replacement, so stratum sample sizes are fixed as in post-stratification.

    Args:
        properties: as from ``municipality_properties`` (index ``gemeentecode``; ``cluster`` and the bool
            property columns).
        strata: stratum label of every municipality of the population (index: code); default
            ``cohort_strata()`` (the 355 municipalities by cohort). Strata are reported in the order of a
            categorical's categories, else of first appearance.
        seed, n_resamples: of the bootstrap.
    Returns:
        keys as ``municipality_shares`` (``n``, ``themes``, ``categories``, ``joint_share``,
        ``participation_at_least``), each leaf ``{"share_with" (weighted), "ci95", "share_with_unweighted",
        "n_with" (unweighted count), "n"}``; plus ``strata`` {label: {``n_population``, ``n_covered``,
        ``weight`` (N_h/N), ``weight_used`` (renormalised; 0 without coverage)}},
        ``strata_without_coverage`` (labels), ``ci95_methode`` (``WEIGHTED_METHOD``),
        ``methode_toelichting`` and ``toelichting`` (Dutch), ``seed``, ``n_resamples``.
    """
    strata = cohort_strata() if strata is None else strata
    order = (list(strata.cat.categories) if isinstance(strata.dtype, pd.CategoricalDtype)
             else list(pd.unique(strata.to_numpy())))
    missing = pd.Index(properties.index).difference(strata.index)
    if len(missing):
        raise ValueError(f"covered municipalities without a stratum: {', '.join(map(str, missing[:10]))}")
    columns = _property_columns(properties)
    flags = properties[columns].to_numpy(dtype=bool)
    label = strata.reindex(properties.index).astype(object).to_numpy()
    clusters = properties["cluster"].to_numpy(dtype=int)
    population = strata.astype(object).value_counts()
    n_pop = {h: int(population.get(h, 0)) for h in order}
    n_cov = {h: int((label == h).sum()) for h in order}
    total = sum(n_pop.values())
    weight = {h: n_pop[h] / total if total else np.nan for h in order}
    without = [h for h in order if n_cov[h] == 0 and n_pop[h] > 0]
    covered_weight = sum(weight[h] for h in order if n_cov[h] > 0)
    used = {h: weight[h] / covered_weight if n_cov[h] > 0 and covered_weight else 0.0 for h in order}

    k = len(columns)
    estimate = np.zeros(k)
    resampled = np.zeros((n_resamples, k))
    rng = np.random.default_rng(seed)
    for h in order:
        if n_cov[h] == 0:
            continue
        rows = label == h
        numerators, sizes = _per_cluster(flags[rows], pd.factorize(clusters[rows])[0])
        estimate += used[h] * numerators.sum(axis=0) / sizes.sum()
        draws = np.vstack([counts @ np.column_stack([numerators, sizes])
                           for counts in resample_counts(len(sizes), n_resamples, rng)])
        resampled += used[h] * draws[:, :k] / draws[:, [k]]
    tail = (1 - LEVEL) / 2
    if covered_weight and len(properties):
        low, high = np.quantile(resampled, [tail, 1 - tail], axis=0)
    else:
        estimate[:] = np.nan
        low = high = np.full(k, np.nan)
    n = len(properties)
    counts = flags.sum(axis=0)
    leaves = {c: {"share_with": float(estimate[j]), "ci95": [float(low[j]), float(high[j])],
                  "share_with_unweighted": float(counts[j] / n) if n else np.nan, "n_with": int(counts[j]), "n": n}
              for j, c in enumerate(columns)}
    note = WEIGHTING_NOTE
    if without:
        note += (" Geen gedekte gemeente in: " + ", ".join(without) + ". Die cohorten tellen niet mee; de "
                 "gewichten van de andere cohorten zijn herschaald tot samen 100%, dus het gewogen cijfer "
                 "geldt alleen voor de cohorten met dekking.")
    return {"n": n, **_nest(properties, leaves),
            "strata": {h: {"n_population": n_pop[h], "n_covered": n_cov[h], "weight": weight[h],
                           "weight_used": used[h]} for h in order},
            "strata_without_coverage": without,
            "ci95_methode": WEIGHTED_METHOD,
            "methode_toelichting": WEIGHTED_METHOD_NL.format(n=n_resamples, seed=seed),
            "toelichting": note, "seed": seed, "n_resamples": n_resamples}
