"""Shared helpers for the tests: a tiny valid input written from in-line rows.

The base input has three plans and five speerpunten whose derived values can be checked by hand:

- ``p1`` Amsterdam alone (G4), 2019-2022, two speerpunten (VWL, OND);
- ``p2`` Alblasserdam + Den Haag, ``gezamenlijk`` empty (derived: ja), no period, one speerpunt (ZOR);
- ``p3`` Aa en Hunze (P10), ``gezamenlijk`` nee, 2020-2023, two speerpunten (JEU, CYB).

Tests change one cell with ``plan(...)``/``priority(...)`` overrides so that exactly one rule fires.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from ivp.errors import InvalidInput
from ivp.running import job

PLAN_COLUMNS = ["plan_id", "titel", "gemeenten", "gezamenlijk", "periode_start", "periode_eind",
                "burgerparticipatie", "participatievormen", "bron_url", "bron_type", "zekerheid"]
PRIORITY_COLUMNS = ["plan_id", "volgnummer", "speerpunt", "niveau", "thema", "thema_2"]

BASE_PLANS = [
    {"plan_id": "p1", "titel": "Veiligheidsplan Amsterdam", "gemeenten": "Amsterdam", "gezamenlijk": "nee",
     "periode_start": "2019", "periode_eind": "2022", "burgerparticipatie": "ja",
     "participatievormen": "enquete;wijkraad", "bron_url": "https://example.org/p1", "bron_type": "plan",
     "zekerheid": "hoog"},
    {"plan_id": "p2", "titel": "Regionaal plan", "gemeenten": "Alblasserdam; Den Haag", "gezamenlijk": "",
     "periode_start": "", "periode_eind": "", "burgerparticipatie": "onbekend", "participatievormen": "",
     "bron_url": "https://example.org/p2", "bron_type": "nieuws", "zekerheid": "midden"},
    {"plan_id": "p3", "titel": "IVB Aa en Hunze", "gemeenten": "Aa en Hunze", "gezamenlijk": "nee",
     "periode_start": "2020", "periode_eind": "2023", "burgerparticipatie": "nee", "participatievormen": "",
     "bron_url": "https://example.org/p3", "bron_type": "plan", "zekerheid": "hoog"},
]
BASE_PRIORITIES = [
    {"plan_id": "p1", "volgnummer": "1", "speerpunt": "Woninginbraak", "niveau": "lokaal", "thema": "VWL",
     "thema_2": ""},
    {"plan_id": "p1", "volgnummer": "2", "speerpunt": "Ondermijning", "niveau": "lokaal", "thema": "OND",
     "thema_2": ""},
    {"plan_id": "p2", "volgnummer": "1", "speerpunt": "Verward gedrag", "niveau": "regionaal", "thema": "ZOR",
     "thema_2": ""},
    {"plan_id": "p3", "volgnummer": "1", "speerpunt": "Jonge aanwas", "niveau": "lokaal", "thema": "JEU",
     "thema_2": "OND"},
    {"plan_id": "p3", "volgnummer": "2", "speerpunt": "Online fraude", "niveau": "lokaal", "thema": "CYB",
     "thema_2": ""},
]


def plans(*changes: tuple[int, dict]) -> list[dict]:
    """The base plans with ``changes``: pairs of (index in BASE_PLANS, {column: new value})."""
    rows = [dict(r) for r in BASE_PLANS]
    for index, values in changes:
        rows[index].update(values)
    return rows


def priorities(*changes: tuple[int, dict]) -> list[dict]:
    """The base speerpunten with ``changes``: pairs of (index in BASE_PRIORITIES, {column: new value})."""
    rows = [dict(r) for r in BASE_PRIORITIES]
    for index, values in changes:
        rows[index].update(values)
    return rows


def csv_text(rows: list[dict], columns: list[str] | None = None, *, sep: str = ",", newline: str = "\n") -> str:
    """``rows`` as CSV text with a header line; ``columns`` defaults to the keys of the first row."""
    columns = columns or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=sep, lineterminator=newline,
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_input(folder: Path, plan_rows: list[dict] | None = None, priority_rows: list[dict] | None = None, *,
                sep: str = ",", encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write ``plans.csv`` and ``speerpunten.csv`` into ``folder`` (base rows by default); returns folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("plans.csv", BASE_PLANS if plan_rows is None else plan_rows),
                       ("speerpunten.csv", BASE_PRIORITIES if priority_rows is None else priority_rows)):
        (folder / name).write_bytes(csv_text(rows, sep=sep, newline=newline).encode(encoding))
    return folder


def write_xlsx(path: Path, tables: dict[str, list[dict]]) -> Path:
    """An .xlsx workbook with one sheet per entry of ``tables`` (sheet name -> rows), via openpyxl."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in tables.items():
        ws = book.create_sheet(sheet)
        columns = list(rows[0])
        ws.append(columns)
        for row in rows:
            ws.append([row[c] for c in columns])
    book.save(path)
    return path


def problems_of(call, *args, **kwargs):
    """The problems of the InvalidInput that ``call(*args, **kwargs)`` raises (fails if it does not raise)."""
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return info.value.problems


@pytest.fixture
def valid_input(tmp_path: Path) -> Path:
    """A folder with the base plans.csv and speerpunten.csv."""
    return write_input(tmp_path / "raw")


# --- input for the tests of ivp.coding -----------------------------------------------------------

CODING_PLANS_HEADER = "plan_id,titel,gemeenten,gezamenlijk,periode_start,periode_eind,burgerparticipatie\n"
CODING_SP_HEADER = "plan_id,volgnummer,speerpunt,niveau,thema,thema_2\n"


def write_coding_input(folder: Path, speerpunten: str, plans: str | None = None) -> Path:
    """A tiny input folder: three plans (Utrecht, Almere, Zwolle) and the given speerpunten rows."""
    folder.mkdir(parents=True, exist_ok=True)
    plans = plans or ("p1,Plan een,Utrecht,nee,2019,2022,onbekend\n"
                      "p2,Plan twee,Almere,nee,2019,2022,onbekend\n"
                      "p3,Plan drie,Zwolle,nee,2020,2023,onbekend\n")
    (folder / "plans.csv").write_text(CODING_PLANS_HEADER + plans, encoding="utf-8")
    (folder / "speerpunten.csv").write_text(CODING_SP_HEADER + speerpunten, encoding="utf-8")
    return folder


CODING_MIXED = ("p1,1,Drugsoverlast,lokaal,OND,\n"  # given code that the lexicon would code VWL
                "p1,2,Aanpak van ondermijning,lokaal,,\n"
                "p1,3,Verkeersveiligheid,lokaal,,\n"
                "p2,1,Jeugdoverlast,lokaal,JEU,VWL\n"
                "p2,2,Cybercrime,lokaal,,\n"
                "p2,3,Een veilige Almere,lokaal,,\n"  # no lexicon term: least certain
                "p3,1,Zorg en veiligheid,lokaal,ZOR,\n"
                "p3,2,Radicalisering en polarisatie,lokaal,,\n")


def read_coded(out: Path, name: str) -> pd.DataFrame:
    """One CSV file of an ``ivp codeer`` output folder, every cell as text."""
    return pd.read_csv(out / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# hand-coded speerpunten of three plans, two themes: training data for the coders that learn
CODING_TRAIN = pd.DataFrame({
    "plan_id": ["a", "a", "b", "b", "c", "c"],
    "speerpunt": ["Jeugdoverlast", "Jeugdgroepen in de wijk", "Brandweerzorg", "Brandpreventie",
                  "Jeugdcriminaliteit", "Brandveiligheid"],
    "thema": ["JEU", "JEU", "FYS", "FYS", "JEU", "FYS"],
})


# --- running notebooks ----------------------------------------------------------------------------

def run_stages(data: Path, processed: Path, out: Path, *, cohorts=(), peiljaren=job.PEILJAREN, **options):
    """The real runner (``ivp.running.runner.run_pipeline``) on ``data``: the cleaning stage, then the jobs of
    ``cohorts`` x ``peiljaren`` (none by default: only the cleaning). Returns (job results, progress lines)."""
    from ivp.running.runner import RunConfig, run_pipeline

    lines: list[str] = []
    config = RunConfig(data=Path(data), processed=Path(processed), out=Path(out), cohorts=list(cohorts),
                       peiljaren=list(peiljaren), **options)
    return run_pipeline(config, progress=lines.append), lines


def papermill_notebook(notebook: Path, executed: Path, parameters: dict, *, kernel: str = job.KERNEL):
    """One notebook through plain papermill in a kernel of its own, as a researcher runs it on its own (the
    oracle that the shared-kernel runner is compared with); an unregistered ``kernel`` is this Python
    (``ivp.running.kernels.resolve_kernel``, as in the runner). Raises papermill's execution error."""
    import papermill as pm

    from ivp.running.kernels import resolve_kernel

    executed.parent.mkdir(parents=True, exist_ok=True)
    return pm.execute_notebook(str(Path(notebook).resolve()), str(executed), parameters=parameters,
                               kernel_name=kernel, cwd=str(Path(notebook).resolve().parent),
                               progress_bar=False, log_output=False, **resolve_kernel(kernel).papermill_kwargs())
