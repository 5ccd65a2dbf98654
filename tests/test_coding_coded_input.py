"""Tests of the coded input folder that ``ivp codeer`` writes (ivp.coding.coded_input)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import CODING_MIXED, CODING_PLANS_HEADER, CODING_SP_HEADER, read_coded, write_coding_input

from ivp.coding.coded_input import OUTPUT_FILES, code_input
from ivp.errors import InvalidInput
from ivp.inputs.clean import clean
from ivp.inputs.read import read_input
from ivp.reference.municipalities import theme_codes


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_codeer(tmp_path: Path, speerpunten: str = CODING_MIXED, **kwargs) -> tuple[Path, Path, dict]:
    source = write_coding_input(tmp_path / "in", speerpunten)
    out = tmp_path / "out"
    kwargs.setdefault("training_path", False)
    kwargs.setdefault("measure", False)
    return source, out, code_input(source, out, **kwargs)


def test_given_codes_are_never_overwritten(tmp_path):
    _, out, summary = run_codeer(tmp_path)
    sp = read_coded(out, "speerpunten.csv")
    hand = sp[sp["thema_bron"] == "hand"]
    assert list(hand["speerpunt"]) == ["Drugsoverlast", "Jeugdoverlast", "Zorg en veiligheid"]
    assert list(hand["thema"]) == ["OND", "JEU", "ZOR"]      # OND kept although the lexicon says VWL
    assert list(hand["thema_2"]) == ["", "VWL", ""]
    assert hand["zekerheid_codering"].eq("").all()
    assert (summary["n_hand"], summary["n_auto"], summary["n_speerpunten"]) == (3, 5, 8)


def test_every_empty_theme_is_filled_with_a_codebook_code_and_its_reason(tmp_path):
    _, out, _ = run_codeer(tmp_path)
    sp = read_coded(out, "speerpunten.csv")
    auto = sp[sp["thema_bron"] == "auto"].set_index("speerpunt")
    assert auto["thema"].to_dict() == {"Aanpak van ondermijning": "OND", "Verkeersveiligheid": "FYS",
                                       "Cybercrime": "CYB", "Een veilige Almere": "VWL",
                                       "Radicalisering en polarisatie": "INT"}
    assert auto["zekerheid_codering"].astype(float).between(0, 1).all()
    assert "'verkeer*' -> FYS" in auto.loc["Verkeersveiligheid", "grond"]
    assert list(sp.columns) == ["plan_id", "volgnummer", "speerpunt", "niveau", "thema", "thema_2",
                                "thema_bron", "zekerheid_codering", "grond"]


def test_review_file_lists_only_automatic_codes_least_certain_first(tmp_path):
    _, out, _ = run_codeer(tmp_path)
    review = read_coded(out, "te_beoordelen.csv")
    assert len(review) == 5
    certainty = review["zekerheid_codering"].astype(float)
    assert certainty.is_monotonic_increasing
    assert review.loc[0, "speerpunt"] == "Een veilige Almere"
    assert review.loc[0, "alternatief"] == ""
    assert list(review["bron_rij"].astype(int).sort_values()) == [3, 4, 6, 7, 9]


def test_output_folder_is_valid_pipeline_input_with_unchanged_data(tmp_path):
    source, out, _ = run_codeer(tmp_path)
    before = clean(read_input(source), require_thema=False)
    after = clean(read_input(out))  # themes now required: must pass
    pd.testing.assert_frame_equal(before.plans, after.plans)
    pd.testing.assert_frame_equal(before.plan_gemeenten, after.plan_gemeenten)
    columns = ["plan_id", "volgnummer", "speerpunt", "niveau", "bron_rij"]
    pd.testing.assert_frame_equal(before.speerpunten[columns], after.speerpunten[columns])
    given = before.speerpunten["thema"] != ""
    pd.testing.assert_series_equal(before.speerpunten.loc[given, "thema"], after.speerpunten.loc[given, "thema"])
    assert after.speerpunten["thema"].isin(theme_codes()).all()
    assert (out / "plans.csv").read_bytes() == (source / "plans.csv").read_bytes()


def test_coding_is_deterministic(tmp_path):
    source = write_coding_input(tmp_path / "in", CODING_MIXED)
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        code_input(source, out, method="combinatie", training_path=False)
    for name in OUTPUT_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_input_is_never_modified(tmp_path):
    source = write_coding_input(tmp_path / "in", CODING_MIXED)
    before = {p.name: sha(p) for p in source.iterdir()}
    code_input(source, tmp_path / "out", training_path=False)
    assert {p.name: sha(p) for p in source.iterdir()} == before


def test_output_into_the_input_folder_is_refused(tmp_path):
    source = write_coding_input(tmp_path / "in", CODING_MIXED)
    before = {p.name: sha(p) for p in source.iterdir()}
    with pytest.raises(InvalidInput) as exc:
        code_input(source, source)
    assert "een andere map dan die van de invoer" in str(exc.value)
    assert {p.name: sha(p) for p in source.iterdir()} == before


def test_invalid_input_is_reported_and_nothing_written(tmp_path):
    bad = "p1,1,Ondermijning,lokaal,XYZ,\np9,1,Jeugd,lokaal,,\n"
    source = write_coding_input(tmp_path / "in", bad)
    with pytest.raises(InvalidInput) as exc:
        code_input(source, tmp_path / "out", training_path=False)
    found = {(p.file, p.row, p.column, p.value) for p in exc.value.problems}
    assert ("speerpunten.csv", 2, "thema", "XYZ") in found
    assert ("speerpunten.csv", 3, "plan_id", "p9") in found
    assert not (tmp_path / "out").exists()


def test_spreadsheet_formulas_are_neutralised_in_the_review_file_but_not_in_pipeline_data(tmp_path):
    rows = CODING_MIXED + 'p3,3,"=HYPERLINK(""http://x"",""klik"")",lokaal,,\n' + "p3,4,@SUM(A1) jeugd,lokaal,,\n"
    _, out, _ = run_codeer(tmp_path, rows)
    review = read_coded(out, "te_beoordelen.csv").set_index("bron_rij")
    assert review.loc["10", "speerpunt"] == "'=HYPERLINK(\"http://x\",\"klik\")"
    assert review.loc["11", "speerpunt"] == "'@SUM(A1) jeugd"
    sp = read_coded(out, "speerpunten.csv")
    assert '=HYPERLINK("http://x","klik")' in list(sp["speerpunt"])  # data for the pipeline unchanged
    assert clean(read_input(out)).speerpunten["speerpunt"].str.startswith("=").sum() == 1


def test_proposed_second_theme_fills_only_an_empty_thema_2(tmp_path):
    rows = ("p1,1,Voorkomen van jonge aanwas,lokaal,,\n"
            "p1,2,Jonge aanwas in de drugscriminaliteit,lokaal,,ZOR\n"
            "p2,1,Ondermijning,lokaal,OND,\n")
    _, out, _ = run_codeer(tmp_path, rows)
    sp = read_coded(out, "speerpunten.csv").set_index("volgnummer")
    sp = sp[sp["plan_id"] == "p1"]
    assert sp.loc["1", "thema_2"] == "OND" and "thema_2 voorgesteld: OND" in sp.loc["1", "grond"]
    assert sp.loc["2", "thema_2"] == "ZOR"  # given, kept


def test_xlsx_input_gives_csv_output_that_is_valid_input(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    plans = book.active
    plans.title = "plans"
    for row in [CODING_PLANS_HEADER.strip().split(","), ["p1", "Plan", "Utrecht", "nee", 2019, 2022, "onbekend"]]:
        plans.append(row)
    sp = book.create_sheet("speerpunten")
    for row in [CODING_SP_HEADER.strip().split(","), ["p1", 1, "Verkeersveiligheid", "lokaal", None, None],
                ["p1", 2, "Ondermijning", "lokaal", "OND", None]]:
        sp.append(row)
    book.save(tmp_path / "ivp.xlsx")
    out = tmp_path / "out"
    summary = code_input(tmp_path / "ivp.xlsx", out, training_path=False, measure=False)
    assert summary["n_auto"] == 1
    cleaned = clean(read_input(out))
    assert list(cleaned.speerpunten["thema"]) == ["FYS", "OND"]
    assert list(cleaned.plans["periode_start"]) == [2019]


def test_training_sample_is_used_without_the_input_s_own_plans(tmp_path):
    source = write_coding_input(tmp_path / "in", CODING_MIXED)
    training = write_coding_input(tmp_path / "train", "p1,1,Iets anders,lokaal,VWL,\np9,1,Brandweer,lokaal,FYS,\n"
                                                       "p9,2,Jeugd,lokaal,JEU,\n",
                                  plans="p1,Plan een,Utrecht,nee,2019,2022,onbekend\n"
                                        "p9,Plan negen,Almere,nee,2019,2022,onbekend\n")
    summary = code_input(source, tmp_path / "out", method="statistisch", training_path=training)
    assert summary["n_training"] == 3 + 2  # the input's 3 hand codes plus plan p9; p1 is the input's own
    assert summary["overeenstemming"]["methode"] == "statistisch"
    assert summary["overeenstemming"]["n"] == 5 and summary["overeenstemming"]["n_plannen"] == 4


def test_summary_is_written_with_the_measured_agreement(tmp_path):
    _, out, summary = run_codeer(tmp_path, measure=True)
    written = json.loads((out / "codeer_verslag.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(summary))
    assert written["overeenstemming"]["n"] == 3  # the three hand-coded speerpunten of the input
    assert written["overeenstemming"]["accuracy"] == pytest.approx(2 / 3, abs=1e-3)  # Drugsoverlast: OND vs VWL


def test_rerunning_on_its_own_output_changes_nothing(tmp_path):
    _, out, _ = run_codeer(tmp_path)
    again = tmp_path / "again"
    summary = code_input(out, again, training_path=False, measure=False)
    assert (summary["n_auto"], summary["n_nu_gecodeerd"], summary["n_hand"]) == (5, 0, 3)
    assert len(read_coded(again, "te_beoordelen.csv")) == 0
    assert (again / "speerpunten.csv").read_bytes() == (out / "speerpunten.csv").read_bytes()
