"""Reference data shipped in the package: municipalities of 1 January 2020, other names, cohorts, codebook.

Expected values come from docs/reference-facts.md and docs/codebook.md (the project's sources), not from
the data files themselves."""

from __future__ import annotations

import re

import pytest

from ivp.reference.municipalities import (
    closest_names,
    codebook,
    cohort_codes,
    cohort_members,
    cohort_size,
    cohorts_of,
    municipalities,
    name_key,
    other_names,
    resolve_municipality,
    theme_table,
)

G4 = {"GM0363": "Amsterdam", "GM0599": "Rotterdam", "GM0518": "'s-Gravenhage", "GM0344": "Utrecht"}
G40 = {
    "GM0361": "Alkmaar", "GM0141": "Almelo", "GM0034": "Almere", "GM0484": "Alphen aan den Rijn",
    "GM0307": "Amersfoort", "GM0200": "Apeldoorn", "GM0202": "Arnhem", "GM0106": "Assen", "GM0758": "Breda",
    "GM0503": "Delft", "GM0150": "Deventer", "GM0505": "Dordrecht", "GM0228": "Ede", "GM0772": "Eindhoven",
    "GM0114": "Emmen", "GM0153": "Enschede", "GM0513": "Gouda", "GM0014": "Groningen", "GM0392": "Haarlem",
    "GM0394": "Haarlemmermeer", "GM0917": "Heerlen", "GM0794": "Helmond", "GM0164": "Hengelo",
    "GM0796": "'s-Hertogenbosch", "GM0402": "Hilversum", "GM0405": "Hoorn", "GM0080": "Leeuwarden",
    "GM0546": "Leiden", "GM0995": "Lelystad", "GM0935": "Maastricht", "GM0268": "Nijmegen", "GM0828": "Oss",
    "GM1674": "Roosendaal", "GM0606": "Schiedam", "GM1883": "Sittard-Geleen", "GM0855": "Tilburg",
    "GM0983": "Venlo", "GM0479": "Zaanstad", "GM0637": "Zoetermeer", "GM0193": "Zwolle",
}
P10 = {
    "GM1680": "Aa en Hunze", "GM1859": "Berkelland", "GM1681": "Borger-Odoorn", "GM1876": "Bronckhorst",
    "GM1924": "Goeree-Overflakkee", "GM1735": "Hof van Twente", "GM1911": "Hollands Kroon", "GM0677": "Hulst",
    "GM0085": "Ooststellingwerf", "GM0086": "Opsterland", "GM1894": "Peel en Maas",
    "GM1676": "Schouwen-Duiveland", "GM1714": "Sluis", "GM1730": "Tynaarlo", "GM1701": "Westerveld",
    "GM0420": "Medemblik", "GM1731": "Midden-Drenthe", "GM1700": "Twenterand", "GM1507": "Horst aan de Maas",
    "GM1940": "De Fryske Marren", "GM1966": "Het Hogeland", "GM1969": "Westerkwartier",
}
# CBS: municipalities per province on 1 January 2020 (sum 355).
PROVINCES_2020 = {
    "Drenthe": 12, "Flevoland": 6, "Fryslân": 18, "Gelderland": 51, "Groningen": 12, "Limburg": 31,
    "Noord-Brabant": 62, "Noord-Holland": 47, "Overijssel": 25, "Utrecht": 26, "Zeeland": 13,
    "Zuid-Holland": 52,
}


# --- municipalities of 1 January 2020 -------------------------------------------------------------

def test_reference_table_has_355_municipalities_with_unique_codes_and_names():
    table = municipalities()
    assert list(table.columns) == ["code", "naam", "provincie"]
    assert len(table) == 355
    assert table["code"].is_unique
    assert table["naam"].is_unique
    assert table["code"].str.fullmatch(r"GM\d{4}").all()
    assert (table["naam"].str.strip() != "").all()


def test_municipalities_per_province_match_cbs_2020():
    assert municipalities()["provincie"].value_counts().to_dict() == PROVINCES_2020


@pytest.mark.parametrize("code, name", [("GM0363", "Amsterdam"), ("GM0518", "'s-Gravenhage"),
                                        ("GM1900", "Súdwest-Fryslân"), ("GM0373", "Bergen (NH.)"),
                                        ("GM0893", "Bergen (L.)"), ("GM0003", "Appingedam"),
                                        ("GM1966", "Het Hogeland")])
def test_known_codes_carry_their_official_names(code, name):
    table = municipalities().set_index("code")
    assert table.at[code, "naam"] == name


def test_municipalities_that_ceased_before_2020_are_not_in_the_table():
    names = set(municipalities()["naam"])
    assert not names & {"Haarlemmerliede en Spaarnwoude", "Eemsdelta", "Dijk en Waard", "Leek", "Haren"}


# --- cohorts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cohort, members", [("G4", G4), ("G40", G40), ("P10", P10)], ids=["G4", "G40", "P10"])
def test_every_cohort_member_is_present_with_its_official_name(cohort, members):
    table = cohort_members()
    listed = table[table["cohort"] == cohort]
    assert dict(zip(listed["code"], listed["naam"])) == members
    official = municipalities().set_index("code")["naam"]
    assert {code: official[code] for code in members} == members


def test_cohort_table_records_reference_year_and_source():
    table = cohort_members()
    assert set(table["peiljaar"]) == {"2020"}
    assert (table["bron"].str.strip() != "").all()
    assert not table["code"].duplicated().any(), "a municipality is in at most one membership cohort"


def test_every_other_municipality_is_overig():
    assert cohort_size("G4") == 4 and cohort_size("G40") == 40 and cohort_size("P10") == 22
    assert cohort_size("overig") == 355 - 66
    assert cohort_size("nationaal") == 355
    assert cohort_codes("overig") == set(municipalities()["code"]) - set(G4) - set(G40) - set(P10)


def test_cohorts_of_a_set_of_codes_lists_each_cohort_once_and_overig_for_non_members():
    assert cohorts_of(["GM0363"]) == ["G4"]
    assert cohorts_of(["GM0363", "GM1680"]) == ["G4", "P10"]
    assert cohorts_of(["GM0482", "GM0518"]) == ["G4", "overig"]  # Alblasserdam + 's-Gravenhage
    assert cohorts_of(["GM0482"]) == ["overig"]


# --- other names: aliases, dissolved and later municipalities ------------------------------------

def test_other_names_point_only_at_2020_municipalities():
    codes = set(municipalities()["code"])
    table = other_names()
    assert set(table["soort"]) <= {"alias", "opgeheven", "na_2020"}
    for row in table.itertuples():
        assert set(row.codes.split(";")) <= codes, row.naam
    dated = table[table["soort"] != "alias"]
    assert dated["datum"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


@pytest.mark.parametrize("name, code", [
    ("Den Haag", "GM0518"), ("den haag", "GM0518"), ("'s-Gravenhage", "GM0518"), ("’s-Gravenhage", "GM0518"),
    ("Bergen (NH)", "GM0373"), ("Bergen (N.H.)", "GM0373"), ("Bergen (L)", "GM0893"), ("Bergen L.", "GM0893"),
    ("Sudwest-Fryslan", "GM1900"), ("Súdwest-Fryslân", "GM1900"), ("Sudwest Fryslan", "GM1900"),
    ("Den Bosch", "GM0796"), ("GM0363", "GM0363"), ("gm0363", "GM0363"),
])
def test_alias_and_spelling_variants_resolve_to_one_2020_code(name, code):
    resolved = resolve_municipality(name)
    assert resolved is not None, name
    assert resolved.codes == (code,)
    assert resolved.identity == code, "an alias is the same municipality, not a distinct one"


def test_name_key_ignores_case_accents_apostrophes_dots_brackets_and_spacing():
    assert name_key("’S-GRAVENHAGE") == name_key("'s-Gravenhage")
    assert name_key("Bergen (NH.)") == name_key("bergen  nh")
    assert name_key("Súdwest-Fryslân") == name_key("sudwest-fryslan")


def test_plain_bergen_is_ambiguous_and_suggests_both_bergens():
    assert resolve_municipality("Bergen") is None
    assert closest_names("Bergen")[:2] == ["Bergen (L.)", "Bergen (NH.)"]


def test_unknown_name_suggests_the_closest_known_names():
    assert resolve_municipality("Amsterdm") is None
    assert closest_names("Amsterdm")[0] == "Amsterdam"
    assert closest_names("Haarlemerliede")[0] == "Haarlemmerliede"  # a former municipality is suggested as itself
    assert closest_names("Xyzzyq") == []
    assert len(closest_names("Hengelo (Gld)", n=2)) <= 2


def test_unknown_cbs_code_resolves_to_nothing():
    assert resolve_municipality("GM9999") is None


def test_dissolved_municipality_maps_to_successor_with_merger_date():
    resolved = resolve_municipality("Haarlemmerliede en Spaarnwoude")
    assert resolved.codes == ("GM0394",)
    assert resolved.official_name == "Haarlemmermeer"
    assert resolved.soort == "opgeheven"
    assert resolved.identity != "GM0394", "at the plan's time it was a municipality of its own"
    assert "1 januari 2019" in resolved.toelichting
    row = other_names().set_index("naam").loc["Haarlemmerliede en Spaarnwoude"]
    assert row["datum"] == "2019-01-01"


@pytest.mark.parametrize("name, codes, date", [
    ("Eemsdelta", {"GM0003", "GM0010", "GM0024"}, "2021-01-01"),  # Appingedam, Delfzijl, Loppersum
    ("Dijk en Waard", {"GM0398", "GM0416"}, "2022-01-01"),  # Heerhugowaard, Langedijk
    ("Maashorst", {"GM1685", "GM0856"}, "2022-01-01"),  # Landerd, Uden
    ("Voorne aan Zee", {"GM0501", "GM0530", "GM0614"}, "2023-01-01"),  # Brielle, Hellevoetsluis, Westvoorne
])
def test_municipality_formed_after_2020_maps_to_the_municipalities_it_replaced(name, codes, date):
    resolved = resolve_municipality(name)
    assert set(resolved.codes) == codes
    assert resolved.soort == "na_2020"
    assert other_names().set_index("naam").at[name, "datum"] == date


def test_land_van_cuijk_maps_to_its_five_predecessors():
    names = municipalities().set_index("code")["naam"]
    resolved = resolve_municipality("Land van Cuijk")
    assert sorted(names[c] for c in resolved.codes) == sorted(
        ["Boxmeer", "Cuijk", "Grave", "Mill en Sint Hubert", "Sint Anthonis"])


# --- codebook ----------------------------------------------------------------------------------------

KERNBELEID_FIELDS = {"Veilige woon- en leefomgeving", "Bedrijvigheid en veiligheid", "Jeugd en veiligheid",
                     "Fysieke veiligheid", "Integriteit en veiligheid"}


def test_codebook_has_the_nine_themes_with_labels():
    table = theme_table()
    assert list(table["code"]) == ["VWL", "OND", "ZOR", "JEU", "BED", "FYS", "INT", "CYB", "OVR"]
    for column in ("label_nl", "label_en", "kernbeleid"):
        assert (table[column].str.strip() != "").all(), column
    labels = table.set_index("code")["label_nl"]
    assert labels["VWL"] == "Veilige woon- en leefomgeving" and labels["OND"] == "Ondermijning"


def test_codebook_kernbeleid_fields_follow_the_codebook_table():
    fields = theme_table().set_index("code")["kernbeleid"]
    assert fields["VWL"] == fields["ZOR"] == "Veilige woon- en leefomgeving"
    assert fields["OND"] == fields["INT"] == "Integriteit en veiligheid"
    assert fields["JEU"] == "Jeugd en veiligheid"
    assert fields["BED"] == "Bedrijvigheid en veiligheid"
    assert fields["FYS"] == "Fysieke veiligheid"
    assert fields["CYB"] not in KERNBELEID_FIELDS and fields["OVR"] not in KERNBELEID_FIELDS


def test_only_ond_and_cyb_are_national_priorities():
    flags = theme_table().set_index("code")["landelijke_prioriteit"]
    assert set(flags[flags].index) == {"OND", "CYB"}


def test_default_rollup_is_ccv2020_and_alternatives_move_zor_and_cyb():
    book = codebook()
    table = theme_table().set_index("code")
    assert book["default_rollup"] == "ccv2020"
    for name in book["rollups"]:
        assert table[f"categorie_{name}"].notna().all(), f"roll-up {name} leaves a theme unmapped"
    assert table.at["ZOR", "categorie_ccv2020"] == "Veilige woon- en leefomgeving"
    assert table.at["OND", "categorie_ccv2020"] == "Ondermijning"
    assert table.at["ZOR", "categorie_zor_apart"] == "Zorg en veiligheid"
    assert table.at["CYB", "categorie_cyb_onder_vwl"] == "Veilige woon- en leefomgeving"


def test_codebook_records_the_published_ccv_figures():
    ccv = codebook()["ccv2020"]
    assert ccv["n_priorities"] == 381
    assert ccv["category_shares"] == {"Veilige woon- en leefomgeving": 0.42, "Ondermijning": 0.28}
    assert ccv["joint_plan_share"] == 0.25
    assert re.search(r"2020", ccv["bron"])
