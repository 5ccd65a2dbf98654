"""Reading the raw input: a folder with ``plans.csv`` and ``speerpunten.csv`` (comma, semicolon or tab
separated; UTF-8, UTF-8 with BOM or Windows-1252 as Excel writes it) or one ``.xlsx`` with sheets ``plans``
and ``speerpunten``. Everything is read as text; validation decides what it means."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ivp.errors import InputProblem, InvalidInput

TABLES = ("plans", "speerpunten")
ROW = "_rij"  # spreadsheet row number of each record (header = 1)
MAX_BYTES = 200 * 1024 * 1024
MAX_CELL = 32_767  # characters in one cell: the most a spreadsheet (Excel) cell can hold


@dataclass
class RawInput:
    """The two input tables as text, each with a ``_rij`` column, and where they came from."""

    plans: pd.DataFrame
    speerpunten: pd.DataFrame
    files: dict[str, str]  # table -> file name as shown in messages ("plans.csv", "ivp.xlsx[plans]")
    paths: list[Path] = field(default_factory=list)  # files read, for checksums
    notes: list[dict] = field(default_factory=list)  # cleaning-log entries made while reading


def input_files(path: Path) -> list[Path]:
    """The files that make up the input at ``path`` (a folder or an .xlsx file)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInput([InputProblem(str(path), None, None, str(path), "een bestaande map of .xlsx-bestand")])
    csvs = [path / f"{t}.csv" for t in TABLES]
    if any(p.exists() for p in csvs):
        return csvs
    xlsx = sorted(p for p in path.glob("*.xlsx") if not p.name.startswith("~$"))
    if len(xlsx) == 1:
        return xlsx
    return csvs


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_input(path: Path) -> RawInput:
    """Read the input at ``path``; raises InvalidInput naming every unreadable file or sheet."""
    files = input_files(Path(path))
    if len(files) == 1 and files[0].suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(files[0])
    if len(files) == 1:
        raise InvalidInput([InputProblem(files[0].name, None, None, files[0].suffix,
                                         "een map met plans.csv en speerpunten.csv, of één .xlsx-bestand")])
    tables, problems, notes = {}, [], []
    for table, file in zip(TABLES, files):
        try:
            tables[table], note = _read_csv(file)
            notes.extend(note)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return RawInput(tables["plans"], tables["speerpunten"], {t: f.name for t, f in zip(TABLES, files)},
                    list(files), notes)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Text and encoding name of a CSV file's bytes: UTF-8 (with or without BOM) or Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput([InputProblem(file, None, None, "UTF-16-tekst (Excel: 'Unicode-tekst')",
                                         "CSV in UTF-8 of Windows-1252; sla op als 'CSV UTF-8' of 'CSV'")])
    if b"\x00" in data:
        raise InvalidInput([InputProblem(file, None, None, "binaire inhoud",
                                         "een tekstbestand (CSV, UTF-8 of Windows-1252)")])
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1  # the spreadsheet row, unless a cell spans lines
        raise InvalidInput([InputProblem(file, line, None, f"byte {data[exc.start]:#x} op positie {exc.start}",
                                         "tekst in UTF-8 of Windows-1252")]) from None


HEADER_SCAN = 1 << 20  # characters of the header record looked at for the separator
# The separators a CSV file may use, in order of preference on a tie, with their names in messages and log.
SEPARATORS = {",": "komma", ";": "puntkomma", "\t": "tab"}


def separator_name(sep: str) -> str:
    """How messages and the cleaning log name ``sep``: ``','``, ``';'``, or ``tab`` (a tab is invisible)."""
    return "tab" if sep == "\t" else f"'{sep}'"


def _header_counts(text: str) -> tuple[dict[str, int], str, int]:
    """How often each of SEPARATORS occurs outside quotes in the header (the first record that is not
    blank), that record as read (for messages) and the offset where it starts."""
    start = 0
    while True:  # blank lines before the header are skipped, as _frame skips them
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip() or end < 0:
            break
        start = end + 1
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted, i = False, start
    end = min(len(text), start + HEADER_SCAN)  # a quote never closed would otherwise scan the whole file
    while i < end:
        char = text[i]
        if char == '"':
            quoted = not quoted  # a doubled "" inside quotes toggles twice: still quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
        i += 1
    return counts, text[start:i], start


def separator(text: str, file: str = "") -> str:
    """The separator of CSV ``text``: whichever of comma, semicolon and tab occurs most often outside quotes
    in the header line (on a tie: comma, then semicolon). A tab or semicolon inside a quoted field, or in a
    data row, does not count.

    Raises InvalidInput (one problem naming ``file`` and the separators tried) when the header contains none
    of them, e.g. a file separated by ``|``: that is not a list of missing columns.
    """
    counts, header, start = _header_counts(text)
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first of equals: the preference order
    if counts[best] == 0:
        shown = header if len(header) <= 24 else header[:23] + "…"  # the problem table shows 60 characters
        raise InvalidInput([InputProblem(
            file, text[:start].count("\n") + 1, None, f"scheidingsteken niet herkend: {shown!r}",
            f"kolommen gescheiden door komma (,), puntkomma (;) of tab; geprobeerd: "
            f"{', '.join(SEPARATORS.values())}, geen ervan staat in de kopregel (sla op als 'CSV' of "
            "'Tekst (tab-gescheiden)')")])
    return best


def _read_csv(file: Path) -> tuple[pd.DataFrame, list[dict]]:
    name = file.name
    if not file.exists():
        raise InvalidInput([InputProblem(name, None, None, "ontbreekt", f"een bestand {name} in {file.parent}")])
    if file.stat().st_size > MAX_BYTES:
        raise InvalidInput([InputProblem(name, None, None, f"{file.stat().st_size} bytes",
                                         f"een bestand kleiner dan {MAX_BYTES // 2**20} MB")])
    text, encoding = decode(file.read_bytes(), name)
    if not text.strip():
        raise InvalidInput([InputProblem(name, None, None, "leeg bestand", "een kopregel met kolomnamen en gegevens")])
    sep = separator(text, name)
    rows = parse_csv(text, sep, name)
    notes = []
    if encoding != "utf-8" or sep != ",":
        notes.append(log_entry(name, None, None, "", f"{encoding}, scheidingsteken {separator_name(sep)}",
                               "bestand gelezen als tab-gescheiden tekstexport" if sep == "\t"
                               else "bestand gelezen als Excel-export"))
    return _frame(rows, name), notes


def parse_csv(text: str, sep: str, file: str) -> list[list[str]]:
    """Records of CSV ``text``; a quote that is never closed or text after a closing quote is an
    InvalidInput naming the record (spreadsheet row) where it happens, not a silently merged row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    limit = csv.field_size_limit(MAX_BYTES)  # one cell may be large; _frame reports it by cell
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise InvalidInput([InputProblem(file, len(rows) + 1, None, f"CSV-fout: {exc}",
                                         f'velden gescheiden door {separator_name(sep)}; een veld dat met " '
                                         'begint, eindigt ook met " (een " in het veld als "")')]) from None
    finally:
        csv.field_size_limit(limit)
    return rows


def _read_xlsx(file: Path) -> RawInput:
    name = file.name
    try:
        # imported here, not at the top: only an .xlsx input needs it, and `ivp validate data/raw` (CSV) would
        # pay `python -X importtime -c "import ivp.cli; import openpyxl"`: 116 ms (cumulative, median of 3)
        import openpyxl

        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a file that is not a workbook
        raise InvalidInput([InputProblem(name, None, None, type(exc).__name__,
                                         "een geldig .xlsx-bestand met de bladen plans en speerpunten")]) from None
    sheets = {s.strip().lower(): s for s in book.sheetnames}
    missing = [t for t in TABLES if t not in sheets]
    if missing:
        raise InvalidInput([InputProblem(name, None, None, ", ".join(book.sheetnames) or "geen bladen",
                                         f"een blad '{t}'") for t in missing])
    tables = {}
    for table in TABLES:
        rows = [["" if v is None else _cell_text(v) for v in r]
                for r in book[sheets[table]].iter_rows(values_only=True)]
        tables[table] = _frame(rows, f"{name}[{table}]")
    book.close()
    return RawInput(tables["plans"], tables["speerpunten"], {t: f"{name}[{t}]" for t in TABLES}, [file])


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frame(rows: list[list[str]], file: str) -> pd.DataFrame:
    """Records of a table with a header row, keeping spreadsheet row numbers; blank rows dropped."""
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(str(c).strip() for c in row)]
    if not numbered:
        raise InvalidInput([InputProblem(file, None, None, "leeg", "een kopregel met kolomnamen")])
    (header_row, header), body = numbered[0], numbered[1:]
    if not body:
        raise InvalidInput([InputProblem(file, header_row + 1, None, "alleen een kopregel",
                                         "minstens één rij met gegevens onder de kopregel")])
    header = [str(h).strip().lower() for h in header]
    while header and not header[-1]:  # trailing empty columns, as Excel exports them
        header.pop()
    problems = [InputProblem(file, header_row, name or None, name, "unieke, niet-lege kolomnamen")
                for i, name in enumerate(header) if not name or name in header[:i]]
    records, numbers = [], []
    for number, row in body:
        if any(str(c).strip() for c in row[len(header):]):
            problems.append(InputProblem(file, number, None, f"{len(row)} velden",
                                         f"hoogstens {len(header)} velden, zoals de kopregel"))
            continue
        cells = (list(row) + [""] * len(header))[: len(header)]
        problems += [InputProblem(file, number, column, f"{len(str(cell))} tekens",
                                  f"een tekst van hoogstens {MAX_CELL} tekens (de grens van een spreadsheetcel)")
                     for column, cell in zip(header, cells) if len(str(cell)) > MAX_CELL]
        records.append(cells)
        numbers.append(number)
    if problems:
        raise InvalidInput(problems)
    frame = pd.DataFrame(records, columns=header, dtype=object).fillna("")
    frame[ROW] = numbers
    return frame


def log_entry(file: str, row: int | None, column: str | None, old: str, new: str, reason: str) -> dict:
    return {"bestand": file, "rij": row, "kolom": column, "oud": old, "nieuw": new, "reden": reason}
