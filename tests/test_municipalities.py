"""Municipality-level shares and the reweighted estimate, on tiny fixtures computed by hand.

Fixture (2020 codes; cohorts from the reference lists):

- ``pA`` Amsterdam (GM0363, G4) alone; citizen participation ja; speerpunten OND, VWL;
- ``pB`` Amsterdam + Diemen (GM0384, overig), joint; participation onbekend; speerpunt ZOR;
- ``pC`` Zwolle (GM0193, G40) alone; participation nee; speerpunt JEU;
- ``pD`` Aa en Hunze (GM1680, P10) alone; participation ja; no speerpunten;
- ``pX`` (not in scope) Zwolle + Aa en Hunze, joint, speerpunt OND: must change nothing.

By hand, over the 4 covered municipalities: Amsterdam is covered by two plans (pA, pB) and has OND, VWL,
ZOR, joint, participation; Diemen has ZOR and joint only; Zwolle JEU only; Aa en Hunze participation only.
Clusters (connected through shared plans, codes sorted): {Zwolle} 0, {Amsterdam, Diemen} 1, {Aa en Hunze} 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ivp.analysis.municipalities as mun
from ivp.analysis.municipalities import (
    cohort_strata,
    municipality_clusters,
    municipality_figures,
    municipality_properties,
    municipality_shares,
    weighted_municipality_shares,
)

AMS, DIE, ZWO, AEH = "GM0363", "GM0384", "GM0193", "GM1680"
VWL_CATEGORY = "Veilige woon- en leefomgeving"


@pytest.fixture
def plans():
    return pd.DataFrame({"plan_id": ["pA", "pB", "pC", "pD"],
                         "gezamenlijk": [False, True, False, False],
                         "burgerparticipatie": ["ja", "onbekend", "nee", "ja"]})


@pytest.fixture
def links():
    return pd.DataFrame({"plan_id": ["pA", "pB", "pB", "pC", "pD", "pX", "pX"],
                         "code": [AMS, AMS, DIE, ZWO, AEH, ZWO, AEH]})


@pytest.fixture
def speerpunten():
    return pd.DataFrame({"plan_id": ["pA", "pA", "pB", "pC", "pX"],
                         "thema": ["OND", "VWL", "ZOR", "JEU", "OND"],
                         "thema_2": ["", "", "OND", "", ""]})


@pytest.fixture
def properties(plans, links, speerpunten):
    return municipality_properties(plans, links, speerpunten, [AMS, DIE, ZWO, AEH])


def test_properties_by_hand(properties):
    assert list(properties.index) == [ZWO, AMS, DIE, AEH]
    assert properties.index.name == "gemeentecode"
    assert properties["n_plannen"].tolist() == [1, 2, 1, 1]
    assert properties["thema_OND"].tolist() == [False, True, False, False]
    assert properties["thema_ZOR"].tolist() == [False, True, True, False]
    assert properties["thema_JEU"].tolist() == [True, False, False, False]
    assert properties[f"categorie_{VWL_CATEGORY}"].tolist() == [False, True, True, False]  # VWL + ZOR
    assert properties["categorie_Ondermijning"].tolist() == [False, True, False, False]
    assert properties["gezamenlijk"].tolist() == [False, True, True, False]
    assert properties["participatie"].tolist() == [False, True, False, True]
    assert properties["cluster"].tolist() == [0, 1, 1, 2]


def test_second_theme_counts_only_when_asked(plans, links, speerpunten):
    both = municipality_properties(plans, links, speerpunten, [AMS, DIE, ZWO, AEH],
                                   theme_columns=("thema", "thema_2"))
    assert both.loc[DIE, "thema_OND"]  # pB's ZOR speerpunt has OND as second theme


def test_shares_by_hand(properties):
    result = municipality_shares(properties, seed=1, n_resamples=500)
    assert result["n"] == 4
    assert result["n_clusters"] == 3
    assert result["themes"]["OND"]["share_with"] == pytest.approx(1 / 4)
    assert result["themes"]["OND"]["n_with"] == 1
    assert result["themes"]["ZOR"]["share_with"] == pytest.approx(2 / 4)
    assert result["themes"]["BED"]["share_with"] == 0
    assert result["categories"][VWL_CATEGORY]["share_with"] == pytest.approx(2 / 4)
    assert result["joint_share"]["share_with"] == pytest.approx(2 / 4)
    assert result["participation_at_least"]["share_with"] == pytest.approx(2 / 4)
    for leaf in [*result["themes"].values(), *result["categories"].values(), result["joint_share"],
                 result["participation_at_least"]]:
        assert leaf["n"] == 4
        low, high = leaf["ci95"]
        assert 0 <= low <= leaf["share_with"] <= high <= 1
    assert result["ci95_methode"] == mun.METHOD
    assert result["indicatief"]  # 3 clusters


def test_interval_resamples_clusters_not_municipalities(properties, monkeypatch):
    seen = {}

    def spy(numerators, denominators, *, seed, n_resamples):
        seen["num"], seen["den"] = np.asarray(numerators), np.asarray(denominators)
        return np.zeros((np.asarray(numerators).shape[1], 2))

    monkeypatch.setattr(mun, "_ratio_interval", spy)
    municipality_shares(properties, seed=3, n_resamples=100)
    columns = mun._property_columns(properties)
    assert seen["den"].tolist() == [1, 2, 1]  # {Zwolle}, {Amsterdam, Diemen}, {Aa en Hunze}
    assert seen["num"][:, columns.index("thema_ZOR")].tolist() == [0, 2, 0]
    assert seen["num"][:, columns.index("gezamenlijk")].tolist() == [0, 2, 0]
    assert seen["num"][:, columns.index("participatie")].tolist() == [0, 1, 1]


def test_same_seed_same_intervals(plans, links, speerpunten):
    covered = [AMS, DIE, ZWO, AEH]
    first = municipality_figures(plans, links, speerpunten, covered, seed=7, n_resamples=300)
    again = municipality_figures(plans, links, speerpunten, covered, seed=7, n_resamples=300)
    assert first == again


def test_clusters_connect_through_municipalities_outside_the_labelled_set():
    links = pd.DataFrame({"plan_id": ["p1", "p1", "p2", "p2", "p3"], "code": ["A", "B", "B", "C", "D"]})
    clusters = municipality_clusters(links, ["A", "C", "D"])
    assert clusters.tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="without a plan"):
        municipality_clusters(links, ["A", "E"])


def test_covered_municipality_without_a_plan_in_scope_is_an_error(plans, links, speerpunten):
    with pytest.raises(ValueError):
        municipality_properties(plans, links, speerpunten, [AMS, "GM0014"])


def test_no_covered_municipality_gives_nan_not_an_error():
    empty = municipality_properties(pd.DataFrame({"plan_id": [], "gezamenlijk": [], "burgerparticipatie": []}),
                                    pd.DataFrame({"plan_id": [], "code": []}),
                                    pd.DataFrame({"plan_id": [], "thema": []}), [])
    result = municipality_shares(empty, seed=1, n_resamples=100)
    assert result["n"] == 0
    assert np.isnan(result["joint_share"]["share_with"])


# --- reweighted by cohort -------------------------------------------------------------------------

def _two_strata(values_s1, values_s2, *, extra_stratum=0):
    """Population: stratum S1 with 2 municipalities, S2 with 8 (and S3 with ``extra_stratum``, none
    covered); covered: the first len(values) of each, every municipality its own cluster."""
    s1 = [f"a{i}" for i in range(2)]
    s2 = [f"b{i}" for i in range(8)]
    s3 = [f"c{i}" for i in range(extra_stratum)]
    strata = pd.Series(["S1"] * 2 + ["S2"] * 8 + ["S3"] * extra_stratum, index=s1 + s2 + s3)
    covered = s1[:len(values_s1)] + s2[:len(values_s2)]
    values = list(values_s1) + list(values_s2)
    properties = pd.DataFrame({"cluster": range(len(covered)), "gezamenlijk": values, "participatie": values,
                               "thema_OND": values}, index=pd.Index(covered, name="gemeentecode"))
    return properties, strata


def test_weighted_estimate_on_two_strata_by_hand():
    # S1: 1 of 2 covered has it (p=0.5), weight 2/10; S2: 3 of 4 (p=0.75), weight 8/10
    properties, strata = _two_strata([True, False], [True, True, True, False])
    result = weighted_municipality_shares(properties, strata=strata, seed=5, n_resamples=1000)
    leaf = result["themes"]["OND"]
    assert leaf["share_with"] == pytest.approx(0.2 * 0.5 + 0.8 * 0.75)
    assert leaf["share_with_unweighted"] == pytest.approx(4 / 6)
    assert leaf["n"] == 6
    assert leaf["ci95"][0] <= leaf["share_with"] <= leaf["ci95"][1]
    assert result["strata"]["S1"] == {"n_population": 2, "n_covered": 2, "weight": 0.2, "weight_used": 0.2}
    assert result["strata"]["S2"]["weight_used"] == pytest.approx(0.8)
    assert result["strata_without_coverage"] == []
    assert result["joint_share"]["share_with"] == pytest.approx(0.7)


def test_bootstrap_keeps_stratum_sizes_fixed():
    # every covered municipality of S1 has it, none of S2: a bootstrap within strata cannot move the
    # estimate (a pooled bootstrap would, by drawing more or fewer S1 municipalities)
    properties, strata = _two_strata([True, True], [False, False, False])
    leaf = weighted_municipality_shares(properties, strata=strata, seed=2, n_resamples=500)["themes"]["OND"]
    assert leaf["share_with"] == pytest.approx(0.2)
    assert leaf["ci95"] == pytest.approx([0.2, 0.2])
    assert leaf["share_with_unweighted"] == pytest.approx(0.4)


def test_stratum_without_coverage_is_named_and_weights_renormalised():
    properties, strata = _two_strata([True, False], [True, True, True, False], extra_stratum=5)
    result = weighted_municipality_shares(properties, strata=strata, seed=5, n_resamples=500)
    assert result["strata_without_coverage"] == ["S3"]
    assert result["strata"]["S3"] == {"n_population": 5, "n_covered": 0, "weight": pytest.approx(5 / 15),
                                      "weight_used": 0.0}
    assert result["strata"]["S1"]["weight_used"] == pytest.approx(0.2)  # (2/15) / (10/15)
    assert result["themes"]["OND"]["share_with"] == pytest.approx(0.7)
    assert "S3" in result["toelichting"]
    assert "herschaald" in result["toelichting"]


def test_default_strata_are_the_cohorts_and_name_g4_without_coverage():
    strata = cohort_strata()
    assert strata.value_counts().to_dict() == {"overig": 289, "G40": 40, "P10": 22, "G4": 4}
    # Diemen and Zwolle only: no G4 or P10 municipality covered
    properties = pd.DataFrame({"cluster": [0, 1], "gezamenlijk": [True, False], "participatie": [False, False],
                               "thema_OND": [True, False]}, index=pd.Index([DIE, ZWO], name="gemeentecode"))
    result = weighted_municipality_shares(properties, seed=1, n_resamples=200)
    assert result["strata_without_coverage"] == ["G4", "P10"]
    # overig (289) and G40 (40) renormalised over 329: Diemen (overig) has it, Zwolle (G40) not
    assert result["joint_share"]["share_with"] == pytest.approx(289 / 329)


def test_weighted_same_seed_same_result_and_unknown_code_is_an_error():
    properties, strata = _two_strata([True, False], [True, False, True, False])
    one = weighted_municipality_shares(properties, strata=strata, seed=9, n_resamples=300)
    assert one == weighted_municipality_shares(properties, strata=strata, seed=9, n_resamples=300)
    with pytest.raises(ValueError, match="without a stratum"):
        weighted_municipality_shares(properties, strata=strata.drop("a0"), seed=9, n_resamples=300)


def test_duplicate_plan_ids_are_refused(plans, links, speerpunten):
    with pytest.raises(ValueError, match="unique"):
        municipality_properties(pd.concat([plans, plans]), links, speerpunten, [AMS])
