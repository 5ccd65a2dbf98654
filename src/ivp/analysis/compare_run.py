"""The comparison stage (issue 13): every number of ``reports/vergelijking/results.json``.

Built on the pure logic of ``ivp.analysis.comparison`` (groups, per-plan arrays, verdicts, sentences, paired view)
and the intervals of ``ivp.stats``. Every function here takes the cleaned tables (``ivp.inputs.clean.Cleaned``:
``plans`` with ``plan_id``, ``gezamenlijk``, ``burgerparticipatie``, ``periode_*``, ``cohort_*``;
``plan_gemeenten`` with ``plan_id``, ``code``, ``cohort_*``; ``speerpunten`` with ``plan_id``, ``thema``)
or what an earlier function here returned, and returns plain dicts (fractions 0..1, intervals
``[low, high]``, None where nothing can be computed), made JSON-ready by ``ivp.analysis.results.jsonable``.

Groups are ``"<peiljaar>/<cohort>"`` for every (peiljaar, cohort) of the run, plus per peiljaar
``"<peiljaar>/grote_gemeenten"`` and ``"<peiljaar>/kleinere_gemeenten"`` (``ivp.analysis.comparison.GROUPS``).

Where a difference interval cannot be computed, the entry says so (``ci95`` None and a Dutch ``note``)
instead of inventing one. ``ivp.stats.difference_interval`` takes **one** numerator and denominator per
unit for both groups; a unit (plan, or cluster of municipalities) in both groups whose contribution
differs between them cannot be passed to it:

* ``national_priority_share`` across peiljaren judged by agendas with different theme lists: a plan in
  force in both peiljaren has two numerators. The entry then also gives ``same_themes``: the difference
  with one theme list for both sides (each agenda's in turn), which has an interval.
* ``joint_municipality_share``: the units are the clusters of municipalities linked by shared plans
  (over both groups' plans). A municipality covered in both peiljaren (or by a cohort and nationally),
  or a joint plan of a large and a small municipality, puts one cluster in both groups with different
  members or flags, so the interval is only computed when no such cluster exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ivp.analysis import comparison as cmp
from ivp.analysis.measures import SMALL_N, Scope, covered_municipalities, rollup_categories, select_scope
from ivp.analysis.municipalities import JOINT, municipality_clusters, municipality_properties, municipality_shares
from ivp.analysis.results import jsonable
from ivp.inputs.clean import Cleaned, read_processed
from ivp.reference.agenda import agenda_for, no_agenda_text, theme_sets
from ivp.reference.municipalities import codebook, theme_codes
from ivp.reference.published import load_published, published_beside_ours
from ivp.running import job
from ivp.running.atomic import write_json
from ivp.stats import DIFFERENCE_METHOD, METHOD_TEXT, SHARE_METHOD, difference_interval, share_interval

SCHEMA_VERSION = 1
COMPARISON_DIR = job.COMPARISON_DIR
MUNICIPALITY_MEASURE = "joint_municipality_share"
MUNICIPALITY_METHOD = f"{SHARE_METHOD}_gemeenten"
MUNICIPALITY_DIFFERENCE_METHOD = f"{DIFFERENCE_METHOD}_gemeenten"
VWL, OND = cmp.VWL, "Ondermijning"
HEADLINE = (f"category_share:{VWL}", f"category_share:{OND}", "joint_plan_share", MUNICIPALITY_MEASURE,
            "participation_at_least", "national_priority_share")  # the report's tables and figure
KINDS = {"trend": "tussen peiljaren", "groot_klein": "grote tegen kleinere gemeenten",
         "cohort_nationaal": "cohort tegen nationaal"}

NO_INTERVAL_THEMES = (
    "Geen interval: de twee peiljaren worden elk aan hun eigen Veiligheidsagenda gemeten, met andere thema's "
    "({themes_a} tegen {themes_b}). {n} plan(nen) {is_are} in beide peiljaren van kracht en {has_have} dan twee "
    "tellers; het verschilinterval (één teller per plan) kan dat niet aan. Zie 'same_themes' voor het verschil "
    "met één themalijst voor beide kanten."
)
NO_INTERVAL_MUNICIPALITIES = (
    "Geen interval: gemeenten die via gedeelde plannen samenhangen, vormen samen één eenheid, en {n} zulke "
    "eenheid/eenheden {is_are} in beide groepen met een andere bijdrage (andere gemeenten of een ander "
    "gezamenlijk plan). Het verschilinterval neemt één teller per eenheid voor beide groepen; een interval "
    "dat die samenhang negeert, zou te smal zijn en is daarom niet gegeven."
)
NO_AGENDA_DIFFERENCE = "Geen verschil: voor minstens één van beide peiljaren gold geen Veiligheidsagenda."
MUNICIPALITY_NOTE = (
    "Aandeel van de gedekte gemeenten van de groep (voor grote en kleinere gemeenten: de gedekte leden van die "
    "groep) dat in minstens één gezamenlijk plan zit; interval met groepen gemeenten die een plan delen als "
    "clusters (ivp.analysis.municipalities)."
)


# --- groups -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """The plans of one comparison group: ``key`` (``"2024/G40"``), ``peiljaar``, ``name`` (a cohort or
    ``grote_gemeenten``/``kleinere_gemeenten``), the rows of its plans in force (``plans``, ``gemeenten``,
    ``speerpunten``, sorted by plan as in ``ivp.analysis.measures.Scope``) and its covered municipalities
    (``covered``: sorted 2020 codes that are members of the group, every code nationally)."""

    key: str
    peiljaar: str
    name: str
    plans: pd.DataFrame
    gemeenten: pd.DataFrame
    speerpunten: pd.DataFrame
    covered: list

    @property
    def n_plans(self) -> int:
        return len(self.plans)


def group_keys(peiljaren, cohorts) -> list[str]:
    """Group keys in report order: per peiljaar every cohort (in ``COHORTS`` order), then grote and kleinere
    gemeenten."""
    peiljaren, cohorts = job.check_peiljaren(peiljaren), job.check_cohorts(cohorts)
    return [f"{p}/{g}" for p in peiljaren for g in [*cohorts, *cmp.GROUPS]]


def make_groups(data: Cleaned, peiljaren, cohorts) -> dict[str, Group]:
    """Every group of ``group_keys`` with its plans in force at its peiljaar (``ivp.analysis.measures.select_scope``
    scope rules; grote/kleinere: the national scope's plans with a member of the group, see
    ``ivp.analysis.comparison.group_mask``)."""
    groups = {}
    for key in group_keys(peiljaren, cohorts):
        peiljaar, name = key.split("/")
        if name in cmp.GROUPS:
            scope = select_scope(data, "nationaal", peiljaar)
            keep = cmp.group_mask(scope.plans, name)
            plans = scope.plans[keep].reset_index(drop=True)
            ids = set(plans["plan_id"])
            gemeenten = scope.gemeenten[scope.gemeenten["plan_id"].isin(ids)].reset_index(drop=True)
            speerpunten = scope.speerpunten[scope.speerpunten["plan_id"].isin(ids)].reset_index(drop=True)
            covered = cmp.group_codes(gemeenten, name)
        else:
            scope = select_scope(data, name, peiljaar)
            plans, gemeenten, speerpunten = scope.plans, scope.gemeenten, scope.speerpunten
            covered = covered_municipalities(gemeenten, name)
        groups[key] = Group(key, peiljaar, name, plans, gemeenten, speerpunten, covered)
    return groups


def as_scope(group: Group) -> Scope:
    """A cohort group as an ``ivp.analysis.measures.Scope`` (for ``comparison.paired_view``)."""
    return Scope(group.name, group.peiljaar, group.plans, group.gemeenten, group.speerpunten,
                 n_cohort_plans=group.n_plans, n_excluded_no_period=0, n_out_of_period=0)


# --- measures per group -------------------------------------------------------------------------

def measure_keys(rollup: str | None = None) -> list[str]:
    """Every measure of a group, in report order: ``category_share:<label>`` (roll-up ``rollup``),
    ``theme_share:<CODE>``, ``theme_plan_share:<CODE>``, ``joint_plan_share``, ``joint_municipality_share``,
    ``participation_at_least``, ``national_priority_share``."""
    return ([f"category_share:{label}" for label in rollup_categories(rollup)]
            + [f"theme_share:{code}" for code in theme_codes()]
            + [f"theme_plan_share:{code}" for code in theme_codes()]
            + ["joint_plan_share", MUNICIPALITY_MEASURE, "participation_at_least", "national_priority_share"])


def _leaf(num, den, *, seed: int, n_bootstrap: int) -> dict:
    """``{value, ci95, n, n_with}`` of the share sum(num) / sum(den) over units (``share_interval``)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    total = den.sum()
    if not total > 0:
        return {"value": None, "ci95": None, "n": int(total), "n_with": int(num.sum())}
    low, high = share_interval(num, den, seed=seed, n_resamples=n_bootstrap)
    return {"value": float(num.sum() / total), "ci95": [float(low), float(high)], "n": int(round(total)),
            "n_with": int(round(num.sum()))}


def _arrays(measure: str, group: Group, *, rollup=None, themes=None) -> dict:
    return cmp.plan_arrays(measure, group.plans, group.plans, group.speerpunten, rollup=rollup, themes=themes)


def municipality_table(group: Group, rollup: str | None = None) -> pd.DataFrame:
    """``municipalities.municipality_properties`` of the group's covered municipalities (index
    ``gemeentecode``; ``cluster``, ``gezamenlijk``, ...)."""
    return municipality_properties(group.plans, group.gemeenten, group.speerpunten, group.covered, rollup=rollup)


def national_priority_measure(group: Group, *, seed: int, n_bootstrap: int, agendas=None) -> dict:
    """``national_priority_share`` of a group, against the agenda in force at its peiljaar
    (``ivp.reference.agenda.agenda_for``): ``{value, ci95, n, n_with, agenda, agenda_label, themes, sensitivity:
    {name: {label, themes, value, ci95, n, n_with}}}``; without an agenda ``value``/``ci95`` None and a
    Dutch ``note``."""
    agenda = agenda_for(group.peiljaar, agendas)
    if agenda is None:
        return {"value": None, "ci95": None, "n": len(group.speerpunten), "n_with": None, "agenda": None,
                "agenda_label": None, "themes": [], "sensitivity": {},
                "note": no_agenda_text(group.peiljaar, agendas)}
    sets = theme_sets(agenda)
    out = {}
    for name, themes in sets.items():
        arrays = _arrays("national_priority_share", group, themes=themes)
        out[name] = {"themes": themes, **_leaf(arrays["numerators"], arrays["denominators"], seed=seed,
                                               n_bootstrap=n_bootstrap)}
    main = out.pop("hoofd")
    sensitivity = {name: {"label": agenda["sensitivity"][name]["label"], **leaf} for name, leaf in out.items()}
    return {**main, "agenda": agenda["id"], "agenda_label": agenda["label"], "sensitivity": sensitivity,
            "note": agenda.get("note") or ""}


def group_measures(group: Group, *, seed: int, n_bootstrap: int, rollup: str | None = None,
                   agendas=None) -> dict:
    """Every measure of ``measure_keys`` for one group.

    Returns:
        ``{"n_plans", "n_priorities", "n_municipalities", "indicatief" (fewer than SMALL_N plans),
        "measures": {measure: {value, ci95, n, n_with}}}``: ``n`` counts the units of the share
        (speerpunten, plans or covered municipalities), ``n_with`` those with the property; plan and
        speerpunt shares get ``ivp.stats.share_interval`` over plans, ``joint_municipality_share`` the
        clustered interval of ``ivp.analysis.municipalities.municipality_shares``; ``national_priority_share`` as
        ``national_priority_measure``.
    """
    measures = {}
    for measure in measure_keys(rollup):
        if measure == MUNICIPALITY_MEASURE:
            if group.covered:
                leaf = municipality_shares(municipality_table(group, rollup), seed=seed,
                                           n_resamples=n_bootstrap)["joint_share"]
                measures[measure] = {"value": leaf["share_with"], "ci95": leaf["ci95"], "n": leaf["n"],
                                     "n_with": leaf["n_with"]}
            else:
                measures[measure] = {"value": None, "ci95": None, "n": 0, "n_with": 0}
        elif measure == "national_priority_share":
            measures[measure] = national_priority_measure(group, seed=seed, n_bootstrap=n_bootstrap,
                                                          agendas=agendas)
        else:
            arrays = _arrays(measure, group, rollup=rollup)
            measures[measure] = _leaf(arrays["numerators"], arrays["denominators"], seed=seed,
                                      n_bootstrap=n_bootstrap)
    return {"n_plans": group.n_plans, "n_priorities": len(group.speerpunten),
            "n_municipalities": len(group.covered), "indicatief": group.n_plans < SMALL_N, "measures": measures}


# --- differences --------------------------------------------------------------------------------

def difference_pairs(peiljaren, cohorts) -> list[tuple[str, str, str]]:
    """The pairs ``(a, b, kind)`` to compare, in report order.

    ``trend``: for every cohort and for grote/kleinere gemeenten, later peiljaar (a) against the earlier
    one (b), for each two consecutive year peiljaren (2024 against 2020 by default; ``alle`` takes no
    part). Then per peiljaar ``groot_klein`` (grote against kleinere gemeenten) and ``cohort_nationaal``
    (every other cohort against nationaal, when nationaal was run)."""
    peiljaren, cohorts = job.check_peiljaren(peiljaren), job.check_cohorts(cohorts)
    years = sorted((p for p in peiljaren if p != job.ALL_YEARS), key=int)
    pairs = [(f"{later}/{g}", f"{earlier}/{g}", "trend")
             for earlier, later in zip(years, years[1:]) for g in [*cohorts, *cmp.GROUPS]]
    for p in peiljaren:
        pairs.append((f"{p}/grote_gemeenten", f"{p}/kleinere_gemeenten", "groot_klein"))
        if "nationaal" in cohorts:
            pairs += [(f"{p}/{c}", f"{p}/nationaal", "cohort_nationaal") for c in cohorts if c != "nationaal"]
    return pairs


def unit_difference(num_a, den_a, num_b, den_b, in_a, in_b, *, seed: int, n_bootstrap: int) -> dict:
    """The difference share(a) − share(b) over units (plans or clusters) with possibly different
    contributions to each group.

    Args:
        num_a, den_a: per unit its numerator and denominator in group a (used where ``in_a``); likewise b.
        in_a, in_b: bool per unit.
    Returns:
        ``value_a``, ``value_b``, ``difference`` (None when a side has no units) and ``ci95``
        (``stats.difference_interval``) when every unit in both groups contributes the same to both;
        otherwise ``ci95`` None and ``n_conflicting`` (units in both groups that differ).
    """
    num_a, den_a, num_b, den_b = (np.asarray(x, dtype=float) for x in (num_a, den_a, num_b, den_b))
    a, b = np.asarray(in_a, dtype=bool), np.asarray(in_b, dtype=bool)
    ta, tb = den_a[a].sum(), den_b[b].sum()
    value_a = float(num_a[a].sum() / ta) if ta > 0 else None
    value_b = float(num_b[b].sum() / tb) if tb > 0 else None
    out = {"value_a": value_a, "value_b": value_b,
           "difference": value_a - value_b if value_a is not None and value_b is not None else None,
           "ci95": None, "n_conflicting": 0}
    both = a & b
    conflicting = both & ((num_a != num_b) | (den_a != den_b))
    out["n_conflicting"] = int(conflicting.sum())
    if out["difference"] is None or conflicting.any():
        return out
    num, den = np.where(a, num_a, num_b), np.where(a, den_a, den_b)
    low, high = difference_interval(num, den, a, b, seed=seed, n_resamples=n_bootstrap)
    out["ci95"] = [float(low), float(high)]
    return out


def municipality_units(ga: Group, gb: Group) -> dict:
    """Per-unit arrays of ``joint_municipality_share`` for two groups: the units are the connected
    components of the municipality - plan graph over both groups' plans (municipalities linked by a
    chain of shared plans in either group are one unit).

    Returns ``num_a``, ``den_a`` (covered municipalities of a in the unit in a joint plan of a / covered
    municipalities of a in the unit), ``num_b``, ``den_b``, ``in_a``, ``in_b`` (one value per unit): the
    arguments of ``unit_difference``.
    """
    links = pd.concat([ga.gemeenten[["plan_id", "code"]], gb.gemeenten[["plan_id", "code"]]])
    links = links[links["code"].notna()].drop_duplicates()
    codes = sorted(set(ga.covered) | set(gb.covered))
    if not codes:
        empty = np.zeros(0)
        return {"num_a": empty, "den_a": empty, "num_b": empty, "den_b": empty,
                "in_a": empty.astype(bool), "in_b": empty.astype(bool)}
    unit = municipality_clusters(links, codes)
    n_units = int(unit.max()) + 1
    out = {}
    for side, group in (("a", ga), ("b", gb)):
        flags = (municipality_table(group)[JOINT] if group.covered else pd.Series(dtype=bool))
        members = unit.reindex(flags.index).to_numpy(dtype=int)
        out[f"den_{side}"] = np.bincount(members, minlength=n_units).astype(float)
        out[f"num_{side}"] = np.bincount(members, weights=flags.to_numpy(dtype=float), minlength=n_units)
        out[f"in_{side}"] = out[f"den_{side}"] > 0
    return out


def _plural(n: int) -> dict:
    return {"n": n, "is_are": "is" if n == 1 else "zijn", "has_have": "heeft" if n == 1 else "hebben"}


def difference(measure: str, ga: Group, gb: Group, kind: str, *, seed: int, n_bootstrap: int,
               rollup: str | None = None, agendas=None) -> dict:
    """One entry of ``differences``: ``{measure, a, b, kind, value_a, value_b, n_plans_a, n_plans_b,
    difference (a − b), ci95, method, indicatief (either side on fewer than SMALL_N plans), note}``;
    ``national_priority_share`` also ``sensitivity`` (``{"<a|b>:<name>": {label, themes_a, themes_b,
    value_a, value_b, difference, ci95, note, same_themes}}``: one side counted with a sensitivity theme
    list of its agenda, e.g. 2024 with INT, and ``same_themes`` that list on both sides) and, between two
    agendas with different main themes, ``same_themes`` (``{agenda id: {themes, value_a, value_b,
    difference, ci95}}``). ``ci95`` is None with a Dutch ``note`` where no interval can be computed
    (module docstring); a peiljaar without agenda gives no difference at all."""
    base = {"measure": measure, "a": ga.key, "b": gb.key, "kind": kind, "n_plans_a": ga.n_plans,
            "n_plans_b": gb.n_plans, "indicatief": min(ga.n_plans, gb.n_plans) < SMALL_N,
            "method": DIFFERENCE_METHOD, "note": None}
    kw = {"seed": seed, "n_bootstrap": n_bootstrap}
    if measure == MUNICIPALITY_MEASURE:
        units = municipality_units(ga, gb)
        result = unit_difference(units["num_a"], units["den_a"], units["num_b"], units["den_b"], units["in_a"],
                                 units["in_b"], **kw)
        base["method"] = MUNICIPALITY_DIFFERENCE_METHOD
        if result["ci95"] is None and result["n_conflicting"]:
            base["note"] = NO_INTERVAL_MUNICIPALITIES.format(**_plural(result["n_conflicting"]))
    elif measure == "national_priority_share":
        agenda_a, agenda_b = agenda_for(ga.peiljaar, agendas), agenda_for(gb.peiljaar, agendas)
        if agenda_a is None or agenda_b is None:
            return {**base, "value_a": None, "value_b": None, "difference": None, "ci95": None,
                    "note": NO_AGENDA_DIFFERENCE}
        result = _priority_difference(ga, gb, agenda_a["themes"], agenda_b["themes"], **kw)
        if result["ci95"] is None and result["n_conflicting"]:
            base["note"] = NO_INTERVAL_THEMES.format(themes_a="+".join(agenda_a["themes"]),
                                                     themes_b="+".join(agenda_b["themes"]),
                                                     **_plural(result["n_conflicting"]))
        base["sensitivity"] = {}
        for agenda, side in ((agenda_a, "a"), (agenda_b, "b")):
            for name, spec in agenda["sensitivity"].items():
                themes_a = spec["themes"] if side == "a" else agenda_a["themes"]
                themes_b = spec["themes"] if side == "b" else agenda_b["themes"]
                sens = _priority_difference(ga, gb, themes_a, themes_b, **kw)
                note = (NO_INTERVAL_THEMES.format(themes_a="+".join(themes_a), themes_b="+".join(themes_b),
                                                  **_plural(sens["n_conflicting"])) if sens["n_conflicting"] else None)
                same = _priority_difference(ga, gb, spec["themes"], spec["themes"], **kw)
                base["sensitivity"][f"{side}:{name}"] = {
                    "label": spec["label"], "themes_a": themes_a, "themes_b": themes_b, **_strip(sens), "note": note,
                    "same_themes": {"themes": spec["themes"], **_strip(same)}}
        if agenda_a["themes"] != agenda_b["themes"]:
            base["same_themes"] = {agenda["id"]: {"themes": agenda["themes"], **_strip(_priority_difference(
                ga, gb, agenda["themes"], agenda["themes"], **kw))} for agenda in (agenda_b, agenda_a)}
    else:
        arrays = cmp.plan_arrays(measure, ga.plans, gb.plans, union_speerpunten(ga, gb), rollup=rollup)
        result = unit_difference(arrays["numerators"], arrays["denominators"], arrays["numerators"],
                                 arrays["denominators"], arrays["in_a"], arrays["in_b"], **kw)
    return {**base, **_strip(result)}


def union_speerpunten(ga: Group, gb: Group) -> pd.DataFrame:
    """The speerpunten of the plans of a or b, each plan's rows once (a plan in both groups has the same rows
    in both)."""
    extra = gb.speerpunten[~gb.speerpunten["plan_id"].isin(ga.plans["plan_id"])]
    return pd.concat([ga.speerpunten, extra], ignore_index=True)


def _strip(result: dict) -> dict:
    return {k: result[k] for k in ("value_a", "value_b", "difference", "ci95")}


def _priority_difference(ga: Group, gb: Group, themes_a, themes_b, **kw) -> dict:
    speerpunten = union_speerpunten(ga, gb)
    xa = cmp.plan_arrays("national_priority_share", ga.plans, gb.plans, speerpunten, themes=themes_a)
    xb = cmp.plan_arrays("national_priority_share", ga.plans, gb.plans, speerpunten, themes=themes_b)
    return unit_difference(xa["numerators"], xa["denominators"], xb["numerators"], xb["denominators"],
                           xa["in_a"], xa["in_b"], **kw)


def differences(groups: dict[str, Group], peiljaren, cohorts, *, seed: int, n_bootstrap: int,
                rollup: str | None = None, agendas=None, measures=None) -> list[dict]:
    """``difference`` for every pair of ``difference_pairs`` and every measure (default ``measure_keys``)."""
    measures = measure_keys(rollup) if measures is None else list(measures)
    return [difference(m, groups[a], groups[b], kind, seed=seed, n_bootstrap=n_bootstrap, rollup=rollup,
                       agendas=agendas)
            for a, b, kind in difference_pairs(peiljaren, cohorts) for m in measures]


def find_difference(entries: list[dict], measure: str, a: str, b: str) -> dict | None:
    """The entry of ``entries`` for ``measure`` with sides ``a`` and ``b``, or None."""
    return next((d for d in entries if d["measure"] == measure and d["a"] == a and d["b"] == b), None)


# --- claims -------------------------------------------------------------------------------------

CLAIMS = {
    "samenwerking_neemt_toe": "Steeds meer gemeenten werken gezamenlijk aan integrale veiligheidsplannen.",
    "burgerparticipatie_neemt_toe": "De mening van de burger lijkt steeds vaker meegenomen te worden.",
    "prioriteiten_groot_en_klein": ("Ondermijning en veilige woonomgeving zijn de prioriteiten voor zowel de "
                                    "grotere als de kleinere gemeenten."),
    "woonomgeving_grootste": "Veilige woon- en leefomgeving krijgt meeste prioriteit.",
}
TREND_MISSING = ("Niet te beoordelen: deze uitspraak vergelijkt alle gemeenten (nationaal) in twee peiljaren, en die "
                 "zijn in deze vergelijking niet allebei berekend (peiljaren: {peiljaren}).")


def _side(key: str, group: dict, measure: str) -> dict:
    leaf = group["measures"][measure]
    return {"group": key, "value": leaf["value"], "ci95": leaf["ci95"], "n": group["n_plans"]}


def _trend_part(claim_id, measure, a, b, groups, diffs, *, note="") -> dict:
    entry = find_difference(diffs, measure, a, b)
    part = cmp.trend_claim(claim_id, CLAIMS[claim_id], measure, _side(a, groups[a], measure),
                           _side(b, groups[b], measure), entry or {}, note=note)
    if measure == MUNICIPALITY_MEASURE:  # comparison.measure_label does not know it: it shows the key
        label = _measure_label(measure)
        part["explanation"] = part["explanation"].replace(f"{measure[0].upper()}{measure[1:]}:",
                                                          f"{label[0].upper()}{label[1:]}:", 1)
    if entry is not None and entry.get("note"):
        part["explanation"] += f" {entry['note']}"
    return part


def _combined(claim_id: str, parts: list[dict], measures: list[str], groups: list[str]) -> dict:
    verdict = cmp.combine_verdicts(p["verdict"] for p in parts)
    explanation = " ".join(p["explanation"] for p in parts)
    if len(parts) > 1:
        explanation += f" Samen: {cmp.VERDICT_NL[verdict]}."
    return {"id": claim_id, "claim": CLAIMS[claim_id], "measure": measures, "groups": groups,
            "verdict": verdict, "explanation": explanation, "parts": parts}


def _undecided(claim_id: str, measures: list[str], text: str) -> dict:
    return {"id": claim_id, "claim": CLAIMS[claim_id], "measure": measures, "groups": [],
            "verdict": cmp.UNDECIDED, "explanation": text, "parts": []}


def _category_shares(group: dict) -> dict:
    prefix = "category_share:"
    return {m[len(prefix):]: (leaf["value"], leaf["ci95"]) for m, leaf in group["measures"].items()
            if m.startswith(prefix)}


def claims(groups: dict[str, dict], diffs: list[dict], peiljaren) -> list[dict]:
    """The four claims of the CCV's 2020 text, tested: ``{id, claim, measure (list of measure keys),
    groups, verdict, explanation, parts}`` (``parts``: the claim per measure or group, as
    ``comparison.trend_claim``/``ranking_claim``; the verdict combines them with ``combine_verdicts``).

    Args:
        groups: group key -> ``group_measures``; diffs: ``differences``; peiljaren: of the run.
    Trend claims compare the latest with the earliest year peiljaar (2024 against 2020), nationaal.
    """
    years = sorted((p for p in job.check_peiljaren(peiljaren) if p != job.ALL_YEARS), key=int)
    out = []
    joint = [MUNICIPALITY_MEASURE, "joint_plan_share"]
    if len(years) >= 2 and f"{years[-1]}/nationaal" in groups:
        a, b = f"{years[-1]}/nationaal", f"{years[0]}/nationaal"
        parts = [_trend_part("samenwerking_neemt_toe", m, a, b, groups, diffs) for m in joint]
        out.append(_combined("samenwerking_neemt_toe", parts, joint, [a, b]))
        part = _trend_part("burgerparticipatie_neemt_toe", "participation_at_least", a, b, groups, diffs,
                           note=cmp.PARTICIPATION_NOTE)
        out.append(_combined("burgerparticipatie_neemt_toe", [part], ["participation_at_least"], [a, b]))
    else:
        text = TREND_MISSING.format(peiljaren=", ".join(job.check_peiljaren(peiljaren)) or "geen")
        out += [_undecided("samenwerking_neemt_toe", joint, text),
                _undecided("burgerparticipatie_neemt_toe", ["participation_at_least"], text)]
    named = [VWL, OND]
    parts = [cmp.ranking_claim("prioriteiten_groot_en_klein", CLAIMS["prioriteiten_groot_en_klein"],
                               "category_share", key, _category_shares(groups[key]), named)
             for p in job.check_peiljaren(peiljaren) for key in (f"{p}/grote_gemeenten", f"{p}/kleinere_gemeenten")]
    out.append(_combined("prioriteiten_groot_en_klein", parts, ["category_share"], [p["groups"][0] for p in parts]))
    keys = [f"{p}/nationaal" for p in job.check_peiljaren(peiljaren) if f"{p}/nationaal" in groups]
    parts = [cmp.ranking_claim("woonomgeving_grootste", CLAIMS["woonomgeving_grootste"], "category_share", key,
                               _category_shares(groups[key]), [VWL]) for key in keys]
    out.append(_combined("woonomgeving_grootste", parts, ["category_share"], keys) if parts else
               _undecided("woonomgeving_grootste", ["category_share"],
                          "Niet te beoordelen: nationaal is niet berekend."))
    return out


# --- published figures, job results -------------------------------------------------------------

def job_results(reports_path, peiljaren, cohorts) -> dict[str, dict]:
    """``"<peiljaar>/<cohort>"`` -> the job's ``results.json`` under ``reports_path``, for the jobs that have
    one (a missing job is left out: its published figures then have no ``ours``)."""
    out = {}
    for p in job.check_peiljaren(peiljaren):
        for c in job.check_cohorts(cohorts):
            path = Path(reports_path) / p / c / job.RESULTS_FILE
            if path.exists():
                out[f"{p}/{c}"] = json.loads(path.read_text(encoding="utf-8"))
    return out


def published_rows(results_by_job: dict, *, published_path=None) -> list[dict]:
    """``ivp.reference.published.published_beside_ours`` of the published figures (``published_path``, default the
    package's data file) against the national jobs, each row with its Dutch ``sentence``
    (``comparison.published_sentence``)."""
    rows = published_beside_ours(load_published(published_path), results_by_job)
    return [{**row, "sentence": cmp.published_sentence(row)} for row in rows]


# --- the whole file -----------------------------------------------------------------------------

METHOD_INTRO = (
    "Elk verschil is waarde(a) − waarde(b) in procentpunten. Het 95%-interval (methode '{method}'): {text} "
    "Plannen die in beide groepen zitten (een plan dat in beide "
    "peiljaren van kracht is, een gezamenlijk plan in twee cohorten, een cohort tegen nationaal) tellen één "
    "keer mee, met hun bijdrage aan beide groepen. Gemeten dekking (bench/bench_coverage.py, docs/intervals.md): "
    "vanaf 10 plannen per groep bevat het interval het ware verschil in 94% tot 98% van de simulaties, met 3 tot "
    "5 plannen in 93% tot 100%. Een verschil waarvan een van beide groepen op minder dan {small_n} plannen rust, "
    "is 'indicatief'."
)


def comparison_results(data: Cleaned, peiljaren, cohorts, *, seed: int, n_bootstrap: int,
                       results_by_job: dict | None = None, rollup: str | None = None, agendas=None,
                       published_path=None) -> dict:
    """Everything of ``vergelijking/results.json`` (JSON-ready, ``ivp.analysis.results.jsonable``): ``schema_version``,
    ``peiljaren``, ``cohorts``, ``seed``, ``n_bootstrap``, ``groups`` (``group_measures`` per key, with
    ``name``, ``peiljaar``, ``label``), ``differences``, ``paired`` (``comparison.paired_view`` of nationaal
    for each two consecutive year peiljaren; a list), ``claims``, ``published`` (``published_rows``;
    ``results_by_job`` from ``job_results``), ``headline`` (the measures of the report's tables) and
    ``methode``."""
    peiljaren, cohorts = job.check_peiljaren(peiljaren), job.check_cohorts(cohorts)
    seed, n_bootstrap = job.check_seed(seed), job.check_n_bootstrap(n_bootstrap)
    groups = make_groups(data, peiljaren, cohorts)
    measured = {key: {"name": g.name, "peiljaar": g.peiljaar, "label": cmp.group_name(key),
                      **group_measures(g, seed=seed, n_bootstrap=n_bootstrap, rollup=rollup, agendas=agendas)}
                for key, g in groups.items()}
    diffs = differences(groups, peiljaren, cohorts, seed=seed, n_bootstrap=n_bootstrap, rollup=rollup,
                        agendas=agendas)
    years = sorted((p for p in peiljaren if p != job.ALL_YEARS), key=int)
    paired = ([cmp.paired_view(as_scope(groups[f"{b}/nationaal"]), as_scope(groups[f"{a}/nationaal"]), rollup=rollup)
               for b, a in zip(years, years[1:])] if "nationaal" in cohorts else [])
    return jsonable({
        "schema_version": SCHEMA_VERSION, "peiljaren": peiljaren, "cohorts": cohorts, "seed": seed,
        "n_bootstrap": n_bootstrap, "groups": measured, "differences": diffs, "paired": paired,
        "claims": claims(measured, diffs, peiljaren),
        "published": published_rows(results_by_job or {}, published_path=published_path),
        "headline": list(HEADLINE),
        "methode": {"difference_method": DIFFERENCE_METHOD, "share_method": SHARE_METHOD,
                    "municipality_method": MUNICIPALITY_METHOD, "small_n": SMALL_N,
                    "difference_text": METHOD_INTRO.format(method=DIFFERENCE_METHOD, small_n=SMALL_N,
                                                           text=METHOD_TEXT[DIFFERENCE_METHOD]),
                    "interval_methods": dict(METHOD_TEXT), "municipality_note": MUNICIPALITY_NOTE,
                    "participation_note": cmp.PARTICIPATION_NOTE, "rollup": rollup or codebook()["default_rollup"],
                    "measures": {m: _measure_label(m) for m in measure_keys(rollup)}},
    })


def _measure_label(measure: str) -> str:
    if measure == MUNICIPALITY_MEASURE:
        return "aandeel gedekte gemeenten in een gezamenlijk plan"
    return cmp.measure_label(measure)


measure_label = _measure_label


def run_comparison(processed_path, output_path, reports_path, peiljaren, cohorts, *, seed: int,
                   n_bootstrap: int) -> dict:
    """What notebook 06 runs: ``comparison_results`` on the cleaned tables in ``processed_path`` (with the
    national jobs' results.json under ``reports_path`` for the published figures), written atomically to
    ``<output_path>/results.json`` (sorted keys: the same input gives the same bytes). Returns the dict."""
    results = comparison_results(read_processed(Path(processed_path)), peiljaren, cohorts, seed=seed,
                                 n_bootstrap=n_bootstrap, results_by_job=job_results(reports_path, peiljaren, cohorts))
    Path(output_path).mkdir(parents=True, exist_ok=True)
    write_json(Path(output_path) / job.RESULTS_FILE, results)
    return results


def load_comparison(output_path) -> dict:
    """Read ``<output_path>/results.json`` of the comparison stage."""
    return json.loads((Path(output_path) / job.RESULTS_FILE).read_text(encoding="utf-8"))


# --- tables for the notebook --------------------------------------------------------------------

def groups_table(results: dict) -> pd.DataFrame:
    """One row per group: ``groep``, ``n_plans``, ``n_priorities``, ``n_municipalities`` and the value of each
    headline measure."""
    rows = []
    for key, g in results["groups"].items():
        rows.append({"groep": key, "n_plans": g["n_plans"], "n_priorities": g["n_priorities"],
                     "n_municipalities": g["n_municipalities"],
                     **{m: g["measures"][m]["value"] for m in results["headline"]}})
    return pd.DataFrame(rows)


def differences_table(results: dict, *, headline_only: bool = True) -> pd.DataFrame:
    """The differences as a table (headline measures only by default): ``measure``, ``a``, ``b``,
    ``difference``, ``ci_low``, ``ci_high``, ``indicatief``, ``note``."""
    rows = [{"measure": d["measure"], "a": d["a"], "b": d["b"], "difference": d["difference"],
             "ci_low": (d["ci95"] or [None, None])[0], "ci_high": (d["ci95"] or [None, None])[1],
             "indicatief": d["indicatief"], "note": d.get("note")}
            for d in results["differences"] if not headline_only or d["measure"] in results["headline"]]
    return pd.DataFrame(rows)


def claims_table(results: dict) -> pd.DataFrame:
    """``id``, ``verdict``, ``explanation`` per claim."""
    return pd.DataFrame([{k: c[k] for k in ("id", "verdict", "explanation")} for c in results["claims"]])
