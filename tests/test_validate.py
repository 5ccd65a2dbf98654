"""Validation rules: each test changes one cell of the tiny base input (tests/conftest.py) so that exactly
one rule fires, and checks that the problem names the file, the spreadsheet row (header = 1) and the column."""

from __future__ import annotations

import pytest
from conftest import BASE_PLANS, BASE_PRIORITIES, plans, priorities, problems_of, write_input

from ivp.errors import InputProblem, InvalidInput
from ivp.inputs.clean import clean
from ivp.inputs.read import read_input

THEMES = "VWL, OND, ZOR, JEU, BED, FYS, INT, CYB, OVR"


def problems_for(tmp_path, plan_rows=None, priority_rows=None, **kwargs) -> list[InputProblem]:
    """Every problem cleaning finds in the input written from these rows (base rows by default)."""
    return problems_of(clean, read_input(write_input(tmp_path, plan_rows, priority_rows)), **kwargs)


def only_problem(tmp_path, plan_rows=None, priority_rows=None) -> InputProblem:
    found = problems_for(tmp_path, plan_rows, priority_rows)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def assert_located(problem: InputProblem, file: str, row: int, column: str) -> None:
    assert (problem.file, problem.row, problem.column) == (file, row, column)
    assert f"{file}, rij {row}, kolom '{column}'" in str(problem)


def test_base_input_is_valid(tmp_path):
    cleaned = clean(read_input(write_input(tmp_path)))
    assert (len(cleaned.plans), len(cleaned.speerpunten)) == (3, 5)


# --- required columns ----------------------------------------------------------------------------------

@pytest.mark.parametrize("column", ["plan_id", "titel", "gemeenten", "periode_start", "periode_eind",
                                    "burgerparticipatie"])
def test_missing_required_plan_column_is_reported_on_the_header_row(tmp_path, column):
    rows = [{k: v for k, v in r.items() if k != column} for r in BASE_PLANS]
    problem = only_problem(tmp_path, rows)
    assert_located(problem, "plans.csv", 1, column)
    assert problem.expected == f"een kolom '{column}'"
    assert "kolommen: plan_id" in problem.value or column == "plan_id"


@pytest.mark.parametrize("column", ["plan_id", "volgnummer", "speerpunt", "niveau", "thema"])
def test_missing_required_priority_column_is_reported_on_the_header_row(tmp_path, column):
    rows = [{k: v for k, v in r.items() if k != column} for r in BASE_PRIORITIES]
    assert_located(only_problem(tmp_path, None, rows), "speerpunten.csv", 1, column)


def test_column_names_match_regardless_of_case_and_spacing(tmp_path):
    rows = [{(" Plan_ID " if k == "plan_id" else k): v for k, v in r.items()} for r in BASE_PRIORITIES]
    assert len(clean(read_input(write_input(tmp_path, None, rows))).speerpunten) == 5


def test_missing_optional_columns_are_not_an_error(tmp_path):
    plan_rows = [{k: v for k, v in r.items() if k not in ("gezamenlijk", "participatievormen", "bron_url",
                                                          "bron_type", "zekerheid")} for r in BASE_PLANS]
    priority_rows = [{k: v for k, v in r.items() if k != "thema_2"} for r in BASE_PRIORITIES]
    cleaned = clean(read_input(write_input(tmp_path, plan_rows, priority_rows)))
    assert list(cleaned.plans["gezamenlijk"]) == [False, True, False]  # derived from gemeenten


# --- single cells: empty, types, allowed codes -----------------------------------------------------------

@pytest.mark.parametrize("column, value, expected", [
    ("titel", " ", "een niet-lege waarde"),
    ("gemeenten", " ; ", "één of meer gemeentenamen of CBS-codes, gescheiden door ';'"),
    ("gezamenlijk", "misschien", "een van ja, nee (of leeg)"),
    ("burgerparticipatie", "soms", "een van ja, nee, onbekend"),
    ("participatievormen", "enquete;poll", "een van enquete, burgerpanel, bijeenkomst, wijkraad, meldpunt, "
                                           "overig, gescheiden door ';'"),
    ("zekerheid", "zeker", "een van hoog, midden, laag (of leeg)"),
    ("periode_start", "2019/2020", "een jaartal tussen 1990 en 2040 in cijfers (of leeg)"),
    ("periode_start", "1989", "een jaartal tussen 1990 en 2040 in cijfers (of leeg)"),
    ("periode_eind", "2041", "een jaartal tussen 1990 en 2040 in cijfers (of leeg)"),
    ("periode_eind", "twintig", "een jaartal tussen 1990 en 2040 in cijfers (of leeg)"),
])
def test_invalid_plan_cell_names_file_row_column_and_what_is_allowed(tmp_path, column, value, expected):
    # p3 is the third data row: spreadsheet row 4; its period 2020-2023 stays ordered for these values
    problem = only_problem(tmp_path, plans((2, {column: value})))
    assert_located(problem, "plans.csv", 4, column)
    assert problem.value == value.strip() or column == "gemeenten"
    assert problem.expected == expected


@pytest.mark.parametrize("column, value, expected", [
    ("volgnummer", "1.5", "een geheel getal vanaf 1"),
    ("volgnummer", "0", "een geheel getal vanaf 1"),
    ("volgnummer", "een", "een geheel getal vanaf 1"),
    ("speerpunt", "", "een niet-lege waarde"),
    ("niveau", "landelijk", "een van lokaal, regionaal, onbekend"),
    ("thema", "XYZ", f"een van {THEMES} (of leeg)"),
    ("thema_2", "Q", f"een van {THEMES} (of leeg)"),
])
def test_invalid_priority_cell_names_file_row_column_and_what_is_allowed(tmp_path, column, value, expected):
    problem = only_problem(tmp_path, None, priorities((3, {column: value})))  # fourth data row: row 5
    assert_located(problem, "speerpunten.csv", 5, column)
    assert problem.value == value
    assert problem.expected == expected


def test_empty_plan_id_is_reported(tmp_path):
    without_p3 = [r for r in BASE_PRIORITIES if r["plan_id"] != "p3"]  # else they would point nowhere
    problem = only_problem(tmp_path, plans((2, {"plan_id": ""})), without_p3)
    assert_located(problem, "plans.csv", 4, "plan_id")
    assert problem.expected == "een niet-lege waarde"


def test_empty_priority_plan_id_is_reported_once(tmp_path):
    problem = only_problem(tmp_path, None, priorities((4, {"plan_id": ""})))
    assert_located(problem, "speerpunten.csv", 6, "plan_id")
    assert problem.expected == "een niet-lege waarde"


@pytest.mark.parametrize("start, end", [("1990", "2040"), ("2020", "2020"), ("2019", ""), ("", "2022")])
def test_boundary_and_half_known_periods_are_valid(tmp_path, start, end):
    cleaned = clean(read_input(write_input(tmp_path, plans((0, {"periode_start": start, "periode_eind": end})))))
    assert bool(cleaned.plans["heeft_periode"].iloc[0]) == bool(start and end)


def test_codes_are_accepted_in_any_case_and_with_surrounding_spaces(tmp_path):
    rows = plans((0, {"gezamenlijk": " NEE ", "burgerparticipatie": "Ja", "participatievormen": "Enquete ; Wijkraad"}))
    sp = priorities((0, {"thema": " vwl ", "niveau": "Lokaal", "thema_2": "ond"}))
    cleaned = clean(read_input(write_input(tmp_path, rows, sp)))
    assert cleaned.plans["participatievormen"].iloc[0] == "enquete;wijkraad"
    assert tuple(cleaned.speerpunten.loc[0, ["thema", "thema_2", "niveau"]]) == ("VWL", "OND", "lokaal")


# --- rules across rows and tables --------------------------------------------------------------------

def test_duplicate_plan_id_names_the_row_it_repeats(tmp_path):
    rows = [*BASE_PLANS, dict(BASE_PLANS[0], titel="Tweede versie")]
    problem = only_problem(tmp_path, rows)
    assert_located(problem, "plans.csv", 5, "plan_id")
    assert problem.value == "p1"
    assert problem.expected == "een unieke plan_id (al gebruikt in rij 2)"


def test_duplicate_plan_id_with_other_municipalities_reports_only_the_duplicate(tmp_path):
    # regression: municipalities were counted per plan_id, pooling both rows into a false 'joint' plan
    rows = [*BASE_PLANS, dict(BASE_PLANS[0], gemeenten="Utrecht")]
    problem = only_problem(tmp_path, rows)
    assert (problem.row, problem.column) == (5, "plan_id")


def test_priority_of_unknown_plan_suggests_the_closest_plan_id(tmp_path):
    problem = only_problem(tmp_path, None, priorities((4, {"plan_id": "p3x"})))
    assert_located(problem, "speerpunten.csv", 6, "plan_id")
    assert problem.value == "p3x"
    assert problem.expected == "een plan_id uit plans.csv (bedoelt u: p3?)"


def test_duplicate_volgnummer_within_a_plan_names_the_row_it_repeats(tmp_path):
    problem = only_problem(tmp_path, None, priorities((1, {"volgnummer": "1"})))
    assert_located(problem, "speerpunten.csv", 3, "volgnummer")
    assert problem.expected == "een uniek volgnummer binnen plan p1 (al gebruikt in rij 2)"


def test_same_volgnummer_in_different_plans_is_valid(tmp_path):
    assert len(clean(read_input(write_input(tmp_path))).speerpunten) == 5  # p1, p2 and p3 all have volgnummer 1


def test_period_start_after_end_is_reported_on_periode_eind(tmp_path):
    problem = only_problem(tmp_path, plans((0, {"periode_start": "2023", "periode_eind": "2022"})))
    assert_located(problem, "plans.csv", 2, "periode_eind")
    assert problem.value == "2022"
    assert problem.expected == "een jaartal niet vóór periode_start (2023)"


def test_unknown_municipality_suggests_closest_name(tmp_path):
    problem = only_problem(tmp_path, plans((1, {"gemeenten": "Alblasserdam; Amsterdm"})))
    assert_located(problem, "plans.csv", 3, "gemeenten")
    assert problem.value == "Amsterdm"
    assert "bedoelt u: Amsterdam" in problem.expected
    assert "CBS-code" in problem.expected


def test_ambiguous_bergen_suggests_both_bergens(tmp_path):
    problem = only_problem(tmp_path, plans((0, {"gemeenten": "Bergen"})))
    assert "bedoelt u: Bergen (L.), Bergen (NH.)" in problem.expected


def test_unknown_cbs_code_is_an_unknown_municipality(tmp_path):
    problem = only_problem(tmp_path, plans((0, {"gemeenten": "GM9999"})))
    assert_located(problem, "plans.csv", 2, "gemeenten")
    assert problem.value == "GM9999"


def test_every_unknown_municipality_of_a_plan_is_reported(tmp_path):
    found = problems_for(tmp_path, plans((1, {"gemeenten": "Amsterdm; Rotterdm"})))
    assert [(p.row, p.value) for p in found] == [(3, "Amsterdm"), (3, "Rotterdm")]


def test_not_joint_with_two_municipalities_is_a_contradiction(tmp_path):
    problem = only_problem(tmp_path, plans((1, {"gezamenlijk": "nee"})))
    assert_located(problem, "plans.csv", 3, "gezamenlijk")
    assert problem.expected == "'ja' (of leeg): het plan noemt 2 verschillende gemeenten"


def test_not_joint_with_one_municipality_named_twice_is_consistent(tmp_path):
    rows = plans((0, {"gemeenten": "Den Haag; 's-Gravenhage; GM0518", "gezamenlijk": "nee"}))
    assert clean(read_input(write_input(tmp_path, rows))).plans["n_gemeenten"].iloc[0] == 1


def test_not_joint_with_a_municipality_and_its_dissolved_predecessor_is_a_contradiction(tmp_path):
    # at the plan's time Haarlemmerliede en Spaarnwoude was a municipality of its own
    rows = plans((0, {"gemeenten": "Haarlemmermeer; Haarlemmerliede en Spaarnwoude", "gezamenlijk": "nee"}))
    problem = only_problem(tmp_path, rows)
    assert (problem.row, problem.column) == (2, "gezamenlijk")


def test_uncoded_priority_must_be_coded_first(tmp_path):
    problem = only_problem(tmp_path, None, priorities((2, {"thema": ""})))
    assert_located(problem, "speerpunten.csv", 4, "thema")
    assert problem.expected.startswith(f"een themacode ({THEMES})")
    assert "ivp codeer" in problem.expected


def test_uncoded_priority_is_allowed_when_coding_comes_later(tmp_path):
    rows = priorities((2, {"thema": ""}))
    cleaned = clean(read_input(write_input(tmp_path, None, rows)), require_thema=False)
    assert cleaned.speerpunten["thema"].tolist() == ["VWL", "OND", "", "JEU", "CYB"]


# --- every problem at once --------------------------------------------------------------------------

def test_every_problem_in_both_files_is_listed_not_just_the_first(tmp_path):
    plan_rows = plans((0, {"burgerparticipatie": "soms"}), (1, {"gemeenten": "Amsterdm"}),
                      (2, {"periode_start": "2030", "periode_eind": "2020"}))
    priority_rows = priorities((0, {"thema": "XYZ"}), (1, {"volgnummer": "1"}), (4, {"plan_id": "p9"}))
    found = problems_for(tmp_path, plan_rows, priority_rows)
    assert [(p.file, p.row, p.column) for p in found] == [
        ("plans.csv", 2, "burgerparticipatie"),
        ("plans.csv", 3, "gemeenten"),
        ("plans.csv", 4, "periode_eind"),
        ("speerpunten.csv", 2, "thema"),
        ("speerpunten.csv", 3, "volgnummer"),
        ("speerpunten.csv", 6, "plan_id"),
    ]


def test_missing_columns_are_reported_alone_because_other_rules_need_them(tmp_path):
    plan_rows = [{k: v for k, v in r.items() if k != "titel"} for r in plans((0, {"burgerparticipatie": "x"}))]
    found = problems_for(tmp_path, plan_rows)
    assert [(p.row, p.column) for p in found] == [(1, "titel")]


def test_invalid_input_message_is_a_table_with_one_line_per_problem(tmp_path):
    with pytest.raises(InvalidInput) as info:
        clean(read_input(write_input(tmp_path, plans((0, {"zekerheid": "zeker"}), (2, {"titel": ""})))))
    lines = info.value.table().splitlines()
    assert lines[0].split() == ["bestand", "rij", "kolom", "waarde", "verwacht"]
    assert lines[1].split()[:4] == ["plans.csv", "2", "zekerheid", "zeker"]
    assert lines[2].split()[:3] == ["plans.csv", "4", "titel"]
    assert len(lines) == 3
    assert str(info.value).startswith("2 probleem/problemen in de invoer:")


def test_problem_text_without_row_or_column_names_only_the_file():
    problem = InputProblem("ivp.xlsx", None, None, "Blad1", "een blad 'plans'")
    assert str(problem) == "ivp.xlsx: waarde 'Blad1'; verwacht: een blad 'plans'"


def test_long_values_are_shortened_in_the_table_but_kept_in_the_problem():
    long_value = "x" * 100 + "\nregel 2"
    error = InvalidInput([InputProblem("plans.csv", 2, "titel", long_value, "korter")])
    assert error.problems[0].value == long_value
    row = error.table().splitlines()[1]
    assert "\n" not in row and "…" in row and "x" * 100 not in row
