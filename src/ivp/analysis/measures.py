"""The analyses of one (cohort, peiljaar): which plans are in scope, and one small function per figure
of the report (sample, themes, categories, joint plans, participation, national priorities).

Input is the cleaned data of ``docs/data-contract.md`` as read by ``ivp.inputs.clean.read_processed``. Shares
are fractions 0..1; a share without any unit to divide by is NaN (written as ``null`` in JSON).

Scope rule (documented in the report's methods section):

* cohort: a plan belongs to a cohort when at least one of its municipalities does (``cohort_<C>``
  columns); ``nationaal`` is every plan. A joint plan can therefore count in several cohorts.
* peiljaar: a plan is in scope when ``periode_start <= peiljaar <= periode_eind``. A plan without a
  complete period is placed only when the known year already decides it: a plan that starts after the
  peiljaar, or ended before it, is out of scope like any plan not in force. Otherwise (no years at all,
  or start up to the peiljaar with the end unknown, or end from the peiljaar on with the start unknown)
  it cannot be placed: it is left out and counted in ``n_excluded_no_period``. ``alle``: no period filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ivp.errors import InputProblem, InvalidInput
from ivp.inputs.clean import Cleaned, read_processed
from ivp.inputs.validate import LEVELS, PARTICIPATION_FORMS
from ivp.reference.municipalities import codebook, cohort_size, theme_codes
from ivp.running.job import check_cohort, peiljaar_year
from ivp.stats import N_BOOTSTRAP, SHARE_METHOD, cluster_bootstrap_ratios, share, share_interval, wilson_interval

SMALL_N = 10  # figures based on fewer plans are marked "indicatief"
IN, OUT, UNKNOWN = "in", "buiten", "onbekend"


def period_status(plans: pd.DataFrame, peiljaar: int | None) -> pd.Series:
    """Whether each plan is in force at ``peiljaar``.

    Args:
        plans: columns ``periode_start``, ``periode_eind`` (Int64, may be missing).
        peiljaar: a year, or None for no filter.
    Returns:
        a Series like ``plans.index`` with ``"in"``, ``"buiten"`` (known not to be in force) or
        ``"onbekend"`` (incomplete period that the known year does not decide; see module docstring).
    """
    if peiljaar is None:
        return pd.Series(IN, index=plans.index, dtype=object)
    start, end = plans["periode_start"], plans["periode_eind"]
    started_after = (start > peiljaar).fillna(False).astype(bool)
    ended_before = (end < peiljaar).fillna(False).astype(bool)
    complete = start.notna() & end.notna()
    status = np.where(started_after | ended_before, OUT, np.where(complete, IN, UNKNOWN))
    return pd.Series(status, index=plans.index, dtype=object)


def in_cohort(frame: pd.DataFrame, cohort: str) -> pd.Series:
    """Boolean mask of the rows of ``frame`` that belong to ``cohort``.

    Args:
        frame: plans or plan_gemeenten, with columns ``cohort_G4`` … ``cohort_overig``.
    Returns:
        a bool Series like ``frame.index`` (all True for ``nationaal``).
    """
    if check_cohort(cohort) == "nationaal":
        return pd.Series(True, index=frame.index)
    return frame[f"cohort_{cohort}"].astype(bool)


def uncoded_speerpunten(speerpunten: pd.DataFrame) -> list[InputProblem]:
    """Speerpunten whose ``thema`` is empty or not a codebook code (columns ``thema``, ``bron_rij``)."""
    codes = theme_codes()
    bad = speerpunten[~is_in(speerpunten["thema"], codes)]
    expected = "een themacode uit het codeboek (" + ", ".join(codes) + "); codeer eerst, bijv. met 'ivp codeer'"
    return [InputProblem("speerpunten", int(r), "thema", str(v), expected)
            for r, v in zip(bad["bron_rij"], bad["thema"].fillna(""))]


@dataclass(frozen=True)
class Scope:
    """The plans of one (cohort, peiljaar) and their municipalities and speerpunten.

    ``plans`` is sorted by ``plan_id`` (so results do not depend on input row order); ``gemeenten``
    and ``speerpunten`` hold the rows of those plans. ``n_cohort_plans`` counts the cohort's plans
    before the period filter; ``n_excluded_no_period`` those left out for an incomplete period and
    ``n_out_of_period`` those known not to be in force.
    """

    cohort: str
    peiljaar: str
    plans: pd.DataFrame
    gemeenten: pd.DataFrame
    speerpunten: pd.DataFrame
    n_cohort_plans: int
    n_excluded_no_period: int
    n_out_of_period: int

    @property
    def plan_ids(self) -> pd.Index:
        return pd.Index(self.plans["plan_id"])


def select_scope(data: Cleaned, cohort: str, peiljaar) -> Scope:
    """The plans, municipalities and speerpunten of ``cohort`` in force at ``peiljaar``.

    Args:
        data: cleaned tables (plans with ``cohort_*``, ``periode_*``; plan_gemeenten; speerpunten).
        cohort: one of ``ivp.running.job.COHORTS``.
        peiljaar: ``"2020"``, ``2024``, ``"alle"``.
    Raises:
        ValueError for an unknown cohort or peiljaar; InvalidInput when a speerpunt has no valid theme.
    """
    check_cohort(cohort)
    year = peiljaar_year(peiljaar)
    problems = uncoded_speerpunten(data.speerpunten)
    if problems:
        raise InvalidInput(problems)
    plans = _rows(data.plans, in_cohort(data.plans, cohort))
    status = period_status(plans, year)
    chosen = _rows(plans, status == IN).sort_values("plan_id", kind="stable").reset_index(drop=True)
    ids = chosen["plan_id"]
    gemeenten = _rows(data.plan_gemeenten, is_in(data.plan_gemeenten["plan_id"], ids)).reset_index(drop=True)
    speerpunten = _rows(data.speerpunten, is_in(data.speerpunten["plan_id"], ids)).reset_index(drop=True)
    return Scope(cohort, str(peiljaar).strip().casefold() if year is None else str(year), chosen, gemeenten,
                 speerpunten, n_cohort_plans=len(plans), n_excluded_no_period=int((status == UNKNOWN).sum()),
                 n_out_of_period=int((status == OUT).sum()))


def _rows(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """The rows of ``frame`` where ``mask`` is true (by position: for Arrow text columns about twice as
    fast as boolean indexing)."""
    return frame.iloc[np.flatnonzero(np.asarray(mask, dtype=bool))]


def load_scope(processed_path, cohort: str, peiljaar) -> Scope:
    """``select_scope`` on the cleaned data in ``processed_path`` (``data/processed``)."""
    return select_scope(read_processed(Path(processed_path)), cohort, peiljaar)


def positions(values: pd.Series, keys) -> np.ndarray:
    """Integer array: the position of each of ``values`` in ``keys`` (any collection of distinct values
    of the same type), -1 where it is not there. A hash lookup in Arrow, so no Python object per value;
    a missing value is never found."""
    if isinstance(keys, pd.Index):
        keys = keys.to_series()
    elif not isinstance(keys, (pd.Series, np.ndarray, list)):
        keys = list(keys)
    values = pa.array(values, from_pandas=True)
    keys = pa.array(keys, from_pandas=True)
    if pa.types.is_null(values.type):  # no value at all (empty or all missing)
        return np.full(len(values), -1)
    if keys.type != values.type:
        keys = keys.cast(values.type)
    found = pc.index_in(values, value_set=keys, skip_nulls=True).fill_null(-1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def is_in(values: pd.Series, allowed) -> np.ndarray:
    """Boolean array: which ``values`` are in ``allowed`` (see ``positions``)."""
    return positions(values, allowed) >= 0


# --- 1. sample ---------------------------------------------------------------------------------

def covered_municipalities(gemeenten: pd.DataFrame, cohort: str) -> list[str]:
    """Distinct 2020 CBS codes covered by the plans of ``gemeenten`` that are members of ``cohort``.

    Args:
        gemeenten: plan_gemeenten rows (``code``, ``cohort_*``).
    Returns:
        the sorted codes (for ``nationaal`` every code; for a cohort only its members).
    """
    members = gemeenten[in_cohort(gemeenten, cohort)]
    return sorted(members["code"].dropna().unique().tolist())


def sample_summary(scope: Scope) -> dict:
    """The sample of the scope.

    Returns keys ``n_plans``, ``n_priorities``, ``n_municipalities`` (covered members of the cohort),
    ``cohort_size``, ``coverage`` (covered / cohort size), ``n_cohort_plans``, ``n_excluded_no_period``,
    ``n_out_of_period``, ``n_plans_without_priorities``, ``zekerheid`` and ``bron_type`` (plans per
    value), ``indicatief`` (fewer than ``SMALL_N`` plans).
    """
    covered = covered_municipalities(scope.gemeenten, scope.cohort)
    size = cohort_size(scope.cohort)
    with_priorities = scope.speerpunten["plan_id"].unique()
    return {
        "n_plans": len(scope.plans),
        "n_priorities": len(scope.speerpunten),
        "n_municipalities": len(covered),
        "municipality_codes": covered,
        "cohort_size": size,
        "coverage": share(len(covered), size),
        "n_cohort_plans": scope.n_cohort_plans,
        "n_excluded_no_period": scope.n_excluded_no_period,
        "n_out_of_period": scope.n_out_of_period,
        "n_plans_without_priorities": int((~is_in(scope.plans["plan_id"], with_priorities)).sum()),
        "zekerheid": _value_counts(scope.plans["zekerheid"]),
        "bron_type": _value_counts(scope.plans["bron_type"]),
        "indicatief": len(scope.plans) < SMALL_N,
    }


def plan_list(scope: Scope) -> pd.DataFrame:
    """The plans in scope as the report lists them: ``plan_id``, ``titel``, ``gemeenten``,
    ``periode_start``, ``periode_eind``, ``gezamenlijk``, ``n_speerpunten``, ``zekerheid``, ``bron_url``."""
    out = scope.plans[["plan_id", "titel", "gemeenten", "periode_start", "periode_eind", "gezamenlijk",
                       "zekerheid", "bron_url"]].copy()
    out.insert(6, "n_speerpunten", speerpunten_per_plan(scope.speerpunten, out["plan_id"]))
    return out


def speerpunten_per_plan(speerpunten: pd.DataFrame, plan_ids) -> np.ndarray:
    """Number of speerpunten (rows with column ``plan_id``) of each of ``plan_ids``, in that order."""
    row = positions(speerpunten["plan_id"], plan_ids)
    return np.bincount(row[row >= 0], minlength=len(plan_ids))


def _value_counts(values: pd.Series) -> dict[str, int]:
    counts = values.fillna("").replace("", "onbekend").value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items())}


# --- 2. themes and categories -------------------------------------------------------------------

def speerpunt_counts_per_plan(speerpunten: pd.DataFrame, plan_ids, column: str, levels) -> pd.DataFrame:
    """Number of speerpunten per plan and value of ``column``.

    Args:
        speerpunten: rows with ``plan_id`` and ``column``.
        plan_ids: the plans (rows of the result, in this order; plans without speerpunten give 0).
        levels: the values (columns of the result, in this order; values not listed are not counted).
    Returns:
        an int DataFrame indexed by ``plan_id`` with one column per level.
    """
    plans, levels = pd.Index(plan_ids, name="plan_id"), list(levels)
    row = positions(speerpunten["plan_id"], plans)
    col = positions(speerpunten[column], levels)
    keep = (row >= 0) & (col >= 0)
    flat = np.bincount(row[keep] * len(levels) + col[keep], minlength=len(plans) * len(levels))
    return pd.DataFrame(flat.reshape(len(plans), len(levels)), index=plans, columns=list(levels))


def share_table(counts: pd.DataFrame, *, totals=None, seed: int, n_bootstrap: int = N_BOOTSTRAP) -> pd.DataFrame:
    """Shares of speerpunten per level with the headline 95% interval (``stats.share_interval``) and the
    Wilson and cluster-bootstrap ones, and the share of plans with the level with its interval.

    Args:
        counts: plans x levels, as from ``speerpunt_counts_per_plan``.
        totals: speerpunten per plan, the denominator of every share; by default the row sums of
            ``counts`` (then the levels must be exhaustive). Levels may overlap when ``totals`` is given
            (e.g. themes and the categories they roll up into, in one table and one bootstrap).
    Returns:
        one row per level (index): ``n``, ``share``, ``ci_low``, ``ci_high`` (``share_interval``, method
        ``stats.SHARE_METHOD``: the interval the report shows), ``wilson_low``, ``wilson_high`` (speerpunten
        as independent units), ``cluster_low``, ``cluster_high`` (percentile bootstrap resampling plans),
        ``n_plans`` (plans with at least one), ``plan_share`` (of all plans in ``counts``), ``plan_ci_low``,
        ``plan_ci_high`` (``share_interval`` with one unit per plan, which is Wilson's interval),
        ``plan_wilson_low``, ``plan_wilson_high``.
    """
    values = counts.to_numpy(dtype=float)
    per_plan = values.sum(axis=1) if totals is None else np.asarray(totals, dtype=float)
    total = per_plan.sum()
    n = values.sum(axis=0)
    wilson = wilson_interval(n, total)
    headline = share_interval(values, per_plan, seed=seed, n_resamples=n_bootstrap)
    cluster = cluster_bootstrap_ratios(values, per_plan, n_resamples=n_bootstrap, seed=seed)
    n_plans = (values > 0).sum(axis=0)
    plan_headline = share_interval((values > 0).astype(float), np.ones(len(values)), seed=seed,
                                   n_resamples=n_bootstrap)
    plan_wilson = wilson_interval(n_plans, len(values))
    return pd.DataFrame({
        "n": n.astype(int),
        "share": n / total if total else np.nan,
        "ci_low": headline[:, 0], "ci_high": headline[:, 1],
        "wilson_low": wilson[:, 0], "wilson_high": wilson[:, 1],
        "cluster_low": cluster[:, 0], "cluster_high": cluster[:, 1],
        "n_plans": n_plans.astype(int),
        "plan_share": n_plans / len(values) if len(values) else np.nan,
        "plan_ci_low": plan_headline[:, 0], "plan_ci_high": plan_headline[:, 1],
        "plan_wilson_low": plan_wilson[:, 0], "plan_wilson_high": plan_wilson[:, 1],
    }, index=pd.Index(counts.columns, name=counts.columns.name))


def rollup_categories(rollup: str | None = None) -> dict[str, list[str]]:
    """Categories of a codebook roll-up (default: the codebook's ``default_rollup``) in codebook order,
    each with its theme codes."""
    book = codebook()
    mapping = book["rollups"][rollup or book["default_rollup"]]["map"]
    categories: dict[str, list[str]] = {}
    for code in theme_codes():
        categories.setdefault(mapping[code], []).append(code)
    return categories


def category_counts(theme_counts: pd.DataFrame, rollup: str | None = None) -> pd.DataFrame:
    """Per-plan speerpunten per category, summed from per-plan theme counts (plans x theme codes)."""
    categories = rollup_categories(rollup)
    member = np.array([[code in codes for codes in categories.values()] for code in theme_counts.columns],
                      dtype=np.int64).reshape(theme_counts.shape[1], len(categories))  # themes x categories
    return pd.DataFrame(theme_counts.to_numpy() @ member, index=theme_counts.index,
                        columns=pd.Index(list(categories), name="categorie"))


def theme_and_category_distribution(scope: Scope, *, rollup: str | None = None, seed: int,
                                    n_bootstrap: int = N_BOOTSTRAP) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables of ``theme_distribution`` and ``category_distribution`` from one bootstrap call: a
    category that holds one theme gets exactly that theme's interval, and the (costly) bootstrap runs
    once."""
    themes = speerpunt_counts_per_plan(scope.speerpunten, scope.plan_ids, "thema", theme_codes())
    categories = category_counts(themes, rollup)
    both = share_table(pd.concat([themes, categories], axis=1), totals=themes.sum(axis=1), seed=seed,
                       n_bootstrap=n_bootstrap)
    theme_rows = both.iloc[: themes.shape[1]].rename_axis("thema")
    labels = {t["code"]: t["label_nl"] for t in codebook()["themes"]}
    theme_rows.insert(0, "label", [labels.get(code) for code in theme_rows.index])
    col = positions(scope.speerpunten["thema_2"], list(theme_rows.index))
    theme_rows["n_thema_2"] = np.bincount(col[col >= 0], minlength=len(theme_rows))
    category_rows = both.iloc[themes.shape[1]:].rename_axis("categorie")
    category_rows.insert(0, "themes", ["+".join(c) for c in rollup_categories(rollup).values()])
    return theme_rows, category_rows


def theme_distribution(scope: Scope, *, seed: int, n_bootstrap: int = N_BOOTSTRAP) -> pd.DataFrame:
    """Main themes of the speerpunten in scope.

    Returns:
        one row per codebook theme (index ``thema``, codebook order): ``label``, the columns of
        ``share_table``, and ``n_thema_2`` (speerpunten with this code as second theme).
    """
    return theme_and_category_distribution(scope, seed=seed, n_bootstrap=n_bootstrap)[0]


def category_distribution(scope: Scope, *, rollup: str | None = None, seed: int,
                          n_bootstrap: int = N_BOOTSTRAP) -> pd.DataFrame:
    """Speerpunten per category of a roll-up (default: CCV-2020 style, VWL+ZOR together).

    Returns:
        one row per category (index ``categorie``, codebook order): ``themes`` (codes, ``+``-joined)
        and the columns of ``share_table``.
    """
    return theme_and_category_distribution(scope, rollup=rollup, seed=seed, n_bootstrap=n_bootstrap)[1]


def category_sensitivity(scope: Scope) -> pd.DataFrame:
    """Share of speerpunten per category under every roll-up of the codebook.

    Returns:
        one row per category label (index ``categorie``), one column per roll-up name; NaN where the
        roll-up has no such category (or there are no speerpunten).
    """
    total = len(scope.speerpunten)
    columns = {}
    codes = theme_codes()
    col = positions(scope.speerpunten["thema"], codes)
    per_theme = dict(zip(codes, np.bincount(col[col >= 0], minlength=len(codes)).tolist()))
    for name in codebook()["rollups"]:
        counts = pd.Series({label: sum(per_theme[c] for c in members)
                            for label, members in rollup_categories(name).items()}, dtype=np.int64)
        columns[name] = counts / total if total else counts * np.nan
    table = pd.DataFrame(columns)
    table.index.name = "categorie"
    return table


def niveau_split(scope: Scope) -> pd.DataFrame:
    """Speerpunten by ``niveau`` (lokaal / regionaal / onbekend).

    Returns:
        one row per level (index ``niveau``): ``n``, ``share``, ``ci_low``, ``ci_high`` (``share_interval``
        over the plans), ``wilson_low``, ``wilson_high``.
    """
    total = len(scope.speerpunten)
    per_plan = speerpunt_counts_per_plan(scope.speerpunten, scope.plan_ids, "niveau", LEVELS).to_numpy(dtype=float)
    n = per_plan.sum(axis=0)
    headline = share_interval(per_plan, speerpunten_per_plan(scope.speerpunten, scope.plan_ids), seed=0)
    wilson = wilson_interval(n, total)
    return pd.DataFrame({"n": n.astype(int), "share": n / total if total else np.nan,
                         "ci_low": headline[:, 0], "ci_high": headline[:, 1],
                         "wilson_low": wilson[:, 0], "wilson_high": wilson[:, 1]},
                        index=pd.Index(LEVELS, name="niveau"))


# --- 3. joint plans -----------------------------------------------------------------------------

def plan_share_interval(yes, key: str = "ci95") -> dict:
    """``{key: [low, high], key + "_methode": SHARE_METHOD}``: the headline interval of the share of plans
    where ``yes`` (one bool per plan) is true: ``share_interval`` with one unit per plan."""
    yes = np.asarray(yes, dtype=float)
    low, high = share_interval(yes, np.ones(len(yes)), seed=0)
    return {key: [low, high], f"{key}_methode": SHARE_METHOD}


def joint_plans(scope: Scope) -> dict:
    """Plans drawn up by two or more municipalities (``gezamenlijk``) in the scope.

    Args:
        scope: plans with ``gezamenlijk``, ``partners_onbekend``, ``n_gemeenten``; gemeenten with ``code``.
    Returns:
        keys ``n`` (joint plans), ``n_plans``, ``share``, ``ci95`` (``share_interval`` with one unit per
        plan: Wilson's interval) and ``ci95_methode``, ``ci95_wilson``, ``municipalities_in_joint_plans``
        (covered cohort members named in a joint plan), ``n_municipalities`` (all covered members),
        ``municipalities_share``, ``n_partners_unknown`` (joint per the source but one municipality named),
        ``sizes`` (joint plans per number of municipalities, partners-unknown plans left out),
        ``size_median``, ``size_mean``, ``size_max``, ``indicatief`` (fewer than ``SMALL_N`` plans) and
        ``sizes_indicatief`` (sizes based on fewer than ``SMALL_N`` joint plans).
    """
    plans = scope.plans
    joint = plans[plans["gezamenlijk"].astype(bool)]
    covered = covered_municipalities(scope.gemeenten, scope.cohort)
    in_joint = covered_municipalities(scope.gemeenten[is_in(scope.gemeenten["plan_id"], joint["plan_id"])],
                                      scope.cohort)
    known = joint[~joint["partners_onbekend"].astype(bool)]["n_gemeenten"].astype(int)
    sizes = known.value_counts().sort_index()
    low, high = wilson_interval(len(joint), len(plans))
    return {
        "n": len(joint),
        "n_plans": len(plans),
        "share": share(len(joint), len(plans)),
        **plan_share_interval(plans["gezamenlijk"].astype(bool)),
        "ci95_wilson": [low, high],
        "municipalities_in_joint_plans": len(in_joint),
        "n_municipalities": len(covered),
        "municipalities_share": share(len(in_joint), len(covered)),
        "n_partners_unknown": int(joint["partners_onbekend"].astype(bool).sum()),
        "sizes": {str(k): int(v) for k, v in sizes.items()},
        "size_median": float(known.median()) if len(known) else np.nan,
        "size_mean": float(known.mean()) if len(known) else np.nan,
        "size_max": int(known.max()) if len(known) else None,
        "indicatief": len(plans) < SMALL_N,
        "sizes_indicatief": len(known) < SMALL_N,
    }


# --- 4. citizen participation -------------------------------------------------------------------

def participation(scope: Scope) -> dict:
    """Citizen participation in drawing up the plans (``burgerparticipatie``, ``participatievormen``).

    Public sources mostly do not say, so the headline is a lower bound over *all* plans:
    ``share_at_least`` = plans with evidence (``ja``) / all plans in scope. ``share_among_known``
    divides by the plans where it is known (``ja`` or ``nee``) only and is labelled as such.

    Returns:
        keys ``n_plans``, ``n_yes``, ``n_no``, ``n_unknown``, ``share_at_least``, ``ci95_at_least`` and
        ``ci95_at_least_methode`` (``plan_share_interval``), ``ci95_wilson_at_least``, ``n_known``,
        ``share_among_known``, ``forms`` (plans per form, every
        form of the input format), ``indicatief``, ``among_known_indicatief``, ``forms_indicatief``.
    """
    plans = scope.plans
    value = plans["burgerparticipatie"].fillna("onbekend")
    n_yes, n_no = int((value == "ja").sum()), int((value == "nee").sum())
    n_unknown = len(plans) - n_yes - n_no
    listed = ";" + plans["participatievormen"].fillna("").astype(str) + ";"
    # plans per form: a plan whose ;-separated list holds the form (named twice, it counts once)
    form_counts = {f: int(listed.str.contains(f";{f};", regex=False).sum()) for f in PARTICIPATION_FORMS}
    low, high = wilson_interval(n_yes, len(plans))
    return {
        "n_plans": len(plans),
        "n_yes": n_yes, "n_no": n_no, "n_unknown": n_unknown,
        "share_at_least": share(n_yes, len(plans)),
        **plan_share_interval(value == "ja", "ci95_at_least"),
        "ci95_wilson_at_least": [low, high],
        "n_known": n_yes + n_no,
        "share_among_known": share(n_yes, n_yes + n_no),
        "forms": form_counts,
        "indicatief": len(plans) < SMALL_N,
        "among_known_indicatief": n_yes + n_no < SMALL_N,
        "forms_indicatief": n_yes < SMALL_N,
    }


# --- 5. national priorities ---------------------------------------------------------------------

def headline_interval(row) -> tuple[list, str]:
    """The interval the report shows for a share (a row of ``share_table``: ``ci_low``, ``ci_high``), and
    the name of its method: ``stats.share_interval`` at any number of plans (chosen by its measured
    coverage, docs/intervals.md; below ``SMALL_N`` plans the figure is still marked indicatief).
    Before issue 12 this was the cluster bootstrap from ``SMALL_N`` plans on and Wilson below."""
    return [row["ci_low"], row["ci_high"]], SHARE_METHOD


def national_priorities(scope: Scope, *, seed: int, n_bootstrap: int = N_BOOTSTRAP, themes=None) -> dict:
    """How far the speerpunten address a national priority: the share on the codebook ``themes`` that stand
    for the agenda in force (``ivp.reference.agenda``; default the codebook flag ``landelijke_prioriteit``, OND and
    CYB, which are the themes of the Veiligheidsagenda 2019-2022).

    Returns:
        keys ``n`` (such speerpunten), ``n_priorities``, ``priority_share``, ``ci95_wilson``,
        ``ci95_cluster``, ``ci95`` and ``ci95_methode`` (see ``headline_interval``), ``n_plans_with``,
        ``n_plans``, ``plan_share`` (plans with at least one), ``plan_ci95`` and ``plan_ci95_methode``
        (``share_interval`` with one unit per plan), ``plan_ci95_wilson``, ``themes`` (the codes),
        ``by_theme`` (speerpunten per code),
        ``by_niveau`` ({niveau: {n_priorities, n, share}}), ``indicatief``.
    """
    codes = list(themes) if themes is not None else [t["code"] for t in codebook()["themes"]
                                                     if bool(t["landelijke_prioriteit"])]
    sp = scope.speerpunten
    landelijk = is_in(sp["thema"], codes)
    counts = speerpunt_counts_per_plan(pd.DataFrame({"plan_id": sp["plan_id"], "landelijk": landelijk}),
                                 scope.plan_ids, "landelijk", [True, False])
    table = share_table(counts.iloc[:, [0]], totals=counts.sum(axis=1), seed=seed,  # the True column
                        n_bootstrap=n_bootstrap).loc[True]
    level = positions(sp["niveau"], list(LEVELS))
    known = level >= 0
    per_level = np.bincount(level[known], minlength=len(LEVELS))
    flagged_per_level = np.bincount(level[known & landelijk], minlength=len(LEVELS))
    by_niveau = {name: {"n_priorities": int(n), "n": int(k), "share": share(k, n)}
                 for name, n, k in zip(LEVELS, per_level, flagged_per_level)}
    theme = positions(sp["thema"], codes)
    return {
        "n": int(table["n"]),
        "n_priorities": len(sp),
        "priority_share": table["share"],
        "ci95_wilson": [table["wilson_low"], table["wilson_high"]],
        "ci95_cluster": [table["cluster_low"], table["cluster_high"]],
        **dict(zip(("ci95", "ci95_methode"), headline_interval(table))),
        "n_plans_with": int(table["n_plans"]),
        "n_plans": len(scope.plans),
        "plan_share": table["plan_share"],
        "plan_ci95": [table["plan_ci_low"], table["plan_ci_high"]], "plan_ci95_methode": SHARE_METHOD,
        "plan_ci95_wilson": [table["plan_wilson_low"], table["plan_wilson_high"]],
        "themes": codes,
        "by_theme": dict(zip(codes, np.bincount(theme[theme >= 0], minlength=len(codes)).tolist())),
        "by_niveau": by_niveau,
        "indicatief": len(scope.plans) < SMALL_N,
    }
