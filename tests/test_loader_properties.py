"""Property-based tests: whatever a researcher's spreadsheet export contains, reading and cleaning it
either succeeds (and the result keeps the data contract's basic promises) or raises the project's own
``InvalidInput`` with located problems -- never any other exception.

Settings (``SETTINGS`` below): ``deadline=None`` (no timing assertions), ``derandomize=True`` and
``database=None`` so the suite tests the same examples on every run and writes nothing to the working tree;
``max_examples`` per test is stated at each test. To explore further, run with
``IVP_HYPOTHESIS_EXPLORE=1``: random seeds and ten times as many examples. ``make test-fast`` sets
``IVP_HYPOTHESIS_QUICK=1``: the first fifth of the same examples (the full count runs in ``make test``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ivp.errors import InvalidInput
from ivp.inputs.clean import clean
from ivp.inputs.read import read_input
from ivp.inputs.validate import OPTIONAL, REQUIRED
from ivp.reference.municipalities import theme_codes

EXPLORE = os.environ.get("IVP_HYPOTHESIS_EXPLORE") == "1"
QUICK = os.environ.get("IVP_HYPOTHESIS_QUICK") == "1" and not EXPLORE


def _settings(max_examples: int) -> settings:
    scale = 10 if EXPLORE else (0.2 if QUICK else 1)
    return settings(max_examples=max(5, int(max_examples * scale)), deadline=None,
                    derandomize=not EXPLORE, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow])


CSV_FILES = ("plans.csv", "speerpunten.csv")


def _outcome(folder: Path, *, require_thema: bool) -> None:
    """Read and clean ``folder``; on success check the cleaned tables, on InvalidInput its problems."""
    try:
        cleaned = clean(read_input(folder), require_thema=require_thema)
    except InvalidInput as exc:
        assert exc.problems, "InvalidInput without problems"
        names = {p.name for p in folder.iterdir()} | {f"{p.name}[{t}]" for p in folder.glob("*.xlsx")
                                                      for t in ("plans", "speerpunten")}
        for problem in exc.problems:
            assert problem.file in names or problem.file == str(folder), problem
            assert problem.row is None or problem.row >= 1, problem
            assert problem.expected, problem
        assert "verwacht" in exc.table()
        event("ongeldig: " + re.split(r"[(;]", exc.problems[0].expected)[0][:40].strip())
        return
    event("geldig")
    plans, speerpunten = cleaned.plans, cleaned.speerpunten
    assert len(plans) >= 1 and len(speerpunten) >= 1
    assert plans["plan_id"].is_unique
    assert (plans["plan_id"].str.strip() != "").all()
    assert set(speerpunten["plan_id"]) <= set(plans["plan_id"])
    assert not speerpunten.duplicated(["plan_id", "volgnummer"]).any()
    allowed = set(theme_codes()) | ({""} if not require_thema else set())
    assert set(speerpunten["thema"]) <= allowed
    assert (plans["gemeente_codes"].str.fullmatch(r"GM\d{4}(;GM\d{4})*")).all()
    assert list(cleaned.log.columns) == ["bestand", "rij", "kolom", "oud", "nieuw", "reden"]


def _write(folder: Path, contents: dict[str, bytes]) -> Path:
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return folder


# -- 1. arbitrary bytes ------------------------------------------------------------------------------

@_settings(max_examples=150)
@given(plans=st.binary(max_size=600), speerpunten=st.binary(max_size=600), require_thema=st.booleans())
def test_random_bytes_raise_only_invalid_input(plans, speerpunten, require_thema):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write(Path(tmp), {"plans.csv": plans, "speerpunten.csv": speerpunten})
        _outcome(folder, require_thema=require_thema)


# -- 2. arbitrary text in the encodings Excel writes -------------------------------------------------

ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])


@_settings(max_examples=150)
@given(plans=st.text(max_size=400), speerpunten=st.text(max_size=400), encoding=ENCODINGS,
       require_thema=st.booleans())
def test_random_text_raises_only_invalid_input(plans, speerpunten, encoding, require_thema):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write(Path(tmp), {"plans.csv": plans.encode(encoding, errors="replace"),
                                    "speerpunten.csv": speerpunten.encode(encoding, errors="replace")})
        _outcome(folder, require_thema=require_thema)


# -- 3. CSV with the real columns and a mix of valid, awkward and random cells ------------------------
# Most random CSV dies on the header; this strategy gets past it so that validation, municipality
# resolution and derivation see hostile values too. Tables start valid and get up to four
# mutations (awkward values that hand-edited exports really contain, random text, missing or extra
# columns, blank or ragged rows); shrinking goes towards the valid table.

VALID = {
    "titel": ["Veiligheidsplan", "Súdwest-Fryslân \"veilig\"", "<script>alert(1)</script>", "=1+1"],
    "gemeenten": ["Amsterdam", "amsterdam ; Rotterdam", "Den Haag", "GM0363", "gm 0599", "Eemsdelta",
                  "Haarlemmerliede en Spaarnwoude", "Amsterdam;Amsterdam", "Maasdonk;Oss", "Súdwest-Fryslân"],
    "gezamenlijk": ["ja", "", "JA", "ja"],
    "periode_start": ["2019", "2019.0", "", " 2020 "],
    "periode_eind": ["2022", "", "2022.00"],
    "burgerparticipatie": ["ja", "nee", "onbekend", "", "Ja "],
    "participatievormen": ["enquete", "enquete;wijkraad", "", "Meldpunt ; overig"],
    "bron_url": ["https://example.org/p", "", "javascript:alert(1)"],
    "bron_type": ["plan", "", "nieuws"],
    "zekerheid": ["hoog", "midden", "laag", ""],
    "speerpunt": ["Woninginbraak", "@SUM(A1)", "+31", "<b>x</b>", "-drugs", "\tJeugd"],
    "niveau": ["lokaal", "regionaal", "onbekend", "", "LOKAAL"],
    "thema": [*theme_codes(), "vwl", " ond ", ""],
    "thema_2": [*theme_codes(), "", "cyb"],
}
AWKWARD = {
    "plan_id": ["p1", " p1 ", "P1", "", "p1;p2", "=p1", "p9"],
    "titel": [""],
    "gemeenten": ["Amsterdm", ";", "", "GM9999", "Bergen", "nee"],
    "gezamenlijk": ["nee", "misschien"],
    "periode_start": ["twee", "1899", "99999999999999999999", "-2019", "२०१९", "2030"],
    "periode_eind": ["2018", "NaN", "inf", "0x7e6"],
    "burgerparticipatie": ["misschien"],
    "participatievormen": ["enquête", ";;", "enquete;"],
    "zekerheid": ["zeker"],
    "volgnummer": ["1", "1.0", "0", "-1", "", "twee", "1e3", "١", "9999999", "01"],
    "speerpunt": ["", " "],
    "niveau": ["landelijk"],
    "thema": ["XYZ", "nan", "None", "OVR;VWL"],
    "thema_2": ["OVR;VWL", "0"],
}
JUNK_TEXT = st.text(max_size=12)


def _awkward(column: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(AWKWARD.get(column) or [""]), JUNK_TEXT)


def _valid_key(table: str, column: str, index: int) -> str | None:
    """The value that keeps keys consistent: plan ids p1, p2, ... and speerpunten of p1 numbered 1, 2, ..."""
    if column == "plan_id":
        return f"p{index + 1}" if table == "plans" else "p1"
    if column == "volgnummer":
        return str(index + 1)
    return None


@st.composite
def _table(draw, table: str) -> list[list[str]]:
    """A table that starts valid (keys consistent, cells from VALID) and then gets 0-4 mutations:
    an awkward or random cell, a missing required column, an extra column, a blank or ragged row."""
    optional = draw(st.lists(st.sampled_from(OPTIONAL[table]), unique=True))
    header = draw(st.permutations([*REQUIRED[table], *optional]))
    n_rows = draw(st.integers(1, 5))
    rows = [[_valid_key(table, c, i) or draw(st.sampled_from(VALID.get(c, [""]))) for c in header]
            for i in range(n_rows)]
    inserted = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop", "extra", "row"]))
        if kind == "cell" and header:
            row, col = draw(st.integers(0, n_rows - 1)), draw(st.integers(0, len(header) - 1))
            rows[row][col] = draw(_awkward(header[col]))
        elif kind == "drop" and header:
            col = draw(st.integers(0, len(header) - 1))
            header = header[:col] + header[col + 1:]
            rows = [r[:col] + r[col + 1:] for r in rows]
        elif kind == "extra":  # an unknown column, possibly clashing with a derived or internal name
            header = [*header, draw(st.sampled_from(["opmerking", "PLAN_ID", " Thema ", "", "_rij",
                                                     "gemeente_codes", "bron_rij", "categorie"]))]
            rows = [[*r, draw(JUNK_TEXT)] for r in rows]
        elif kind == "row":  # a blank or ragged row, as hand-edited Excel files have
            inserted.append(draw(st.sampled_from([[], [""] * len(header), ["x"]])))
    for row in inserted:
        rows.insert(draw(st.integers(0, len(rows))), row)
    return [list(header), *rows]


def _csv_bytes(rows: list[list[str]], sep: str, newline: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@_settings(max_examples=100)
@given(plans=_table("plans"), speerpunten=_table("speerpunten"), sep=st.sampled_from([",", ";", "\t"]),
       newline=st.sampled_from(["\n", "\r\n"]), encoding=ENCODINGS, require_thema=st.booleans())
def test_csv_with_hostile_cells_raises_only_invalid_input(plans, speerpunten, sep, newline, encoding,
                                                          require_thema):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write(Path(tmp), {"plans.csv": _csv_bytes(plans, sep, newline, encoding),
                                    "speerpunten.csv": _csv_bytes(speerpunten, sep, newline, encoding)})
        _outcome(folder, require_thema=require_thema)


def _read_as(folder: Path, require_thema: bool):
    """What reading and cleaning ``folder`` gives, comparable across separators: ("ok", plans, speerpunten,
    log without the separator notes) or ("ongeldig", {(file, row, column, value)})."""
    try:
        cleaned = clean(read_input(folder), require_thema=require_thema)
    except InvalidInput as exc:
        return ("ongeldig", {(p.file, p.row, p.column, p.value) for p in exc.problems})
    log = [{**entry, "rij": None if entry["rij"] != entry["rij"] or entry["rij"] is None else int(entry["rij"])}
           for entry in cleaned.log.to_dict("records") if "scheidingsteken" not in str(entry["nieuw"])]
    return ("ok", cleaned.plans, cleaned.speerpunten, log)


@_settings(max_examples=25)
@given(plans=_table("plans"), speerpunten=_table("speerpunten"), require_thema=st.booleans())
def test_the_same_table_separated_by_comma_semicolon_or_tab_is_read_alike(plans, speerpunten, require_thema):
    outcomes = {}
    for sep in (",", ";", "\t"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = _write(Path(tmp), {"plans.csv": _csv_bytes(plans, sep, "\n", "utf-8"),
                                        "speerpunten.csv": _csv_bytes(speerpunten, sep, "\n", "utf-8")})
            outcomes[sep] = _read_as(folder, require_thema)
    comma = outcomes[","]
    event(comma[0])
    for sep in (";", "\t"):
        other = outcomes[sep]
        assert other[0] == comma[0], (sep, other, comma)
        if comma[0] == "ongeldig":
            assert other[1] == comma[1], sep
        else:
            assert other[1].equals(comma[1]) and other[2].equals(comma[2]), sep
            assert other[3] == comma[3], sep


# -- 4. workbooks with typed cells -------------------------------------------------------------------

XLSX_CELL = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(), st.sampled_from(sum(VALID.values(), []) + sum(AWKWARD.values(), [])),
)


def _storable(value):
    """``value`` without the control characters that openpyxl refuses to store in a cell."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


@st.composite
def _sheet(draw, table: str) -> list[list]:
    header, *rows = draw(_table(table))
    rows = [[draw(st.one_of(st.just(c), XLSX_CELL)) for c in r] for r in rows]
    return [[_storable(c) for c in r] for r in [header, *rows]]


@_settings(max_examples=40)
@given(plans=_sheet("plans"), speerpunten=_sheet("speerpunten"),
       names=st.sampled_from([("plans", "speerpunten"), ("Plans", " Speerpunten "), ("plans", "Blad2")]),
       require_thema=st.booleans())
def test_workbook_with_typed_cells_raises_only_invalid_input(plans, speerpunten, names, require_thema):
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in zip(names, (plans, speerpunten)):
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
        book.save(Path(tmp) / "ivp.xlsx")
        _outcome(Path(tmp), require_thema=require_thema)
