"""The comparison stage (``ivp.analysis.compare_run``, ``ivp.report.comparison``, notebook 06) on the tiny fixture of
``test_comparison`` computed by hand, the claims on fixtures built for each verdict, the notebook stored
clean, and the stage end to end on the shipped data (slow).

Fixture (see test_comparison): 2020 = {p1, p3, p4}, 2024 = {p2, p3, p5}; p3 (Zwolle G40 + Aa en Hunze P10,
joint) is in force in both peiljaren and in both the grote and the kleinere gemeenten; p5 (Diemen overig +
Amsterdam G4, joint, 2024) is in G4 and overig. Speerpunten: p1 VWL OND, p2 VWL CYB, p3 OND JEU ZOR, p4 VWL,
p5 OND.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import papermill_notebook, run_stages
from test_comparison import AEH, AMS, DIE, ZWO, data  # noqa: F401  (the fixture)

from ivp.analysis import compare_run as cr
from ivp.analysis.comparison import NOT_SUPPORTED, SUPPORTED, UNDECIDED
from ivp.inputs.clean import Cleaned
from ivp.report import comparison as comparison_report
from ivp.report.render import render_report
from ivp.running import job
from ivp.running.runner import notebooks_dir
from ivp.stats import difference_interval, share_interval

ROOT = Path(__file__).resolve().parents[1]
VWL = "Veilige woon- en leefomgeving"
PEILJAREN, COHORTS = ["2020", "2024"], ["nationaal", "G4", "G40", "P10", "overig"]
KW = {"seed": job.SEED, "n_bootstrap": job.N_BOOTSTRAP}


@pytest.fixture(scope="module")
def groups(data):  # noqa: F811
    return cr.make_groups(data, PEILJAREN, COHORTS)


def ids(group):
    return group.plans["plan_id"].tolist()


# --- groups and measures ------------------------------------------------------------------------

def test_groups_hold_a_plan_in_force_in_both_peiljaren_and_a_joint_plan_in_two_cohorts(groups):
    assert list(groups) == cr.group_keys(PEILJAREN, COHORTS) == [
        "2020/nationaal", "2020/G4", "2020/G40", "2020/P10", "2020/overig", "2020/grote_gemeenten",
        "2020/kleinere_gemeenten", "2024/nationaal", "2024/G4", "2024/G40", "2024/P10", "2024/overig",
        "2024/grote_gemeenten", "2024/kleinere_gemeenten"]
    assert ids(groups["2020/nationaal"]) == ["p1", "p3", "p4"] and ids(groups["2024/nationaal"]) == ["p2", "p3", "p5"]
    assert ids(groups["2024/G4"]) == ["p2", "p5"] and ids(groups["2024/overig"]) == ["p5"]  # p5 in two cohorts
    assert ids(groups["2024/grote_gemeenten"]) == ["p2", "p3", "p5"]
    assert ids(groups["2024/kleinere_gemeenten"]) == ["p3", "p5"]
    assert groups["2024/kleinere_gemeenten"].covered == [DIE, AEH]  # members of the group only
    assert groups["2024/nationaal"].covered == sorted([AMS, ZWO, AEH, DIE])


def test_group_measures_by_hand(groups):
    m = cr.group_measures(groups["2020/nationaal"], **KW)
    assert (m["n_plans"], m["n_priorities"], m["n_municipalities"], m["indicatief"]) == (3, 6, 4, True)
    vwl = m["measures"][f"category_share:{VWL}"]
    assert (vwl["value"], vwl["n"], vwl["n_with"]) == (pytest.approx(3 / 6), 6, 3)  # p1 VWL, p3 ZOR, p4 VWL
    assert vwl["ci95"] == pytest.approx(share_interval([1, 1, 1], [2, 3, 1], seed=0).tolist())
    assert m["measures"]["theme_plan_share:OND"]["value"] == pytest.approx(2 / 3)
    assert m["measures"]["joint_plan_share"]["value"] == pytest.approx(1 / 3)
    assert m["measures"]["participation_at_least"]["value"] == pytest.approx(1 / 3)  # p4 ja; p3 onbekend
    assert m["measures"]["joint_municipality_share"]["value"] == pytest.approx(2 / 4)  # Zwolle, Aa en Hunze
    nat = m["measures"]["national_priority_share"]
    assert nat["agenda"] == "veiligheidsagenda_2019_2022" and nat["themes"] == ["OND", "CYB"]
    assert nat["value"] == pytest.approx(2 / 6)
    m24 = cr.group_measures(groups["2024/nationaal"], **KW)["measures"]
    assert m24["joint_municipality_share"]["value"] == pytest.approx(1.0)  # Amsterdam and Diemen through p5
    assert m24["national_priority_share"]["agenda"] == "veiligheidsagenda_2023_2026"
    assert m24["national_priority_share"]["sensitivity"]["met_int"]["themes"] == ["OND", "CYB", "INT"]


def test_a_peiljaar_without_agenda_has_no_priority_share_and_says_so(data):  # noqa: F811
    group = cr.make_groups(data, ["2030"], ["nationaal"])["2030/nationaal"]
    nat = cr.national_priority_measure(group, **KW)
    assert nat["value"] is None and nat["ci95"] is None and nat["agenda"] is None
    assert "Voor peiljaar 2030 is geen Veiligheidsagenda vastgelegd" in nat["note"]


# --- differences by hand ------------------------------------------------------------------------

def test_pairs_trend_then_large_against_small_then_cohort_against_nationaal():
    pairs = cr.difference_pairs(PEILJAREN, COHORTS)
    assert pairs[:7] == [(f"2024/{g}", f"2020/{g}", "trend") for g in
                         [*COHORTS, "grote_gemeenten", "kleinere_gemeenten"]]
    assert pairs[7] == ("2020/grote_gemeenten", "2020/kleinere_gemeenten", "groot_klein")
    assert pairs[8:12] == [(f"2020/{c}", "2020/nationaal", "cohort_nationaal") for c in COHORTS[1:]]
    assert len(pairs) == 7 + 2 * 5
    assert cr.difference_pairs(["2020"], ["G4"]) == [("2020/grote_gemeenten", "2020/kleinere_gemeenten",
                                                     "groot_klein")]


def test_trend_difference_with_a_plan_in_force_in_both_peiljaren(groups):
    d = cr.difference(f"category_share:{VWL}", groups["2024/nationaal"], groups["2020/nationaal"], "trend", **KW)
    assert (d["value_a"], d["value_b"]) == (pytest.approx(2 / 6), pytest.approx(3 / 6))
    assert d["difference"] == pytest.approx(-1 / 6)
    # union p1..p5 once, p3 in both: its three speerpunten are counted once
    expected = difference_interval([1, 1, 1, 1, 0], [2, 2, 3, 1, 1], [False, True, True, False, True],
                                   [True, False, True, True, False], seed=0)
    assert d["ci95"] == pytest.approx(expected.tolist())
    assert d["indicatief"] and d["method"] == "newcombe_designeffect" and d["note"] is None


def test_large_against_small_with_a_joint_plan_in_both(groups):
    d = cr.difference("joint_plan_share", groups["2024/grote_gemeenten"], groups["2024/kleinere_gemeenten"],
                      "groot_klein", **KW)
    assert d["difference"] == pytest.approx(2 / 3 - 1)  # grote p2 nee, p3 p5 ja; kleinere p3 p5 ja
    expected = difference_interval([0, 1, 1], [1, 1, 1], [True, True, True], [False, True, True], seed=0)
    assert d["ci95"] == pytest.approx(expected.tolist())


def test_a_cohort_against_nationaal_shares_its_plans(groups):
    d = cr.difference("theme_share:OND", groups["2024/G4"], groups["2024/nationaal"], "cohort_nationaal", **KW)
    assert (d["value_a"], d["value_b"], d["difference"]) == (pytest.approx(1 / 3), pytest.approx(2 / 6),
                                                             pytest.approx(0))
    expected = difference_interval([0, 1, 1], [2, 3, 1], [True, False, True], [True, True, True], seed=0)
    assert d["ci95"] == pytest.approx(expected.tolist())


def test_same_plan_in_both_peiljaren_gives_no_difference(groups):
    d = cr.difference("theme_share:JEU", groups["2024/P10"], groups["2020/P10"], "trend", **KW)
    assert d["difference"] == pytest.approx(0) and d["indicatief"]


def test_municipality_share_interval_only_where_one_contribution_per_unit_holds(groups):
    # 2020 grote {Amsterdam (own plan), Zwolle (p3)} against kleinere {Aa en Hunze (p3), Diemen (own)}: the
    # cluster Zwolle + Aa en Hunze gives (1 of 1) to both groups, so the interval can be computed
    d = cr.difference("joint_municipality_share", groups["2020/grote_gemeenten"], groups["2020/kleinere_gemeenten"],
                      "groot_klein", **KW)
    assert (d["value_a"], d["value_b"], d["difference"]) == (0.5, 0.5, 0.0)
    expected = difference_interval([1, 0, 0], [1, 1, 1], [True, True, False], [True, False, True], seed=0)
    assert d["ci95"] == pytest.approx(expected.tolist()) and d["note"] is None
    # 2024 against 2020: Amsterdam and Diemen are one unit (p5) with 0 of 2 joint in 2020 and 2 of 2 in 2024
    d = cr.difference("joint_municipality_share", groups["2024/nationaal"], groups["2020/nationaal"], "trend", **KW)
    assert d["difference"] == pytest.approx(0.5) and d["ci95"] is None
    assert d["note"].startswith("Geen interval") and "1 zulke eenheid/eenheden is in beide groepen" in d["note"]


def test_unit_difference_refuses_a_shared_unit_with_two_contributions():
    out = cr.unit_difference([1, 0], [1, 1], [0, 0], [1, 1], [True, True], [True, False], seed=0, n_bootstrap=2000)
    assert out["ci95"] is None and out["n_conflicting"] == 1 and out["difference"] == pytest.approx(0.5)


def test_priority_share_with_two_theme_lists_has_no_interval_but_one_with_a_common_list(data):  # noqa: F811
    extra = pd.DataFrame({"plan_id": ["p3"], "volgnummer": [9], "thema": ["INT"], "thema_2": "", "niveau": "lokaal",
                          "bron_rij": [99]})
    with_int = Cleaned(data.plans, data.plan_gemeenten, pd.concat([data.speerpunten, extra], ignore_index=True),
                       data.log)
    g = cr.make_groups(with_int, PEILJAREN, ["nationaal"])
    d = cr.difference("national_priority_share", g["2024/nationaal"], g["2020/nationaal"], "trend", **KW)
    # main themes OND+CYB both years: 2024 p2 CYB, p3 OND, p5 OND = 3 of 7; 2020 p1 OND, p3 OND = 2 of 7
    assert d["difference"] == pytest.approx(3 / 7 - 2 / 7) and d["ci95"] is not None
    sens = d["sensitivity"]["a:met_int"]  # 2024 with INT against 2020 without: p3 has two numerators (2 and 1)
    assert sens["value_a"] == pytest.approx(4 / 7) and sens["ci95"] is None
    assert "1 plan(nen) is in beide peiljaren van kracht" in sens["note"]
    assert sens["same_themes"]["themes"] == ["OND", "CYB", "INT"] and sens["same_themes"]["ci95"] is not None
    assert sens["same_themes"]["difference"] == pytest.approx(4 / 7 - 3 / 7)


# --- claims on fixtures built for each verdict --------------------------------------------------

def fake_groups(joint_2020, joint_2024, n_plans=20, categories=None):
    """Group dicts with the measures the claims read; categories: {group key: {label: (value, ci)}}."""
    categories = categories or {}
    out = {}
    for p, value in (("2020", joint_2020), ("2024", joint_2024)):
        for name in ("nationaal", "grote_gemeenten", "kleinere_gemeenten"):
            key = f"{p}/{name}"
            cats = categories.get(key) or {VWL: (0.4, [0.35, 0.45]), "Ondermijning": (0.25, [0.2, 0.3]),
                                           "Jeugd en veiligheid": (0.1, [0.05, 0.15])}
            measures = {f"category_share:{label}": {"value": v, "ci95": ci, "n": 100}
                        for label, (v, ci) in cats.items()}
            for m in ("joint_plan_share", "joint_municipality_share", "participation_at_least"):
                measures[m] = {"value": value, "ci95": [value - 0.05, value + 0.05], "n": n_plans}
            out[key] = {"name": name, "peiljaar": p, "n_plans": n_plans, "measures": measures}
    return out


def fake_diffs(diff, ci):
    return [{"measure": m, "a": "2024/nationaal", "b": "2020/nationaal", "difference": diff, "ci95": ci}
            for m in ("joint_plan_share", "joint_municipality_share", "participation_at_least")]


def verdicts(groups, diffs):
    return {c["id"]: c["verdict"] for c in cr.claims(groups, diffs, PEILJAREN)}


def test_trend_claims_each_verdict():
    assert verdicts(fake_groups(0.2, 0.3), fake_diffs(0.1, [0.02, 0.18]))["samenwerking_neemt_toe"] == SUPPORTED
    assert verdicts(fake_groups(0.3, 0.2), fake_diffs(-0.1, [-0.2, 0.01]))["samenwerking_neemt_toe"] == NOT_SUPPORTED
    undecided = verdicts(fake_groups(0.2, 0.25), fake_diffs(0.05, [-0.05, 0.15]))
    assert undecided["burgerparticipatie_neemt_toe"] == UNDECIDED
    small = verdicts(fake_groups(0.2, 0.3, n_plans=5), fake_diffs(0.1, [0.02, 0.18]))
    assert small["samenwerking_neemt_toe"] == UNDECIDED
    no_interval = [dict(d, ci95=None, note="Geen interval") for d in fake_diffs(0.1, None)]
    assert verdicts(fake_groups(0.2, 0.3), no_interval)["samenwerking_neemt_toe"] == UNDECIDED


def test_the_participation_claim_says_what_the_unknowns_do():
    claim = next(c for c in cr.claims(fake_groups(0.2, 0.3), fake_diffs(0.1, [0.02, 0.18]), PEILJAREN)
                 if c["id"] == "burgerparticipatie_neemt_toe")
    assert "ondergrens" in claim["explanation"] and "onbekende participatie tellen als 'niet'" in claim["explanation"]


def test_ranking_claims_each_verdict():
    diffs = fake_diffs(0.1, [0.02, 0.18])
    assert verdicts(fake_groups(0.2, 0.3), diffs)["prioriteiten_groot_en_klein"] == SUPPORTED
    assert verdicts(fake_groups(0.2, 0.3), diffs)["woonomgeving_grootste"] == SUPPORTED
    overlap = {"2024/kleinere_gemeenten": {VWL: (0.4, [0.3, 0.5]), "Ondermijning": (0.25, [0.2, 0.3]),
                                           "Jeugd en veiligheid": (0.2, [0.15, 0.26])}}
    assert verdicts(fake_groups(0.2, 0.3, categories=overlap), diffs)["prioriteiten_groot_en_klein"] == UNDECIDED
    larger = {"2020/nationaal": {VWL: (0.3, [0.25, 0.35]), "Ondermijning": (0.35, [0.3, 0.4])}}
    assert verdicts(fake_groups(0.2, 0.3, categories=larger), diffs)["woonomgeving_grootste"] == NOT_SUPPORTED


def test_claims_without_two_peiljaren_cannot_be_judged(groups):
    one = {k: v for k, v in fake_groups(0.2, 0.3).items() if k.startswith("2020")}
    out = {c["id"]: c for c in cr.claims(one, [], ["2020"])}
    assert out["samenwerking_neemt_toe"]["verdict"] == UNDECIDED
    assert "niet allebei berekend (peiljaren: 2020)" in out["samenwerking_neemt_toe"]["explanation"]


# --- the whole file and the report on the fixture -----------------------------------------------

def test_comparison_results_are_json_ready_and_identical_on_a_rerun(data, tmp_path):  # noqa: F811
    first = cr.comparison_results(data, PEILJAREN, COHORTS, **KW)
    second = cr.comparison_results(data, PEILJAREN, COHORTS, **KW)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert {"schema_version", "peiljaren", "cohorts", "seed", "n_bootstrap", "groups", "differences", "paired",
            "claims", "published", "methode"} <= set(first)
    assert first["methode"]["difference_method"] == "newcombe_designeffect"
    assert "94% tot 98%" in first["methode"]["difference_text"]
    assert [c["id"] for c in first["claims"]] == ["samenwerking_neemt_toe", "burgerparticipatie_neemt_toe",
                                                  "prioriteiten_groot_en_klein", "woonomgeving_grootste"]
    assert all(set(d) >= {"measure", "a", "b", "difference", "ci95", "method", "indicatief"}
               for d in first["differences"])
    assert first["paired"][0]["n_municipalities"] == 4  # every municipality has a plan in both peiljaren
    assert all(r["ours"] is None for r in first["published"])  # no job results given


def test_every_report_section_renders_on_the_fixture(data):  # noqa: F811
    results = json.loads(json.dumps(cr.comparison_results(data, PEILJAREN, COHORTS, **KW), sort_keys=True))
    html = "".join(getattr(comparison_report, name)(results) for name in comparison_report.SECTIONS)
    assert "<script" not in html and "Oordeel" in html and "procentpunt" in html
    assert html.count('<figure><img src="data:image/svg+xml;base64,') == 2 and 'alt="' in html


# --- the notebook -------------------------------------------------------------------------------

NOTEBOOK = notebooks_dir() / job.COMPARISON_NOTEBOOK
PARAMETERS = {"processed_path": "../data/processed", "output_path": "../reports/vergelijking",
              "reports_path": "../reports", "peiljaren": ["2020", "2024"],
              "cohorts": ["nationaal", "G4", "G40", "P10", "overig"], "seed": 20200525, "n_bootstrap": 2000}


def test_notebook_is_stored_clean_with_kernel_ivp_thin_cells_and_the_parameters():
    book = nbformat.read(NOTEBOOK, as_version=4)
    assert book.metadata["kernelspec"]["name"] == "ivp"
    assert [c.id for c in book.cells] == [f"06-{i:02d}" for i in range(len(book.cells))]
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    values = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(tagged[0].source).body}
    assert values == PARAMETERS and list(values) == list(PARAMETERS)
    assert list(job.comparison_parameters(processed_path="p", output_path="o", reports_path="r")) == list(PARAMETERS)
    for cell in code:
        if cell is not tagged[0]:
            assert len(cell.source.splitlines()) <= 6 and "for " not in cell.source, cell.source


@pytest.mark.slow
def test_the_stage_end_to_end_on_the_shipped_data(tmp_path):
    processed, out = tmp_path / "processed", tmp_path / "reports"
    run_stages(ROOT / "data" / "raw", processed, out, cohorts=COHORTS, peiljaren=PEILJAREN)
    folder = out / job.COMPARISON_DIR
    executed = folder / job.EXECUTED_DIR / job.COMPARISON_NOTEBOOK
    params = job.comparison_parameters(processed_path=processed, output_path=folder, reports_path=out)
    papermill_notebook(NOTEBOOK, executed, params)
    first = (folder / job.RESULTS_FILE).read_bytes()
    results = json.loads(first)
    # the same numbers as the jobs computed
    job_2020 = json.loads((out / "2020" / "nationaal" / job.RESULTS_FILE).read_text(encoding="utf-8"))
    vwl = results["groups"]["2020/nationaal"]["measures"][f"category_share:{VWL}"]
    assert vwl["value"] == pytest.approx(job_2020["categories"][VWL]["share"], abs=1e-6)
    assert vwl["ci95"] == pytest.approx(job_2020["categories"][VWL]["ci95"], abs=1e-6)
    assert results["groups"]["2020/nationaal"]["n_plans"] == job_2020["n_plans"]
    claims = {c["id"]: c for c in results["claims"]}
    assert set(claims) == set(cr.CLAIMS)
    assert all(c["verdict"] in (SUPPORTED, NOT_SUPPORTED, UNDECIDED) for c in claims.values())
    trend = cr.find_difference(results["differences"], f"category_share:{VWL}", "2024/nationaal", "2020/nationaal")
    assert trend["difference"] == pytest.approx(trend["value_a"] - trend["value_b"], abs=1e-5)
    assert trend["ci95"][0] <= trend["difference"] <= trend["ci95"][1]
    assert any(r["ours"] is not None for r in results["published"])
    assert np.isfinite(results["groups"]["2024/nationaal"]["measures"]["national_priority_share"]
                       ["sensitivity"]["met_int"]["value"])
    html_path = render_report(executed, folder / job.REPORT_FILE, title=job.COMPARISON_TITLE)
    html = html_path.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert "Kernbevindingen" in text and "Verantwoording" in text and "41,8%" in text
    assert "groups_table" not in html and "def " not in html  # no code, no researchers' tables
    # a rerun writes the same bytes
    papermill_notebook(NOTEBOOK, tmp_path / "again.ipynb", params)
    assert (folder / job.RESULTS_FILE).read_bytes() == first
