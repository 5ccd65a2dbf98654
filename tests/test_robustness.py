"""Issue 7, phase B: nothing lost, nothing written where it should not be, hostile text made harmless.

- Output locations come only from validated values: a cohort or peiljaar that could become a path, an
  output folder that is, contains or lies inside the input, or a ``--processed`` that contains ``--out``
  is refused with exit 2 before anything is written (a sentinel tree around the run stays as it was).
- Input is never modified: every corpus case through ``ivp run`` (refused ones: exit 2, nothing written)
  and through ``ivp codeer``; a real ``ivp codeer`` + ``ivp run`` on hostile input.
- Hostile text (script, event handlers, ``javascript:`` URLs, spreadsheet formulas) goes through
  ``ivp codeer`` and ``ivp run`` for real: the HTML shows it only as escaped text, files people open in a
  spreadsheet neutralise formulas, the data the analysis reads keeps them verbatim.

Interrupted runs (SIGKILL halfway, a notebook that raises) are in tests/test_interrupt.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import BASE_PLANS, BASE_PRIORITIES, write_input
from test_corpus import CASES, _checksums, _expected_problems, _input, _located_line

from ivp.cli import main
from ivp.errors import InvalidInput
from ivp.inputs.clean import clean, read_processed
from ivp.inputs.read import read_input
from ivp.running.paths import output_problems, run_output_problems
from ivp.running.runner import RunConfig, run_pipeline

ROOT = Path(__file__).resolve().parents[1]
# every refused corpus case runs through `ivp run` as well (a refused run starts no kernel: a second a case)
REFUSED = [c for c in CASES if c["exit"] == 2]


def snapshot(root: Path) -> dict[str, str]:
    """Every file (sha256) and folder ('map') below ``root``, by relative path; empty when it is missing."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): "map" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """A sentinel tree: ``data/raw`` (the base input), earlier outputs in ``data/processed`` and ``reports``
    (a file each, standing for a previous run), a ``sentinel`` folder, and an empty working directory
    ``cwd`` that the test runs in."""
    root = tmp_path / "tree"
    write_input(root / "data" / "raw")
    for folder, name in (("data/processed", "vorige.parquet"), ("reports/2020/G4", "rapport.html"),
                         ("sentinel/diep", "niet_aanraken.txt")):
        (root / folder).mkdir(parents=True)
        (root / folder / name).write_text(f"{folder} van een eerdere run\n", encoding="utf-8")
    (root / "cwd").mkdir()
    monkeypatch.chdir(root / "cwd")
    return root


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    """``ivp`` in-process; returns (exit code, stdout + stderr). argparse refusals exit through SystemExit."""
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# ---------------------------------------------------------------- output paths from validated values only

@pytest.mark.parametrize("option, value, message", [
    ("--cohort", "../../x", "invalid choice: '../../x'"),
    ("--cohort", "a/b", "invalid choice: 'a/b'"),
    ("--cohort", "G4/../../..", "invalid choice: 'G4/../../..'"),
    ("--cohort", "{abs}/G4", "invalid choice: '{abs}/G4'"),
    ("--peiljaar", "../1", "peiljaar '../1' is ongeldig; verwacht een jaartal zoals 2020, of 'alle'"),
    ("--peiljaar", "2020/..", "peiljaar '2020/..' is ongeldig"),
    ("--peiljaar", "{abs}/2020", "peiljaar '{abs}/2020' is ongeldig"),
])
def test_cohort_or_peiljaar_that_could_become_a_path_is_refused_and_nothing_is_written(tree, capsys, option,
                                                                                        value, message):
    value, message = (s.replace("{abs}", str(tree / "sentinel")) for s in (value, message))
    before = snapshot(tree)
    code, output = run_cli(["run", "--data", str(tree / "data/raw"), "--processed", str(tree / "data/processed"),
                            "--out", str(tree / "reports"), option, value], capsys)
    assert code == 2
    assert message in output
    assert "Traceback" not in output
    assert snapshot(tree) == before


@pytest.mark.parametrize("cohorts, peiljaren, folder", [
    (["../../buiten"], ["2020"], "reports/2020/../../buiten"),
    (["nationaal"], ["{abs}"], "{abs}/nationaal"),
])
def test_job_folder_outside_out_is_refused_even_when_the_values_bypass_the_command_line(tree, cohorts,
                                                                                         peiljaren, folder):
    """``RunConfig`` refuses such values (ivp.running.job), and ``run_pipeline`` checks the job folders itself: a
    cohort or peiljaar set on the config after it was made still cannot write outside ``--out``."""
    peiljaren = [p.replace("{abs}", str(tree / "sentinel")) for p in peiljaren]
    folder = folder.replace("{abs}", str(tree / "sentinel")).replace("reports", str(tree / "reports"), 1)
    before = snapshot(tree)
    with pytest.raises(ValueError, match="is ongeldig|is onbekend"):
        RunConfig(data=tree / "data/raw", processed=tree / "data/processed", out=tree / "reports",
                  cohorts=cohorts, peiljaren=peiljaren)
    config = RunConfig(data=tree / "data/raw", processed=tree / "data/processed", out=tree / "reports")
    config.cohorts, config.peiljaren = cohorts, peiljaren  # past the validation of RunConfig
    with pytest.raises(InvalidInput) as info:
        run_pipeline(config, progress=lambda line: None)
    refused = [(p.file, p.value) for p in info.value.problems]
    assert ("--cohort/--peiljaar", folder) in refused
    assert any(f"een map binnen --out {tree / 'reports'}" in p.expected for p in info.value.problems)
    assert snapshot(tree) == before


@pytest.mark.parametrize("args, option, expected", [
    # ivp clean: --out replaces its folder as a whole
    (["clean", "data/raw", "--out", "data"], "--out", "een map buiten de invoer data/raw"),
    (["clean", "data/raw", "--out", "data/raw"], "--out", "een map buiten de invoer data/raw"),
    (["clean", "data/raw", "--out", "data/raw/verwerkt"], "--out", "een map buiten de invoer data/raw"),
    (["clean", "data/raw", "--out", "."], "--out", "een map buiten de invoer data/raw"),
    # ivp run: --processed is replaced as a whole, --out is written into
    (["run", "--data", "data/raw", "--processed", "data"], "--processed", "een map buiten de invoer data/raw"),
    (["run", "--data", "data/raw", "--processed", "data/raw"], "--processed", "een map buiten de invoer"),
    (["run", "--data", "data/raw", "--processed", "link_naar_raw"], "--processed", "een map buiten de invoer"),
    (["run", "--data", "data/raw", "--out", "data/raw/rapporten"], "--out", "een map buiten de invoer data/raw"),
    (["run", "--data", "data/raw", "--processed", "reports", "--out", "reports"], "--out",
     "een map buiten --processed reports (die map wordt als geheel vervangen)"),
    (["run", "--data", "data/raw", "--processed", "x", "--out", "x/reports"], "--out",
     "een map buiten --processed x"),
    (["run", "--data", "data/raw", "--processed", "reports/2020/nationaal", "--out", "reports"], "--processed",
     "een map buiten --cohort/--peiljaar reports/2020/nationaal"),
    # --autocode replaces <out>/gecodeerd as a whole: the coded folder of an earlier run cannot be the input
    (["run", "--data", "reports/gecodeerd", "--autocode"], "--autocode",
     "een map buiten de invoer reports/gecodeerd (die wordt nooit overschreven); deze map wordt als geheel vervangen"),
])
def test_output_folder_that_is_contains_or_lies_inside_the_input_is_refused(tree, capsys, monkeypatch, args,
                                                                             option, expected):
    """Before the fix, ``ivp clean data/raw --out data`` replaced ``data/`` as a whole: the raw input was
    deleted. Every such location is now refused with exit 2, naming the option, before anything is read."""
    monkeypatch.chdir(tree)
    (tree / "link_naar_raw").symlink_to(tree / "data" / "raw", target_is_directory=True)
    shutil.copytree(tree / "data" / "raw", tree / "reports" / "gecodeerd")
    before = snapshot(tree)
    if args[0] == "run":
        args = [*args, "--cohort", "nationaal", "--peiljaar", "2020"]
    code, output = run_cli(args, capsys)
    assert code == 2, output
    assert "er is niets overschreven" in output and "Traceback" not in output
    line = next((line for line in output.splitlines() if line.startswith(option + " ")), None)
    assert line is not None and expected in line, output
    assert snapshot(tree) == before


def test_outputs_next_to_or_around_the_input_without_touching_it_are_allowed(tmp_path):
    data = tmp_path / "data" / "raw"
    # the default layout, an --out that is a parent of the input, and processed inside --out
    assert run_output_problems(data, tmp_path / "data/processed", tmp_path / "reports",
                               [tmp_path / "reports/2020/G4"]) == []
    assert run_output_problems(data, tmp_path / "verwerkt", tmp_path, [tmp_path / "2020/nationaal"]) == []
    assert run_output_problems(data, tmp_path / "reports/verwerkt", tmp_path / "reports") == []


def test_workbook_input_may_have_outputs_in_its_folder_but_never_in_place_of_it(tmp_path):
    book = tmp_path / "invoer" / "ivp.xlsx"
    assert output_problems(book, [("--processed", tmp_path / "invoer" / "verwerkt", True)]) == []
    assert output_problems(book, [("--out", tmp_path / "invoer", False)]) == []
    refused = output_problems(book, [("--processed", tmp_path / "invoer", True)])
    assert [(p.file, p.value) for p in refused] == [("--processed", str(tmp_path / "invoer"))]
    assert "een map buiten de invoer" in refused[0].expected and "als geheel vervangen" in refused[0].expected
    refused = output_problems(book, [("--processed", book, True)])
    assert [(p.file, p.value) for p in refused] == [("--processed", str(book))]


def test_one_problem_per_cause_when_nested_outputs_are_refused(tmp_path):
    """An --out inside the input also puts its notebooks/ and job folders inside it: listed once."""
    data = tmp_path / "raw"
    problems = run_output_problems(data, tmp_path / "verwerkt", data / "rapporten",
                                   [data / "rapporten" / "2020" / "G4"])
    assert [(p.file, p.value) for p in problems] == [("--out", str(data / "rapporten"))]


# ---------------------------------------------------------------- the corpus through ivp run and ivp codeer

def test_the_corpus_has_refused_cases_to_run_through_ivp_run():
    assert len(REFUSED) >= 25 and {"no_such_input", "unterminated_quote", "misspelt_municipality"} <= {
        c["case"] for c in REFUSED}


@pytest.mark.parametrize("case", REFUSED, ids=[c["case"] for c in REFUSED])
def test_run_on_refused_corpus_input_exits_2_and_leaves_input_and_earlier_outputs_untouched(case, tree, capsys,
                                                                                             monkeypatch):
    import ivp.running.kernels

    started = []
    monkeypatch.setattr(ivp.running.kernels, "KernelPool", lambda *args, **kwargs: started.append(args) or pytest.fail(
        "a refused run started the kernel pool"))
    path = _input(case, tree.parent)
    input_before = _checksums(path)
    before = snapshot(tree)
    code, output = run_cli(["run", "--data", str(path), "--processed", str(tree / "data/processed"),
                            "--out", str(tree / "reports"), "--cohort", "nationaal", "--peiljaar", "2020"], capsys)
    assert code == 2, output
    assert "Traceback" not in output and "Interne fout" not in output
    assert "er is niets overschreven" in output
    lines = output.splitlines()
    for problem in _expected_problems(case, path):
        assert _located_line(lines, problem) is not None, f"no line naming {problem} in:\n{output}"
    assert _checksums(path) == input_before
    assert snapshot(tree) == before  # earlier outputs as they were, nothing new, working directory empty
    assert started == []  # no kernel was started for input that is refused


def _codeer_refuses(path: Path) -> bool:
    """Whether the input is refused for coding (themes may be empty), found without ``ivp codeer``."""
    try:
        clean(read_input(path), require_thema=False)
    except InvalidInput:
        return True
    return False


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_codeer_on_every_corpus_case_leaves_the_input_untouched(case, tmp_path, capsys):
    path = _input(case, tmp_path)
    before = _checksums(path)
    out = tmp_path / "gecodeerd"
    code, output = run_cli(["codeer", str(path), "--out", str(out), "--methode", "lexicon", "--training", "geen",
                            "--niet-meten"], capsys)
    assert _checksums(path) == before
    assert "Traceback" not in output and "Interne fout" not in output
    if _codeer_refuses(path):
        assert code == 2, output
        assert not out.exists()
    else:
        assert code == 0, output
        assert sorted(p.name for p in out.iterdir()) == sorted(
            ["codeer_verslag.json", "plans.csv", "speerpunten.csv", "te_beoordelen.csv"])


# ---------------------------------------------------------------- hostile text through codeer and run, for real

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
IFRAME = "</td></tr></table><iframe src=javascript:alert(3)>"
JS_URL = "javascript:alert(document.cookie)"
QUOTE_URL = 'https://example.org/p2?a=1&b="2"><script>alert(4)</script>'
HYPERLINK = '=HYPERLINK("https://evil.example","klik")'
AT_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3 jeugdoverlast"
EVIL_ID = "../../../buiten<b>"

HOSTILE_PLANS = [
    {**BASE_PLANS[0], "titel": SCRIPT, "bron_url": JS_URL, "bron_type": IMG},
    {**BASE_PLANS[1], "plan_id": EVIL_ID, "titel": f"{IMG}Plan \"Oost\" & West", "gemeenten": "Rotterdam;Schiedam",
     "gezamenlijk": "ja", "periode_start": "2019", "periode_eind": "2022", "bron_url": QUOTE_URL},
    {**BASE_PLANS[2], "titel": f"  {HYPERLINK}  "},
]
HOSTILE_PRIORITIES = [
    {**BASE_PRIORITIES[0], "speerpunt": f"{SCRIPT}Woninginbraak"},
    {**BASE_PRIORITIES[1], "speerpunt": IFRAME},
    {**BASE_PRIORITIES[2], "plan_id": EVIL_ID, "speerpunt": HYPERLINK, "thema": ""},
    {**BASE_PRIORITIES[2], "plan_id": EVIL_ID, "volgnummer": "2", "speerpunt": AT_FORMULA, "thema": ""},
    {**BASE_PRIORITIES[3], "speerpunt": MINUS, "thema": "", "thema_2": ""},
    {**BASE_PRIORITIES[4], "speerpunt": f"+31 overlast {IMG}"},
]


def _ivp(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ivp.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=900)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> dict:
    """``ivp codeer invoer --out gecodeerd`` then ``ivp run`` on the coded folder (nationaal, 2020), both as
    subprocesses in an empty working directory, inside a sentinel tree; snapshots before and after."""
    root = tmp_path_factory.mktemp("hostile")
    write_input(root / "invoer", HOSTILE_PLANS, HOSTILE_PRIORITIES)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    (root / "sentinel" / "diep").mkdir(parents=True)
    (root / "sentinel" / "diep" / "niet_aanraken.txt").write_text("blijf af\n", encoding="utf-8")
    (root / "cwd").mkdir()
    before = snapshot(root)
    codeer = _ivp(["codeer", "../invoer", "--out", "../gecodeerd", "--niet-meten"], root / "cwd")
    after_codeer = snapshot(root)
    run = _ivp(["run", "--data", "../gecodeerd", "--processed", "../verwerkt", "--out", "../rapporten",
                "--cohort", "nationaal", "--peiljaar", "2020", "--notebooks", "../notebooks"], root / "cwd")
    return {"root": root, "before": before, "after_codeer": after_codeer, "after_run": snapshot(root),
            "codeer": codeer, "run": run}


def _below(state: dict[str, str], folders: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in state.items() if not any(k == f or k.startswith(f + "/") for f in folders)}


@pytest.mark.slow
def test_codeer_and_run_succeed_on_hostile_text(hostile_run):
    assert hostile_run["codeer"].returncode == 0, hostile_run["codeer"].stdout + hostile_run["codeer"].stderr
    assert hostile_run["run"].returncode == 0, hostile_run["run"].stdout + hostile_run["run"].stderr
    assert (hostile_run["root"] / "rapporten" / "2020" / "nationaal" / "rapport.html").is_file()


@pytest.mark.slow
def test_codeer_and_run_write_only_below_their_own_output_folders(hostile_run):
    """Nothing outside ``--out`` (codeer), ``--out`` and ``--processed`` (run) changes: not the input, the
    notebooks the run executes, a sentinel folder, the working directory; no staging folders are left."""
    before, after_codeer, after_run = hostile_run["before"], hostile_run["after_codeer"], hostile_run["after_run"]
    assert _below(after_codeer, ("gecodeerd",)) == before
    assert _below(after_run, ("rapporten", "verwerkt")) == after_codeer
    assert "gecodeerd" in after_codeer and "rapporten/2020/nationaal/rapport.html" in after_run
    assert not [p for p in after_run if "/.new-" in "/" + p or "/.old-" in "/" + p or p.endswith(".tmp")]
    assert [p for p in after_run if p.startswith("cwd/")] == []


@pytest.mark.slow
def test_input_files_are_unchanged_by_codeer_and_by_run(hostile_run):
    for state in (hostile_run["after_codeer"], hostile_run["after_run"]):
        assert {k: v for k, v in state.items() if k.startswith("invoer")} == \
               {k: v for k, v in hostile_run["before"].items() if k.startswith("invoer")}
    coded = {k: v for k, v in hostile_run["after_codeer"].items() if k.startswith("gecodeerd")}
    assert {k: v for k, v in hostile_run["after_run"].items() if k.startswith("gecodeerd")} == coded


@pytest.fixture(scope="module")
def report_html(hostile_run) -> str:
    return (hostile_run["root"] / "rapporten" / "2020" / "nationaal" / "rapport.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_contains_no_script_no_event_handler_and_no_javascript_link(report_html):
    soup = BeautifulSoup(report_html, "html.parser")
    assert "<script" not in report_html.lower()
    assert soup.find_all(["script", "iframe"]) == []
    handlers = [(tag.name, attr) for tag in soup.find_all(True) for attr in tag.attrs if attr.lower().startswith("on")]
    assert handlers == []
    assert all(img["src"].startswith("data:image/svg+xml;base64,") for img in soup.find_all("img"))
    links = [a["href"] for a in soup.find_all("a") if not a["href"].startswith("#")]
    assert sorted(links) == sorted([QUOTE_URL, BASE_PLANS[2]["bron_url"]])  # the http(s) sources, quotes kept inside
    assert "javascript:" not in " ".join(links)


@pytest.mark.slow
def test_hostile_data_text_is_shown_as_the_text_it_is(report_html):
    """The plan list shows every title and speerpunt exactly as typed: the parser reads it back as text."""
    soup = BeautifulSoup(report_html, "html.parser")
    cells = [td.get_text() for td in soup.find_all("td")]
    assert SCRIPT in cells
    assert f"{IMG}Plan \"Oost\" & West" in cells
    assert HYPERLINK in cells  # trimmed, as the analysis reads it
    row = next(tr for tr in soup.find_all("tr") if tr.find("td") and tr.find("td").get_text() == SCRIPT)
    assert row.find_all("td")[-1].get_text() == "bron" and row.find("a") is None  # javascript: is not a link
    speerpunten = " | ".join(cells)
    for text in (f"{SCRIPT}Woninginbraak", IFRAME, AT_FORMULA, MINUS, f"+31 overlast {IMG}"):
        assert text in speerpunten, text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report_html
    assert "&lt;iframe src=javascript:alert(3)&gt;" in report_html
    assert "&lt;img src=x onerror=alert(2)&gt;" in report_html


@pytest.mark.slow
def test_review_file_neutralises_formulas_while_the_analysis_data_keeps_them(hostile_run):
    root = hostile_run["root"]
    review = pd.read_csv(root / "gecodeerd" / "te_beoordelen.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig").set_index("bron_rij")
    # rows 4-6 of speerpunten.csv had no theme: these three are the proposals to review
    assert review.loc["4", "speerpunt"] == "'" + HYPERLINK
    assert review.loc["5", "speerpunt"] == "'" + AT_FORMULA
    assert review.loc["6", "speerpunt"] == "'" + MINUS
    assert review.loc["4", "plan_id"] == EVIL_ID
    # the coded input for the pipeline and the cleaned data the analysis reads: verbatim
    coded = pd.read_csv(root / "gecodeerd" / "speerpunten.csv", dtype=str, keep_default_na=False)
    assert list(coded["speerpunt"]) == [r["speerpunt"] for r in HOSTILE_PRIORITIES]
    processed = read_processed(root / "verwerkt")
    assert sorted(processed.speerpunten["speerpunt"]) == sorted(r["speerpunt"] for r in HOSTILE_PRIORITIES)
    assert HYPERLINK in set(processed.plans["titel"])


@pytest.mark.slow
def test_cleaning_log_for_people_neutralises_formulas_and_reads_back_verbatim(hostile_run):
    """The trimmed title ends up in schoonmaaklog.csv as ``nieuw`` = a formula: written neutralised."""
    path = hostile_run["root"] / "verwerkt" / "schoonmaaklog.csv"
    as_opened = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    trimmed = as_opened[(as_opened["kolom"] == "titel") & (as_opened["rij"] == "4")]
    assert list(trimmed["nieuw"]) == ["'" + HYPERLINK]
    assert list(trimmed["oud"]) == [f"  {HYPERLINK}  "]  # starts with a space: not a formula, kept
    formula_start = ("=", "+", "-", "@", "\t", "\r")
    assert not [v for column in as_opened for v in as_opened[column] if v.startswith(formula_start)]
    log = read_processed(hostile_run["root"] / "verwerkt").log
    assert list(log.loc[(log["kolom"] == "titel") & (log["rij"] == "4"), "nieuw"]) == [HYPERLINK]
