"""The bad-input corpus (tests/corpus/cases.yaml): every case gives exactly its stated outcome.

Each case runs twice:
- through the command line, ``ivp validate <input>``: the exit code, no traceback, every expected problem on
  a line of the printed table that names its file, row and column, the input's checksums unchanged and
  nothing written to the working directory;
- through ``ivp.inputs.clean.clean(ivp.inputs.read.read_input(<input>))``: for refused input the complete set of
  (file, row, column) problems, for accepted input the cleaned values and the cleaning-log entries.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ivp.cli import main
from ivp.errors import InvalidInput
from ivp.inputs.clean import clean
from ivp.inputs.read import MAX_CELL, read_input

CORPUS = Path(__file__).parent / "corpus"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
PROBLEM_FIELDS = {"file", "row", "column", "value", "expected"}
LOG_FIELDS = {"bestand", "rij", "kolom", "oud", "nieuw", "reden"}


# -- inputs built at run time (too large to commit) ----------------------------------------------------

def _replace_first_speerpunt(folder: Path, text: str) -> None:
    path = folder / "speerpunten.csv"
    header, first, *rest = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = first.split(",")
    cells[2] = f'"{text}"'
    path.write_text(header + ",".join(cells) + "".join(rest), encoding="utf-8")


BUILDERS = {
    "five_mb_text_cell": lambda folder: _replace_first_speerpunt(folder, "x" * (5 * 2**20)),
    "cell_at_the_spreadsheet_limit": lambda folder: _replace_first_speerpunt(folder, "y" * MAX_CELL),
}


def _input(case: dict, tmp_path: Path) -> Path:
    path = CORPUS / case.get("input", case["case"])
    if "build" not in case:
        return path
    built = tmp_path / "input"
    shutil.copytree(path, built)
    BUILDERS[case["build"]](built)
    return built


def _checksums(path: Path) -> dict[str, str]:
    """sha256 of every file at ``path`` (a file or a folder, recursively); empty when it does not exist."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []
    return {str(p.relative_to(path.parent)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _expected_problems(case: dict, path: Path) -> list[dict]:
    return [{**p, "file": str(path) if p["file"] == "{input}" else p["file"]} for p in case["problems"]]


def _require_thema(case: dict) -> bool:
    return "--ongecodeerd" not in case.get("args", [])


def _plain(value):
    """A cell as a plain Python value for comparison with YAML (NA -> None, numpy scalars -> Python)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


# -- the table itself ---------------------------------------------------------------------------------

def test_corpus_has_at_least_25_cases_each_with_input_and_outcome():
    assert len(CASES) >= 25
    assert len({c["case"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert case["exit"] in (0, 2), case["case"]
        assert ("problems" in case) == (case["exit"] == 2), case["case"]
        assert case.get("counts") or case["exit"] == 2, case["case"]
        if case["case"] != "no_such_input":
            assert (CORPUS / case.get("input", case["case"])).exists(), case["case"]
        assert case.get("build") is None or case["build"] in BUILDERS, case["case"]
        # an unquoted comma in a YAML flow mapping silently makes a new key: catch it here
        assert all(set(p) <= PROBLEM_FIELDS for p in case.get("problems", [])), case["case"]
        assert all(set(e) <= LOG_FIELDS for e in case.get("log", [])), case["case"]


def test_every_corpus_folder_is_a_case():
    used = {Path(c.get("input", c["case"])).parts[0] for c in CASES}
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders <= used, folders - used


# -- through the command line -------------------------------------------------------------------------

def _located_line(lines: list[str], problem: dict) -> str | None:
    """The line of the printed problem table that names the problem's file, row and column."""
    row = "" if problem["row"] is None else rf"{problem['row']}\s+"
    column = "" if problem["column"] is None else rf"{re.escape(problem['column'])}\s"
    pattern = re.compile(rf"^{re.escape(problem['file'])}\s+{row}{column}")
    return next((line for line in lines if pattern.match(line)), None)


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_validate_command_gives_the_stated_outcome_and_leaves_input_untouched(case, tmp_path, monkeypatch, capsys):
    path = _input(case, tmp_path)
    before = _checksums(path)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)

    code = main(["validate", str(path), *case.get("args", [])])
    out, err = capsys.readouterr()

    assert code == case["exit"], out + err
    assert "Traceback" not in out + err
    assert "Interne fout" not in out + err
    assert _checksums(path) == before
    assert list(workdir.iterdir()) == []
    if case["exit"] == 0:
        assert "geldig" in out and err == ""
        return
    assert "er is niets overschreven" in err
    lines = err.splitlines()
    for problem in _expected_problems(case, path):
        line = _located_line(lines, problem)
        assert line is not None, f"no line naming {problem} in:\n{err}"
        assert problem.get("expected", "") in line, line


# -- through the functions: exact problems or exact values --------------------------------------------

def _clean_case(case: dict, path: Path):
    return clean(read_input(path), require_thema=_require_thema(case))


@pytest.mark.parametrize("case", [c for c in CASES if c["exit"] == 2], ids=lambda c: c["case"])
def test_refused_input_names_exactly_the_stated_file_row_and_column(case, tmp_path):
    path = _input(case, tmp_path)
    with pytest.raises(InvalidInput) as info:
        _clean_case(case, path)
    expected = _expected_problems(case, path)
    found = info.value.problems
    assert {(p.file, p.row, p.column) for p in found} == {(e["file"], e["row"], e["column"]) for e in expected}
    for e in expected:
        problem = next(p for p in found if (p.file, p.row, p.column) == (e["file"], e["row"], e["column"]))
        assert e.get("value", "") in problem.value, problem
        assert e.get("expected", "") in problem.expected, problem


@pytest.mark.parametrize("case", [c for c in CASES if c["exit"] == 0], ids=lambda c: c["case"])
def test_accepted_input_is_read_to_the_stated_values_and_log(case, tmp_path):
    cleaned = _clean_case(case, _input(case, tmp_path))

    assert {"plans": len(cleaned.plans), "speerpunten": len(cleaned.speerpunten)} == case["counts"]
    plans = cleaned.plans.set_index("plan_id")
    for plan_id, values in case.get("plans", {}).items():
        assert {k: _plain(plans.at[plan_id, k]) for k in values} == values, plan_id
    priorities = cleaned.speerpunten.assign(
        key=cleaned.speerpunten["plan_id"] + "/" + cleaned.speerpunten["volgnummer"].astype(str)).set_index("key")
    for key, values in case.get("speerpunten", {}).items():
        assert {k: _plain(priorities.at[key, k]) for k in values} == values, key
    log = [{k: _plain(v) for k, v in entry.items()} for entry in cleaned.log.to_dict("records")]
    for wanted in case.get("log", []):
        exact = {k: v for k, v in wanted.items() if k != "reden"}
        assert any({k: e[k] for k in exact} == exact and wanted.get("reden", "") in e["reden"] for e in log), (
            f"no log entry {wanted} in:\n" + "\n".join(map(str, log)))
