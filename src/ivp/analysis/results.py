"""Machine-readable results of one job (peiljaar, cohort): ``results.json``, in one format with the final
key names (``docs/results.schema.json``). Each analysis notebook computes its part (``themes_part``,
``cooperation_part``, ``agenda_part``) and writes it into the file (``save_part``); the comparison with the
published CCV 2020 figures and the small-number flags are derived once every part is there.

JSON conventions: shares are fractions 0..1, intervals ``[low, high]``, floats rounded to
``DECIMALS`` places, a figure that cannot be computed (nothing to divide by) is ``null``; keys sorted,
so the same inputs give byte-identical files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ivp.analysis.measures import (
    SMALL_N,
    Scope,
    category_sensitivity,
    covered_municipalities,
    headline_interval,
    joint_plans,
    national_priorities,
    niveau_split,
    participation,
    plan_list,
    rollup_categories,
    sample_summary,
    theme_and_category_distribution,
)
from ivp.analysis.municipalities import municipality_properties, municipality_shares, weighted_municipality_shares
from ivp.analysis.representativeness import representativeness
from ivp.reference.agenda import agenda_for, no_agenda_text, priorities_source
from ivp.reference.municipalities import codebook, population
from ivp.reference.regions import joint_plan_region_summary, joint_plan_regions
from ivp.running import job
from ivp.running.atomic import write_json
from ivp.stats import DIFFERENCE_METHOD, LEVEL, METHOD_TEXT, SHARE_METHOD

DECIMALS = 6
SCHEMA_VERSION = 2  # docs/results.schema.json; 1 was the assembled file of sections (before 2026-12)
JOB_KEYS = ("cohort", "peiljaar", "seed", "n_bootstrap")  # the parts of one results.json belong to one job
# top-level keys each analysis notebook writes (ivp.running.job.ANALYSIS_STAGES); with them complete, the derived
# keys ``ccv2020`` and ``flags`` are added
PART_KEYS = {
    job.THEMES.notebook: ("n_plans", "n_priorities", "n_municipalities", "n_excluded_no_period", "sample", "plans",
                          "themes", "categories", "category_sensitivity", "default_rollup", "rollups", "niveau",
                          "labels", "methode", "representativeness"),
    job.COOPERATION.notebook: ("joint_plans", "participation", "municipalities"),
    job.AGENDA.notebook: ("national_priorities", "national_priorities_source"),
}

SCOPE_RULE = (
    "Een plan hoort bij een cohort als minstens één van zijn gemeenten erbij hoort; landelijk telt elk plan. "
    "Bij een peiljaar telt een plan mee als periode_start ≤ peiljaar ≤ periode_eind. Een plan zonder volledige "
    "periode telt niet mee: begint het na het peiljaar of eindigde het ervoor, dan was het niet van kracht; "
    "anders is niet te bepalen of het van kracht was en wordt het geteld als 'uitgesloten: geen periode'."
)
# The coverage figures are those of `bench/bench_coverage.py` (2,000 samples per cell, seed 20200525; the
# tables are in docs/intervals.md): rerun it and update these numbers when the method changes.
INTERVALS = (
    "Het interval bij een aandeel (kernbevindingen, tabellen, figuren, vergelijking met de CCV; 'ci95' in "
    "results.json) is een 95%-Wilson-interval op de effectieve steekproefomvang (methode 'wilson_designeffect'). "
    "Speerpunten van één plan hangen samen; daarom telt niet elk speerpunt als onafhankelijke waarneming, maar "
    "wordt het aantal speerpunten gedeeld door het geschatte designeffect (de gelineariseerde variantie van het "
    "aandeel over plannen gedeeld door de binomiale variantie), met het t-kwantiel bij (aantal plannen − 1) "
    "vrijheidsgraden. Bij een aandeel van 0 of 1 is het designeffect niet te schatten en geldt 1, zodat het "
    "interval nooit tot één punt krimpt. Voor aandelen van plannen (één eenheid per plan) is dit precies het "
    "Wilson-interval. De methode is gekozen op gemeten dekking (bench/bench_coverage.py: 2.000 gesimuleerde "
    "steekproeven per cel, plangroottes uit de meegeleverde steekproef, ware aandelen 5%, 25% en 42%, "
    "samenhang binnen plannen 0 tot 0,3): vanaf 10 plannen bevat het interval de ware waarde in 93% tot 97% "
    "van de simulaties (bij precies 10 plannen 95% tot 97%), met 3 tot 5 plannen in 95% tot 99% (voorzichtig, "
    "dus breed). Het Wilson-interval dat speerpunten als onafhankelijk behandelt, haalde bij samenhang binnen "
    "plannen maar 80% tot 94%, de percentielclusterbootstrap bij 10 plannen 72% tot 91%. "
    "Voor aandelen van plannen is de dekking van Wilson "
    "exact berekend 93% tot 98% vanaf 10 plannen (bij precies 10 plannen tot 98% door de sprongen van de "
    "binomiale verdeling). Verschillen tussen twee aandelen krijgen Newcombe's hybride score-interval uit de "
    "intervallen van beide groepen (t-kwantiel bij het aantal plannen van beide groepen samen − 1), met de "
    "geschatte correlatie tussen beide aandelen voor plannen die in beide groepen zitten (methode "
    "'newcombe_designeffect'; gemeten dekking vanaf 10 plannen per groep 94% tot 98%, met 3 tot 5 plannen 93% "
    "tot 100%). Ter vergelijking geeft results.json ook het Wilson-interval ('ci95_wilson') en het "
    "95%-percentielinterval van een clusterbootstrap over {n} trekkingen van plannen met teruglegging (seed "
    "{seed}; 'ci95_cluster'). Cijfers op minder dan "
    f"{SMALL_N} plannen blijven 'indicatief'."
)


# --- JSON helpers -------------------------------------------------------------------------------

_PLAIN = frozenset({str, int, bool, type(None)})  # leaves written as they are


def jsonable(value):
    """``value`` with numpy/pandas scalars turned into Python ones, NaN/NA into None, tuples and arrays
    into lists and floats rounded to ``DECIMALS`` places (recursively through dicts and lists)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:  # the common containers first, with plain leaves inline (no call per leaf)
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else jsonable(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Index)):
        return [jsonable(v) for v in list(value)]
    if value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else round(number, DECIMALS) + 0.0
    return value


def save_part(output_path, part: dict) -> dict:
    """Write one analysis notebook's ``part`` of ``<output_path>/results.json`` (atomically) and return the
    whole file.

    ``part`` holds final top-level keys (the names of ``docs/results.schema.json``) and the job's
    ``JOB_KEYS``. An existing results.json of the same job keeps its other keys (so a researcher can rerun
    one notebook in JupyterLab); one of another job (other cohort, peiljaar, seed or resamples) is replaced.
    When every notebook's keys are there (``PART_KEYS``), ``ccv2020`` and ``flags`` are derived from them.
    """
    path = Path(output_path) / job.RESULTS_FILE
    part = jsonable(part)
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if any(str(results.get(k)) != str(part[k]) for k in JOB_KEYS):
        results = {}
    results.update(part, schema_version=SCHEMA_VERSION)
    results.pop("ccv2020", None), results.pop("flags", None)
    if all(k in results for keys in PART_KEYS.values() for k in keys):
        results["ccv2020"] = jsonable(ccv_comparison(results))
        results["flags"] = small_number_flags(results)
    write_json(path, results)
    return results


def missing_parts(results: dict) -> list[str]:
    """The analysis notebooks whose keys ``results`` lacks (empty when it is complete)."""
    return [notebook for notebook, keys in PART_KEYS.items() if not all(k in results for k in keys)]


def table(data, *, drop=()) -> pd.DataFrame:
    """A section (or part of one) as a table to show in a notebook: a list of dicts or a dict of dicts
    becomes one row per item; a flat dict one row per key with its value. Keys in ``drop`` are left out."""
    if isinstance(data, list):
        return pd.DataFrame.from_records(data).drop(columns=list(drop), errors="ignore")
    data = {k: v for k, v in data.items() if k not in drop}
    if data and all(isinstance(v, dict) for v in data.values()):
        return pd.DataFrame.from_dict(data, orient="index")
    return pd.DataFrame({"waarde": pd.Series(data, dtype=object)})


def _interval(low, high) -> list:
    return [low, high]


# --- sections -----------------------------------------------------------------------------------

def _job(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    return {"cohort": scope.cohort, "peiljaar": scope.peiljaar, "seed": seed, "n_bootstrap": n_bootstrap}


def sample_part(scope: Scope) -> dict:
    """``n_plans``, ``n_priorities``, ``n_municipalities``, ``n_excluded_no_period``, the whole
    ``sample_summary`` as ``sample`` and the list of plans in scope as ``plans``."""
    summary = sample_summary(scope)
    return {**{k: summary[k] for k in ("n_plans", "n_priorities", "n_municipalities", "n_excluded_no_period")},
            "sample": summary, "plans": records(plan_list(scope))}


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as dicts of Python values (column -> value), a missing value as None."""
    columns = {name: frame[name].astype(object).where(frame[name].notna(), None).tolist()
               for name in frame.columns}
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def _share_rows(table: pd.DataFrame, *, n_plans: int, extra: tuple[str, ...] = ()) -> dict:
    rows = {}
    for key, r in table.iterrows():
        ci, method = headline_interval(r)
        rows[str(key)] = {
            "ci95": ci, "ci95_methode": method,
            "n": int(r["n"]), "share": r["share"],
            "ci95_wilson": _interval(r["wilson_low"], r["wilson_high"]),
            "ci95_cluster": _interval(r["cluster_low"], r["cluster_high"]),
            "n_plans": int(r["n_plans"]), "plan_share": r["plan_share"],
            "plan_ci95": _interval(r["plan_ci_low"], r["plan_ci_high"]), "plan_ci95_methode": SHARE_METHOD,
            "plan_ci95_wilson": _interval(r["plan_wilson_low"], r["plan_wilson_high"]),
            "indicatief": n_plans < SMALL_N,
            **{name: r[name] for name in extra},
        }
    return rows


def themes_part(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    """What notebook 02 writes: the job, ``sample_part``, ``themes`` per code, ``categories`` (default
    roll-up), ``category_sensitivity`` (every roll-up), ``niveau`` split, ``labels`` (code -> Dutch label),
    ``rollups`` (name -> label), ``default_rollup`` and ``methode`` (seed, resamples, level, rules)."""
    n_bootstrap = job.check_n_bootstrap(n_bootstrap)
    small = len(scope.plans) < SMALL_N
    themes, categories = theme_and_category_distribution(scope, seed=seed, n_bootstrap=n_bootstrap)
    sensitivity = category_sensitivity(scope)
    niveau = niveau_split(scope)
    book = codebook()
    return {
        **_job(scope, seed=seed, n_bootstrap=n_bootstrap),
        **sample_part(scope),
        "themes": _share_rows(themes, n_plans=len(scope.plans), extra=("label", "n_thema_2")),
        "categories": _share_rows(categories, n_plans=len(scope.plans), extra=("themes",)),
        "default_rollup": book["default_rollup"],
        "category_sensitivity": {name: {label: sensitivity.at[label, name] for label in rollup_categories(name)}
                                 for name in sensitivity.columns},
        "rollups": {name: r["label_nl"] for name, r in book["rollups"].items()},
        "niveau": {str(k): {"n": int(r["n"]), "share": r["share"],
                            "ci95": _interval(r["ci_low"], r["ci_high"]), "ci95_methode": SHARE_METHOD,
                            "ci95_wilson": _interval(r["wilson_low"], r["wilson_high"]), "indicatief": small}
                   for k, r in niveau.iterrows()},
        "labels": {k: v["label"] for k, v in themes.to_dict(orient="index").items()},
        "representativeness": representativeness_part(scope),
        "methode": {"seed": seed, "n_bootstrap": n_bootstrap, "level": LEVEL, "small_n": SMALL_N,
                    "scope_rule": SCOPE_RULE, "intervals": INTERVALS.format(n=n_bootstrap, seed=seed),
                    "share_method": SHARE_METHOD, "difference_method": DIFFERENCE_METHOD,
                    "interval_methods": dict(METHOD_TEXT), "ccv2020_source": book["ccv2020"]["bron"]},
    }


def cooperation_part(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    """What notebook 03 writes: the job, ``joint_plans`` (with ``regions``: within one veiligheidsregio or
    police unit, or across), ``participation`` and the municipality-level figures ``municipalities``."""
    regions = joint_plan_region_summary(joint_plan_regions(scope.plans, scope.gemeenten))
    return {**_job(scope, seed=seed, n_bootstrap=n_bootstrap),
            "joint_plans": {**joint_plans(scope), "regions": regions, "groups": joint_plan_groups(scope)},
            "participation": participation(scope),
            "municipalities": municipality_part(scope, seed=seed, n_bootstrap=n_bootstrap)}


def joint_plan_groups(scope: Scope) -> dict[str, list[str]]:
    """The joint plans in scope and the 2020 codes of their municipalities (for the coverage map)."""
    joint = set(scope.plans.loc[scope.plans["gezamenlijk"].fillna(False).astype(bool), "plan_id"])
    links = scope.gemeenten.loc[scope.gemeenten["plan_id"].isin(joint) & scope.gemeenten["code"].notna()]
    return {str(plan): sorted(set(group["code"])) for plan, group in links.groupby("plan_id", sort=True)}


# the national maps of a municipality-level property: figure name -> (kind, key) in municipalities.codes_with
MAPPED = {"kaart_ondermijning": ("themes", "OND"),
          "kaart_woon_en_leefomgeving": ("categories", "Veilige woon- en leefomgeving")}


def municipality_part(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    """Municipality-level figures of the job (``ivp.analysis.municipalities``): per covered municipality (for a cohort
    job the cohort's own covered members) whether any plan in scope that covers it has a speerpunt on each
    theme and category, is joint, or involved citizens; shares with a clustered interval. Nationally also
    ``weighted``: post-stratified by cohort, with the unweighted share beside it."""
    covered = covered_municipalities(scope.gemeenten, scope.cohort)
    properties = municipality_properties(scope.plans, scope.gemeenten, scope.speerpunten, covered)
    figures = municipality_shares(properties, seed=seed, n_resamples=n_bootstrap)
    if scope.cohort == "nationaal":
        figures["weighted"] = weighted_municipality_shares(properties, seed=seed, n_resamples=n_bootstrap)
        prefix = {"themes": "thema_", "categories": "categorie_"}
        codes_with: dict[str, dict[str, list[str]]] = {}
        for kind, key in MAPPED.values():
            codes_with.setdefault(kind, {})[key] = sorted(properties.index[properties[prefix[kind] + key]])
        figures["codes_with"] = codes_with
    return figures


def representativeness_part(scope: Scope) -> dict:
    """Sample vs population of municipalities by cohort, province and veiligheidsregio
    (``ivp.analysis.representativeness``): per group ``n_gemeenten``, ``n_gedekt``, ``dekking``,
    ``aandeel_populatie``, ``aandeel_gedekt``; ``grootteklassen`` says why size classes are missing."""
    covered = covered_municipalities(scope.gemeenten, scope.cohort)
    tables = representativeness(covered, population=population(scope.cohort))
    return {name: {str(k): dict(row) for k, row in table.to_dict(orient="index").items()}
            if isinstance(table, pd.DataFrame) else table for name, table in tables.items()}


def agenda_part(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    """What notebook 04 writes: the job, ``national_priorities`` against the Veiligheidsagenda in force at the
    peiljaar (``ivp.reference.agenda.agenda_for``; with its ``agenda`` id, ``agenda_label``, ``priorities`` and a
    ``sensitivity`` per extra theme set, e.g. ``met_int``), and ``national_priorities_source``. A peiljaar
    without an agenda in force (or ``alle``) gets ``agenda: null`` and ``note`` saying so, and no shares."""
    n_bootstrap = job.check_n_bootstrap(n_bootstrap)
    in_force = agenda_for(scope.peiljaar)
    if in_force is None:
        nat = {"agenda": None, "note": no_agenda_text(scope.peiljaar), "n_priorities": len(scope.speerpunten),
               "n_plans": len(scope.plans), "indicatief": len(scope.plans) < SMALL_N}
    else:
        nat = {**national_priorities(scope, seed=seed, n_bootstrap=n_bootstrap, themes=in_force["themes"]),
               "agenda": in_force["id"], "agenda_label": in_force["label"], "priorities": in_force["priorities"],
               "theme_notes": in_force["theme_notes"], "note": in_force.get("note"),
               "sensitivity": {name: {"label": extra["label"], "added": extra["added"],
                                      **national_priorities(scope, seed=seed, n_bootstrap=n_bootstrap,
                                                            themes=extra["themes"])}
                               for name, extra in (in_force.get("sensitivity") or {}).items()}}
    return {**_job(scope, seed=seed, n_bootstrap=n_bootstrap), "national_priorities": nat,
            "national_priorities_source": priorities_source(scope.peiljaar)}


# --- results.json -------------------------------------------------------------------------------

def ccv_comparison(results: dict) -> dict:
    """Published CCV 2020 figures next to ours (codebook ``ccv2020``).

    Args:
        results: with ``n_priorities``, ``categories`` (label -> share, ci95_cluster, ci95_wilson) and
            ``joint_plans`` (share, ci95_wilson).
    Returns:
        metric -> ``published``, ``ours``, ``ci95`` (the headline interval ``ci95`` of the figure, for the
        share of plans of results without one its ``ci95_wilson``; null for the count), ``interval`` (the
        name of its method), ``inside`` (published
        value within ``ci95``; null when there is no interval) and ``label``; shares of speerpunten also
        carry ``ci95_wilson`` and ``inside_wilson`` (the interval that treats speerpunten as independent).
    """
    book = codebook()["ccv2020"]
    out = {"n_priorities": {"published": book["n_priorities"], "ours": results["n_priorities"],
                            "ci95": None, "interval": None, "inside": None, "label": "aantal speerpunten"}}
    for label, published in book["category_shares"].items():
        ours = results["categories"].get(label, {})
        entry = _compare(published, ours.get("share"), ours.get("ci95"), ours.get("ci95_methode"),
                         f"aandeel speerpunten {label.lower()}")
        wilson = _compare(published, ours.get("share"), ours.get("ci95_wilson"), "wilson", "")
        out[label] = {**entry, "ci95_wilson": wilson["ci95"], "inside_wilson": wilson["inside"]}
    joint = results["joint_plans"]
    if "ci95" in joint:
        ci, method = joint["ci95"], joint.get("ci95_methode")
    else:  # results of before issue 12
        ci, method = joint.get("ci95_wilson"), "wilson"
    out["joint_plan_share"] = _compare(book["joint_plan_share"], joint.get("share"), ci, method,
                                       "aandeel gezamenlijke plannen")
    return out


def _compare(published, ours, ci, method: str, label: str) -> dict:
    known = ci is not None and all(v is not None and not _isnan(v) for v in ci)
    return {"published": published, "ours": ours, "ci95": list(ci) if known else None,
            "interval": method, "inside": bool(ci[0] <= published <= ci[1]) if known else None, "label": label}


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def small_number_flags(results: dict) -> list[str]:
    """Flags the report shows: ``geen_plannen`` when the scope is empty, ``indicatief`` when the job
    rests on fewer than ``SMALL_N`` plans, and ``indicatief:<figure>`` for every figure (top-level key,
    or ``key.part`` for an ``<part>_indicatief`` field) marked as based on fewer than ``SMALL_N`` plans."""
    flags = set()
    if results.get("n_plans", 0) == 0:
        flags.add("geen_plannen")
    if results.get("n_plans", 0) < SMALL_N:
        flags.add("indicatief")

    def walk(value, top: str | None):
        if isinstance(value, dict):
            for key, item in value.items():
                figure = top or key
                if key == "indicatief" and item is True and top:
                    flags.add(f"indicatief:{top}")
                elif key.endswith("_indicatief") and item is True:
                    flags.add(f"indicatief:{figure}.{key.removesuffix('_indicatief')}")
                else:
                    walk(item, figure)

    walk(results, None)
    return sorted(flags)


def load_results(output_path) -> dict:
    """Read ``<output_path>/results.json``; a missing or incomplete file names the notebooks that write it."""
    path = Path(output_path) / job.RESULTS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} ontbreekt; voer eerst de notebooks "
                                f"{', '.join(s.notebook for s in job.ANALYSIS_STAGES)} uit voor deze taak")
    results = json.loads(path.read_text(encoding="utf-8"))
    if missing := missing_parts(results):
        raise ValueError(f"{path} is onvolledig; voer eerst {', '.join(missing)} uit voor deze taak "
                         f"(cohort {results.get('cohort')}, peiljaar {results.get('peiljaar')})")
    return results
