"""The report pipeline end to end on the shipped data, through papermill and the ``ivp`` kernel:
all cohorts for peiljaar 2020, a rerun that must give the same bytes, and a failing notebook.

The shipped run is made once per test session (``shipped_run``) and shared with tests/test_browser.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from ivp.cli import main
from ivp.report import text as report
from ivp.running import job as job_names
from ivp.running.job import COHORTS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "raw"
PEILJAAR = "2020"
_RUNS: dict[str, dict] = {}

pytestmark = pytest.mark.slow


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """``ivp`` with ``args``; returns (exit code, stdout, stderr)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def shipped_run(tmp_path_factory) -> dict:
    """``ivp run --peiljaar 2020`` (all five cohorts, 2,000 bootstrap resamples) on the shipped data, made
    once per session. Returns ``base``, ``out``, ``processed``, ``code``, ``stdout``, ``stderr``."""
    if "shipped" not in _RUNS:
        base = tmp_path_factory.mktemp("shipped")
        out, processed = base / "reports", base / "processed"
        args = ["run", "--peiljaar", PEILJAAR, "--data", str(SHIPPED), "--processed", str(processed),
                "--out", str(out)]
        import contextlib
        import io

        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(args)
        _RUNS["shipped"] = {"base": base, "out": out, "processed": processed, "args": args, "code": code,
                            "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}
    return _RUNS["shipped"]


@pytest.fixture(scope="session")
def shipped(tmp_path_factory) -> dict:
    return shipped_run(tmp_path_factory)


def test_run_on_shipped_data_writes_every_report_and_the_index(shipped):
    assert shipped["code"] == 0, shipped["stdout"] + shipped["stderr"]
    out = shipped["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    for cohort in COHORTS:
        job = out / PEILJAAR / cohort
        for name in ("rapport.html", "results.json", "provenance.json", job_names.TABLES_FILE,
                     "notebooks/02_themas.ipynb", "notebooks/03_samenwerking.ipynb",
                     "notebooks/04_landelijke_prioriteiten.ipynb", "notebooks/05_rapport.ipynb"):
            assert (job / name).is_file(), f"{job / name} ontbreekt"
        results = json.loads((job / "results.json").read_text(encoding="utf-8"))
        assert (results["cohort"], results["peiljaar"]) == (cohort, PEILJAAR)
        assert f'href="{PEILJAAR}/{cohort}/rapport.html"' in index
        assert not (job / "mislukt").exists()
    assert not [p.name for p in out.rglob(".new-*")] and not [p.name for p in out.rglob(".old-*")]


def test_progress_and_summary_name_every_job(shipped):
    stdout = shipped["stdout"]
    assert "[opschonen]" in stdout
    for i, cohort in enumerate(COHORTS, start=1):
        assert f"[{i}/5] {PEILJAAR}/{cohort}" in stdout
    summary = stdout[stdout.index("Samenvatting"):]
    for cohort in COHORTS:
        results = json.loads((shipped["out"] / PEILJAAR / cohort / "results.json").read_text(encoding="utf-8"))
        line = next(line for line in summary.splitlines() if line.split()[:2] == [PEILJAAR, cohort])
        assert line.split()[2:5] == ["ok", str(results["n_plans"]), str(results["n_priorities"])]
    assert "5 taken gelukt, 0 mislukt" in summary


def test_report_shows_the_headline_numbers_of_its_results(shipped):
    for cohort in COHORTS:
        job = shipped["out"] / PEILJAAR / cohort
        results = json.loads((job / "results.json").read_text(encoding="utf-8"))
        html = (job / "rapport.html").read_text(encoding="utf-8")
        key = html[html.index('id="kernbevindingen"'):html.index('id="steekproef"')]
        assert f"<strong>{results['n_plans']} plannen</strong>" in key
        if results["n_plans"]:
            vwl = results["categories"][report.VWL]
            assert report.share_with_ci(vwl["share"], vwl["ci95"]) in key
            joint = results["joint_plans"]
            assert report.share_with_ci(joint["share"], joint["ci95_wilson"]) in key
        if results["n_plans"] < 10:
            assert 'class="indicatief"' in key


def test_report_has_no_code_and_no_scripts(shipped):
    for cohort in COHORTS:
        html = (shipped["out"] / PEILJAAR / cohort / "rapport.html").read_text(encoding="utf-8")
        assert "<script" not in html.lower()
        assert "load_results" not in html and "processed_path" not in html.split('id="verantwoording"')[0]
        assert "In&nbsp;[" not in html


def test_executed_notebooks_name_the_job_folder_not_the_staging_folder(shipped):
    job = (shipped["out"] / PEILJAAR / "G4").resolve()
    nb = nbformat.read(str(job / "notebooks" / "02_themas.ipynb"), as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'output_path = "{job}"' in injected.source
    assert ".new-" not in injected.source


def test_provenance_section_names_commit_versions_hashes_and_parameters(shipped):
    job = shipped["out"] / PEILJAAR / "nationaal"
    prov = json.loads((job / "provenance.json").read_text(encoding="utf-8"))
    html = (job / "rapport.html").read_text(encoding="utf-8")
    section = html[html.index('id="verantwoording"'):]
    assert prov["versies"]["ivp"] in section
    for name, digest in prov["bestanden"]["invoer"].items():
        assert name in section and digest in section
    assert set(prov["bestanden"]["invoer"]) == {"plans.csv", "speerpunten.csv"}
    assert prov["parameters"]["output_path"] == str(shipped["out"] / PEILJAAR / "nationaal")
    assert prov["parameters"]["n_bootstrap"] == 2000
    assert report.run_time_line(html) == f'<p class="looptijd">Uitgevoerd op: {prov["uitgevoerd_op"]}</p>'


def _without_git_table(html: str) -> str:
    """The report without its 'Code' table (commit and dirty flag)."""
    return re.sub(r'<div aria-label="Code".*?</table></div>', "", html, flags=re.S)


def test_same_input_and_code_give_identical_results_and_html_but_the_run_time(shipped, capsys):
    job = shipped["out"] / PEILJAAR / "nationaal"
    first_results = (job / "results.json").read_bytes()
    first_html = (job / "rapport.html").read_text(encoding="utf-8")
    first_git = json.loads((job / "provenance.json").read_text(encoding="utf-8"))["git"]
    first_figures = {p.name: p.read_bytes() for p in sorted((job / "figuren").iterdir())}
    code, stdout, stderr = run_cli([*shipped["args"], "--cohort", "nationaal", "--force"], capsys)  # not from the cache
    assert code == 0, stdout + stderr
    assert (job / "results.json").read_bytes() == first_results
    assert {p.name: p.read_bytes() for p in sorted((job / "figuren").iterdir())} == first_figures  # SVG and PNG
    second_html = (job / "rapport.html").read_text(encoding="utf-8")
    second_git = json.loads((job / "provenance.json").read_text(encoding="utf-8"))["git"]
    if second_git != first_git:
        # only when someone committed or edited tracked files between the two runs (a shared work tree):
        # then the code differs, and so may the Code table; everything else must still be identical
        first_html, second_html = _without_git_table(first_html), _without_git_table(second_html)
    first_lines, second_lines = first_html.splitlines(), second_html.splitlines()
    assert len(first_lines) == len(second_lines)
    differing = [(a, b) for a, b in zip(first_lines, second_lines) if a != b]
    assert len(differing) == 1, differing
    assert report.run_time_line(first_html) == differing[0][0]
    assert report.run_time_line(second_html) == differing[0][1]


def _failing_notebooks(folder: Path, cohort: str, message: str) -> Path:
    """A copy of the project's notebooks whose 03_samenwerking raises ``message`` for ``cohort`` only,
    in the first cell after the parameters."""
    shutil.copytree(ROOT / "notebooks", folder)
    path = folder / "03_samenwerking.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(f'if cohort == "{cohort}":\n    raise RuntimeError("{message}")'))
    nbformat.write(nb, str(path))
    return folder


def test_failing_notebook_stops_only_its_job_and_keeps_the_previous_report(shipped, tmp_path, capsys):
    out = tmp_path / "reports"
    shutil.copytree(shipped["out"] / PEILJAAR / "G4", out / PEILJAAR / "G4")
    before = {name: (out / PEILJAAR / "G4" / name).read_bytes() for name in ("rapport.html", "results.json")}
    notebooks = _failing_notebooks(tmp_path / "notebooks", "G4", "kapot voor de test")
    code, stdout, stderr = run_cli(["run", "--cohort", "G4", "P10", "--peiljaar", PEILJAAR, "--data", str(SHIPPED),
                                    "--processed", str(tmp_path / "processed"), "--out", str(out),
                                    "--notebooks", str(notebooks)], capsys)
    assert code == 1
    job = out / PEILJAAR / "G4"
    # the previous report is untouched
    assert {name: (job / name).read_bytes() for name in before} == before
    # the partly executed notebook is kept next to it, with the error in the failing cell
    kept = nbformat.read(str(job / "mislukt" / "03_samenwerking.ipynb"), as_version=4)
    failed = [c for c in kept.cells
              if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)]
    assert len(failed) == 1 and "kapot voor de test" in failed[0].source
    cell = failed[0].execution_count
    assert (job / "mislukt" / "02_themas.ipynb").is_file()
    assert "RuntimeError: kapot voor de test" in (job / "mislukt" / "fout.txt").read_text(encoding="utf-8")
    # the summary and the error list name cohort, notebook, cell and error
    expected = f"03_samenwerking.ipynb, cel {cell}: RuntimeError: kapot voor de test"
    line = next(line for line in stdout.splitlines() if line.split()[:2] == [PEILJAAR, "G4"])
    assert "MISLUKT" in line and expected in line and str(job / "mislukt" / "03_samenwerking.ipynb") in line
    assert f"{PEILJAAR}/G4: {expected}" in stderr
    assert "1 taken gelukt, 1 mislukt" in stdout
    # the other job went on and wrote its report
    assert (out / PEILJAAR / "P10" / "rapport.html").is_file()
    assert not (out / PEILJAAR / "P10" / "mislukt").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r"laatste run mislukt: 03_samenwerking\.ipynb, cel \d+: RuntimeError", index)
    assert f'href="{PEILJAAR}/G4/rapport.html"' in index  # the kept report stays linked
    assert not list(out.rglob(".new-*"))


def test_every_results_json_of_the_run_is_valid_against_the_schema(shipped):
    import jsonschema

    schema = json.loads((ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(shipped["out"].glob("*/*/results.json"))
    assert len(files) == len(COHORTS)
    for path in files:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in
                  validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert errors == [], f"{path}: {errors[:5]}"


def test_every_figure_is_also_a_file_the_same_drawing_as_the_embedded_one(shipped):
    import base64

    from ivp.report.figures import PNG_DPI
    from ivp.running import job

    for cohort in COHORTS:
        folder = shipped["out"] / PEILJAAR / cohort
        html = (folder / "rapport.html").read_text(encoding="utf-8")
        embedded = sorted(base64.b64decode(m).decode("utf-8")
                          for m in re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html))
        files = sorted((folder / job.FIGURES_DIR).glob("*.svg"))
        assert embedded and sorted(p.read_text(encoding="utf-8") for p in files) == embedded, cohort
        for svg in files:
            png = svg.with_suffix(".png").read_bytes()
            assert png.startswith(b"\x89PNG")
            width = int.from_bytes(png[16:20], "big")  # IHDR: 200 dpi on a figure of several inches
            assert width >= 4 * PNG_DPI, (svg.name, width)
    national = {p.stem for p in (shipped["out"] / PEILJAAR / "nationaal" / job.FIGURES_DIR).glob("*.svg")}
    assert national == {"themas", "categorieen", "gevoeligheid", "dekking", "kaart_ondermijning",
                        "kaart_woon_en_leefomgeving"}


def test_the_comparison_runs_after_the_jobs_is_linked_from_the_index_and_cached(shipped, capsys):
    from ivp.running import job

    folder = shipped["out"] / job.COMPARISON_DIR
    results = json.loads((folder / job.RESULTS_FILE).read_text(encoding="utf-8"))
    assert results["cohorts"] == list(COHORTS) and results["peiljaren"] == [PEILJAAR]
    assert {f"{PEILJAAR}/{c}" for c in COHORTS} <= set(results["groups"])
    html = (folder / job.REPORT_FILE).read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "Kernbevindingen" in html
    assert (folder / job.EXECUTED_DIR / job.COMPARISON.notebook).is_file() and (folder / job.PROVENANCE_FILE).is_file()
    index = (shipped["out"] / "index.html").read_text(encoding="utf-8")
    assert f'href="{job.COMPARISON_DIR}/{job.REPORT_FILE}"' in index
    assert "[vergelijking] start" in shipped["stdout"] and "vergelijking: ok" in shipped["stdout"]
    before = (folder / job.RESULTS_FILE).read_bytes()
    code, stdout, stderr = run_cli(shipped["args"], capsys)  # nothing changed: every stage from the cache
    assert code == 0, stdout + stderr
    assert "[vergelijking] cache" in stdout and "vergelijking: cache" in stdout
    assert (folder / job.RESULTS_FILE).read_bytes() == before
