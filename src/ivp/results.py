"""Machine-readable results of one job (peiljaar, cohort): the section files the analysis notebooks
write (``<output_path>/secties/*.json``), and ``results.json`` assembled from them with the comparison
with the published CCV 2020 figures and the small-number flags.

JSON conventions: shares are fractions 0..1, intervals ``[low, high]``, floats rounded to
``DECIMALS`` places, a figure that cannot be computed (nothing to divide by) is ``null``; keys sorted,
so the same inputs give byte-identical files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import (
    SMALL_N,
    Scope,
    category_sensitivity,
    check_n_bootstrap,
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
from .atomic import write_json
from .errors import PipelineFailed
from .reference import COHORTS, codebook
from .stats import DIFFERENCE_METHOD, LEVEL, METHOD_TEXT, SHARE_METHOD

DECIMALS = 6
SECTIONS_DIR = "secties"
RESULTS_FILE = "results.json"
# section name -> the notebook that writes it
SECTIONS = {
    "steekproef": "02_themas.ipynb",
    "themas": "02_themas.ipynb",
    "samenwerking": "03_samenwerking.ipynb",
    "landelijke_prioriteiten": "04_landelijke_prioriteiten.ipynb",
}
NOTEBOOKS = ("02_themas.ipynb", "03_samenwerking.ipynb", "04_landelijke_prioriteiten.ipynb")
PEILJAREN = ("2020", "2024")

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
    "plannen maar 80% tot 94%, de percentielclusterbootstrap bij 10 plannen 72% tot 91%. Voor aandelen van plannen is de dekking van Wilson "
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


def save_section(output_path, name: str, data: dict) -> Path:
    """Atomically write ``data`` to ``<output_path>/secties/<name>.json`` (see module conventions)."""
    path = Path(output_path) / SECTIONS_DIR / f"{name}.json"
    write_json(path, jsonable(data))
    return path


def load_section(output_path, name: str) -> dict:
    """Read a section written by ``save_section``; a missing file names the notebook that writes it."""
    path = Path(output_path) / SECTIONS_DIR / f"{name}.json"
    if not path.exists():
        writer = SECTIONS.get(name, "?")
        raise FileNotFoundError(f"{path}: sectie '{name}' ontbreekt; die wordt geschreven door notebooks/{writer}")
    return json.loads(path.read_text(encoding="utf-8"))


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

def _job(scope: Scope, **parameters) -> dict:
    return {"cohort": scope.cohort, "peiljaar": scope.peiljaar, **parameters}


def sample_section(scope: Scope) -> dict:
    """``steekproef.json``: ``sample_summary`` plus the list of plans in scope (``plannen``)."""
    return {**_job(scope), **sample_summary(scope), "plannen": records(plan_list(scope))}


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


def themes_section(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    """``themas.json``: ``themes`` per code, ``categories`` (default roll-up), ``category_sensitivity``
    (every roll-up), ``niveau`` split, ``labels`` (code -> Dutch label) and ``rollups`` (name -> label)."""
    n_bootstrap = check_n_bootstrap(n_bootstrap)
    small = len(scope.plans) < SMALL_N
    themes, categories = theme_and_category_distribution(scope, seed=seed, n_bootstrap=n_bootstrap)
    sensitivity = category_sensitivity(scope)
    niveau = niveau_split(scope)
    book = codebook()
    return {
        **_job(scope, seed=seed, n_bootstrap=n_bootstrap),
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
    }


def cooperation_section(scope: Scope) -> dict:
    """``samenwerking.json``: ``joint_plans`` and ``participation``."""
    return {**_job(scope), "joint_plans": joint_plans(scope), "participation": participation(scope)}


def priorities_section(scope: Scope, *, seed: int, n_bootstrap: int) -> dict:
    """``landelijke_prioriteiten.json``: ``national_priorities`` and the source of the priorities."""
    n_bootstrap = check_n_bootstrap(n_bootstrap)
    return {**_job(scope, seed=seed, n_bootstrap=n_bootstrap),
            "national_priorities": national_priorities(scope, seed=seed, n_bootstrap=n_bootstrap),
            "bron": codebook()["landelijke_prioriteiten"]["bron"]}


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


def assemble_results(output_path) -> dict:
    """Read the section files of ``output_path``, add ``ccv2020`` and ``flags``, write ``results.json``
    there atomically and return it.

    Raises FileNotFoundError for a missing section and ValueError when sections belong to different
    jobs (cohort, peiljaar, seed or n_bootstrap differ: a stale file of an earlier run).
    """
    sections = {name: load_section(output_path, name) for name in SECTIONS}
    _check_same_job(sections, Path(output_path))
    sample, themes = sections["steekproef"], sections["themas"]
    cooperation, priorities = sections["samenwerking"], sections["landelijke_prioriteiten"]
    results = {
        "cohort": sample["cohort"],
        "peiljaar": sample["peiljaar"],
        "n_plans": sample["n_plans"],
        "n_priorities": sample["n_priorities"],
        "n_municipalities": sample["n_municipalities"],
        "n_excluded_no_period": sample["n_excluded_no_period"],
        "sample": {k: v for k, v in sample.items() if k not in ("cohort", "peiljaar", "plannen")},
        "plans": sample["plannen"],
        "themes": themes["themes"],
        "categories": themes["categories"],
        "category_sensitivity": themes["category_sensitivity"],
        "default_rollup": themes["default_rollup"],
        "rollups": themes["rollups"],
        "niveau": themes["niveau"],
        "labels": themes["labels"],
        "joint_plans": cooperation["joint_plans"],
        "participation": cooperation["participation"],
        "national_priorities": priorities["national_priorities"],
        "national_priorities_source": priorities["bron"],
        "methode": {"seed": themes["seed"], "n_bootstrap": themes["n_bootstrap"], "level": LEVEL,
                    "small_n": SMALL_N, "scope_rule": SCOPE_RULE,
                    "intervals": INTERVALS.format(n=themes["n_bootstrap"], seed=themes["seed"]),
                    "share_method": SHARE_METHOD, "difference_method": DIFFERENCE_METHOD,
                    "interval_methods": dict(METHOD_TEXT),
                    "ccv2020_source": codebook()["ccv2020"]["bron"]},
    }
    results["ccv2020"] = ccv_comparison(results)
    results["flags"] = small_number_flags(results)
    results = jsonable(results)
    write_json(Path(output_path) / RESULTS_FILE, results)
    return results


def _check_same_job(sections: dict, output_path: Path) -> None:
    for key in ("cohort", "peiljaar", "seed", "n_bootstrap"):
        values = {name: s[key] for name, s in sections.items() if key in s}
        if len(set(map(str, values.values()))) > 1:
            found = ", ".join(f"{SECTIONS_DIR}/{n}.json: {v}" for n, v in values.items())
            raise ValueError(f"{output_path}: secties horen bij verschillende taken ({key}: {found}); "
                             "voer de notebooks 02-04 opnieuw uit voor deze taak")


def load_results(output_path) -> dict:
    """Read ``<output_path>/results.json``."""
    path = Path(output_path) / RESULTS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} ontbreekt; maak het met ivp.results.assemble_results na de notebooks 02-04")
    return json.loads(path.read_text(encoding="utf-8"))


# --- running the analysis notebooks -------------------------------------------------------------

def run_analyses(processed, out, cohorts=COHORTS, peiljaren=PEILJAREN, *, seed: int = 20200525,
                 n_bootstrap: int = 2000, kernel: str | None = None) -> dict[tuple[str, str], dict]:
    """Execute notebooks 02-04 for every (peiljaar, cohort) into ``<out>/<peiljaar>/<cohort>/`` (executed
    notebooks in its ``notebooks/`` folder), then ``assemble_results`` there.

    Returns {(peiljaar, cohort): results}. A failing notebook stops only its own job; after all jobs,
    PipelineFailed is raised with every failure.
    """
    from .pipeline import KERNEL, execute, notebooks_dir

    processed = Path(processed).resolve()
    done, failures = {}, []
    for peiljaar in peiljaren:
        for cohort in cohorts:
            job = Path(out).resolve() / str(peiljaar) / cohort
            parameters = {"processed_path": str(processed), "output_path": str(job), "cohort": cohort,
                          "peiljaar": str(peiljaar), "seed": seed, "n_bootstrap": n_bootstrap}
            failure = None
            for name in NOTEBOOKS:
                failure = execute(notebooks_dir() / name, job / "notebooks" / name, parameters,
                                  peiljaar=str(peiljaar), cohort=cohort, kernel=kernel or KERNEL)
                if failure:
                    failures.append(failure)
                    break
            if failure is None:
                done[(str(peiljaar), cohort)] = assemble_results(job)
    if failures:
        raise PipelineFailed(failures)
    return done

