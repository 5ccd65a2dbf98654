"""Comparisons between groups of plans (issue 13): the pure logic under the comparison stage.

* **Groups**: every job's scope, plus ``grote_gemeenten`` (plans with a G4 or G40 municipality) and
  ``kleinere_gemeenten`` (plans with a P10 or overig municipality), from the ``cohort_*`` columns; a
  joint plan of a large and a small municipality is in both.
* **Per-plan arrays** (``plan_arrays``): for a measure, per plan over the union of two groups' plans the
  numerator and denominator and the masks ``in_a``/``in_b``: the input of
  ``ivp.stats.difference_interval``, which resamples the union once per resample, so a plan in both
  groups (in force in both peiljaren, or a joint plan in two cohorts) moves in both at once.
* **Verdicts** on the claims of the CCV's 2020 text (``trend_verdict``, ``ranking_verdict``) and the
  Dutch sentences that state the figures with their intervals (``trend_claim``, ``ranking_claim``).
* **Paired view** (``paired_view``): the municipalities with a plan in force in both peiljaren, which
  kept, gained or lost a theme, with an exact McNemar test.

Shares are fractions 0..1, intervals ``[low, high]``; the Dutch sentences are plain text (escape them with
``ivp.report.text.esc`` before putting them in HTML).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from ivp.analysis.measures import (
    SMALL_N,
    Scope,
    covered_municipalities,
    in_cohort,
    rollup_categories,
    speerpunt_counts_per_plan,
)
from ivp.analysis.municipalities import CATEGORY_PREFIX, JOINT, THEME_PREFIX, municipality_properties
from ivp.reference.municipalities import codebook, theme_codes
from ivp.report.formats import COHORT_NAMES, count, number, pct, share_with_ci
from ivp.running.job import COHORTS

SUPPORTED, NOT_SUPPORTED, UNDECIDED = "ondersteund", "niet_ondersteund", "niet_te_beoordelen"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, UNDECIDED)
VERDICT_NL = {SUPPORTED: "ondersteund", NOT_SUPPORTED: "niet ondersteund", UNDECIDED: "niet te beoordelen"}

# --- groups -------------------------------------------------------------------------------------

GROUPS = {"grote_gemeenten": ("G4", "G40"), "kleinere_gemeenten": ("P10", "overig")}
GROUP_NAMES = {"grote_gemeenten": "grote gemeenten (G4 en G40)",
               "kleinere_gemeenten": "kleinere gemeenten (P10 en overige gemeenten)"}


def group_mask(frame: pd.DataFrame, group: str) -> np.ndarray:
    """Which rows of ``frame`` (plans or plan_gemeenten, with columns ``cohort_G4`` … ``cohort_overig``)
    belong to ``group``: one of ``GROUPS`` (a row of any of its cohorts) or a cohort of
    ``ivp.running.job.COHORTS``. Raises ValueError for another name."""
    if group in GROUPS:
        return np.logical_or.reduce([frame[f"cohort_{c}"].astype(bool).to_numpy() for c in GROUPS[group]])
    if group in COHORTS:
        return in_cohort(frame, group).to_numpy()
    raise ValueError(f"groep {group!r} is onbekend; kies uit {', '.join([*GROUPS, *COHORTS])}")


def group_plan_ids(cleaned_or_plans, group: str) -> list[str]:
    """The sorted ``plan_id`` s of the plans of ``group`` (see ``group_mask``).

    Args:
        cleaned_or_plans: an ``ivp.inputs.clean.Cleaned`` (its ``plans``), a ``Scope`` (its plans in force), or a
            plans DataFrame with ``plan_id`` and the ``cohort_*`` columns. No period filter is applied here.
    """
    plans = getattr(cleaned_or_plans, "plans", cleaned_or_plans)
    return sorted(plans.loc[group_mask(plans, group), "plan_id"].tolist())


def group_codes(gemeenten: pd.DataFrame, group: str) -> list[str]:
    """The sorted 2020 CBS codes of ``gemeenten`` (plan_gemeenten rows with ``code`` and ``cohort_*``) that
    are members of ``group``: its covered municipalities (a joint plan's partners outside the group are
    not)."""
    return sorted(gemeenten.loc[group_mask(gemeenten, group), "code"].dropna().unique().tolist())


def group_name(group: str) -> str:
    """Dutch name of a group key ``"<peiljaar>/<group>"`` (or a bare group or cohort):
    ``"2024/nationaal"`` -> ``"alle gemeenten (nationaal), peiljaar 2024"``."""
    peiljaar, _, name = group.rpartition("/")
    label = GROUP_NAMES.get(name) or COHORT_NAMES.get(name) or name
    return f"{label}, peiljaar {peiljaar}" if peiljaar else label


# --- measures and per-plan arrays ---------------------------------------------------------------

PLAN_MEASURES = ("theme_share", "category_share", "theme_plan_share", "joint_plan_share", "participation_at_least",
                 "national_priority_share")
PARTICIPATION_NOTE = (
    "Of burgers zijn betrokken, staat in de meeste openbare bronnen niet: het aandeel telt alleen plannen "
    "waarvan het vaststaat, van alle plannen, en is dus een ondergrens. Plannen met onbekende participatie tellen "
    "als 'niet'; een verschil kan dus ook komen doordat de bronnen van de ene groep er vaker iets over zeggen."
)


def parse_measure(measure: str, *, rollup: str | None = None) -> tuple[str, str | None]:
    """``"theme_share:OND"`` -> ``("theme_share", "OND")``; ``"joint_plan_share"`` -> ``(…, None)``.

    Raises ValueError for a measure that is not in ``PLAN_MEASURES``, a theme code not in the codebook or a
    category not in the roll-up (default: the codebook's default)."""
    kind, _, arg = str(measure).partition(":")
    if kind not in PLAN_MEASURES:
        raise ValueError(f"maat {measure!r} is onbekend; kies uit {', '.join(PLAN_MEASURES)}")
    if kind in ("theme_share", "theme_plan_share") and arg not in theme_codes():
        raise ValueError(f"maat {measure!r}: {arg!r} is geen themacode ({', '.join(theme_codes())})")
    if kind == "category_share" and arg not in rollup_categories(rollup):
        raise ValueError(f"maat {measure!r}: {arg!r} is geen categorie ({', '.join(rollup_categories(rollup))})")
    if kind in ("joint_plan_share", "participation_at_least", "national_priority_share") and arg:
        raise ValueError(f"maat {measure!r}: {kind} heeft geen argument")
    return kind, arg or None


def measure_label(measure: str) -> str:
    """Dutch description of a measure, e.g. ``"aandeel speerpunten op ondermijning"``."""
    kind, arg = parse_measure(measure)
    labels = {t["code"]: t["label_nl"].lower() for t in codebook()["themes"]}
    return {
        "theme_share": f"aandeel speerpunten op {labels.get(arg)}",
        "category_share": f"aandeel speerpunten in de categorie {str(arg).lower()}",
        "theme_plan_share": f"aandeel plannen met minstens één speerpunt op {labels.get(arg)}",
        "joint_plan_share": "aandeel gezamenlijke plannen",
        "participation_at_least": "aandeel plannen met aantoonbare burgerparticipatie (ondergrens)",
        "national_priority_share": "aandeel speerpunten op een landelijke prioriteit",
    }[kind]


def plan_arrays(measure: str, plans_a: pd.DataFrame, plans_b: pd.DataFrame, speerpunten: pd.DataFrame, *,
                rollup: str | None = None, themes=None) -> dict:
    """Per plan of the union of two groups: the numerator and denominator of ``measure``, and in which group.

    Args:
        measure: ``theme_share:<CODE>`` (speerpunten on the theme / speerpunten), ``category_share:<label>``
            (speerpunten in the category of ``rollup`` / speerpunten), ``theme_plan_share:<CODE>`` (1 when
            the plan has a speerpunt on the theme / 1), ``joint_plan_share`` (``gezamenlijk`` / 1) or
            ``participation_at_least`` (``burgerparticipatie == "ja"`` / 1; unknown counts as not) or
            ``national_priority_share`` (speerpunten on one of ``themes``, e.g. ``agenda["themes"]`` of
            ``ivp.reference.agenda``, / speerpunten). One theme list serves both groups: when the agendas of two
            peiljaren count different themes, a plan in both would need two numerators, which
            ``difference_interval`` does not take.
        plans_a, plans_b: the plans of each group (e.g. ``scope.plans``), columns ``plan_id``,
            ``gezamenlijk`` (bool), ``burgerparticipatie``; a plan may be in both.
        speerpunten: rows with ``plan_id`` and ``thema`` holding at least the speerpunten of those plans
            (e.g. the cleaned table); rows of other plans are ignored, and a plan's rows are counted once
            even when it is in both groups.
    Returns:
        ``plan_id`` (list, sorted), ``numerators`` and ``denominators`` (float arrays, one value per plan),
        ``in_a`` and ``in_b`` (bool arrays): the arguments of ``ivp.stats.difference_interval``.
    """
    kind, arg = parse_measure(measure, rollup=rollup)
    if kind == "national_priority_share" and not (themes and set(themes) <= set(theme_codes())):
        raise ValueError(f"maat {measure!r}: geef themes, themacodes uit het codeboek (kreeg {themes!r})")
    both = pd.concat([plans_a, plans_b]).drop_duplicates("plan_id").sort_values("plan_id", kind="stable")
    ids = pd.Index(both["plan_id"], name="plan_id")
    if kind in ("theme_share", "category_share", "theme_plan_share", "national_priority_share"):
        counts = speerpunt_counts_per_plan(speerpunten, ids, "thema", theme_codes())
        totals = counts.sum(axis=1).to_numpy(dtype=float)
        if kind in ("category_share", "national_priority_share"):
            codes = rollup_categories(rollup)[arg] if kind == "category_share" else list(themes)
            hits = counts[codes].sum(axis=1).to_numpy(dtype=float)
        else:
            hits = counts[arg].to_numpy(dtype=float)
        if kind == "theme_plan_share":
            numerators, denominators = (hits > 0).astype(float), np.ones(len(ids))
        else:
            numerators, denominators = hits, totals
    else:
        flag = (both["gezamenlijk"].fillna(False).astype(bool) if kind == "joint_plan_share"
                else both["burgerparticipatie"].fillna("") == "ja")
        numerators, denominators = flag.to_numpy(dtype=float), np.ones(len(ids))
    return {"plan_id": ids.tolist(), "numerators": numerators, "denominators": denominators,
            "in_a": ids.isin(plans_a["plan_id"]), "in_b": ids.isin(plans_b["plan_id"])}


def point_difference(numerators, denominators, in_a, in_b) -> dict:
    """The point estimates of per-plan arrays: ``value_a`` = sum of numerators / sum of denominators over
    the plans ``in_a`` (NaN when that sum is 0), ``value_b`` likewise, ``difference`` = a − b, and
    ``n_a``, ``n_b`` (plans in each group)."""
    num, den = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    values = []
    for mask in (np.asarray(in_a, dtype=bool), np.asarray(in_b, dtype=bool)):
        total = den[mask].sum()
        values.append(float(num[mask].sum() / total) if total > 0 else math.nan)
    return {"value_a": values[0], "value_b": values[1], "difference": values[0] - values[1],
            "n_a": int(np.sum(in_a)), "n_b": int(np.sum(in_b))}


# --- verdicts -----------------------------------------------------------------------------------

def _known(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _interval_known(ci) -> bool:
    return ci is not None and len(ci) == 2 and all(_known(v) for v in ci)


def trend_verdict(difference, ci95, n_a: int, n_b: int, *, direction: int = +1,
                  small_n: int = SMALL_N) -> tuple[str, str]:
    """The verdict on a claimed difference (``difference`` = a − b, claimed positive for ``direction`` +1,
    negative for -1), by the issue's rules in this order:

    1. ``niet_te_beoordelen`` when a side rests on fewer than ``small_n`` plans (or nothing to compute);
    2. ``ondersteund`` when ``ci95`` lies entirely on the claimed side of 0 (0 itself not included);
    3. ``niet_ondersteund`` when the point estimate is 0 or on the other side;
    4. otherwise ``niet_te_beoordelen``: the point estimate is on the claimed side but the interval
       straddles 0 (or there is none), so the sample cannot tell.

    Returns:
        (verdict, Dutch reason).
    """
    if direction not in (+1, -1):
        raise ValueError(f"direction moet +1 of -1 zijn, niet {direction!r}")
    side = "boven" if direction > 0 else "onder"
    if min(n_a, n_b) < small_n:
        return UNDECIDED, (f"Een van beide groepen rust op minder dan {small_n} plannen ({n_a} en {n_b}): "
                           "te weinig om een verschil te beoordelen.")
    if not _known(difference):
        return UNDECIDED, "Het verschil is niet te berekenen."
    signed = direction * difference
    if _interval_known(ci95) and min(direction * ci95[0], direction * ci95[1]) > 0:
        return SUPPORTED, f"Het 95%-interval van het verschil ligt geheel {side} 0."
    if signed == 0:
        return NOT_SUPPORTED, "Het verschil is 0: er is geen verschil in de beweerde richting."
    if signed < 0:
        return NOT_SUPPORTED, "Het verschil wijst de andere kant op dan beweerd."
    if not _interval_known(ci95):
        return UNDECIDED, ("Het verschil wijst de beweerde kant op, maar er is geen interval: "
                           "de steekproef kan het niet uitmaken.")
    return UNDECIDED, ("Het verschil wijst de beweerde kant op, maar het 95%-interval omvat 0: "
                       "de steekproef kan het niet uitmaken.")


def ranking_verdict(shares: dict, named: list) -> tuple[str, str]:
    """The verdict on "the ``named`` categories are the largest".

    Args:
        shares: category label -> ``(value, [low, high])``.
        named: the labels claimed to be the largest (each must be in ``shares``).
    Returns:
        (verdict, Dutch reason): ``niet_ondersteund`` when another category's point estimate is larger
        than one of the named; ``ondersteund`` when the named are the largest and every named lower bound
        lies above the upper bound of the next category (the largest other one; with no other category the
        named are the largest by definition); otherwise ``niet_te_beoordelen`` (intervals overlap, a tie,
        or a figure or interval is missing).
    """
    missing = [label for label in named if label not in shares]
    if missing or not named:
        raise ValueError(f"genoemde categorieën ontbreken in de aandelen: {', '.join(map(str, missing)) or '(geen)'}")
    if not all(_known(shares[label][0]) for label in named):
        return UNDECIDED, "Niet voor elke genoemde categorie is een aandeel te berekenen."
    others = {label: v for label, v in shares.items() if label not in named and _known(v[0])}
    smallest = min(named, key=lambda label: shares[label][0])
    larger = [label for label, (value, _) in others.items() if value > shares[smallest][0]]
    if larger:
        top = max(larger, key=lambda label: others[label][0])
        return NOT_SUPPORTED, (f"{top} ({pct(others[top][0])}) is groter dan {smallest} "
                               f"({pct(shares[smallest][0])}).")
    if not others:
        return SUPPORTED, "Er is geen andere categorie."
    nxt = max(others, key=lambda label: others[label][0])
    names = _and([str(label) for label in named])
    if not (_interval_known(others[nxt][1]) and all(_interval_known(shares[label][1]) for label in named)):
        return UNDECIDED, f"{names} zijn het grootst, maar niet elk aandeel heeft een interval."
    if min(shares[label][1][0] for label in named) > others[nxt][1][1]:
        return SUPPORTED, (f"De ondergrens van het 95%-interval van {names} ligt boven de bovengrens van dat "
                           f"van de volgende categorie, {nxt}.")
    return UNDECIDED, (f"{names} zijn het grootst, maar hun 95%-intervallen overlappen met dat van de volgende "
                       f"categorie, {nxt}: de steekproef kan de volgorde niet vaststellen.")


def combine_verdicts(verdicts) -> str:
    """One verdict for a claim tested on several measures or groups: ``ondersteund`` when every part is,
    ``niet_ondersteund`` when any part is, otherwise ``niet_te_beoordelen``."""
    verdicts = list(verdicts)
    if verdicts and all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    return NOT_SUPPORTED if NOT_SUPPORTED in verdicts else UNDECIDED


# --- the claims as sentences --------------------------------------------------------------------

def points(difference, digits: int = 1) -> str:
    """A difference of fractions in procentpunten: ``0.032`` -> ``"+3,2 procentpunt"``; missing -> ``"–"``."""
    if not _known(difference):
        return "–"
    sign = "+" if difference > 0 else ""
    return f"{sign}{number(difference * 100, digits)} procentpunt"


def points_interval(ci, digits: int = 1) -> str:
    """``[-0.05, 0.03]`` -> ``"-5,0 tot +3,0 procentpunt"``; missing -> ``"–"``."""
    if not _interval_known(ci):
        return "–"
    return f"{points(ci[0], digits).removesuffix(' procentpunt')} tot {points(ci[1], digits)}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def trend_claim(claim_id: str, claim: str, measure: str, a: dict, b: dict, difference: dict, *,
                direction: int = +1, note: str = "") -> dict:
    """A trend claim tested: the verdict of ``trend_verdict`` and a Dutch sentence with the figures.

    Args:
        claim_id, claim: the claim's id and its Dutch text (as the CCV wrote it).
        measure: the measure key (e.g. ``joint_plan_share``); a key ``plan_arrays`` knows gets its Dutch
            label from ``measure_label``, any other is shown as it is.
        a, b: ``{"group", "value", "ci95", "n"}`` (``n``: plans of the group) for the two sides.
        difference: ``{"difference", "ci95"}`` of a − b (e.g. from ``ivp.stats.difference_interval``).
        note: a Dutch sentence to add (e.g. ``PARTICIPATION_NOTE``).
    Returns:
        ``{id, claim, measure, groups: [a, b], verdict, explanation}``.
    """
    verdict, reason = trend_verdict(difference.get("difference"), difference.get("ci95"), a["n"], b["n"],
                                    direction=direction)
    try:
        label = measure_label(measure)
    except ValueError:
        label = measure
    text = (f"{label[0].upper()}{label[1:]}: {share_with_ci(a['value'], a.get('ci95'))} in "
            f"{group_name(a['group'])} ({count(a['n'], 'plan', 'plannen')}) tegen "
            f"{share_with_ci(b['value'], b.get('ci95'))} in {group_name(b['group'])} "
            f"({count(b['n'], 'plan', 'plannen')}); verschil {points(difference.get('difference'))}")
    if _interval_known(difference.get("ci95")):
        text += f" (95%-BI {points_interval(difference['ci95'])})"
    text += f". {reason} Oordeel: {VERDICT_NL[verdict]}."
    if note:
        text += f" {note}"
    return {"id": claim_id, "claim": claim, "measure": measure, "groups": [a["group"], b["group"]],
            "verdict": verdict, "explanation": text}


def ranking_claim(claim_id: str, claim: str, measure: str, group: str, shares: dict, named: list) -> dict:
    """A ranking claim tested in one group: ``ranking_verdict`` and a Dutch sentence naming the named
    categories and the next one with their shares and intervals.

    Args:
        measure: e.g. ``category_share``; group: the group key (``"2020/grote_gemeenten"``);
        shares, named: as ``ranking_verdict``.
    Returns:
        ``{id, claim, measure, groups: [group], verdict, explanation}``.
    """
    verdict, reason = ranking_verdict(shares, named)
    ranked = sorted(shares, key=lambda label: -shares[label][0] if _known(shares[label][0]) else math.inf)
    shown = list(named) + [label for label in ranked if label not in named][:1]
    figures = _and([f"{label.lower()} {share_with_ci(*shares[label])}" for label in shown])
    text = f"In {group_name(group)}: {figures}. {reason} Oordeel: {VERDICT_NL[verdict]}."
    return {"id": claim_id, "claim": claim, "measure": measure, "groups": [group], "verdict": verdict,
            "explanation": text}


# --- paired view --------------------------------------------------------------------------------

VWL = "Veilige woon- en leefomgeving"
PAIRED_PROPERTIES = (f"{THEME_PREFIX}OND", f"{CATEGORY_PREFIX}{VWL}", f"{THEME_PREFIX}CYB")
PAIRED_TEST_SHORT = "exacte McNemar-toets"
PAIRED_TEST = f"{PAIRED_TEST_SHORT} (tweezijdige binomiaaltoets op de gemeenten die veranderden)"
PAIRED_NOTE = (
    "Een gemeente telt de speerpunten van elk plan dat haar dekt (eigen, gezamenlijk of regionaal plan) en telt "
    "als 'gezamenlijk' als minstens één van haar plannen gezamenlijk is. De toets behandelt de gemeenten als "
    "onafhankelijk, maar gemeenten in één gezamenlijk plan veranderen samen: de p-waarde is daardoor aan de lage "
    "kant."
)


def transition_counts(before, after) -> dict:
    """Counts of paired booleans: ``kept`` (true, true), ``gained`` (false, true), ``lost`` (true, false),
    ``neither`` (false, false)."""
    was, now = np.asarray(before, dtype=bool), np.asarray(after, dtype=bool)
    return {"kept": int((was & now).sum()), "gained": int((~was & now).sum()), "lost": int((was & ~now).sum()),
            "neither": int((~was & ~now).sum())}


def mcnemar_exact(gained: int, lost: int) -> float | None:
    """Two-sided exact McNemar p-value: binomial test of ``gained`` out of ``gained + lost`` against 1/2;
    None when nothing changed."""
    n = gained + lost
    return float(binomtest(gained, n, 0.5).pvalue) if n else None


def p_text(p) -> str:
    """``"p = 0,227"``, ``"p < 0,001"``; ``"geen toets (niemand veranderde)"`` for None."""
    if p is None:
        return "geen toets (geen gemeente veranderde)"
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"


def _property_label(column: str) -> tuple[str, str]:
    """(label, phrase) of a property column: ``thema_OND`` -> ("ondermijning", "op ondermijning")."""
    if column.startswith(THEME_PREFIX):
        labels = {t["code"]: t["label_nl"].lower() for t in codebook()["themes"]}
        label = labels[column[len(THEME_PREFIX):]]
        return label, f"op {label}"
    if column.startswith(CATEGORY_PREFIX):
        label = column[len(CATEGORY_PREFIX):].lower()
        return label, f"in de categorie {label}"
    raise ValueError(f"eigenschap {column!r}: verwacht {THEME_PREFIX}<CODE> of {CATEGORY_PREFIX}<categorie>")


def _verb(n: int, singular: str, plural: str) -> str:
    """The Dutch verb form for ``n`` municipalities: ``_verb(1, "kreeg", "kregen")`` -> ``"kreeg"``."""
    return singular if n == 1 else plural


def paired_view(before: Scope, after: Scope, properties=PAIRED_PROPERTIES, *, rollup: str | None = None) -> dict:
    """The municipalities with a plan in force in both scopes, and how their speerpunten and joint plans changed.

    Args:
        before, after: the scopes of the two peiljaren (``ivp.analysis.measures.select_scope``; same cohort), whose
            covered municipalities are ``analysis.covered_municipalities(scope.gemeenten, scope.cohort)``.
        properties: columns of ``municipalities.municipality_properties``: ``thema_<CODE>`` or
            ``categorie_<label>`` (default: ondermijning, the VWL category, cybercrime).
        rollup: codebook roll-up for the categories.
    Returns:
        ``peiljaren`` [before, after], ``cohort``, ``n_municipalities``, ``municipality_codes`` (sorted),
        ``properties`` {column: {``label``, ``kept``, ``gained``, ``lost``, ``neither``, ``p_value`` (exact
        McNemar on gained vs lost, None when none changed), ``sentence``}}, ``joint`` {``stayed_own``,
        ``own_to_joint``, ``joint_to_own``, ``stayed_joint``, ``p_value``, ``sentence``}, ``test``,
        ``toelichting`` (Dutch) and ``indicatief`` (fewer than ``SMALL_N`` municipalities).
    """
    both = sorted(set(covered_municipalities(before.gemeenten, before.cohort))
                  & set(covered_municipalities(after.gemeenten, after.cohort)))
    tables = [municipality_properties(s.plans, s.gemeenten, s.speerpunten, both, rollup=rollup)
              for s in (before, after)]
    n = len(both)
    prefix = (f"Van de {count(n, 'gemeente', 'gemeenten')} met een plan in zowel peiljaar {before.peiljaar} "
              f"als {after.peiljaar}")
    out = {}
    for column in properties:
        label, phrase = _property_label(column)
        c = transition_counts(tables[0][column], tables[1][column])
        p = mcnemar_exact(c["gained"], c["lost"])
        sentence = (f"{prefix} {_verb(c['kept'], 'had', 'hadden')} er {c['kept']} in beide een speerpunt {phrase}; "
                    f"{c['gained']} {_verb(c['gained'], 'kreeg', 'kregen')} er een bij, {c['lost']} "
                    f"{_verb(c['lost'], 'verloor', 'verloren')} het en {c['neither']} "
                    f"{_verb(c['neither'], 'had', 'hadden')} het in geen van beide ({PAIRED_TEST_SHORT}: {p_text(p)}).")
        out[column] = {"label": label, **c, "p_value": p, "sentence": sentence}
    joint = transition_counts(tables[0][JOINT], tables[1][JOINT])
    p = mcnemar_exact(joint["gained"], joint["lost"])
    joint_out = {"stayed_own": joint["neither"], "own_to_joint": joint["gained"], "joint_to_own": joint["lost"],
                 "stayed_joint": joint["kept"], "p_value": p}
    joint_out["sentence"] = (
        f"{prefix} {_verb(joint['gained'], 'ging', 'gingen')} er {joint['gained']} van een eigen naar een "
        f"gezamenlijk plan en {joint['lost']} van een gezamenlijk naar een eigen plan; {joint['kept']} "
        f"{_verb(joint['kept'], 'bleef', 'bleven')} in een gezamenlijk plan en {joint['neither']} "
        f"{_verb(joint['neither'], 'hield', 'hielden')} een eigen plan ({PAIRED_TEST_SHORT}: {p_text(p)}).")
    return {"peiljaren": [before.peiljaar, after.peiljaar], "cohort": before.cohort, "n_municipalities": n,
            "municipality_codes": both, "properties": out, "joint": joint_out, "test": PAIRED_TEST,
            "toelichting": PAIRED_NOTE, "indicatief": n < SMALL_N}


# --- published figures beside ours ----------------------------------------------------------------

BASE_NAMES = {"speerpunten": "speerpunten", "plannen": "plannen", "gemeenten": "gemeenten",
              "enquete_respondenten": "respondenten van een enquête"}


def published_sentence(row: dict) -> str:
    """A Dutch sentence for one row of ``ivp.reference.published.published_beside_ours``: the published figure with
    its source, year and base (in the source's own words when it gave no exact number), ours with its
    interval and whether the published figure lies inside it, then the row's note on the base difference."""
    base = BASE_NAMES.get(row["base"], row["base"])
    is_count = row.get("unit") == "aantal"
    published = (f"{number(row['published'], 0)} {base}" if is_count
                 else pct(row["published"], 0 if row["published"] == round(row["published"], 2) else 1))
    if row.get("published_text"):
        published = f"{row['published_text']} (hier {published})"
    text = f"{row['source']}, {row['year']} (grondslag: {base}): {published}. "
    if row.get("ours") is None:
        text += ("ivp heeft hier geen vergelijkbaar cijfer." if not row.get("ours_measure") else
                 "Het vergelijkbare cijfer van ivp ontbreekt (die taak of maat is niet berekend).")
    else:
        ours = f"{number(row['ours'], 0)} {base}" if is_count else share_with_ci(row["ours"], row.get("ci95"))
        text += f"ivp, peiljaar {row['peiljaar']}: {ours}"
        if row.get("inside") is not None:
            text += (", het gepubliceerde cijfer ligt binnen het interval" if row["inside"]
                     else ", het gepubliceerde cijfer ligt buiten het interval")
        text += "."
    return f"{text} {row['note']}"
