"""Comparisons (``ivp.analysis.comparison``) on a tiny fixture computed by hand.

Plans (2020 codes; cohorts from the reference lists), peiljaren 2020 and 2024:

- ``p1`` Amsterdam (G4) alone, 2019-2022, participation nee; speerpunten VWL, OND;
- ``p2`` Amsterdam alone, 2023-2026, participation ja; VWL, CYB;
- ``p3`` Zwolle (G40) + Aa en Hunze (P10), joint, 2020-2024: in force in both peiljaren and in both the
  grote and the kleinere gemeenten; participation onbekend; OND, JEU, ZOR;
- ``p4`` Diemen (overig) alone, 2019-2022, participation ja; VWL;
- ``p5`` Diemen + Amsterdam, joint, 2023-2026, participation nee; OND;
- ``p6`` Rotterdam (G4) alone, no period (out of every peiljaar scope); VWL.

By hand: 2020 = {p1, p3, p4}, 2024 = {p2, p3, p5}; grote gemeenten 2024 = {p2, p3, p5}, kleinere 2024 =
{p3, p5}. Speerpunten per plan: p1 2, p2 2, p3 3, p4 1, p5 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ivp.analysis.comparison import (
    NOT_SUPPORTED,
    PARTICIPATION_NOTE,
    SUPPORTED,
    UNDECIDED,
    combine_verdicts,
    group_codes,
    group_name,
    group_plan_ids,
    mcnemar_exact,
    measure_label,
    p_text,
    paired_view,
    parse_measure,
    plan_arrays,
    point_difference,
    points,
    points_interval,
    published_sentence,
    ranking_claim,
    ranking_verdict,
    transition_counts,
    trend_claim,
    trend_verdict,
)
from ivp.analysis.measures import select_scope
from ivp.inputs.clean import Cleaned
from ivp.reference.municipalities import membership

AMS, ZWO, AEH, DIE, ROT = "GM0363", "GM0193", "GM1680", "GM0384", "GM0599"
VWL = "Veilige woon- en leefomgeving"
PLANS = [  # plan_id, codes, joint, start, end, participation, themes
    ("p1", [AMS], False, 2019, 2022, "nee", ["VWL", "OND"]),
    ("p2", [AMS], False, 2023, 2026, "ja", ["VWL", "CYB"]),
    ("p3", [ZWO, AEH], True, 2020, 2024, "onbekend", ["OND", "JEU", "ZOR"]),
    ("p4", [DIE], False, 2019, 2022, "ja", ["VWL"]),
    ("p5", [DIE, AMS], True, 2023, 2026, "nee", ["OND"]),
    ("p6", [ROT], False, None, None, "onbekend", ["VWL"]),
]


def cohort_flags(frame: pd.DataFrame, codes_per_row) -> pd.DataFrame:
    table = membership()
    for cohort in table.columns:
        frame[f"cohort_{cohort}"] = [bool(table.loc[codes, cohort].any()) for codes in codes_per_row]
    return frame


@pytest.fixture(scope="module")
def data() -> Cleaned:
    plans = pd.DataFrame({
        "plan_id": [p[0] for p in PLANS], "gezamenlijk": [p[2] for p in PLANS],
        "periode_start": pd.array([p[3] for p in PLANS], dtype="Int64"),
        "periode_eind": pd.array([p[4] for p in PLANS], dtype="Int64"),
        "burgerparticipatie": [p[5] for p in PLANS]})
    plans = cohort_flags(plans, [p[1] for p in PLANS])
    links = [(p[0], code) for p in PLANS for code in p[1]]
    gemeenten = cohort_flags(pd.DataFrame({"plan_id": [pid for pid, _ in links], "code": [c for _, c in links]}),
                             [[c] for _, c in links])
    rows = [(p[0], i + 1, theme) for p in PLANS for i, theme in enumerate(p[6])]
    speerpunten = pd.DataFrame({"plan_id": [r[0] for r in rows], "volgnummer": [r[1] for r in rows],
                                "thema": [r[2] for r in rows], "thema_2": "", "niveau": "lokaal",
                                "bron_rij": range(2, len(rows) + 2)})
    return Cleaned(plans, gemeenten, speerpunten, pd.DataFrame())


@pytest.fixture(scope="module")
def scopes(data):
    return select_scope(data, "nationaal", 2020), select_scope(data, "nationaal", 2024)


def grote_kleinere_2024(data, scopes):
    plans = scopes[1].plans
    return (plans[plans["plan_id"].isin(group_plan_ids(plans, "grote_gemeenten"))],
            plans[plans["plan_id"].isin(group_plan_ids(plans, "kleinere_gemeenten"))])


# --- groups -------------------------------------------------------------------------------------

def test_groups_by_cohort_a_joint_plan_of_a_large_and_a_small_municipality_is_in_both(data, scopes):
    assert group_plan_ids(data, "grote_gemeenten") == ["p1", "p2", "p3", "p5", "p6"]
    assert group_plan_ids(data, "kleinere_gemeenten") == ["p3", "p4", "p5"]
    assert group_plan_ids(scopes[1], "grote_gemeenten") == ["p2", "p3", "p5"]
    assert group_plan_ids(scopes[1].plans, "kleinere_gemeenten") == ["p3", "p5"]
    assert group_plan_ids(data, "P10") == ["p3"]
    assert group_codes(scopes[1].gemeenten, "grote_gemeenten") == [ZWO, AMS]
    assert group_codes(scopes[1].gemeenten, "kleinere_gemeenten") == [DIE, AEH]  # sorted codes


def test_an_unknown_group_is_refused(data):
    with pytest.raises(ValueError, match="groep 'middelgroot' is onbekend; kies uit grote_gemeenten"):
        group_plan_ids(data, "middelgroot")


def test_group_names_are_dutch():
    assert group_name("2024/nationaal") == "alle gemeenten (nationaal), peiljaar 2024"
    assert group_name("2020/kleinere_gemeenten") == "kleinere gemeenten (P10 en overige gemeenten), peiljaar 2020"


# --- per-plan arrays ----------------------------------------------------------------------------

def arrays(measure, a, b, data):
    return plan_arrays(measure, a, b, data.speerpunten)


def test_the_arrays_cover_the_union_once_with_a_plan_in_force_in_both_peiljaren(data, scopes):
    out = arrays(f"category_share:{VWL}", scopes[1].plans, scopes[0].plans, data)  # a = 2024, b = 2020
    assert out["plan_id"] == ["p1", "p2", "p3", "p4", "p5"]
    assert out["in_a"].tolist() == [False, True, True, False, True]
    assert out["in_b"].tolist() == [True, False, True, True, False]  # p3 in both
    assert out["numerators"].tolist() == [1, 1, 1, 1, 0]  # VWL + ZOR
    assert out["denominators"].tolist() == [2, 2, 3, 1, 1]
    diff = point_difference(out["numerators"], out["denominators"], out["in_a"], out["in_b"])
    assert diff["value_a"] == pytest.approx(2 / 6) and diff["value_b"] == pytest.approx(3 / 6)
    assert diff["difference"] == pytest.approx(-1 / 6)
    assert (diff["n_a"], diff["n_b"]) == (3, 3)


@pytest.mark.parametrize("measure, numerators, denominators, a, b", [
    ("theme_share:OND", [1, 0, 1, 0, 1], [2, 2, 3, 1, 1], 2 / 6, 2 / 6),
    ("theme_plan_share:CYB", [0, 1, 0, 0, 0], [1, 1, 1, 1, 1], 1 / 3, 0),
    ("joint_plan_share", [0, 0, 1, 0, 1], [1, 1, 1, 1, 1], 2 / 3, 1 / 3),
    ("participation_at_least", [0, 1, 0, 1, 0], [1, 1, 1, 1, 1], 1 / 3, 1 / 3),  # onbekend counts as not
])
def test_the_arrays_of_every_measure_by_hand(data, scopes, measure, numerators, denominators, a, b):
    out = arrays(measure, scopes[1].plans, scopes[0].plans, data)
    assert out["numerators"].tolist() == numerators
    assert out["denominators"].tolist() == denominators
    diff = point_difference(out["numerators"], out["denominators"], out["in_a"], out["in_b"])
    assert (diff["value_a"], diff["value_b"]) == (pytest.approx(a), pytest.approx(b))


def test_the_national_priority_share_counts_the_agenda_themes(data, scopes):
    out = plan_arrays("national_priority_share", scopes[1].plans, scopes[0].plans, data.speerpunten,
                      themes=["OND", "CYB"])
    assert out["numerators"].tolist() == [1, 1, 1, 0, 1]  # p1 OND, p2 CYB, p3 OND, p4 -, p5 OND
    diff = point_difference(out["numerators"], out["denominators"], out["in_a"], out["in_b"])
    assert (diff["value_a"], diff["value_b"]) == (pytest.approx(3 / 6), pytest.approx(2 / 6))
    with pytest.raises(ValueError, match="geef themes"):
        plan_arrays("national_priority_share", scopes[1].plans, scopes[0].plans, data.speerpunten)


def test_a_joint_plan_in_two_cohorts_is_one_plan_in_both_groups(data, scopes):
    grote, kleinere = grote_kleinere_2024(data, scopes)
    out = arrays("joint_plan_share", grote, kleinere, data)
    assert out["plan_id"] == ["p2", "p3", "p5"]
    assert out["in_a"].tolist() == [True, True, True]
    assert out["in_b"].tolist() == [False, True, True]
    diff = point_difference(out["numerators"], out["denominators"], out["in_a"], out["in_b"])
    assert diff["difference"] == pytest.approx(2 / 3 - 1)


def test_speerpunten_listed_twice_for_a_plan_in_both_scopes_count_once(data, scopes):
    doubled = pd.concat([scopes[0].speerpunten, scopes[1].speerpunten])  # p3's rows twice
    out = plan_arrays("theme_share:OND", scopes[1].plans, scopes[0].plans,
                      doubled.drop_duplicates(["plan_id", "volgnummer"]))
    assert out["denominators"].tolist() == [2, 2, 3, 1, 1]


def test_an_empty_side_has_no_value():
    out = point_difference([1.0], [2.0], [True], [False])
    assert out["value_a"] == 0.5 and math.isnan(out["value_b"]) and math.isnan(out["difference"])


@pytest.mark.parametrize("measure, message", [
    ("theme_share:XYZ", "'XYZ' is geen themacode"), ("category_share:Drugs", "'Drugs' is geen categorie"),
    ("aantal_plannen", "maat 'aantal_plannen' is onbekend"), ("joint_plan_share:OND", "heeft geen argument"),
])
def test_an_unknown_measure_is_refused(measure, message):
    with pytest.raises(ValueError, match=message):
        parse_measure(measure)


def test_measures_have_dutch_labels():
    assert measure_label("theme_share:OND") == "aandeel speerpunten op ondermijning"
    assert measure_label(f"category_share:{VWL}") == "aandeel speerpunten in de categorie veilige woon- en leefomgeving"
    assert measure_label("participation_at_least").endswith("(ondergrens)")


# --- trend verdicts -----------------------------------------------------------------------------

def test_trend_supported_when_the_interval_lies_above_zero():
    assert trend_verdict(0.10, [0.02, 0.18], 20, 25) == (SUPPORTED, "Het 95%-interval van het verschil ligt "
                                                                    "geheel boven 0.")
    assert trend_verdict(-0.10, [-0.18, -0.02], 20, 25, direction=-1)[0] == SUPPORTED


def test_trend_not_supported_when_the_point_estimate_is_zero_or_on_the_other_side():
    assert trend_verdict(0.0, [-0.1, 0.1], 20, 20) == (
        NOT_SUPPORTED, "Het verschil is 0: er is geen verschil in de beweerde richting.")
    assert trend_verdict(-0.03, [-0.12, 0.06], 40, 30) == (
        NOT_SUPPORTED, "Het verschil wijst de andere kant op dan beweerd.")
    assert trend_verdict(-0.10, [-0.18, -0.02], 20, 25)[0] == NOT_SUPPORTED  # clearly the other way
    assert trend_verdict(0.05, [0.01, 0.09], 20, 20, direction=-1)[0] == NOT_SUPPORTED


def test_trend_cannot_tell_when_the_interval_straddles_zero():
    verdict, reason = trend_verdict(0.03, [-0.05, 0.11], 20, 20)
    assert verdict == UNDECIDED and "het 95%-interval omvat 0: de steekproef kan het niet uitmaken" in reason
    assert trend_verdict(0.03, [0.0, 0.11], 20, 20)[0] == UNDECIDED  # touching 0 is not "entirely above"
    assert trend_verdict(0.03, None, 20, 20)[0] == UNDECIDED
    assert trend_verdict(0.03, [float("nan"), 0.1], 20, 20)[0] == UNDECIDED


def test_trend_small_samples_come_first():
    verdict, reason = trend_verdict(0.30, [0.20, 0.40], 9, 30)
    assert verdict == UNDECIDED
    assert reason == ("Een van beide groepen rust op minder dan 10 plannen (9 en 30): te weinig om een verschil te "
                      "beoordelen.")
    assert trend_verdict(-0.30, [-0.4, -0.2], 30, 9)[0] == UNDECIDED  # even when clearly the other way
    assert trend_verdict(0.30, [0.20, 0.40], 10, 10)[0] == SUPPORTED


def test_trend_without_a_difference_cannot_be_judged():
    assert trend_verdict(float("nan"), None, 20, 20) == (UNDECIDED, "Het verschil is niet te berekenen.")
    with pytest.raises(ValueError, match="direction moet"):
        trend_verdict(0.1, [0.0, 0.2], 20, 20, direction=2)


def test_a_trend_claim_states_the_figures_with_their_intervals():
    a = {"group": "2024/nationaal", "value": 0.316, "ci95": [0.25, 0.38], "n": 60}
    b = {"group": "2020/nationaal", "value": 0.418, "ci95": [0.35, 0.48], "n": 50}
    claim = trend_claim("woonomgeving_daalt", "De woonomgeving daalt", f"category_share:{VWL}", a, b,
                        {"difference": -0.102, "ci95": [-0.19, -0.01]}, direction=-1)
    assert claim["verdict"] == SUPPORTED and claim["groups"] == ["2024/nationaal", "2020/nationaal"]
    assert claim["explanation"] == (
        "Aandeel speerpunten in de categorie veilige woon- en leefomgeving: 31,6% (95%-BI 25,0–38,0%) in alle "
        "gemeenten (nationaal), peiljaar 2024 (60 plannen) tegen 41,8% (95%-BI 35,0–48,0%) in alle gemeenten "
        "(nationaal), peiljaar 2020 (50 plannen); verschil -10,2 procentpunt (95%-BI -19,0 tot -1,0 procentpunt). "
        "Het 95%-interval van het verschil ligt geheel onder 0. Oordeel: ondersteund.")


def test_the_participation_claim_says_what_the_unknowns_do():
    side = {"value": 0.2, "ci95": [0.1, 0.3], "n": 30}
    claim = trend_claim("burgerparticipatie_neemt_toe", "...", "participation_at_least",
                        {**side, "group": "2024/nationaal"}, {**side, "group": "2020/nationaal"},
                        {"difference": 0.0, "ci95": [-0.1, 0.1]}, note=PARTICIPATION_NOTE)
    assert claim["verdict"] == NOT_SUPPORTED
    assert claim["explanation"].endswith(PARTICIPATION_NOTE) and "ondergrens" in PARTICIPATION_NOTE


def test_points_are_procentpunten():
    assert points(0.032) == "+3,2 procentpunt" and points(-0.1) == "-10,0 procentpunt" and points(None) == "–"
    assert points_interval([-0.05, 0.03]) == "-5,0 tot +3,0 procentpunt"
    assert points_interval(None) == "–"


# --- ranking verdicts ---------------------------------------------------------------------------

SEPARATED = {VWL: (0.40, [0.34, 0.46]), "Ondermijning": (0.28, [0.22, 0.33]),
             "Jeugd en veiligheid": (0.10, [0.06, 0.15]), "Fysieke veiligheid": (0.05, [0.02, 0.08])}


def test_ranking_supported_when_the_named_intervals_lie_above_the_next_one():
    verdict, reason = ranking_verdict(SEPARATED, [VWL, "Ondermijning"])
    assert verdict == SUPPORTED
    assert reason == ("De ondergrens van het 95%-interval van Veilige woon- en leefomgeving en Ondermijning ligt "
                      "boven de bovengrens van dat van de volgende categorie, Jeugd en veiligheid.")
    assert ranking_verdict(SEPARATED, [VWL])[0] == SUPPORTED


def test_ranking_not_supported_when_another_category_is_larger():
    data = {**SEPARATED, "Jeugd en veiligheid": (0.30, [0.24, 0.36])}
    verdict, reason = ranking_verdict(data, [VWL, "Ondermijning"])
    assert verdict == NOT_SUPPORTED
    assert reason == "Jeugd en veiligheid (30,0%) is groter dan Ondermijning (28,0%)."


def test_ranking_cannot_tell_when_the_intervals_overlap():
    data = {**SEPARATED, "Jeugd en veiligheid": (0.20, [0.14, 0.27])}
    verdict, reason = ranking_verdict(data, [VWL, "Ondermijning"])
    assert verdict == UNDECIDED
    assert "overlappen met dat van de volgende categorie, Jeugd en veiligheid" in reason
    tie = {**SEPARATED, "Jeugd en veiligheid": (0.28, [0.22, 0.33])}
    assert ranking_verdict(tie, [VWL, "Ondermijning"])[0] == UNDECIDED
    no_interval = {**SEPARATED, "Jeugd en veiligheid": (0.10, None)}
    assert ranking_verdict(no_interval, [VWL, "Ondermijning"])[0] == UNDECIDED


def test_ranking_needs_the_named_categories():
    with pytest.raises(ValueError, match="ontbreken in de aandelen: Drugs"):
        ranking_verdict(SEPARATED, ["Drugs"])
    assert ranking_verdict({VWL: (float("nan"), None)}, [VWL])[0] == UNDECIDED


def test_a_ranking_claim_names_the_named_and_the_next_category():
    claim = ranking_claim("woonomgeving_grootste", "VWL krijgt meeste prioriteit", "category_share",
                          "2020/nationaal", SEPARATED, [VWL])
    assert claim["verdict"] == SUPPORTED and claim["groups"] == ["2020/nationaal"]
    assert claim["explanation"].startswith(
        "In alle gemeenten (nationaal), peiljaar 2020: veilige woon- en leefomgeving 40,0% (95%-BI 34,0–46,0%) en "
        "ondermijning 28,0% (95%-BI 22,0–33,0%). ")
    assert claim["explanation"].endswith("Oordeel: ondersteund.")


def test_verdicts_of_several_parts_combine():
    assert combine_verdicts([SUPPORTED, SUPPORTED]) == SUPPORTED
    assert combine_verdicts([SUPPORTED, UNDECIDED]) == UNDECIDED
    assert combine_verdicts([UNDECIDED, NOT_SUPPORTED, SUPPORTED]) == NOT_SUPPORTED
    assert combine_verdicts([]) == UNDECIDED


# --- paired view --------------------------------------------------------------------------------

def test_paired_counts_by_hand(scopes):
    view = paired_view(*scopes)
    assert view["peiljaren"] == ["2020", "2024"] and view["cohort"] == "nationaal"
    assert view["municipality_codes"] == sorted([AMS, ZWO, AEH, DIE]) and view["n_municipalities"] == 4
    ond, vwl, cyb = (view["properties"][k] for k in ("thema_OND", f"categorie_{VWL}", "thema_CYB"))
    # OND: Amsterdam (p1 -> p5), Zwolle and Aa en Hunze (p3) kept it; Diemen gained it through p5
    assert {k: ond[k] for k in ("kept", "gained", "lost", "neither")} == {"kept": 3, "gained": 1, "lost": 0,
                                                                            "neither": 0}
    # VWL category: Diemen lost it (p4 VWL -> p5 OND only); the others kept it (ZOR counts for Zwolle)
    assert {k: vwl[k] for k in ("kept", "gained", "lost", "neither")} == {"kept": 3, "gained": 0, "lost": 1,
                                                                            "neither": 0}
    assert {k: cyb[k] for k in ("kept", "gained", "lost", "neither")} == {"kept": 0, "gained": 1, "lost": 0,
                                                                            "neither": 3}
    assert ond["p_value"] == 1.0 and cyb["p_value"] == 1.0  # 1 of 1: 2 * 1/2
    # Amsterdam and Diemen went from an own plan to a joint one (p5); Zwolle and Aa en Hunze stayed in p3
    assert {k: view["joint"][k] for k in ("stayed_own", "own_to_joint", "joint_to_own", "stayed_joint")} == {
        "stayed_own": 0, "own_to_joint": 2, "joint_to_own": 0, "stayed_joint": 2}
    assert view["joint"]["p_value"] == 0.5  # 2 of 2: 2 * (1/2)^2
    assert view["indicatief"] is True


def test_paired_sentences_are_dutch_and_state_the_counts(scopes):
    view = paired_view(*scopes)
    assert view["properties"]["thema_OND"]["sentence"] == (
        "Van de 4 gemeenten met een plan in zowel peiljaar 2020 als 2024 hadden er 3 in beide een speerpunt op "
        "ondermijning; 1 kreeg er een bij, 0 verloren het en 0 hadden het in geen van beide (exacte McNemar-toets: "
        "p = 1,000).")
    assert view["properties"][f"categorie_{VWL}"]["sentence"].startswith(
        "Van de 4 gemeenten met een plan in zowel peiljaar 2020 als 2024 hadden er 3 in beide een speerpunt in de "
        "categorie veilige woon- en leefomgeving; 0 kregen er een bij, 1 verloor het en 0 hadden het")
    assert view["properties"][f"categorie_{VWL}"]["label"] == "veilige woon- en leefomgeving"
    assert view["joint"]["sentence"] == (
        "Van de 4 gemeenten met een plan in zowel peiljaar 2020 als 2024 gingen er 2 van een eigen naar een "
        "gezamenlijk plan en 0 van een gezamenlijk naar een eigen plan; 2 bleven in een gezamenlijk plan en 0 "
        "hielden een eigen plan (exacte McNemar-toets: p = 0,500).")
    assert "de p-waarde is daardoor aan de lage kant" in view["toelichting"]


def test_paired_view_of_a_cohort_counts_only_its_members(data):
    view = paired_view(select_scope(data, "G4", 2020), select_scope(data, "G4", 2024))
    assert view["municipality_codes"] == [AMS]  # Diemen is in p5 but not a G4 member; Rotterdam has no period
    assert view["joint"]["own_to_joint"] == 1


def test_transitions_and_the_exact_test_by_hand():
    assert transition_counts([True, True, False, False, True], [True, False, True, False, True]) == {
        "kept": 2, "gained": 1, "lost": 1, "neither": 1}
    # 8 gained against 3 lost: 2 * P(X <= 3), X ~ Bin(11, 1/2) = 2 * (1 + 11 + 55 + 165) / 2048
    assert mcnemar_exact(8, 3) == pytest.approx(2 * 232 / 2048)
    assert mcnemar_exact(3, 8) == pytest.approx(2 * 232 / 2048)
    assert mcnemar_exact(0, 0) is None
    assert p_text(None) == "geen toets (geen gemeente veranderde)"
    assert p_text(0.0004) == "p < 0,001" and p_text(np.float64(0.2265625)) == "p = 0,227"


# --- published figures as sentences ---------------------------------------------------------------

ROW = {"id": "x", "source": "CCV", "url": "https://example.org", "year": 2020, "base": "speerpunten",
       "published": 0.42, "ours_measure": f"categories.{VWL}.share", "ours": 0.418, "ci95": [0.36, 0.47],
       "inside": True, "note": "Zelfde grondslag.", "peiljaar": 2020, "unit": "aandeel", "published_text": None}


def test_a_published_figure_beside_ours_in_one_sentence():
    assert published_sentence(ROW) == ("CCV, 2020 (grondslag: speerpunten): 42%. ivp, peiljaar 2020: 41,8% "
                                       "(95%-BI 36,0–47,0%), het gepubliceerde cijfer ligt binnen het interval. "
                                       "Zelfde grondslag.")
    outside = published_sentence({**ROW, "ours": 0.2, "ci95": [0.15, 0.25], "inside": False})
    assert "het gepubliceerde cijfer ligt buiten het interval" in outside


def test_a_published_count_and_words_of_the_source():
    count_row = {**ROW, "unit": "aantal", "published": 381, "ours": 439, "ci95": None, "inside": None}
    assert published_sentence(count_row).startswith("CCV, 2020 (grondslag: speerpunten): 381 speerpunten. "
                                                    "ivp, peiljaar 2020: 439 speerpunten. ")
    survey = {**ROW, "base": "enquete_respondenten", "published": 0.5, "published_text": "bijna de helft",
              "ours": None, "ci95": None, "inside": None}
    assert published_sentence(survey).startswith(
        "CCV, 2020 (grondslag: respondenten van een enquête): bijna de helft (hier 50%). Het vergelijkbare cijfer "
        "van ivp ontbreekt")
    assert "ivp heeft hier geen vergelijkbaar cijfer." in published_sentence({**survey, "ours_measure": None})
