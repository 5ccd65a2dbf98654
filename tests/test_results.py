"""Section files, results.json, the CCV 2020 comparison and the small-number flags (ivp.analysis.results).

Uses the seven-plan input of test_analysis.py (national 2020: plans a1-a3, 9 speerpunten, 1 joint plan)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_analysis import PLANS, SPEERPUNTEN, ccv_like_input, cleaned_from, priority_rows

from ivp.analysis.measures import select_scope
from ivp.analysis.results import (
    SCHEMA_VERSION,
    agenda_part,
    ccv_comparison,
    cooperation_part,
    jsonable,
    load_results,
    missing_parts,
    save_part,
    small_number_flags,
    table,
    themes_part,
)
from ivp.reference.municipalities import theme_codes
from ivp.running.atomic import json_text
from ivp.stats import DIFFERENCE_METHOD, SHARE_METHOD, share_interval, wilson_interval

SEED = 20200525
CONTRACT_KEYS = {"cohort", "peiljaar", "n_plans", "n_priorities", "n_municipalities", "n_excluded_no_period",
                 "themes", "categories", "category_sensitivity", "joint_plans", "participation",
                 "national_priorities", "ccv2020", "flags"}
VWL_CATEGORY = "Veilige woon- en leefomgeving"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return cleaned_from(tmp_path_factory.mktemp("raw"), PLANS, priority_rows(SPEERPUNTEN))


def write_parts(scope, out, *, seed=SEED, n_bootstrap=2000) -> dict:
    """What notebooks 02-04 do: each writes its part of results.json; returns the complete file."""
    for part in (themes_part, cooperation_part, agenda_part):
        results = save_part(out, part(scope, seed=seed, n_bootstrap=n_bootstrap))
    return results


# --- JSON ---------------------------------------------------------------------------------------

def test_jsonable_turns_numpy_and_nan_into_plain_json_values():
    value = {"a": np.int64(3), "b": np.float64(1 / 3), "c": float("nan"), "d": (np.float32(0.5), None),
             "e": np.array([1, 2]), "f": np.bool_(True), 4: "x"}
    assert jsonable(value) == {"a": 3, "b": 0.333333, "c": None, "d": [0.5, None], "e": [1, 2], "f": True, "4": "x"}
    assert type(jsonable(np.int64(3))) is int and type(jsonable(np.bool_(False))) is bool


def test_jsonable_writes_negative_zero_as_zero():
    assert json.dumps(jsonable(-1e-9)) == "0.0"


def test_save_part_writes_sorted_rounded_json_into_results_json(tmp_path):
    job = {"cohort": "G4", "peiljaar": "2020", "seed": SEED, "n_bootstrap": 2000}
    save_part(tmp_path, {**job, "b": 2 / 3, "a": [0.1234567, float("nan")]})
    path = tmp_path / "results.json"
    assert list(json.loads(path.read_text(encoding="utf-8"))) == ["a", "b", "cohort", "n_bootstrap", "peiljaar",
                                                                  "schema_version", "seed"]
    assert path.read_text(encoding="utf-8").startswith('{\n  "a": [\n    0.123457,\n    null\n  ],\n  "b": 0.666667,\n')
    results = json.loads(path.read_text(encoding="utf-8"))
    assert (results["a"], results["b"], results["schema_version"]) == ([0.123457, None], 0.666667, SCHEMA_VERSION)
    assert "flags" not in results  # incomplete: the derived keys wait for every part


def test_json_text_lays_out_json_as_the_standard_library_does_with_nan_as_null():
    value = {"é": [1, 2.5, None, "ï"], "a": {"x": {}, "y": []}, 3: True, "n": float("nan")}
    standard = json.dumps({"3": True, "a": {"x": {}, "y": []}, "n": None, "é": [1, 2.5, None, "ï"]},
                          indent=2, ensure_ascii=False)
    assert json_text(value) == standard + "\n"


def test_jsonable_leaves_plain_records_alone_and_converts_nested_numpy_values():
    records = [{"plan_id": "p1", "n": 3, "gezamenlijk": True, "periode_eind": None},
               {"plan_id": "p2", "n": np.int64(4), "gezamenlijk": np.bool_(False), "periode_eind": pd.NA}]
    out = jsonable({"plannen": records})
    assert out == {"plannen": [{"plan_id": "p1", "n": 3, "gezamenlijk": True, "periode_eind": None},
                               {"plan_id": "p2", "n": 4, "gezamenlijk": False, "periode_eind": None}]}
    assert [type(r["n"]) for r in out["plannen"]] == [int, int]


def test_missing_results_name_the_notebooks_that_write_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="results.json ontbreekt; voer eerst de notebooks 02_themas.ipynb, "
                                                "03_samenwerking.ipynb, 04_landelijke_prioriteiten.ipynb uit"):
        load_results(tmp_path)


def test_incomplete_results_name_the_notebook_still_to_run(data, tmp_path):
    scope = select_scope(data, "nationaal", "2020")
    save_part(tmp_path, themes_part(scope, seed=SEED, n_bootstrap=2000))
    save_part(tmp_path, agenda_part(scope, seed=SEED, n_bootstrap=2000))
    with pytest.raises(ValueError, match=r"results.json is onvolledig; voer eerst 03_samenwerking.ipynb uit voor "
                                         r"deze taak \(cohort nationaal, peiljaar 2020\)"):
        load_results(tmp_path)
    assert missing_parts({}) == ["02_themas.ipynb", "03_samenwerking.ipynb", "04_landelijke_prioriteiten.ipynb"]


def test_table_shows_a_dict_of_dicts_as_rows():
    frame = table({"VWL": {"n": 2, "share": 0.5}, "OND": {"n": 1, "share": 0.25}})
    assert list(frame.index) == ["VWL", "OND"] and list(frame.columns) == ["n", "share"]
    assert table({"n": 3, "share": 0.5}).loc["n", "waarde"] == 3
    assert list(table({"n": 3, "plannen": []}, drop=("plannen",)).index) == ["n"]
    assert list(table([{"plan_id": "a1", "x": 1}], drop=("x",)).columns) == ["plan_id"]


# --- sections and results.json ------------------------------------------------------------------

def test_themes_part_refuses_fewer_than_2000_resamples(data):
    with pytest.raises(ValueError, match="aantal bootstraptrekkingen 500 is ongeldig; verwacht een geheel getal "
                                         "van minstens 2000"):
        themes_part(select_scope(data, "nationaal", "2020"), seed=SEED, n_bootstrap=500)


def test_results_have_every_key_of_the_issue_with_the_hand_computed_figures(data, tmp_path):
    results = write_parts(select_scope(data, "nationaal", "2020"), tmp_path)
    assert set(results) >= CONTRACT_KEYS
    assert (results["cohort"], results["peiljaar"]) == ("nationaal", "2020")
    assert (results["n_plans"], results["n_priorities"], results["n_municipalities"]) == (3, 9, 3)
    assert results["n_excluded_no_period"] == 2
    assert list(results["themes"]) == sorted(theme_codes())  # keys sorted in the file
    vwl = results["themes"]["VWL"]
    assert {"n", "share", "ci95_wilson", "ci95_cluster", "plan_share"} <= set(vwl)
    assert (vwl["n"], vwl["share"], vwl["plan_share"]) == (2, 0.222222, 0.666667)
    assert results["categories"][VWL_CATEGORY]["share"] == 0.333333
    assert {"n", "share", "ci95_wilson", "ci95_cluster"} <= set(results["categories"]["Ondermijning"])
    assert results["category_sensitivity"]["zor_apart"]["Zorg en veiligheid"] == 0.111111
    assert "Zorg en veiligheid" not in results["category_sensitivity"]["ccv2020"]
    assert {"n", "share", "ci95_wilson", "municipalities_in_joint_plans"} <= set(results["joint_plans"])
    assert results["joint_plans"]["share"] == 0.333333
    participation = results["participation"]
    assert (participation["n_yes"], participation["n_no"], participation["n_unknown"]) == (1, 1, 1)
    assert participation["share_at_least"] == 0.333333 and participation["forms"]["enquete"] == 1
    assert results["national_priorities"]["priority_share"] == 0.333333
    assert results["national_priorities"]["plan_share"] == 0.666667
    assert results["flags"] == ["indicatief", "indicatief:categories", "indicatief:joint_plans",
                                "indicatief:joint_plans.sizes", "indicatief:municipalities",
                                "indicatief:national_priorities",
                                "indicatief:niveau", "indicatief:participation",
                                "indicatief:participation.among_known", "indicatief:participation.forms",
                                "indicatief:sample", "indicatief:themes"]
    assert load_results(tmp_path) == results
    # municipality level (issue 14): a1 Amsterdam, a2 Amsterdam + Almere (joint), a3 Aa en Hunze: two clusters,
    # Amsterdam and Almere in a joint plan
    municipalities = results["municipalities"]
    assert (municipalities["n"], municipalities["n_clusters"]) == (3, 2)
    assert (municipalities["joint_share"]["n_with"], municipalities["joint_share"]["n"]) == (2, 3)
    assert municipalities["themes"]["CYB"]["n_with"] == 2  # a2's CYB counts for Amsterdam and Almere
    assert results["representativeness"]["cohort"]["totaal"] == {
        "n_gemeenten": 355, "n_gedekt": 3, "dekking": 0.008451, "aandeel_populatie": 1.0, "aandeel_gedekt": 1.0}
    assert results["joint_plans"]["regions"]["n_joint"] == 1


def test_results_are_byte_identical_when_rerun(data, tmp_path):
    scope = select_scope(data, "nationaal", "alle")
    write_parts(scope, tmp_path / "one")
    write_parts(scope, tmp_path / "two")
    assert (tmp_path / "one/results.json").read_bytes() == (tmp_path / "two/results.json").read_bytes()


def test_cohort_without_plans_gives_an_empty_result_flagged_geen_plannen(data, tmp_path):
    results = write_parts(select_scope(data, "overig", "2020"), tmp_path)
    assert results["n_plans"] == 0 and results["n_excluded_no_period"] == 2
    assert results["themes"]["VWL"]["share"] is None and results["themes"]["VWL"]["ci95_cluster"] == [None, None]
    assert results["joint_plans"]["share"] is None
    assert "geen_plannen" in results["flags"] and "indicatief" in results["flags"]
    assert results["ccv2020"][VWL_CATEGORY]["inside"] is None and results["ccv2020"][VWL_CATEGORY]["ci95"] is None


def test_a_part_of_another_job_starts_a_new_results_file(data, tmp_path):
    write_parts(select_scope(data, "nationaal", "2020"), tmp_path)
    results = save_part(tmp_path, cooperation_part(select_scope(data, "G4", "2020"), seed=SEED, n_bootstrap=2000))
    assert results["cohort"] == "G4" and "themes" not in results  # nothing of the national job is kept
    assert missing_parts(results) == ["02_themas.ipynb", "04_landelijke_prioriteiten.ipynb"]


def test_rerunning_one_notebook_keeps_the_other_parts_of_the_same_job(data, tmp_path):
    scope = select_scope(data, "nationaal", "2020")
    complete = write_parts(scope, tmp_path)
    assert save_part(tmp_path, cooperation_part(scope, seed=SEED, n_bootstrap=2000)) == complete


def test_ccv_sized_sample_reproduces_the_published_shares(tmp_path):
    scope = select_scope(ccv_like_input(tmp_path / "raw"), "nationaal", "2020")
    ccv = write_parts(scope, tmp_path / "job")["ccv2020"]
    assert ccv["n_priorities"] == {"published": 381, "ours": 381, "ci95": None, "interval": None,
                                   "inside": None, "label": "aantal speerpunten"}
    assert ccv[VWL_CATEGORY]["ours"] == 0.419948 and ccv[VWL_CATEGORY]["published"] == 0.42
    assert ccv[VWL_CATEGORY]["inside"] is True and ccv[VWL_CATEGORY]["interval"] == SHARE_METHOD
    assert ccv["Ondermijning"]["ours"] == 0.280840 and ccv["Ondermijning"]["inside"] is True
    assert ccv["joint_plan_share"]["ours"] == 0.0 and ccv["joint_plan_share"]["inside"] is False


# --- comparison and flags on hand-made results ----------------------------------------------------

def hand_results(vwl_ci, joint_ci=(0.2, 0.3)):
    return {"n_priorities": 100,
            "categories": {VWL_CATEGORY: {"share": 0.40, "ci95_cluster": list(vwl_ci), "ci95_wilson": [0.30, 0.50],
                                          "ci95": list(vwl_ci), "ci95_methode": "clusterbootstrap"},
                           "Ondermijning": {"share": 0.30, "ci95_cluster": [0.29, 0.31], "ci95": [0.29, 0.31],
                                            "ci95_methode": "clusterbootstrap", "ci95_wilson": [0.25, 0.35]}},
            "joint_plans": {"share": 0.22, "ci95_wilson": list(joint_ci)}}


def test_ccv_comparison_says_whether_the_published_value_is_inside_our_interval():
    ccv = ccv_comparison(hand_results((0.38, 0.44)))
    assert ccv[VWL_CATEGORY] == {"published": 0.42, "ours": 0.40, "ci95": [0.38, 0.44], "interval": "clusterbootstrap",
                                 "inside": True, "label": "aandeel speerpunten veilige woon- en leefomgeving",
                                 "ci95_wilson": [0.30, 0.50], "inside_wilson": True}
    assert ccv["Ondermijning"]["inside"] is False  # 0.28 below the cluster interval [0.29, 0.31]
    assert ccv["Ondermijning"]["inside_wilson"] is True  # but inside the Wilson interval [0.25, 0.35]
    assert ccv["joint_plan_share"]["inside"] is True and ccv["joint_plan_share"]["interval"] == "wilson"
    assert ccv_comparison(hand_results((0.30, 0.41)))[VWL_CATEGORY]["inside"] is False


def test_ccv_comparison_without_interval_says_nothing_about_inside():
    ccv = ccv_comparison(hand_results((None, None), joint_ci=(math.nan, math.nan)))
    assert ccv[VWL_CATEGORY]["inside"] is None and ccv["joint_plan_share"]["inside"] is None


def test_small_number_flags_name_each_figure_based_on_fewer_than_ten_plans():
    results = {"n_plans": 12, "themes": {"VWL": {"indicatief": False}},
               "joint_plans": {"indicatief": False, "sizes_indicatief": True},
               "participation": {"indicatief": False, "forms_indicatief": True, "among_known_indicatief": False}}
    assert small_number_flags(results) == ["indicatief:joint_plans.sizes", "indicatief:participation.forms"]
    assert small_number_flags({"n_plans": 0}) == ["geen_plannen", "indicatief"]


def test_with_fewer_than_ten_plans_the_headline_interval_is_share_interval_and_indicatief(data):
    # G4 in 2020: the two Amsterdam plans. Before issue 12 the headline was Wilson below 10 plans; now it is
    # share_interval at any number of plans (its coverage below 10 plans is in docs/intervals.md).
    scope = select_scope(data, "G4", "2020")
    section = themes_part(scope, seed=SEED, n_bootstrap=2000)
    for entry in [*section["categories"].values(), *section["themes"].values()]:
        assert entry["ci95_methode"] == SHARE_METHOD and entry["indicatief"] is True
        assert entry["ci95"][0] <= entry["share"] <= entry["ci95"][1]
        assert entry["ci95"][1] - entry["ci95"][0] > 0.05  # never the zero width of a two-plan bootstrap


def test_headline_interval_is_the_share_interval_column_and_names_its_method():
    from ivp.analysis.measures import headline_interval

    assert headline_interval({"ci_low": 0.2, "ci_high": 0.3}) == ([0.2, 0.3], SHARE_METHOD)


def test_results_name_the_method_of_every_headline_interval(data, tmp_path):
    results = write_parts(select_scope(data, "nationaal", "2020"), tmp_path)
    entries = [*results["themes"].values(), *results["categories"].values(), *results["niveau"].values(),
               results["joint_plans"], results["national_priorities"]]
    for entry in entries:
        assert entry["ci95_methode"] == SHARE_METHOD, entry
        assert len(entry["ci95"]) == 2 and "ci95_wilson" in entry
    for entry in [*results["themes"].values(), *results["categories"].values(), results["national_priorities"]]:
        assert entry["plan_ci95_methode"] == SHARE_METHOD and "ci95_cluster" in entry
    assert results["participation"]["ci95_at_least_methode"] == SHARE_METHOD
    method = results["methode"]
    assert (method["share_method"], method["difference_method"]) == (SHARE_METHOD, DIFFERENCE_METHOD)
    assert set(method["interval_methods"]) >= {SHARE_METHOD, DIFFERENCE_METHOD, "wilson", "clusterbootstrap"}
    assert "effectieve steekproefomvang" in method["intervals"]


def test_headline_intervals_in_results_are_share_interval_of_the_plans(data, tmp_path):
    scope = select_scope(data, "nationaal", "alle")
    results = write_parts(scope, tmp_path)
    per_plan = scope.speerpunten.groupby("plan_id").size().reindex(scope.plan_ids, fill_value=0).to_numpy()
    vwl = (scope.speerpunten["thema"] == "VWL").groupby(scope.speerpunten["plan_id"]).sum()
    want = share_interval(vwl.reindex(scope.plan_ids, fill_value=0).to_numpy(), per_plan, seed=SEED)
    assert results["themes"]["VWL"]["ci95"] == pytest.approx(list(want), abs=1e-6)
    joint = results["joint_plans"]
    # a share of plans: share_interval with one unit per plan is Wilson's interval
    assert joint["ci95"] == joint["ci95_wilson"]
    assert joint["ci95"] == pytest.approx(list(wilson_interval(joint["n"], joint["n_plans"])), abs=1e-6)


def test_ccv_comparison_uses_the_headline_interval_and_names_its_method():
    small = hand_results((0.40, 0.40))  # a zero-width cluster interval, as one plan gives
    small["categories"][VWL_CATEGORY].update({"ci95": [0.30, 0.50], "ci95_methode": "wilson"})
    entry = ccv_comparison(small)[VWL_CATEGORY]
    assert entry["ci95"] == [0.30, 0.50] and entry["interval"] == "wilson" and entry["inside"] is True


def test_schema_accepts_a_complete_results_file_and_names_what_is_wrong_in_a_broken_one(data, tmp_path):
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" / "results.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for cohort in ("nationaal", "overig"):  # one with plans, one without
        results = write_parts(select_scope(data, cohort, "2020"), tmp_path / cohort)
        assert list(validator.iter_errors(results)) == []
    broken = {**results, "themes": {**results["themes"], "VWL": {**results["themes"]["VWL"], "share": 1.5}}}
    del broken["flags"]
    messages = sorted(e.message for e in validator.iter_errors(broken))
    assert messages == ["'flags' is a required property", "1.5 is greater than the maximum of 1"]


@pytest.mark.parametrize("peiljaar, agenda, source", [
    ("2020", "veiligheidsagenda_2019_2022", "Kamerstuk 28684 nr. 540"),
    ("2024", "veiligheidsagenda_2023_2026", "Kamerstuk 28684 nr. 717"),
])
def test_each_peiljaar_is_judged_by_the_agenda_in_force(data, tmp_path, peiljaar, agenda, source):
    results = write_parts(select_scope(data, "nationaal", peiljaar), tmp_path)
    nat = results["national_priorities"]
    assert nat["agenda"] == agenda and source in results["national_priorities_source"]
    assert nat["themes"] == ["OND", "CYB"]
    if peiljaar == "2024":  # maatschappelijke onrust lies in INT, which holds more: a sensitivity, not the headline
        assert nat["sensitivity"]["met_int"]["themes"] == ["OND", "CYB", "INT"]
        assert nat["sensitivity"]["met_int"]["priority_share"] >= nat["priority_share"]
    else:
        assert nat["sensitivity"] == {}


def test_a_peiljaar_without_an_agenda_in_force_says_so_and_computes_no_share(data, tmp_path):
    results = write_parts(select_scope(data, "nationaal", "alle"), tmp_path)
    nat = results["national_priorities"]
    assert nat["agenda"] is None and "priority_share" not in nat
    assert nat["note"].startswith("Zonder peiljaar ('alle')")
    assert results["national_priorities_source"] == nat["note"]
