"""The cleaning stage: derived columns, the cleaning log and writing data/processed atomically.

Expected values are worked out by hand from the base input in tests/conftest.py."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import BASE_PRIORITIES, plans, priorities, write_input

from ivp.errors import InvalidInput
from ivp.inputs.clean import (
    Cleaned,
    clean,
    clean_input,
    input_manifest,
    read_processed,
    summary,
    write_processed,
)
from ivp.inputs.read import read_input, sha256


def cleaned_from(tmp_path, plan_rows=None, priority_rows=None, **kwargs) -> Cleaned:
    return clean(read_input(write_input(tmp_path / "raw", plan_rows, priority_rows, **kwargs)))


def log_rows(cleaned: Cleaned, column: str) -> list[tuple]:
    log = cleaned.log[cleaned.log["kolom"] == column]
    return list(zip(log["rij"], log["oud"], log["nieuw"], log["reden"]))


# --- plans --------------------------------------------------------------------------------------------

def test_plans_get_codes_counts_joint_flag_and_cohorts(tmp_path):
    p = cleaned_from(tmp_path).plans.set_index("plan_id")
    assert list(p["gemeente_codes"]) == ["GM0363", "GM0482;GM0518", "GM1680"]
    assert list(p["n_gemeenten"]) == [1, 2, 1]
    assert list(p["gezamenlijk"]) == [False, True, False]
    assert list(p["gezamenlijk_afgeleid"]) == [False, True, False]
    assert list(p["partners_onbekend"]) == [False, False, False]
    cohorts = p[["cohort_G4", "cohort_G40", "cohort_P10", "cohort_overig"]].astype(int).values.tolist()
    assert cohorts == [[1, 0, 0, 0],  # Amsterdam
                       [1, 0, 0, 1],  # Alblasserdam (overig) + Den Haag (G4): counts in both
                       [0, 0, 1, 0]]  # Aa en Hunze
    assert list(p["bron_rij"]) == [2, 3, 4]


def test_periods_are_nullable_years_and_heeft_periode_needs_both(tmp_path):
    p = cleaned_from(tmp_path, plans((2, {"periode_eind": ""}))).plans
    assert str(p["periode_start"].dtype) == "Int64"
    assert p["periode_start"].tolist() == [2019, pd.NA, 2020]
    assert p["periode_eind"].tolist() == [2022, pd.NA, pd.NA]
    assert p["heeft_periode"].tolist() == [True, False, False]


def test_derived_joint_flag_is_logged_with_the_number_of_municipalities(tmp_path):
    cleaned = cleaned_from(tmp_path)
    assert (3, "", "ja", "afgeleid uit 2 gemeente(n)") in log_rows(cleaned, "gezamenlijk")


def test_joint_per_source_with_one_municipality_is_kept_and_logged_as_partners_unknown(tmp_path):
    cleaned = cleaned_from(tmp_path, plans((0, {"gezamenlijk": "ja"})))
    p = cleaned.plans.set_index("plan_id")
    assert bool(p.at["p1", "gezamenlijk"]) and bool(p.at["p1", "partners_onbekend"])
    assert p.at["p1", "n_gemeenten"] == 1
    (entry,) = [e for e in log_rows(cleaned, "gezamenlijk") if e[0] == 2]
    assert "partners onbekend" in entry[3]


def test_alias_is_mapped_to_the_official_name_and_logged(tmp_path):
    cleaned = cleaned_from(tmp_path)
    assert (3, "Den Haag", "'s-Gravenhage", "alias: alternatieve schrijfwijze van 's-Gravenhage") \
        in log_rows(cleaned, "gemeenten")
    rows = cleaned.plan_gemeenten.set_index("naam_bron")
    assert rows.at["Den Haag", "code"] == "GM0518" and rows.at["Den Haag", "soort"] == "alias"


def test_spelling_variant_of_an_official_name_is_logged(tmp_path):
    cleaned = cleaned_from(tmp_path, plans((0, {"gemeenten": "Sudwest-Fryslan"})))
    assert cleaned.plans["gemeente_codes"].iloc[0] == "GM1900"
    assert (2, "Sudwest-Fryslan", "Súdwest-Fryslân", "officieel: andere schrijfwijze") \
        in log_rows(cleaned, "gemeenten")


def test_official_name_as_written_is_not_logged(tmp_path):
    cleaned = cleaned_from(tmp_path)
    assert [e[1] for e in log_rows(cleaned, "gemeenten")] == ["Den Haag"]


def test_dissolved_municipality_maps_to_successor_and_cohort_and_is_logged(tmp_path):
    cleaned = cleaned_from(tmp_path, plans((0, {"gemeenten": "Haarlemmerliede en Spaarnwoude"})))
    p = cleaned.plans.iloc[0]
    assert p["gemeente_codes"] == "GM0394"  # Haarlemmermeer
    assert bool(p["cohort_G40"]) and not bool(p["cohort_G4"])
    (entry,) = log_rows(cleaned, "gemeenten")[:1]
    assert entry[:3] == (2, "Haarlemmerliede en Spaarnwoude", "Haarlemmermeer")
    assert entry[3] == "opgeheven: opgegaan in Haarlemmermeer per 1 januari 2019"


def test_plan_of_a_municipality_and_its_dissolved_predecessor_is_joint_with_one_2020_code(tmp_path):
    rows = plans((0, {"gemeenten": "Haarlemmermeer; Haarlemmerliede en Spaarnwoude", "gezamenlijk": ""}))
    p = cleaned_from(tmp_path, rows).plans.iloc[0]
    assert (p["n_gemeenten"], bool(p["gezamenlijk"]), p["gemeente_codes"]) == (2, True, "GM0394")


def test_municipality_formed_after_2020_becomes_its_three_predecessors_but_counts_once(tmp_path):
    cleaned = cleaned_from(tmp_path, plans((1, {"gemeenten": "Eemsdelta"})))
    p = cleaned.plans.set_index("plan_id").loc["p2"]
    assert p["gemeente_codes"] == "GM0003;GM0010;GM0024"
    assert p["n_gemeenten"] == 1 and not bool(p["gezamenlijk"])
    rows = cleaned.plan_gemeenten[cleaned.plan_gemeenten["plan_id"] == "p2"]
    assert sorted(rows["naam"]) == ["Appingedam", "Delfzijl", "Loppersum"]
    assert set(rows["identiteit"]) == {"na_2020:eemsdelta"} and set(rows["soort"]) == {"na_2020"}
    assert set(rows["provincie"]) == {"Groningen"}
    (entry,) = log_rows(cleaned, "gemeenten")
    assert entry[2] == "Appingedam; Delfzijl; Loppersum" and "1 januari 2021" in entry[3]


def test_same_municipality_named_twice_counts_once_and_is_logged(tmp_path):
    cleaned = cleaned_from(tmp_path, plans((0, {"gemeenten": "Amsterdam; GM0363"})))
    p = cleaned.plans.iloc[0]
    assert (p["n_gemeenten"], bool(p["gezamenlijk"]), p["gemeente_codes"]) == (1, False, "GM0363")
    rows = cleaned.plan_gemeenten[cleaned.plan_gemeenten["plan_id"] == "p1"]
    assert rows["positie"].tolist() == [1, 2] and set(rows["identiteit"]) == {"GM0363"}
    assert (2, "GM0363", "", "dubbel genoemd in hetzelfde plan: één keer geteld") in log_rows(cleaned, "gemeenten")


def test_plan_gemeenten_has_one_row_per_plan_and_2020_municipality_with_cohorts(tmp_path):
    pg = cleaned_from(tmp_path).plan_gemeenten
    assert list(pg.columns) == ["plan_id", "bron_rij", "positie", "naam_bron", "soort", "identiteit",
                                "toelichting", "code", "naam", "provincie", "cohort_G4", "cohort_G40",
                                "cohort_P10", "cohort_overig"]
    assert list(zip(pg["plan_id"], pg["code"])) == [("p1", "GM0363"), ("p2", "GM0482"), ("p2", "GM0518"),
                                                    ("p3", "GM1680")]
    assert pg["cohort_overig"].tolist() == [False, True, False, False]
    assert pg["provincie"].tolist() == ["Noord-Holland", "Zuid-Holland", "Zuid-Holland", "Drenthe"]


# --- speerpunten ----------------------------------------------------------------------------------------

def test_priorities_get_labels_fields_categories_and_national_priority(tmp_path):
    sp = cleaned_from(tmp_path).speerpunten
    assert sp["thema"].tolist() == ["VWL", "OND", "ZOR", "JEU", "CYB"]
    assert sp["kernbeleid"].tolist() == ["Veilige woon- en leefomgeving", "Integriteit en veiligheid",
                                         "Veilige woon- en leefomgeving", "Jeugd en veiligheid",
                                         "Cross-domein (gedigitaliseerde criminaliteit)"]
    assert sp["categorie"].tolist() == ["Veilige woon- en leefomgeving", "Ondermijning",
                                        "Veilige woon- en leefomgeving", "Jeugd en veiligheid", "Cybercriminaliteit"]
    assert sp["categorie_zor_apart"].iloc[2] == "Zorg en veiligheid"
    assert sp["categorie_cyb_onder_vwl"].iloc[4] == "Veilige woon- en leefomgeving"
    assert sp["landelijke_prioriteit"].tolist() == [False, True, False, False, True]
    assert sp["thema_label"].iloc[1] == "Ondermijning"
    assert str(sp["volgnummer"].dtype) == "Int64"


def test_priorities_are_sorted_by_plan_and_volgnummer_keeping_their_source_row(tmp_path):
    shuffled = [BASE_PRIORITIES[i] for i in (4, 1, 3, 0, 2)]
    sp = cleaned_from(tmp_path, None, shuffled).speerpunten
    assert list(zip(sp["plan_id"], sp["volgnummer"])) == [("p1", 1), ("p1", 2), ("p2", 1), ("p3", 1), ("p3", 2)]
    assert sp["bron_rij"].tolist() == [5, 3, 6, 4, 2]


def test_uncoded_priority_is_not_counted_as_national_priority(tmp_path):
    # regression: NaN.astype(bool) made every uncoded speerpunt a national priority
    raw = read_input(write_input(tmp_path / "raw", None, priorities((4, {"thema": ""}))))
    sp = clean(raw, require_thema=False).speerpunten
    assert sp["landelijke_prioriteit"].tolist() == [False, True, False, False, False]
    assert pd.isna(sp["categorie"].iloc[4])


# --- the cleaning log ---------------------------------------------------------------------------------

def test_normalised_and_defaulted_values_are_logged_per_row(tmp_path):
    sp = priorities((0, {"thema": " vwl"}), (2, {"niveau": ""}))
    cleaned = cleaned_from(tmp_path, None, sp)
    log = cleaned.log[cleaned.log["bestand"] == "speerpunten.csv"]
    assert list(zip(log["rij"], log["kolom"], log["oud"], log["nieuw"], log["reden"])) == [
        (4, "niveau", "", "onbekend", "leeg: standaardwaarde"),
        (2, "thema", " vwl", "VWL", "genormaliseerd"),
    ]


def test_unknown_and_missing_optional_columns_are_logged(tmp_path):
    sp = [{**{k: v for k, v in r.items() if k != "thema_2"}, "opmerking": "x"} for r in BASE_PRIORITIES]
    cleaned = cleaned_from(tmp_path, None, sp)
    reasons = dict(zip(cleaned.log["kolom"], cleaned.log["reden"]))
    assert reasons["opmerking"] == "onbekende kolom: gelezen maar niet gebruikt"
    assert reasons["thema_2"] == "optionele kolom ontbreekt: leeg toegevoegd"
    assert "opmerking" not in cleaned.speerpunten.columns


def test_encoding_and_separator_of_an_excel_export_are_logged(tmp_path):
    cleaned = cleaned_from(tmp_path, plans((0, {"titel": "Veiligheid in één plan"})), sep=";", encoding="cp1252")
    first = cleaned.log.iloc[0]
    assert (first["bestand"], first["nieuw"]) == ("plans.csv", "windows-1252, scheidingsteken ';'")


def test_summary_counts_what_a_reader_checks(tmp_path):
    counts = dict(summary(cleaned_from(tmp_path)).values.tolist())
    assert counts["plannen"] == 3 and counts["speerpunten"] == 5
    assert counts["gezamenlijke plannen"] == 1
    assert counts["plannen zonder volledige periode"] == 1
    assert counts["gemeenten van 2020 gedekt"] == 4


# --- writing data/processed ---------------------------------------------------------------------------

def test_written_tables_read_back_unchanged_with_manifest_of_input_checksums(tmp_path):
    folder = write_input(tmp_path / "raw")
    cleaned = clean_input(folder, tmp_path / "processed")
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [
        ".gitkeep", "manifest.json", "plan_gemeenten.parquet", "plans.parquet", "schoonmaaklog.csv",
        "speerpunten.parquet"]
    back = read_processed(tmp_path / "processed")
    pd.testing.assert_frame_equal(back.plans, cleaned.plans)
    pd.testing.assert_frame_equal(back.plan_gemeenten, cleaned.plan_gemeenten)
    pd.testing.assert_frame_equal(back.speerpunten, cleaned.speerpunten)
    assert back.log["reden"].tolist() == cleaned.log["reden"].tolist()
    manifest = json.loads((tmp_path / "processed" / "manifest.json").read_text())
    assert manifest["bestanden"] == {"plans.csv": sha256(folder / "plans.csv"),
                                     "speerpunten.csv": sha256(folder / "speerpunten.csv")}


def test_same_input_gives_byte_identical_output(tmp_path):
    folder = write_input(tmp_path / "raw")
    clean_input(folder, tmp_path / "a")
    clean_input(folder, tmp_path / "b")
    for name in ("plans.parquet", "plan_gemeenten.parquet", "speerpunten.parquet", "schoonmaaklog.csv",
                 "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_invalid_input_leaves_existing_processed_folder_untouched(tmp_path):
    out = tmp_path / "processed"
    clean_input(write_input(tmp_path / "good"), out)
    before = _snapshot(out)
    bad = write_input(tmp_path / "bad", plans((0, {"gemeenten": "Amsterdm"})))
    with pytest.raises(InvalidInput):
        clean_input(bad, out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "processed"]


def test_failure_while_writing_leaves_existing_folder_untouched_and_no_staging_leftovers(tmp_path, monkeypatch):
    folder = write_input(tmp_path / "raw")
    out = tmp_path / "processed"
    clean_input(folder, out)
    before = _snapshot(out)
    raw = read_input(folder)
    cleaned = clean(raw)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)  # the log is written after the Parquet files
    with pytest.raises(OSError):
        write_processed(cleaned, input_manifest(raw), out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed", "raw"]


def test_interrupted_swap_is_recovered_from_the_old_copy(tmp_path):
    from ivp.running.atomic import recover

    out = tmp_path / "processed"
    clean_input(write_input(tmp_path / "raw"), out)
    before = _snapshot(out)
    out.rename(tmp_path / ".old-processed-abc123")  # crash between the two renames of replace_dir
    (tmp_path / ".new-processed-def456").mkdir()
    recover(out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed", "raw"]
