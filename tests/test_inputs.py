"""Reading the raw input: CSV in the encodings and separators Excel writes, and .xlsx workbooks."""

from __future__ import annotations

import pytest
from conftest import (
    BASE_PLANS,
    BASE_PRIORITIES,
    csv_text,
    plans,
    problems_of,
    write_input,
    write_xlsx,
)

from ivp.inputs.clean import clean
from ivp.inputs.read import ROW, decode, input_files, read_input, separator

ACCENTED = plans((0, {"titel": "Veiligheidsplan Súdwest-Fryslân – café’s", "gemeenten": "Súdwest-Fryslân"}))


def _cell(frame, column, row=0):
    return frame[column].iloc[row]


def test_reads_comma_separated_utf8_as_text_with_spreadsheet_row_numbers(tmp_path):
    raw = read_input(write_input(tmp_path))
    assert list(raw.plans.columns) == [*BASE_PLANS[0], ROW]
    assert list(raw.plans[ROW]) == [2, 3, 4]
    assert list(raw.speerpunten[ROW]) == [2, 3, 4, 5, 6]
    assert _cell(raw.plans, "periode_start") == "2019"  # text: validation decides what it means
    assert raw.files == {"plans": "plans.csv", "speerpunten": "speerpunten.csv"}
    assert raw.notes == []


def test_reads_semicolon_separated_and_logs_the_separator(tmp_path):
    raw = read_input(write_input(tmp_path, sep=";"))
    assert _cell(raw.plans, "gemeenten", 1) == "Alblasserdam; Den Haag"
    assert _cell(raw.plans, "participatievormen") == "enquete;wijkraad"  # quoted field keeps its ';'
    assert [n["nieuw"] for n in raw.notes] == ["utf-8, scheidingsteken ';'"] * 2


def test_tab_separated_pair_cleans_to_the_same_tables_as_the_comma_one_and_logs_the_separator(tmp_path):
    tab = read_input(write_input(tmp_path / "tab", sep="\t"))
    assert _cell(tab.plans, "participatievormen") == "enquete;wijkraad"  # a ';' in a tab file is text
    assert [(n["bestand"], n["nieuw"], n["reden"]) for n in tab.notes] == [
        (name, "utf-8, scheidingsteken tab", "bestand gelezen als tab-gescheiden tekstexport")
        for name in ("plans.csv", "speerpunten.csv")]
    from_tab, from_comma = clean(tab), clean(read_input(write_input(tmp_path / "comma")))
    assert from_tab.plans.equals(from_comma.plans)
    assert from_tab.speerpunten.equals(from_comma.speerpunten)
    assert [e for e in from_tab.log.to_dict("records") if e["nieuw"] == "utf-8, scheidingsteken tab"] != []


def test_tab_inside_a_quoted_field_of_a_comma_file_is_read_as_comma(tmp_path):
    folder = write_input(tmp_path)
    lines = (folder / "plans.csv").read_text().splitlines()
    tabs = "\t".join(["Plan", "met", "veel", "tabs", "in", "de", "titel", "uit", "een", "tekstverwerker", "x", "y"])
    cells = lines[1].split(",")
    cells[1] = f'"{tabs}"'  # more tabs than the header has commas
    lines[1] = ",".join(cells)
    (folder / "plans.csv").write_text("\n".join(lines) + "\n")
    raw = read_input(folder)
    assert _cell(raw.plans, "titel") == tabs
    assert _cell(raw.plans, "gemeenten") == "Amsterdam"
    assert raw.notes == []  # plain comma UTF-8: nothing to log


def test_file_whose_separator_is_not_recognised_gets_one_problem_not_missing_columns(tmp_path, capsys):
    folder = write_input(tmp_path)
    (folder / "plans.csv").write_text(csv_text(BASE_PLANS, sep="|"))
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.row) == ("plans.csv", 1)
    assert problem.value == "scheidingsteken niet herkend: 'plan_id|titel|gemeenten…'"
    assert "geprobeerd: komma, puntkomma, tab" in problem.expected
    from ivp.cli import main

    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "1 probleem/problemen gevonden" in err
    assert "ontbreekt" not in err and "een kolom" not in err  # no list of missing columns


def test_unclosed_quote_in_a_tab_separated_file_names_the_tab(tmp_path):
    folder = write_input(tmp_path, sep="\t")
    with open(folder / "speerpunten.csv", "a") as f:
        f.write('p1\t3\t"Open\tlokaal\tVWL\t\n')
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.row) == ("speerpunten.csv", 7)
    assert problem.expected.startswith("velden gescheiden door tab;")


def test_reads_utf8_with_bom_without_polluting_the_first_column_name(tmp_path):
    raw = read_input(write_input(tmp_path, ACCENTED, encoding="utf-8-sig"))
    assert raw.plans.columns[0] == "plan_id"
    assert _cell(raw.plans, "gemeenten") == "Súdwest-Fryslân"


def test_reads_windows_1252_with_accents(tmp_path):
    folder = write_input(tmp_path, ACCENTED, encoding="cp1252")
    raw = read_input(folder)
    assert _cell(raw.plans, "titel") == "Veiligheidsplan Súdwest-Fryslân – café’s"
    assert _cell(raw.plans, "gemeenten") == "Súdwest-Fryslân"
    assert raw.notes[0]["bestand"] == "plans.csv"
    assert raw.notes[0]["nieuw"] == "windows-1252, scheidingsteken ','"


def test_reads_crlf_line_endings_without_carriage_returns_in_values(tmp_path):
    raw = read_input(write_input(tmp_path, newline="\r\n"))
    assert _cell(raw.plans, "zekerheid") == "hoog"  # last column: no trailing "\r"
    assert list(raw.speerpunten[ROW]) == [2, 3, 4, 5, 6]


def test_excel_export_semicolon_windows_1252_crlf_cleans_like_the_utf8_original(tmp_path):
    excel = clean(read_input(write_input(tmp_path / "excel", ACCENTED, sep=";", encoding="cp1252",
                                         newline="\r\n")))
    plain = clean(read_input(write_input(tmp_path / "plain", ACCENTED)))
    assert excel.plans.equals(plain.plans)
    assert excel.speerpunten.equals(plain.speerpunten)


def test_decode_prefers_utf8_and_falls_back_to_windows_1252():
    assert decode("é".encode(), "x.csv") == ("é", "utf-8")
    assert decode("\ufeffé".encode("utf-8"), "x.csv") == ("é", "utf-8")
    assert decode("é€".encode("cp1252"), "x.csv") == ("é€", "windows-1252")


def test_bytes_undefined_in_windows_1252_are_reported_with_their_position():
    (problem,) = problems_of(decode, b"plan_id\n\x81", "plans.csv")
    assert problem.file == "plans.csv"
    assert "0x81" in problem.value and "positie 8" in problem.value
    assert "Windows-1252" in problem.expected


def test_binary_file_is_rejected_as_not_text(tmp_path):
    folder = write_input(tmp_path)
    (folder / "plans.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    (problem,) = problems_of(read_input, folder)
    assert problem.file == "plans.csv" and "tekstbestand" in problem.expected


@pytest.mark.parametrize("header, sep", [("a,b,c", ","), ("a;b;c", ";"), ("a;b,c;d", ";"), ("a\tb\tc", "\t"),
                                         ("a,b\tc\td", "\t"), ("a,b;c", ","), ("a;b\tc", ";"),
                                         ('"a\tb\tc",d', ","), ('"a;b;c"\td', "\t")])
def test_separator_is_the_most_frequent_of_comma_semicolon_and_tab_outside_quotes_in_the_header(header, sep):
    assert separator(header + "\n1,2;3\t4\t5\t6\t7\n") == sep  # the data row does not count


def test_separator_is_found_in_the_header_after_blank_lines():
    assert separator("\n  \nplan_id\ttitel\np1\tx\n") == "\t"


def test_header_without_any_separator_is_one_problem_naming_file_and_separators_tried():
    (problem,) = problems_of(separator, "plan_id|titel|gemeenten\np1|x|Amsterdam\n", "plans.csv")
    assert (problem.file, problem.row, problem.column) == ("plans.csv", 1, None)
    assert problem.value == "scheidingsteken niet herkend: 'plan_id|titel|gemeenten'"
    assert problem.expected == ("kolommen gescheiden door komma (,), puntkomma (;) of tab; geprobeerd: komma, "
                                "puntkomma, tab, geen ervan staat in de kopregel (sla op als 'CSV' of "
                                "'Tekst (tab-gescheiden)')")


def test_blank_lines_are_skipped_but_row_numbers_stay_as_in_the_spreadsheet(tmp_path):
    folder = write_input(tmp_path)
    lines = (folder / "speerpunten.csv").read_text().splitlines()
    (folder / "speerpunten.csv").write_text("\n".join([lines[0], "", lines[1], ",,,,,", *lines[2:]]) + "\n")
    raw = read_input(folder)
    assert list(raw.speerpunten[ROW]) == [3, 5, 6, 7, 8]


def test_row_with_more_fields_than_the_header_is_reported_with_its_row(tmp_path):
    folder = write_input(tmp_path)
    with open(folder / "speerpunten.csv", "a") as f:
        f.write("p1,3,Extra,lokaal,VWL,,overbodig\n")
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.row) == ("speerpunten.csv", 7)
    assert problem.value == "7 velden" and "hoogstens 6 velden" in problem.expected


def test_short_rows_are_padded_with_empty_values(tmp_path):
    folder = write_input(tmp_path)
    with open(folder / "speerpunten.csv", "a") as f:
        f.write("p1,3,Kort,lokaal,VWL\n")  # thema_2 left off, as some exports do
    raw = read_input(folder)
    assert raw.speerpunten["thema_2"].iloc[-1] == ""


def test_duplicate_column_names_are_reported_on_the_header_row(tmp_path):
    folder = write_input(tmp_path)
    (folder / "speerpunten.csv").write_text("plan_id,volgnummer,thema,thema\np1,1,VWL,OND\n")
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.row, problem.column) == ("speerpunten.csv", 1, "thema")


def test_missing_csv_files_are_all_reported(tmp_path):
    folder = tmp_path / "leeg"
    folder.mkdir()
    found = problems_of(read_input, folder)
    assert [(p.file, p.value) for p in found] == [("plans.csv", "ontbreekt"), ("speerpunten.csv", "ontbreekt")]


def test_empty_csv_file_is_reported(tmp_path):
    folder = write_input(tmp_path)
    (folder / "plans.csv").write_text("\n  \n")
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.value) == ("plans.csv", "leeg bestand")


def test_nonexistent_path_is_reported(tmp_path):
    (problem,) = problems_of(read_input, tmp_path / "bestaat-niet")
    assert "bestaande map" in problem.expected


def test_single_csv_file_is_not_a_valid_input(tmp_path):
    folder = write_input(tmp_path)
    (problem,) = problems_of(read_input, folder / "plans.csv")
    assert problem.file == "plans.csv" and ".xlsx" in problem.expected


# --- .xlsx -------------------------------------------------------------------------------------------

def _typed_rows(rows):
    """Rows as a spreadsheet user types them: years and numbers as numbers, empty cells as None."""
    numeric = {"periode_start", "periode_eind", "volgnummer"}
    return [{k: (int(v) if k in numeric and v else (v or None)) for k, v in r.items()} for r in rows]


def test_reads_xlsx_with_numbers_as_text_and_sheet_names_in_messages(tmp_path):
    book = write_xlsx(tmp_path / "ivp.xlsx", {"plans": _typed_rows(BASE_PLANS),
                                              "speerpunten": _typed_rows(BASE_PRIORITIES)})
    raw = read_input(book)
    assert raw.files == {"plans": "ivp.xlsx[plans]", "speerpunten": "ivp.xlsx[speerpunten]"}
    assert _cell(raw.plans, "periode_start") == "2019"
    assert list(raw.speerpunten["volgnummer"]) == ["1", "2", "1", "1", "2"]
    assert _cell(raw.plans, "periode_start", 1) == ""
    assert list(raw.plans[ROW]) == [2, 3, 4]


def test_xlsx_cleans_to_the_same_tables_as_csv(tmp_path):
    book = write_xlsx(tmp_path / "ivp.xlsx", {"plans": _typed_rows(BASE_PLANS),
                                              "speerpunten": _typed_rows(BASE_PRIORITIES)})
    from_xlsx = clean(read_input(book))
    from_csv = clean(read_input(write_input(tmp_path / "csv")))
    assert from_xlsx.plans.equals(from_csv.plans)
    assert from_xlsx.speerpunten.equals(from_csv.speerpunten)


def test_xlsx_sheet_names_match_regardless_of_case_and_spacing(tmp_path):
    book = write_xlsx(tmp_path / "ivp.xlsx", {" Plans ": BASE_PLANS, "SPEERPUNTEN": BASE_PRIORITIES})
    assert len(read_input(book).speerpunten) == 5


def test_folder_with_a_single_xlsx_is_read_as_that_workbook(tmp_path):
    write_xlsx(tmp_path / "ivp.xlsx", {"plans": BASE_PLANS, "speerpunten": BASE_PRIORITIES})
    (tmp_path / "~$ivp.xlsx").write_bytes(b"lock file of an open workbook")
    assert input_files(tmp_path) == [tmp_path / "ivp.xlsx"]
    assert len(read_input(tmp_path).plans) == 3


def test_xlsx_missing_a_sheet_names_the_missing_sheet(tmp_path):
    book = write_xlsx(tmp_path / "ivp.xlsx", {"plans": BASE_PLANS, "Blad1": BASE_PRIORITIES})
    (problem,) = problems_of(read_input, book)
    assert problem.file == "ivp.xlsx"
    assert problem.expected == "een blad 'speerpunten'"
    assert problem.value == "plans, Blad1"


def test_file_that_is_not_a_workbook_is_reported(tmp_path):
    book = tmp_path / "ivp.xlsx"
    book.write_text(csv_text(BASE_PLANS))
    (problem,) = problems_of(read_input, book)
    assert problem.file == "ivp.xlsx" and "geldig .xlsx-bestand" in problem.expected


# --- malformed CSV ------------------------------------------------------------------------------------

def test_unclosed_quote_is_reported_at_the_row_where_it_opens(tmp_path):
    folder = write_input(tmp_path)
    lines = (folder / "speerpunten.csv").read_text().splitlines()
    lines[2] = 'p1,2,"Ondermijning,lokaal,OND,'  # the quote swallows the rest of the file
    (folder / "speerpunten.csv").write_text("\n".join(lines) + "\n")
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.row) == ("speerpunten.csv", 3)
    assert problem.value.startswith("CSV-fout") and 'eindigt ook met "' in problem.expected


def test_quoted_cell_with_a_line_break_stays_one_spreadsheet_row(tmp_path):
    rows = plans((0, {"titel": "Veiligheidsplan\nAmsterdam"}))
    raw = read_input(write_input(tmp_path, rows))
    assert _cell(raw.plans, "titel") == "Veiligheidsplan\nAmsterdam"
    assert list(raw.plans[ROW]) == [2, 3, 4]


def test_utf16_export_is_reported_with_how_to_save_as_csv(tmp_path):
    folder = write_input(tmp_path)
    (folder / "plans.csv").write_bytes(csv_text(BASE_PLANS).encode("utf-16"))
    (problem,) = problems_of(read_input, folder)
    assert problem.file == "plans.csv" and "UTF-16" in problem.value
    assert "CSV UTF-8" in problem.expected


def test_table_with_only_a_header_is_reported_on_the_first_data_row(tmp_path):
    folder = write_input(tmp_path)
    (folder / "speerpunten.csv").write_text(",".join(BASE_PRIORITIES[0]) + "\n")
    (problem,) = problems_of(read_input, folder)
    assert (problem.file, problem.row, problem.value) == ("speerpunten.csv", 2, "alleen een kopregel")


def test_cell_longer_than_a_spreadsheet_cell_names_row_and_column(tmp_path):
    rows = plans((1, {"titel": "x" * 40_000}))
    (problem,) = problems_of(read_input, write_input(tmp_path, rows))
    assert (problem.file, problem.row, problem.column, problem.value) == ("plans.csv", 3, "titel", "40000 tekens")
    assert "32767" in problem.expected
