"""Incremental and parallel runs (issue 6): the content-hash cache of ``ivp run``, ``--force``, ``--jobs``,
the shared kernels, and ``--autocode``.

The end-to-end tests run the real notebooks on the three-plan input of ``conftest.py`` (cohorts G4 and
P10, peiljaar 2020). A first run is made once (``base``) with paths given relative
to its folder; each test copies that folder, changes one thing and runs again. Which jobs ran is read from
the summary table (status ``ok`` or ``cache``) and checked on disk: a job that ran is swapped in as a new
folder (a new inode), a cached one is left alone. No test looks at the clock."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import priorities, write_input

from ivp.cli import main
from ivp.report import text as report
from ivp.running import cache, kernels

ROOT = Path(__file__).resolve().parents[1]
PEILJAAR = "2020"
COHORTS = ("G4", "P10")
ARGS = ["run", "--data", "raw", "--processed", "processed", "--out", "reports", "--notebooks", "notebooks",
        "--peiljaar", PEILJAAR, "--cohort", *COHORTS, "--jobs", "2"]


@contextlib.contextmanager
def inside(folder: Path):
    """Run with ``folder`` as the working folder (every path of ARGS is relative to it)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(before)


def ivp_run(folder: Path, *extra: str, args=ARGS) -> dict:
    """``ivp run`` inside ``folder``; returns ``code``, ``stdout``, ``stderr`` and ``status`` (job -> the
    summary table's status: ok, cache or MISLUKT), plus ``inodes`` of the job folders afterwards."""
    out, err = io.StringIO(), io.StringIO()
    with inside(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, *extra])
    stdout = out.getvalue()
    status = {}
    if "Samenvatting" in stdout:
        for line in stdout[stdout.index("Samenvatting"):].splitlines()[2:]:
            fields = line.split()
            if len(fields) > 2 and re.fullmatch(r"\d{4}|alle", fields[0]):
                status[f"{fields[0]}/{fields[1]}"] = fields[2]
    return {"code": code, "stdout": stdout, "stderr": err.getvalue(), "status": status,
            "inodes": job_inodes(folder)}


def job_inodes(folder: Path) -> dict[str, int]:
    reports = folder / "reports"
    return {f"{p.parent.name}/{p.name}": p.stat().st_ino for p in sorted(reports.glob("*/*")) if p.is_dir()
            and re.fullmatch(r"\d{4}", p.parent.name)} if reports.exists() else {}


def make_project(folder: Path) -> Path:
    """A folder with the three-plan input (``raw``) and a copy of the project's notebooks."""
    write_input(folder / "raw")
    shutil.copytree(ROOT / "notebooks", folder / "notebooks")
    return folder





@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """The first run, made once per module: its folder and what ``ivp_run`` returned."""
    folder = make_project(tmp_path_factory.mktemp("basis") / "project")
    run = ivp_run(folder)
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    return {"folder": folder, "run": run}


@pytest.fixture
def project(base, tmp_path) -> tuple[Path, dict]:
    """A copy of the base run's folder (caches included) and the job folders' inodes in it."""
    folder = tmp_path / "project"
    shutil.copytree(base["folder"], folder, symlinks=True)
    return folder, job_inodes(folder)


def reran(run: dict, before: dict) -> set[str]:
    """The jobs that ran (not cached) according to the summary, checked against the folders on disk."""
    ran = {job for job, status in run["status"].items() if status == "ok"}
    replaced = {job for job, inode in run["inodes"].items() if before.get(job) != inode}
    assert ran == replaced, (ran, replaced, run["stdout"])
    return ran


def cleaning_ran(run: dict) -> bool:
    lines = [line for line in run["stdout"].splitlines() if line.startswith("[opschonen]")]
    assert lines, run["stdout"]
    return not lines[0].startswith("[opschonen] cache")


def all_jobs() -> set[str]:
    return {f"{PEILJAAR}/{c}" for c in COHORTS}


# ---------------------------------------------------------------- the cache itself (no kernels)

def test_stamp_is_a_hit_only_for_equal_parts_and_unchanged_outputs(tmp_path):
    (tmp_path / "rapport.html").write_text("<p>rapport</p>", encoding="utf-8")
    parts = {"code": "abc", "parameters": {"seed": 1, "cohort": "G4"}}
    assert cache.check(tmp_path, parts).reason == "geen eerdere uitvoer"
    cache.write_stamp(tmp_path, parts, cache.tree_hashes(tmp_path))
    assert cache.check(tmp_path, parts).hit
    verdict = cache.check(tmp_path, {"code": "abc", "parameters": {"seed": 2, "cohort": "G4"}})
    assert not verdict.hit and verdict.reason == "parameters (seed) gewijzigd"
    (tmp_path / "rapport.html").write_text("<p>bewerkt</p>", encoding="utf-8")
    assert cache.check(tmp_path, parts).reason == "uitvoer gewijzigd (rapport.html)"
    (tmp_path / "rapport.html").unlink()
    assert cache.check(tmp_path, parts).reason == "uitvoer ontbreekt (rapport.html)"


def test_stamp_names_the_changed_notebook_and_counts_further_changes(tmp_path):
    old = {"code": "a", "notebooks": {"02_themas.ipynb": "1", "03_samenwerking.ipynb": "2"}, "python": "3.11"}
    cache.write_stamp(tmp_path, old, {})
    new = {"code": "b", "notebooks": {"02_themas.ipynb": "1", "03_samenwerking.ipynb": "9"}, "python": "3.11"}
    assert cache.check(tmp_path, new).reason == "code van ivp gewijzigd en 1 meer"
    new["code"] = "a"
    assert cache.check(tmp_path, new).reason == "notebook (03_samenwerking.ipynb) gewijzigd"


def test_unreadable_or_foreign_stamp_is_a_miss(tmp_path):
    (tmp_path / cache.STAMP).write_text("{niet af", encoding="utf-8")
    assert cache.check(tmp_path, {}).reason == "geen eerdere uitvoer"
    (tmp_path / cache.STAMP).write_text(json.dumps({"versie": 999, "onderdelen": {}}), encoding="utf-8")
    assert not cache.check(tmp_path, {}).hit


def test_code_fingerprint_changes_with_any_package_file_but_not_with_compiled_files(tmp_path):
    package = tmp_path / "ivp"
    (package / "data").mkdir(parents=True)
    (package / "analysis.py").write_text("X = 1\n", encoding="utf-8")
    (package / "data" / "codebook.yaml").write_text("a: 1\n", encoding="utf-8")
    first = cache.code_fingerprint(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "analysis.cpython-311.pyc").write_bytes(b"\x00")
    assert cache.code_fingerprint(package) == first
    (package / "data" / "codebook.yaml").write_text("a: 2\n", encoding="utf-8")
    assert cache.code_fingerprint(package) != first


def test_kernel_that_dies_while_starting_is_started_once_more(monkeypatch, tmp_path):
    attempts = []

    def start_once(self):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(kernels.Kernel, "_start_once", start_once)
    kernel = kernels.Kernel("ivp", tmp_path, tmp_path / "k0")
    kernel.start()
    assert len(attempts) == 2


def test_kernel_that_will_not_start_is_an_error_naming_the_kernel_and_the_cause(monkeypatch, tmp_path):
    def start_once(self):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(kernels.Kernel, "_start_once", start_once)
    with pytest.raises(kernels.KernelError, match=r"kernel 'ivp' start niet \(2 pogingen\): RuntimeError: "
                                                    r"Kernel died before replying to kernel_info"):
        kernels.Kernel("ivp", tmp_path, tmp_path / "k0").start()


def test_jobs_option_must_be_a_positive_whole_number(capsys):
    for bad in ("0", "-2", "twee"):
        with pytest.raises(SystemExit) as info:
            main(["run", "--jobs", bad])
        assert info.value.code == 2
        assert f"--jobs '{bad}' is ongeldig; verwacht een geheel getal van 1 of meer" in capsys.readouterr().err


# ---------------------------------------------------------------- incremental runs (real notebooks)



@pytest.mark.slow
def test_first_run_runs_the_cleaning_and_every_job(base):
    run = base["run"]
    assert cleaning_ran(run)
    assert run["status"] == dict.fromkeys(all_jobs(), "ok")


@pytest.mark.slow
def test_second_run_with_nothing_changed_takes_everything_from_the_cache(project):
    folder, before = project
    index = (folder / "reports" / "index.html").read_bytes()
    run = ivp_run(folder)
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert not cleaning_ran(run)
    assert reran(run, before) == set()
    assert set(run["status"].values()) == {"cache"}
    assert "2 taken gelukt, 0 mislukt; 2 uit de cache" in run["stdout"]
    for job in all_jobs():
        assert f"{job}: cache (ongewijzigd" in run["stdout"]
    assert (folder / "reports" / "index.html").read_bytes() == index


@pytest.mark.slow
def test_force_reruns_the_cleaning_and_every_job(project):
    folder, before = project
    run = ivp_run(folder, "--force")
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert cleaning_ran(run)
    assert reran(run, before) == all_jobs()


@pytest.mark.slow
def test_changed_input_file_reruns_the_cleaning_and_every_job(project):
    folder, before = project
    write_input(folder / "raw", priority_rows=priorities((1, {"thema": "VWL"})))  # p1's second speerpunt
    run = ivp_run(folder)
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert cleaning_ran(run) and "(invoerbestanden (speerpunten.csv) gewijzigd)" in run["stdout"]
    # every report names the sha256 of the input files, so every job is affected
    assert reran(run, before) == all_jobs()
    results = json.loads((folder / "reports" / PEILJAAR / "G4" / "results.json").read_text(encoding="utf-8"))
    assert results["themes"]["VWL"]["n"] == 2


@pytest.mark.slow
def test_changed_parameter_of_one_cohort_reruns_only_that_cohort(project):
    folder, before = project
    run = ivp_run(folder, "--cohort", "G4", "--seed", "7")  # the last --cohort wins
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert reran(run, before) == {f"{PEILJAAR}/G4"}
    assert "(parameters (seed) gewijzigd)" in run["stdout"]
    middle = job_inodes(folder)
    # back to the common seed: G4 runs again, P10 never changed and stays cached
    run = ivp_run(folder)
    assert reran(run, middle) == {f"{PEILJAAR}/G4"}
    assert run["status"][f"{PEILJAAR}/P10"] == "cache"


@pytest.mark.slow
def test_changed_analysis_notebook_reruns_every_job_but_not_the_cleaning(project):
    folder, before = project
    path = folder / "notebooks" / "03_samenwerking.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Een notitie erbij."))
    nbformat.write(nb, str(path))
    run = ivp_run(folder)
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert not cleaning_ran(run)
    assert reran(run, before) == all_jobs()
    assert "(notebook (03_samenwerking.ipynb) gewijzigd)" in run["stdout"]


@pytest.mark.slow
def test_changed_cleaning_notebook_reruns_only_the_cleaning_when_its_tables_come_out_the_same(project):
    folder, before = project
    path = folder / "notebooks" / "01_opschonen.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Een notitie erbij."))
    nbformat.write(nb, str(path))
    run = ivp_run(folder)
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert cleaning_ran(run)
    assert reran(run, before) == set()  # the processed tables are byte-identical: no job is affected


@pytest.mark.slow
def test_deleted_report_reruns_only_its_job(project):
    folder, before = project
    (folder / "reports" / PEILJAAR / "P10" / "rapport.html").unlink()
    run = ivp_run(folder)
    assert reran(run, before) == {f"{PEILJAAR}/P10"}
    assert "(uitvoer ontbreekt (rapport.html))" in run["stdout"]
    assert (folder / "reports" / PEILJAAR / "P10" / "rapport.html").is_file()


# ---------------------------------------------------------------- parallel and shared kernels

def _without_run_time_and_git(html: str) -> str:
    html = re.sub(r'<div aria-label="Code".*?</table></div>', "", html, flags=re.S)
    return "\n".join(line for line in html.splitlines() if 'class="looptijd"' not in line)


@pytest.mark.slow
def test_parallel_run_gives_the_same_results_and_reports_as_a_serial_one(tmp_path):
    args = [*ARGS[:ARGS.index("--cohort")], "--cohort", "nationaal", "G4", "P10", "overig"]
    serial = make_project(tmp_path / "serieel")
    parallel = make_project(tmp_path / "parallel")
    one = ivp_run(serial, "--jobs", "1", args=args)
    two = ivp_run(parallel, "--jobs", "3", args=args)
    assert one["code"] == two["code"] == 0, one["stdout"] + two["stdout"]
    assert "1 tegelijk" in one["stdout"] and "3 tegelijk" in two["stdout"]
    for cohort in ("nationaal", "G4", "P10", "overig"):
        a, b = serial / "reports" / PEILJAAR / cohort, parallel / "reports" / PEILJAAR / cohort
        assert (a / "results.json").read_bytes() == (b / "results.json").read_bytes()
        assert (_without_run_time_and_git((a / "rapport.html").read_text(encoding="utf-8"))
                == _without_run_time_and_git((b / "rapport.html").read_text(encoding="utf-8")))


def _outputs(path: Path) -> list:
    """Execution counts and outputs of a notebook's code cells (what a reader of the notebook sees)."""
    nb = nbformat.read(str(path), as_version=4)
    return [(c.execution_count, c.outputs) for c in nb.cells if c.cell_type == "code"]


@pytest.mark.slow
def test_shared_kernel_gives_the_same_notebooks_and_report_as_a_fresh_kernel_per_notebook(base, tmp_path):
    from conftest import papermill_notebook

    from ivp.report.render import render_report
    from ivp.running import job

    shared = base["folder"] / "reports" / PEILJAAR / "G4"
    fresh = tmp_path / "G4"
    params = job.job_parameters(processed_path=(base["folder"] / "processed").resolve(), output_path=fresh,
                                cohort="G4", peiljaar=PEILJAAR)
    notebooks = base["folder"] / "notebooks"
    fresh.mkdir()
    shutil.copy2(shared / "provenance.json", fresh / "provenance.json")  # notebook 05 reads it
    for name in job.JOB_NOTEBOOKS:  # plain papermill: a new kernel for every notebook
        papermill_notebook(notebooks / name, fresh / "notebooks" / name, params)
    render_report(fresh / "notebooks" / job.REPORT.notebook, fresh / "rapport.html",
                  title=job.report_title(PEILJAAR, "G4"))
    assert (fresh / "results.json").read_bytes() == (shared / "results.json").read_bytes()
    for name in job.JOB_NOTEBOOKS:
        assert _outputs(fresh / "notebooks" / name) == _outputs(shared / "notebooks" / name), name
    assert (fresh / "rapport.html").read_bytes() == (shared / "rapport.html").read_bytes()


def _edit_notebook(path: Path, edit) -> None:
    nb = nbformat.read(str(path), as_version=4)
    edit(nb)
    nbformat.write(nb, str(path))


@pytest.mark.slow
def test_notebook_does_not_see_the_variables_of_the_notebook_before_it_in_the_same_kernel(tmp_path):
    folder = make_project(tmp_path / "project")

    def drop_own_scope(nb):  # 03 now leans on the `scope` that 02 defined
        cell = next(c for c in nb.cells if "load_scope(processed_path" in c.source)
        cell.source = cell.source.replace("scope = load_scope(processed_path, cohort, peiljaar)\n", "")

    _edit_notebook(folder / "notebooks" / "03_samenwerking.ipynb", drop_own_scope)
    run = ivp_run(folder, "--cohort", "G4", "--jobs", "1")
    assert run["code"] == 1
    assert "03_samenwerking.ipynb" in run["stderr"] and "NameError: name 'scope' is not defined" in run["stderr"]


def _after_parameters(source: str):
    """A notebook edit that inserts a code cell with ``source`` right after the parameters cell."""
    def edit(nb):
        at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return edit


@pytest.mark.slow
def test_failing_job_does_not_disturb_the_next_job_in_the_same_kernel(tmp_path):
    folder = make_project(tmp_path / "project")

    _edit_notebook(folder / "notebooks" / "02_themas.ipynb",
                   _after_parameters('if cohort == "G4":\n    raise RuntimeError("kapot voor G4")'))
    run = ivp_run(folder, "--jobs", "1")
    assert run["code"] == 1
    assert run["status"] == {f"{PEILJAAR}/G4": "MISLUKT", f"{PEILJAAR}/P10": "ok"}
    assert "RuntimeError: kapot voor G4" in run["stderr"]
    nb = nbformat.read(str(folder / "reports" / PEILJAAR / "P10" / "notebooks" / "02_themas.ipynb"), as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))  # a fresh numbering, as in a new kernel
    # a failed job leaves no stamp behind: the next run tries it again, and only it
    before = job_inodes(folder)
    again = ivp_run(folder, "--jobs", "1")
    assert again["status"] == {f"{PEILJAAR}/G4": "MISLUKT", f"{PEILJAAR}/P10": "cache"}
    assert job_inodes(folder)[f"{PEILJAAR}/P10"] == before[f"{PEILJAAR}/P10"]


@pytest.mark.slow
def test_kernel_that_dies_in_a_notebook_fails_only_its_job_and_is_replaced_for_the_next(tmp_path):
    folder = make_project(tmp_path / "project")

    _edit_notebook(folder / "notebooks" / "03_samenwerking.ipynb",
                   _after_parameters('if cohort == "G4":\n    import os\n    os._exit(1)'))
    run = ivp_run(folder, "--jobs", "1")
    assert run["code"] == 1
    assert run["status"] == {f"{PEILJAAR}/G4": "MISLUKT", f"{PEILJAAR}/P10": "ok"}
    assert "2020/G4: 03_samenwerking.ipynb, cel ?: DeadKernelError" in run["stderr"]


# ---------------------------------------------------------------- where the theme codes came from

def _coding_sentence(folder: Path, cohort: str) -> str:
    html = (folder / "reports" / PEILJAAR / cohort / "rapport.html").read_text(encoding="utf-8")
    section = html[html.index('id="methode"'):html.index('id="verantwoording"')]
    return section[section.index("<strong>Codering.</strong>"):].split("</li>")[0]


@pytest.mark.slow
def test_report_without_autocode_says_every_code_is_a_hand_code(base):
    sentence = _coding_sentence(base["folder"], "G4")
    results = json.loads((base["folder"] / "reports" / PEILJAAR / "G4" / "results.json").read_text(encoding="utf-8"))
    assert (f"Alle {results['n_priorities']} speerpunten in deze analyse zijn met de hand gecodeerd "
            "(de invoer bevat geen automatisch voorgestelde codes).") in sentence


@pytest.mark.slow
def test_autocode_codes_empty_themes_first_and_the_report_says_how_many_and_the_agreement(tmp_path):
    folder = make_project(tmp_path / "project")
    # p1 (Amsterdam, G4) loses both its codes: two of the five speerpunten must be coded automatically
    write_input(folder / "raw", priority_rows=priorities((0, {"thema": ""}), (1, {"thema": ""})))
    raw_before = {p.name: p.read_bytes() for p in (folder / "raw").iterdir()}
    run = ivp_run(folder, "--autocode")
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    assert "[codering] 2 van 5 speerpunten automatisch gecodeerd" in run["stdout"]
    assert {p.name: p.read_bytes() for p in (folder / "raw").iterdir()} == raw_before
    coded = folder / "reports" / "gecodeerd"
    assert {"speerpunten.csv", "te_beoordelen.csv", "codeer_verslag.json"} <= {p.name for p in coded.iterdir()}
    verslag = json.loads((coded / "codeer_verslag.json").read_text(encoding="utf-8"))
    agree = verslag["overeenstemming"]
    prov = json.loads((folder / "reports" / PEILJAAR / "G4" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["codering"]["n_auto"] == 2 and prov["codering"]["auto_per_plan"] == {"p1": 2}
    assert prov["parameters"]["autocode"] is True
    results = json.loads((folder / "reports" / PEILJAAR / "G4" / "results.json").read_text(encoding="utf-8"))
    assert "p1" in [p["plan_id"] for p in results["plans"]]
    n = results["n_priorities"]
    sentence = _coding_sentence(folder, "G4")
    assert (f"2 van de {n} speerpunten in deze analyse zijn automatisch gecodeerd "
            f"(door <code>ivp run --autocode</code>, methode {verslag['methode']}), de overige {n - 2} met de hand."
            ) in sentence
    assert (f"accuracy {report.number(agree['accuracy'], 2)}, Cohens kappa {report.number(agree['kappa'], 2)}, "
            f"Krippendorffs alfa {report.number(agree['alpha'], 2)}") in sentence
    # P10 (p3) has no automatic codes of its own
    assert "0 van de " in _coding_sentence(folder, "P10")
    # a second run codes nothing again
    again = ivp_run(folder, "--autocode")
    assert "[codering] cache (ongewijzigd)" in again["stdout"] and set(again["status"].values()) == {"cache"}
