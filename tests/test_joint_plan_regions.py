"""Joint plans placed in veiligheidsregio's and police units, on fixtures (2020 memberships from public
knowledge: Amsterdam and Diemen in Amsterdam-Amstelland / police unit Amsterdam; Hilversum and Weesp in Gooi
en Vechtstreek and Utrecht in VR Utrecht, all three police unit Midden-Nederland; Weesp in Noord-Holland)."""

from __future__ import annotations

import pandas as pd
import pytest

from ivp.reference.regions import joint_plan_region_summary, joint_plan_regions

AMS, DIE, HIL, UTR, WSP, HAA, ZWO = "GM0363", "GM0384", "GM0402", "GM0344", "GM0457", "GM0392", "GM0193"


@pytest.fixture
def table():
    plans = pd.DataFrame({
        "plan_id": ["j3", "j1", "j2", "j4", "n1"],
        "titel": ["Weesp en Amsterdam", "Amstelland", "Hilversum-Utrecht", "Haarlem e.a.", "Zwolle"],
        "gezamenlijk": [True, True, True, True, False],
    })
    links = pd.DataFrame({"plan_id": ["j1", "j1", "j2", "j2", "j3", "j3", "j4", "n1"],
                          "code": [AMS, DIE, HIL, UTR, WSP, AMS, HAA, ZWO]})
    return joint_plan_regions(plans, links)


def test_each_joint_plan_placed(table):
    assert table["plan_id"].tolist() == ["j1", "j2", "j3", "j4"]  # sorted; the non-joint plan left out
    j1, j2, j3, j4 = (table.iloc[i] for i in range(4))
    assert (j1["binnen_veiligheidsregio"], j1["binnen_regionale_eenheid"]) == (True, True)
    assert (j2["binnen_veiligheidsregio"], j2["binnen_regionale_eenheid"]) == (False, True)
    assert j2["veiligheidsregio"] == "Gooi en Vechtstreek; Utrecht"
    assert (j3["binnen_veiligheidsregio"], j3["binnen_regionale_eenheid"]) == (False, False)
    assert j3["regionale_eenheid"] == "Amsterdam; Midden-Nederland"
    assert j3["binnen_provincie"] and not j2["binnen_provincie"]
    assert not j4["beoordeelbaar"] and pd.isna(j4["binnen_veiligheidsregio"])


def test_summary_counts_and_lists_crossings(table):
    summary = joint_plan_region_summary(table)
    assert (summary["n_joint"], summary["n_assessable"], summary["n_partners_unknown"]) == (4, 3, 1)
    assert summary["partners_unknown"] == ["j4"]
    vr = summary["veiligheidsregio"]
    assert (vr["within"], vr["across"]) == (1, 2)
    assert vr["share_within"] == pytest.approx(1 / 3)
    assert [c["plan_id"] for c in vr["crossing"]] == ["j2", "j3"]
    assert vr["crossing"][1] == {"plan_id": "j3", "titel": "Weesp en Amsterdam",
                                 "regions": ["Amsterdam-Amstelland", "Gooi en Vechtstreek"]}
    re = summary["regionale_eenheid"]
    assert (re["within"], re["across"]) == (2, 1)
    assert re["crossing"][0]["regions"] == ["Amsterdam", "Midden-Nederland"]
    assert "basisteam" in summary["basisteam"]


def test_custom_regions_and_unknown_municipality():
    regions = pd.DataFrame({"gemeentecode": ["A", "B", "C"], "veiligheidsregio": ["R1", "R1", "R2"],
                            "regionale_eenheid": ["E", "E", "E"], "provincie": ["P", "P", "P"]})
    plans = pd.DataFrame({"plan_id": ["x", "y"], "gezamenlijk": [True, True]})
    links = pd.DataFrame({"plan_id": ["x", "x", "y", "y"], "code": ["A", "B", "B", "C"]})
    table = joint_plan_regions(plans, links, regions=regions)
    assert table["binnen_veiligheidsregio"].tolist() == [True, False]
    assert table["titel"].tolist() == ["", ""]
    with pytest.raises(ValueError, match="without a region"):
        joint_plan_regions(plans, pd.DataFrame({"plan_id": ["x"], "code": ["Z"]}), regions=regions)


def test_no_joint_plans():
    plans = pd.DataFrame({"plan_id": ["a"], "gezamenlijk": [False]})
    summary = joint_plan_region_summary(joint_plan_regions(plans, pd.DataFrame({"plan_id": ["a"], "code": [ZWO]})))
    assert summary["n_joint"] == 0
    assert summary["veiligheidsregio"]["within"] == 0
