"""Sample against population of municipalities by cohort, province and veiligheidsregio (by hand).

Covered: Amsterdam (G4, Noord-Holland, Amsterdam-Amstelland), Diemen (overig, Noord-Holland,
Amsterdam-Amstelland), Zwolle (G40, Overijssel, IJsselland). Population sizes are public 2020 facts."""

from __future__ import annotations

import numpy as np
import pytest

from ivp.analysis.representativeness import SIZE_CLASS_NOTE, coverage_table, representativeness
from ivp.reference.municipalities import cohort_codes

AMS, DIE, ZWO = "GM0363", "GM0384", "GM0193"


@pytest.fixture(scope="module")
def tables():
    return representativeness([AMS, DIE, ZWO])


def test_by_cohort(tables):
    table = tables["cohort"]
    assert list(table.index) == ["G4", "G40", "P10", "overig", "totaal"]
    assert table["n_gemeenten"].tolist() == [4, 40, 22, 289, 355]
    assert table["n_gedekt"].tolist() == [1, 1, 0, 1, 3]
    assert table.loc["G4", "dekking"] == pytest.approx(1 / 4)
    assert table.loc["P10", "dekking"] == 0
    assert table.loc["totaal", "dekking"] == pytest.approx(3 / 355)
    assert table.loc["G40", "aandeel_populatie"] == pytest.approx(40 / 355)
    assert table.loc["G4", "aandeel_gedekt"] == pytest.approx(1 / 3)


def test_by_province_and_safety_region(tables):
    province = tables["provincie"]
    assert len(province) == 13  # 12 provinces and the total
    assert province.loc["Noord-Holland", ["n_gemeenten", "n_gedekt"]].tolist() == [47, 2]
    assert province.loc["Overijssel", ["n_gemeenten", "n_gedekt"]].tolist() == [25, 1]
    assert province.loc["Zeeland", ["n_gemeenten", "n_gedekt"]].tolist() == [13, 0]
    region = tables["veiligheidsregio"]
    assert len(region) == 26
    assert region.loc["Amsterdam-Amstelland", ["n_gemeenten", "n_gedekt"]].tolist() == [6, 2]
    assert region.loc["Amsterdam-Amstelland", "dekking"] == pytest.approx(2 / 6)
    assert region.loc["totaal", "n_gemeenten"] == 355


def test_size_classes_are_left_out_with_a_reason(tables):
    assert tables["grootteklassen"] == SIZE_CLASS_NOTE
    assert "inwonertal" in SIZE_CLASS_NOTE


def test_cohort_population_counts_only_its_members():
    tables = representativeness([AMS, DIE, ZWO], population=cohort_codes("G40"))
    assert list(tables["cohort"].index) == ["G40", "totaal"]
    assert tables["cohort"].loc["G40", ["n_gemeenten", "n_gedekt"]].tolist() == [40, 1]
    assert tables["veiligheidsregio"].loc["IJsselland", "n_gedekt"] == 1
    # only groups with members: no G40 city lay in Amsterdam-Amstelland (Amstelveen joined in 2022) or Zeeland
    assert "Amsterdam-Amstelland" not in tables["veiligheidsregio"].index
    assert "Zeeland" not in tables["provincie"].index
    assert tables["cohort"].loc["totaal", "n_gedekt"] == 1  # Amsterdam and Diemen are not in the population
    with pytest.raises(ValueError):
        representativeness([AMS], population=["GM9999"])


def test_nothing_covered():
    import pandas as pd

    table = coverage_table(pd.Series(["x", "x", "y"], index=["a", "b", "c"], name="groep"), [])
    assert table["n_gedekt"].tolist() == [0, 0, 0]
    assert table["dekking"].tolist() == [0, 0, 0]
    assert np.isnan(table["aandeel_gedekt"]).all()
