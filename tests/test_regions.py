"""Region membership of the 2020 municipalities (ivp/data/regio_2020.csv) and the geometry behind it.

Expected memberships and counts are public knowledge of 2020 (veiligheidsregio's per Wet
veiligheidsregio's, the ten regionale eenheden of the Nationale Politie), not read from the data files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ivp.reference.municipalities import municipalities
from ivp.reference.regions import (
    BASISTEAM_NOTE,
    COLUMNS,
    Area,
    areas_from_geojson,
    boundaries,
    contains,
    derive_membership,
    region_membership,
    sample_points,
)

ROOT = Path(__file__).resolve().parents[1]

# municipality -> (veiligheidsregio, regionale eenheid) in 2020
KNOWN = {
    "Amsterdam": ("Amsterdam-Amstelland", "Amsterdam"),
    "Almere": ("Flevoland", "Midden-Nederland"),
    "Maastricht": ("Limburg-Zuid", "Limburg"),
    "Rotterdam": ("Rotterdam-Rijnmond", "Rotterdam"),
    "'s-Gravenhage": ("Haaglanden", "Den Haag"),
    "Eindhoven": ("Brabant-Zuidoost", "Oost-Brabant"),
    "Groningen": ("Groningen", "Noord-Nederland"),
    "Zwolle": ("IJsselland", "Oost-Nederland"),
    "Utrecht": ("Utrecht", "Midden-Nederland"),
    "Middelburg": ("Zeeland", "Zeeland-West-Brabant"),
    "Haarlem": ("Kennemerland", "Noord-Holland"),
    "Arnhem": ("Gelderland-Midden", "Oost-Nederland"),
    "Leeuwarden": ("Fryslân", "Noord-Nederland"),
    "Enschede": ("Twente", "Oost-Nederland"),
    "Nijmegen": ("Gelderland-Zuid", "Oost-Nederland"),
    "Apeldoorn": ("Noord- en Oost-Gelderland", "Oost-Nederland"),
    "Venlo": ("Limburg-Noord", "Limburg"),
    "Dordrecht": ("Zuid-Holland-Zuid", "Rotterdam"),
    "Leiden": ("Hollands-Midden", "Den Haag"),
    "Tilburg": ("Midden- en West-Brabant", "Zeeland-West-Brabant"),
    "'s-Hertogenbosch": ("Brabant-Noord", "Oost-Brabant"),
    "Hilversum": ("Gooi en Vechtstreek", "Midden-Nederland"),
    "Zaanstad": ("Zaanstreek-Waterland", "Noord-Holland"),
    "Alkmaar": ("Noord-Holland-Noord", "Noord-Holland"),
    "Assen": ("Drenthe", "Noord-Nederland"),
    # islands and border cases of the generalised boundaries
    "Texel": ("Noord-Holland-Noord", "Noord-Holland"),
    "Schiermonnikoog": ("Fryslân", "Noord-Nederland"),
    "Vlieland": ("Fryslân", "Noord-Nederland"),
    "Weesp": ("Gooi en Vechtstreek", "Midden-Nederland"),  # Noord-Holland, but police unit Midden-Nederland
    "Mook en Middelaar": ("Limburg-Noord", "Limburg"),
    "Goeree-Overflakkee": ("Rotterdam-Rijnmond", "Rotterdam"),
    "Vijfheerenlanden": ("Utrecht", "Midden-Nederland"),
    "Uithoorn": ("Amsterdam-Amstelland", "Amsterdam"),
    "Kerkrade": ("Limburg-Zuid", "Limburg"),
}
AMSTERDAM_AMSTELLAND = {"Aalsmeer", "Amstelveen", "Amsterdam", "Diemen", "Ouder-Amstel", "Uithoorn"}
# municipalities per veiligheidsregio on 1 January 2020
VR_COUNTS = {
    "Groningen": 12, "Fryslân": 18, "Drenthe": 12, "IJsselland": 11, "Twente": 14,
    "Noord- en Oost-Gelderland": 22, "Gelderland-Midden": 15, "Gelderland-Zuid": 14, "Utrecht": 26,
    "Noord-Holland-Noord": 17, "Zaanstreek-Waterland": 8, "Kennemerland": 9, "Amsterdam-Amstelland": 6,
    "Gooi en Vechtstreek": 7, "Haaglanden": 9, "Hollands-Midden": 18, "Rotterdam-Rijnmond": 15,
    "Zuid-Holland-Zuid": 10, "Zeeland": 13, "Brabant-Zuidoost": 21, "Limburg-Noord": 15,
    "Limburg-Zuid": 16, "Flevoland": 6,
}
BRABANT_NOORD_AND_MIDDEN_WEST = 41  # the 62 of Noord-Brabant minus the 21 of Brabant-Zuidoost
# municipalities per regionale eenheid: each is a union of whole veiligheidsregio's
RE_COUNTS = {
    "Noord-Nederland": 42, "Oost-Nederland": 76, "Midden-Nederland": 39, "Noord-Holland": 34, "Amsterdam": 6,
    "Den Haag": 27, "Rotterdam": 25, "Limburg": 31,
}
ZWB_AND_OOST_BRABANT = 75  # Zeeland 13 + Noord-Brabant 62


@pytest.fixture(scope="module")
def table():
    names = municipalities().set_index("code")["naam"]
    out = region_membership()
    out["naam"] = out["gemeentecode"].map(names)
    return out


def test_csv_has_the_columns_and_every_2020_municipality_once(table):
    assert list(region_membership().columns) == COLUMNS
    assert len(table) == 355
    assert table["gemeentecode"].is_unique
    assert set(table["gemeentecode"]) == set(municipalities()["code"])
    assert (table[COLUMNS] != "").all().all()  # each municipality has exactly one of each


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_memberships(table, name):
    row = table[table["naam"] == name]
    assert len(row) == 1
    assert (row["veiligheidsregio"].iloc[0], row["regionale_eenheid"].iloc[0]) == KNOWN[name]


def test_25_safety_regions_and_10_police_units_with_distinct_codes(table):
    assert table["veiligheidsregio"].nunique() == 25
    assert table["veiligheidsregio_code"].nunique() == 25
    assert table["regionale_eenheid"].nunique() == 10
    assert table["regionale_eenheid_code"].nunique() == 10
    # one name per code and one code per name
    assert (table.groupby("veiligheidsregio_code")["veiligheidsregio"].nunique() == 1).all()
    assert (table.groupby("regionale_eenheid")["regionale_eenheid_code"].nunique() == 1).all()


def test_amsterdam_amstelland_members(table):
    assert set(table.loc[table["veiligheidsregio"] == "Amsterdam-Amstelland", "naam"]) == AMSTERDAM_AMSTELLAND


def test_municipalities_per_safety_region(table):
    counts = table["veiligheidsregio"].value_counts()
    assert {name: int(counts[name]) for name in VR_COUNTS} == VR_COUNTS
    assert counts["Brabant-Noord"] + counts["Midden- en West-Brabant"] == BRABANT_NOORD_AND_MIDDEN_WEST
    assert counts.sum() == 355


def test_municipalities_per_police_unit(table):
    counts = table["regionale_eenheid"].value_counts()
    assert {name: int(counts[name]) for name in RE_COUNTS} == RE_COUNTS
    assert counts["Zeeland-West-Brabant"] + counts["Oost-Brabant"] == ZWB_AND_OOST_BRABANT


def test_every_safety_region_lies_in_one_police_unit(table):
    assert (table.groupby("veiligheidsregio")["regionale_eenheid"].nunique() == 1).all()


def test_province_from_the_boundaries_matches_the_reference_table(table):
    reference = municipalities().set_index("code")["provincie"]
    assert (table["provincie"] == table["gemeentecode"].map(reference)).all()
    assert table["provincie_code"].nunique() == 12


def test_membership_is_a_copy():
    first = region_membership()
    first.loc[0, "veiligheidsregio"] = "X"
    assert region_membership().loc[0, "veiligheidsregio"] != "X"


def test_script_reproduces_the_csv(tmp_path):
    out = tmp_path / "regio.csv"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "derive_regio_2020.py"), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    shipped = ROOT / "src" / "ivp" / "data" / "regio_2020.csv"
    assert out.read_bytes() == shipped.read_bytes()
    assert "smallest winning share" in run.stdout


def test_smallest_winning_share_is_a_clear_majority():
    # borders are generalised, but no municipality is a close call
    _, shares = derive_membership(target=1000)
    assert shares["aandeel"].min() > 0.75
    assert (shares["aandeel"] > 2 * shares["tweede_aandeel"]).all()


def test_basisteam_is_named_as_not_available():
    assert "basisteam" in BASISTEAM_NOTE


# --- geometry -------------------------------------------------------------------------------------

def _square(x0, y0, size):
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


def test_contains_handles_holes_and_multipolygons_in_either_orientation():
    outer = _square(0, 0, 10)
    hole = _square(4, 4, 2)[::-1]  # same orientation as the exterior after reversal below
    collection = {"features": [
        {"properties": {"statcode": "A", "statnaam": "a"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[outer[::-1], hole], [_square(20, 0, 2)]]}},
    ]}
    (area,) = areas_from_geojson(collection)
    points = np.array([[1, 1], [5, 5], [21, 1], [15, 5], [9.5, 9.5]])
    assert contains(area, points).tolist() == [True, False, True, False, True]


def test_grid_sample_measures_area_shares():
    # a 1 km square (RD metres) split 30/70 between two regions
    town = Area("T", "t", ((np.array(_square(0, 0, 1000), dtype=float),),))
    west = Area("W", "w", ((np.array([[0, 0], [300, 0], [300, 1000], [0, 1000], [0, 0]], dtype=float),),))
    east = Area("E", "e", ((np.array([[300, 0], [1000, 0], [1000, 1000], [300, 1000], [300, 0]], dtype=float),),))
    points = sample_points(town, target=1000)
    assert len(points) >= 400
    assert contains(west, points).mean() == pytest.approx(0.3, abs=0.02)
    membership, shares = derive_membership([town], {"veiligheidsregio": (west, east)}, target=1000)
    assert membership.loc[0, "veiligheidsregio_code"] == "E"
    assert shares.loc[0, "aandeel"] == pytest.approx(0.7, abs=0.02)
    assert shares.loc[0, "tweede_code"] == "W"


def test_municipality_outside_every_region_is_an_error():
    town = Area("T", "t", ((np.array(_square(0, 0, 10), dtype=float),),))
    far = Area("F", "f", ((np.array(_square(100, 100, 10), dtype=float),),))
    with pytest.raises(ValueError, match="no sample point"):
        derive_membership([town], {"veiligheidsregio": (far,)})


def test_shipped_boundaries_have_the_documented_features():
    assert len(boundaries("gemeente")) == 355
    assert len(boundaries("veiligheidsregio")) == 25
    assert len(boundaries("regionale_eenheid")) == 10
    assert len(boundaries("provincie")) == 12
    with pytest.raises(ValueError):
        boundaries("basisteam")
