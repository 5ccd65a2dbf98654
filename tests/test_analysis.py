"""Scope selection and every figure of the analyses (ivp.analysis.measures), on tiny in-line inputs whose
figures are computed by hand below.

The input goes through the real cleaning stage (``ivp.inputs.clean.clean_input``), so the tables have exactly
the columns of docs/data-contract.md. Seven plans:

==== ============================ ===================== ============ =================================
plan municipalities               cohorts               period       speerpunten (thema/niveau)
==== ============================ ===================== ============ =================================
a1   Amsterdam                    G4                    2019-2022    VWL/l, OND/l, ZOR/l
a2   Amsterdam; Almere (joint)    G4, G40               2018-2021    OND/r, CYB/r
a3   Aa en Hunze                  P10                   2020-2023    JEU/l, VWL/l, FYS/o, OVR/l
a4   Alblasserdam                 overig                none         VWL/l, VWL/l
a5   Almere                       G40                   2022-2025    INT/l
a6   Alblasserdam                 overig                2019-?       BED/l
a7   Alblasserdam                 overig                2023-?       VWL/l
==== ============================ ===================== ============ =================================

Peiljaar 2020, nationaal: a1, a2, a3 in scope (9 speerpunten); a4 and a6 cannot be placed (excluded, no
period); a5 and a7 are known not to be in force (a7 starts after 2020). Overig 2020 is empty.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ivp.analysis.measures import (
    category_distribution,
    category_sensitivity,
    covered_municipalities,
    is_in,
    joint_plans,
    national_priorities,
    niveau_split,
    participation,
    period_status,
    plan_list,
    positions,
    sample_summary,
    select_scope,
    speerpunt_counts_per_plan,
    theme_distribution,
)
from ivp.errors import InvalidInput
from ivp.inputs.clean import clean_input
from ivp.reference.municipalities import municipalities, theme_codes

SEED = 20200525
PLAN_COLUMNS = ["plan_id", "titel", "gemeenten", "gezamenlijk", "periode_start", "periode_eind",
                "burgerparticipatie", "participatievormen", "bron_url", "bron_type", "zekerheid"]
PRIORITY_COLUMNS = ["plan_id", "volgnummer", "speerpunt", "niveau", "thema", "thema_2"]
VWL_CATEGORY = "Veilige woon- en leefomgeving"


def plan(plan_id, gemeenten, start="", end="", *, gezamenlijk="", participatie="onbekend", vormen="",
         zekerheid="hoog") -> dict:
    return {"plan_id": plan_id, "titel": f"Plan {plan_id}", "gemeenten": gemeenten, "gezamenlijk": gezamenlijk,
            "periode_start": start, "periode_eind": end, "burgerparticipatie": participatie,
            "participatievormen": vormen, "bron_url": f"https://example.org/{plan_id}", "bron_type": "plan",
            "zekerheid": zekerheid}


PLANS = [
    plan("a1", "Amsterdam", "2019", "2022", gezamenlijk="nee", participatie="ja", vormen="enquete;wijkraad"),
    plan("a2", "Amsterdam; Almere", "2018", "2021", zekerheid="midden"),
    plan("a3", "Aa en Hunze", "2020", "2023", gezamenlijk="nee", participatie="nee"),
    plan("a4", "Alblasserdam", participatie="ja", vormen="bijeenkomst"),
    plan("a5", "Almere", "2022", "2025"),
    plan("a6", "Alblasserdam", "2019", ""),
    plan("a7", "Alblasserdam", "2023", ""),
]
SPEERPUNTEN = {  # plan -> [(thema, niveau, thema_2)]
    "a1": [("VWL", "lokaal", ""), ("OND", "lokaal", ""), ("ZOR", "lokaal", "VWL")],
    "a2": [("OND", "regionaal", ""), ("CYB", "regionaal", "")],
    "a3": [("JEU", "lokaal", "OND"), ("VWL", "lokaal", ""), ("FYS", "onbekend", ""), ("OVR", "lokaal", "")],
    "a4": [("VWL", "lokaal", ""), ("VWL", "lokaal", "")],
    "a5": [("INT", "lokaal", "")],
    "a6": [("BED", "lokaal", "")],
    "a7": [("VWL", "lokaal", "")],
}


def priority_rows(spec: dict) -> list[dict]:
    return [{"plan_id": p, "volgnummer": str(i), "speerpunt": f"{p} speerpunt {i}", "niveau": niveau,
             "thema": thema, "thema_2": thema_2}
            for p, items in spec.items() for i, (thema, niveau, thema_2) in enumerate(items, start=1)]


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def cleaned_from(folder: Path, plans: list[dict], priorities: list[dict]):
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "plans.csv", plans, PLAN_COLUMNS)
    write_csv(folder / "speerpunten.csv", priorities, PRIORITY_COLUMNS)
    return clean_input(folder)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return cleaned_from(tmp_path_factory.mktemp("raw"), PLANS, priority_rows(SPEERPUNTEN))


def ids(scope) -> list[str]:
    return list(scope.plans["plan_id"])


# --- scope --------------------------------------------------------------------------------------

def test_unknown_cohort_is_refused_with_the_valid_cohorts(data):
    with pytest.raises(ValueError, match="cohort 'G5' is onbekend; kies uit nationaal, G4, G40, P10, overig"):
        select_scope(data, "G5", "2020")


def test_period_status_places_half_known_periods_only_when_the_known_year_decides(data):
    status = dict(zip(data.plans["plan_id"], period_status(data.plans, 2020)))
    assert status == {"a1": "in", "a2": "in", "a3": "in", "a4": "onbekend", "a5": "buiten",
                      "a6": "onbekend", "a7": "buiten"}
    status_2024 = dict(zip(data.plans["plan_id"], period_status(data.plans, 2024)))
    assert status_2024["a7"] == "onbekend" and status_2024["a5"] == "in" and status_2024["a1"] == "buiten"


def test_plan_in_force_in_its_first_and_last_year(data):
    assert "a3" in ids(select_scope(data, "P10", "2020"))  # 2020-2023 starts in the peiljaar
    assert "a3" in ids(select_scope(data, "P10", "2023"))  # and ends in 2023
    assert "a3" not in ids(select_scope(data, "P10", "2024"))


def test_national_2020_scope_counts_plans_without_period_as_excluded(data):
    scope = select_scope(data, "nationaal", "2020")
    assert ids(scope) == ["a1", "a2", "a3"]
    assert len(scope.speerpunten) == 9
    assert scope.n_excluded_no_period == 2  # a4 (no years), a6 (2019-?)
    assert scope.n_out_of_period == 2  # a5 (2022-2025), a7 (starts 2023)
    assert scope.n_cohort_plans == 7


def test_alle_applies_no_period_filter(data):
    scope = select_scope(data, "nationaal", "alle")
    assert len(scope.plans) == 7 and scope.n_excluded_no_period == 0
    assert scope.peiljaar == "alle"


def test_joint_plan_counts_in_every_cohort_of_its_members(data):
    assert ids(select_scope(data, "G4", "2020")) == ["a1", "a2"]
    assert ids(select_scope(data, "G40", "2020")) == ["a2"]


def test_cohort_without_plans_in_scope_gives_an_empty_scope_not_an_error(data):
    scope = select_scope(data, "overig", "2020")
    assert len(scope.plans) == 0 and len(scope.speerpunten) == 0
    assert scope.n_excluded_no_period == 2 and scope.n_out_of_period == 1


def test_uncoded_speerpunt_stops_the_analysis_naming_row_and_column(tmp_path):
    rows = priority_rows({"a1": [("VWL", "lokaal", "")]})
    cleaned = cleaned_from(tmp_path, PLANS[:1], rows)
    cleaned.speerpunten.loc[0, "thema"] = ""
    with pytest.raises(InvalidInput) as info:
        select_scope(cleaned, "nationaal", "alle")
    problem = info.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("speerpunten", 2, "thema")
    assert "codeer eerst" in problem.expected and "VWL" in problem.expected


# --- 1. sample ----------------------------------------------------------------------------------

def test_national_sample_counts_plans_speerpunten_and_municipalities(data):
    sample = sample_summary(select_scope(data, "nationaal", "2020"))
    assert sample["n_plans"] == 3 and sample["n_priorities"] == 9
    assert sample["municipality_codes"] == ["GM0034", "GM0363", "GM1680"]  # Almere, Amsterdam, Aa en Hunze
    assert sample["n_municipalities"] == 3
    assert sample["coverage"] == pytest.approx(3 / 355)
    assert sample["n_excluded_no_period"] == 2
    assert sample["zekerheid"] == {"hoog": 2, "midden": 1}
    assert sample["indicatief"] is True  # 3 plans < 10


def test_cohort_coverage_counts_only_member_municipalities(data):
    g4 = sample_summary(select_scope(data, "G4", "2020"))
    assert g4["municipality_codes"] == ["GM0363"]  # Almere (in joint plan a2) is not a G4 member
    assert g4["coverage"] == pytest.approx(1 / 4)
    g40 = sample_summary(select_scope(data, "G40", "2020"))
    assert g40["municipality_codes"] == ["GM0034"] and g40["coverage"] == pytest.approx(1 / 40)


def test_covered_municipalities_of_nationaal_include_every_code(data):
    assert covered_municipalities(data.plan_gemeenten, "nationaal") == ["GM0034", "GM0363", "GM0482", "GM1680"]


def test_plan_list_gives_the_number_of_speerpunten_per_plan(data):
    listing = plan_list(select_scope(data, "nationaal", "2020"))
    assert dict(zip(listing["plan_id"], listing["n_speerpunten"])) == {"a1": 3, "a2": 2, "a3": 4}


def test_empty_sample_has_zero_counts_and_no_coverage_share(data):
    sample = sample_summary(select_scope(data, "overig", "2020"))
    assert (sample["n_plans"], sample["n_priorities"], sample["n_municipalities"]) == (0, 0, 0)
    assert sample["coverage"] == 0.0 and sample["cohort_size"] == 355 - 4 - 40 - 22


# --- 2. themes ----------------------------------------------------------------------------------

def test_priorities_per_plan_counts_every_plan_and_level(data):
    scope = select_scope(data, "nationaal", "2020")
    counts = speerpunt_counts_per_plan(scope.speerpunten, scope.plan_ids, "thema", ["VWL", "OND", "BED"])
    assert counts.to_dict(orient="index") == {"a1": {"VWL": 1, "OND": 1, "BED": 0},
                                              "a2": {"VWL": 0, "OND": 1, "BED": 0},
                                              "a3": {"VWL": 1, "OND": 0, "BED": 0}}


def test_theme_counts_shares_and_plan_shares_by_hand(data):
    table = theme_distribution(select_scope(data, "nationaal", "2020"), seed=SEED, n_bootstrap=2000)
    assert list(table.index) == theme_codes()
    assert dict(table["n"]) == {"VWL": 2, "OND": 2, "ZOR": 1, "JEU": 1, "BED": 0, "FYS": 1, "INT": 0,
                                "CYB": 1, "OVR": 1}
    assert table.at["VWL", "share"] == pytest.approx(2 / 9)
    assert table.at["VWL", "plan_share"] == pytest.approx(2 / 3)  # a1 and a3
    assert table.at["CYB", "plan_share"] == pytest.approx(1 / 3)
    assert table.at["BED", "share"] == 0.0 and table.at["BED", "plan_share"] == 0.0
    assert table.at["OND", "n_thema_2"] == 1 and table.at["VWL", "n_thema_2"] == 1
    assert table.at["OND", "label"] == "Ondermijning"


def test_theme_intervals_contain_the_share(data):
    table = theme_distribution(select_scope(data, "nationaal", "alle"), seed=SEED, n_bootstrap=2000)
    for code, row in table.iterrows():
        assert row["ci_low"] <= row["share"] <= row["ci_high"], code
        assert row["ci_low"] < row["ci_high"], code  # also at share 0 (e.g. BED)
        assert row["wilson_low"] <= row["share"] <= row["wilson_high"], code
        assert row["cluster_low"] <= row["share"] <= row["cluster_high"], code
        assert row["plan_ci_low"] <= row["plan_share"] <= row["plan_ci_high"], code


def test_theme_intervals_are_the_same_for_the_same_seed(data):
    scope = select_scope(data, "nationaal", "alle")
    first = theme_distribution(scope, seed=SEED, n_bootstrap=2000)
    assert first.equals(theme_distribution(scope, seed=SEED, n_bootstrap=2000))


def test_default_categories_put_zor_under_veilige_woon_en_leefomgeving(data):
    table = category_distribution(select_scope(data, "nationaal", "2020"), seed=SEED, n_bootstrap=2000)
    assert table.at[VWL_CATEGORY, "themes"] == "VWL+ZOR"
    assert table.at[VWL_CATEGORY, "n"] == 3 and table.at[VWL_CATEGORY, "share"] == pytest.approx(3 / 9)
    assert table.at["Ondermijning", "share"] == pytest.approx(2 / 9)
    assert table.at[VWL_CATEGORY, "plan_share"] == pytest.approx(2 / 3)
    assert table["n"].sum() == 9


def test_category_sensitivity_shows_headline_under_each_rollup(data):
    table = category_sensitivity(select_scope(data, "nationaal", "2020"))
    assert table.at[VWL_CATEGORY, "ccv2020"] == pytest.approx(3 / 9)  # VWL + ZOR
    assert table.at[VWL_CATEGORY, "zor_apart"] == pytest.approx(2 / 9)
    assert table.at["Zorg en veiligheid", "zor_apart"] == pytest.approx(1 / 9)
    assert table.at[VWL_CATEGORY, "cyb_onder_vwl"] == pytest.approx(4 / 9)  # VWL + ZOR + CYB
    assert math.isnan(table.at["Cybercriminaliteit", "cyb_onder_vwl"])


def test_niveau_split_by_hand(data):
    table = niveau_split(select_scope(data, "nationaal", "2020"))
    assert dict(table["n"]) == {"lokaal": 6, "regionaal": 2, "onbekend": 1}
    assert table.at["regionaal", "share"] == pytest.approx(2 / 9)


def test_themes_of_an_empty_scope_are_zero_counts_with_unknown_shares(data):
    table = theme_distribution(select_scope(data, "overig", "2020"), seed=SEED, n_bootstrap=2000)
    assert (table["n"] == 0).all()
    assert table["share"].isna().all() and table["cluster_low"].isna().all() and table["wilson_low"].isna().all()


# 381 speerpunten built so that 160 fall in the VWL category (100 VWL + 60 ZOR) and 107 are OND:
# 160/381 = 42.0% and 107/381 = 28.1%, the CCV's published shares.
def ccv_like_input(folder: Path):
    codes = list(municipalities()["code"][:127])
    themes = ["VWL"] * 100 + ["ZOR"] * 60 + ["OND"] * 107 + ["JEU"] * 40 + ["BED"] * 20 + ["FYS"] * 20 \
        + ["INT"] * 14 + ["CYB"] * 15 + ["OVR"] * 5
    assert len(themes) == 381
    # deal the themes round-robin over 127 plans of 3 speerpunten, so plans differ in composition
    spec = {f"p{i:03d}": [] for i in range(127)}
    for k, thema in enumerate(themes):
        spec[f"p{k % 127:03d}"].append((thema, "lokaal", ""))
    plans = [plan(f"p{i:03d}", codes[i], "2019", "2022", gezamenlijk="nee") for i in range(127)]
    return cleaned_from(folder, plans, priority_rows(spec))


def test_ccv_sized_fixture_gives_42_0_and_28_1_percent(tmp_path):
    scope = select_scope(ccv_like_input(tmp_path), "nationaal", "2020")
    table = category_distribution(scope, seed=SEED, n_bootstrap=2000)
    assert len(scope.speerpunten) == 381
    assert table.at[VWL_CATEGORY, "n"] == 160 and table.at["Ondermijning", "n"] == 107
    assert round(100 * table.at[VWL_CATEGORY, "share"], 1) == 42.0
    assert round(100 * table.at["Ondermijning", "share"], 1) == 28.1
    assert table.at[VWL_CATEGORY, "cluster_low"] < 0.42 < table.at[VWL_CATEGORY, "cluster_high"]
    assert table.at[VWL_CATEGORY, "ci_low"] < 0.42 < table.at[VWL_CATEGORY, "ci_high"]


# --- 3. joint plans -----------------------------------------------------------------------------

def test_joint_plans_nationally_by_hand(data):
    joint = joint_plans(select_scope(data, "nationaal", "2020"))
    assert (joint["n"], joint["n_plans"]) == (1, 3) and joint["share"] == pytest.approx(1 / 3)
    assert joint["municipalities_in_joint_plans"] == 2 and joint["n_municipalities"] == 3
    assert joint["municipalities_share"] == pytest.approx(2 / 3)
    assert joint["sizes"] == {"2": 1} and joint["size_median"] == 2.0 and joint["size_max"] == 2
    low, high = joint["ci95_wilson"]
    assert low < 1 / 3 < high
    assert joint["ci95"] == pytest.approx([low, high]) and joint["ci95_methode"] == "wilson_designeffect"


def test_joint_plan_counts_for_each_cohort_with_only_its_members(data):
    g4 = joint_plans(select_scope(data, "G4", "2020"))
    assert (g4["n"], g4["n_plans"]) == (1, 2)
    assert g4["municipalities_in_joint_plans"] == 1  # Amsterdam; Almere is not G4
    g40 = joint_plans(select_scope(data, "G40", "2020"))
    assert (g40["n"], g40["n_plans"], g40["share"]) == (1, 1, 1.0)


def test_joint_plan_with_unknown_partners_counts_as_joint_but_not_in_sizes(tmp_path):
    plans = [plan("j1", "Almere", "2019", "2022", gezamenlijk="ja"),
             plan("j2", "Amsterdam; Almere; Aa en Hunze", "2019", "2022")]
    cleaned = cleaned_from(tmp_path, plans, priority_rows({"j1": [("VWL", "lokaal", "")],
                                                           "j2": [("OND", "lokaal", "")]}))
    joint = joint_plans(select_scope(cleaned, "nationaal", "2020"))
    assert joint["n"] == 2 and joint["n_partners_unknown"] == 1
    assert joint["sizes"] == {"3": 1}
    assert joint["sizes_indicatief"] is True


def test_joint_plans_of_an_empty_scope(data):
    joint = joint_plans(select_scope(data, "overig", "2020"))
    assert joint["n"] == 0 and math.isnan(joint["share"]) and joint["sizes"] == {}
    assert math.isnan(joint["ci95_wilson"][0]) and joint["size_max"] is None


# --- 4. participation ---------------------------------------------------------------------------

def test_participation_is_a_lower_bound_over_all_plans(data):
    result = participation(select_scope(data, "nationaal", "2020"))
    assert (result["n_yes"], result["n_no"], result["n_unknown"]) == (1, 1, 1)
    assert result["share_at_least"] == pytest.approx(1 / 3)  # not 1/2: unknown plans stay in the denominator
    assert result["n_known"] == 2 and result["share_among_known"] == pytest.approx(1 / 2)
    assert result["forms"] == {"enquete": 1, "burgerpanel": 0, "bijeenkomst": 0, "wijkraad": 1,
                               "meldpunt": 0, "overig": 0}


def test_participation_forms_count_plans_not_mentions(tmp_path):
    plans = [plan("f1", "Almere", participatie="ja", vormen="enquete;enquete;overig"),
             plan("f2", "Amsterdam", participatie="ja", vormen="enquete")]
    cleaned = cleaned_from(tmp_path, plans, priority_rows({"f1": [("VWL", "lokaal", "")],
                                                           "f2": [("VWL", "lokaal", "")]}))
    forms = participation(select_scope(cleaned, "nationaal", "alle"))["forms"]
    assert forms["enquete"] == 2 and forms["overig"] == 1


def test_participation_of_an_empty_scope(data):
    result = participation(select_scope(data, "overig", "2020"))
    assert result["n_yes"] == result["n_unknown"] == 0
    assert math.isnan(result["share_at_least"]) and math.isnan(result["share_among_known"])


# --- 5. national priorities ---------------------------------------------------------------------

def test_national_priorities_share_of_speerpunten_and_plans_by_hand(data):
    result = national_priorities(select_scope(data, "nationaal", "2020"), seed=SEED, n_bootstrap=2000)
    assert result["themes"] == ["OND", "CYB"]
    assert (result["n"], result["n_priorities"]) == (3, 9)  # OND a1, OND a2, CYB a2
    assert result["priority_share"] == pytest.approx(1 / 3)
    assert (result["n_plans_with"], result["n_plans"]) == (2, 3)
    assert result["plan_share"] == pytest.approx(2 / 3)
    assert result["by_theme"] == {"OND": 2, "CYB": 1}
    assert result["by_niveau"]["lokaal"] == {"n_priorities": 6, "n": 1, "share": pytest.approx(1 / 6)}
    assert result["by_niveau"]["regionaal"]["share"] == 1.0
    low, high = result["ci95_cluster"]
    assert low <= 1 / 3 <= high
    low, high = result["ci95"]
    assert low < 1 / 3 < high and result["ci95_methode"] == "wilson_designeffect"
    low, high = result["plan_ci95"]
    assert low < 2 / 3 < high


def test_national_priorities_of_an_empty_scope(data):
    result = national_priorities(select_scope(data, "overig", "2020"), seed=SEED, n_bootstrap=2000)
    assert result["n"] == 0 and math.isnan(result["priority_share"]) and math.isnan(result["plan_share"])
    assert result["indicatief"] is True


# --- lookups ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ("str", object))
def test_positions_finds_each_value_in_the_keys_and_never_a_missing_one(dtype):
    values = pd.Series(["b", None, "a", "c", "b"], dtype=dtype)
    assert positions(values, ["a", "b"]).tolist() == [1, -1, 0, -1, 1]
    assert is_in(values, {"a", "b"}).tolist() == [True, False, True, False, True]


def test_lookups_of_an_empty_or_all_missing_column_find_nothing():
    assert positions(pd.Series([], dtype=object), ["a"]).tolist() == []
    assert is_in(pd.Series([None, np.nan], dtype=object), ["a"]).tolist() == [False, False]
    assert is_in(pd.Series(["a"], dtype="str"), []).tolist() == [False]
