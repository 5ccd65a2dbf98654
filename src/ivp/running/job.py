"""The job definition: one place for what a run of ``ivp`` is made of.

* the **parameters** of a job (the notebooks' ``parameters`` cells) with their defaults, types and
  validation: peiljaar, cohort, seed, number of resamples (with its lower bound) and the paths;
* the ordered **stages**, the notebook of each and the files it reads and writes;
* the **output file names** of a job folder and of a run.

The command line (``ivp run``), the runner, the cache keys, the provenance, the index page and the tests
read these names; a test checks the notebooks' parameter cells against ``NOTEBOOK_PARAMETERS`` (same
names, same defaults). Invalid values are refused here, so the command line refuses them (exit 2)
before any kernel starts instead of every job failing in its notebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- defaults -----------------------------------------------------------------------------------

COHORTS = ("nationaal", "G4", "G40", "P10", "overig")  # every cohort a job can be run for; the first is all plans
SEED = 20200525  # the day the CCV's analysis was discussed in the Strategisch Beraad Veiligheid
N_BOOTSTRAP = 2000  # resamples of the cluster bootstrap
MIN_BOOTSTRAP = 2000  # fewer resamples make the 2.5% and 97.5% quantiles too noisy to report
PEILJAREN = ("2020", "2024")  # one reference year in each generation of plans (2019-2022, 2023-2026)
ALL_YEARS = "alle"  # peiljaar without a period filter
KERNEL = "ivp"  # the Jupyter kernel the notebooks name in their metadata
DATA = "data/raw"
PROCESSED = "data/processed"
OUT = "reports"

# --- output names -------------------------------------------------------------------------------

RESULTS_FILE = "results.json"  # every number of one job (docs/results.schema.json)
PROVENANCE_FILE = "provenance.json"
REPORT_FILE = "rapport.html"
TABLES_FILE = "tabellen.xlsx"  # the report's tables for analysts (ivp.report.tables)
FIGURES_DIR = "figuren"  # every figure of the report as <name>.svg and <name>.png (ivp.report.text.write_figure_files)
REPORT_PAGES = (REPORT_FILE,)  # the HTML report pages of a job folder; ``ivp run --pdf`` prints each of them


def pdf_name(page: str) -> str:
    """The PDF of a report page: ``rapport.html`` -> ``rapport.pdf`` (``ivp run --pdf``, ``ivp.report.pdf``)."""
    return page.rsplit(".", 1)[0] + ".pdf"


PDF_FILE = pdf_name(REPORT_FILE)
INDEX_FILE = "index.html"
EXECUTED_DIR = "notebooks"  # executed notebooks of a job, and of the cleaning stage under <out>/
FAILED_DIR = "mislukt"  # partly executed notebooks of a failed job
AUTOCODE_DIR = "gecodeerd"  # ``ivp run --autocode`` writes the coded input (and te_beoordelen.csv) here
COMPARISON_DIR = "vergelijking"  # <out>/vergelijking/: the comparison stage (results.json, rapport.html, notebooks/)
COMPARISON_NOTEBOOK = "06_vergelijking.ipynb"  # run once per run, after the jobs (ivp.analysis.compare_run)
COMPARISON_TITLE = "IVP-analyse: vergelijking van peiljaren en groepen van gemeenten"  # HTML title of its report


# --- stages -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """One step of a run: ``notebook`` in ``notebooks/`` (or None for a step in the runner itself), run
    once per run or once per job, with the files it reads and writes (relative to the job folder for a job
    stage, to ``--processed`` for the cleaning)."""

    name: str
    notebook: str | None
    per: str  # "run" or "job"
    reads: tuple[str, ...]
    writes: tuple[str, ...]


CLEAN = Stage("opschonen", "01_opschonen.ipynb", "run", ("<data>/plans + speerpunten",),
              ("plans.parquet", "plan_gemeenten.parquet", "speerpunten.parquet", "schoonmaaklog.csv",
               "manifest.json"))
THEMES = Stage("themas", "02_themas.ipynb", "job", ("<processed>",), (RESULTS_FILE,))
COOPERATION = Stage("samenwerking", "03_samenwerking.ipynb", "job", ("<processed>", RESULTS_FILE), (RESULTS_FILE,))
AGENDA = Stage("landelijke_prioriteiten", "04_landelijke_prioriteiten.ipynb", "job", ("<processed>", RESULTS_FILE),
               (RESULTS_FILE,))
PROVENANCE = Stage("herkomst", None, "job", ("<processed>",), (PROVENANCE_FILE,))
# the report notebook also writes every figure it embeds as files, drawn in the same kernel (same bytes)
REPORT = Stage("rapport", "05_rapport.ipynb", "job", (RESULTS_FILE, PROVENANCE_FILE, "<processed>"),
               (f"{FIGURES_DIR}/<naam>.svg", f"{FIGURES_DIR}/<naam>.png"))
RENDER = Stage("html", None, "job", (f"{EXECUTED_DIR}/05_rapport.ipynb",), (REPORT_FILE,))
TABLES = Stage("tabellen", None, "job", (RESULTS_FILE, PROVENANCE_FILE), (TABLES_FILE,))
PDF = Stage("pdf", None, "job", REPORT_PAGES, tuple(pdf_name(p) for p in REPORT_PAGES))  # only with --pdf

# once per run, after the jobs, when the run has two or more peiljaren or cohorts (``runs_comparison``)
COMPARISON = Stage("vergelijking", COMPARISON_NOTEBOOK, "run",
                   ("<processed>", f"<out>/<peiljaar>/<cohort>/{RESULTS_FILE}"),
                   tuple(f"{COMPARISON_DIR}/{name}" for name in (RESULTS_FILE, REPORT_FILE, PROVENANCE_FILE)))

STAGES = (CLEAN, THEMES, COOPERATION, AGENDA, PROVENANCE, REPORT, RENDER, TABLES, PDF, COMPARISON)
ANALYSIS_STAGES = (THEMES, COOPERATION, AGENDA)  # together they write every key of results.json
JOB_NOTEBOOKS = tuple(s.notebook for s in STAGES if s.per == "job" and s.notebook)  # 02-05, in order


# --- validation ---------------------------------------------------------------------------------

_YEAR = re.compile(r"^(19|20)\d\d$")


def check_peiljaar(value) -> str:
    """A reference year as the job names it: ``"2020"`` (four digits, 1900-2099) or ``"alle"``.

    Raises ValueError naming the bad value and what is valid (so ``--peiljaar ../x`` never becomes a path).
    """
    text = str(value).strip().casefold()
    if text != ALL_YEARS and not _YEAR.match(text):
        raise ValueError(f"peiljaar {value!r} is ongeldig; verwacht een jaartal zoals 2020, of '{ALL_YEARS}'")
    return text


def peiljaar_year(value) -> int | None:
    """The year of a valid peiljaar as an int; None for ``alle`` (no period filter)."""
    text = check_peiljaar(value)
    return None if text == ALL_YEARS else int(text)


def check_peiljaren(values) -> list[str]:
    """Valid peiljaren with duplicates dropped, order kept."""
    out: list[str] = []
    for value in values:
        text = check_peiljaar(value)
        if text not in out:
            out.append(text)
    return out


def check_cohort(cohort) -> str:
    """``cohort`` when it is one of ``COHORTS``; otherwise a ValueError that lists them."""
    if cohort not in COHORTS:
        raise ValueError(f"cohort {cohort!r} is onbekend; kies uit {', '.join(COHORTS)}")
    return cohort


def check_cohorts(values) -> list[str]:
    """Valid cohorts in the order of ``COHORTS`` (duplicates dropped)."""
    for value in values:
        check_cohort(value)
    return [c for c in COHORTS if c in set(values)]


def check_n_bootstrap(value) -> int:
    """The number of resamples as an int when it is a whole number of at least ``MIN_BOOTSTRAP``."""
    try:
        n = int(str(value).strip())
    except ValueError:
        n = None
    if n is None or n < MIN_BOOTSTRAP:
        raise ValueError(f"aantal bootstraptrekkingen {value!r} is ongeldig; verwacht een geheel getal van "
                         f"minstens {MIN_BOOTSTRAP}")
    return n


def check_seed(value) -> int:
    """The seed as an int when it is a whole number from 0 up (numpy's generators take no negative seed)."""
    try:
        n = int(str(value).strip())
    except ValueError:
        n = None
    if n is None or n < 0:
        raise ValueError(f"seed {value!r} is ongeldig; verwacht een geheel getal van 0 of meer")
    return n


# --- the parameters of the notebooks ---------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """A parameter of the stage notebooks: its name, its default in the notebook's ``parameters`` cell
    (paths relative to ``notebooks/``), its type and the function that validates a value."""

    name: str
    default: object
    type: type
    check: object = None  # callable value -> valid value, or None for any value of ``type``
    help: str = ""


JOB_PARAMETERS = (
    Parameter("processed_path", f"../{PROCESSED}", str, help="opgeschoonde tabellen (uitvoer van stap 1)"),
    Parameter("output_path", f"../{OUT}/{PEILJAREN[0]}/{COHORTS[0]}", str, help="map van deze taak"),
    Parameter("cohort", COHORTS[0], str, check_cohort, help=f"een van {', '.join(COHORTS)}"),
    Parameter("peiljaar", PEILJAREN[0], str, check_peiljaar, help=f"een jaartal of '{ALL_YEARS}'"),
    Parameter("seed", SEED, int, check_seed, help="seed van de bootstrap"),
    Parameter("n_bootstrap", N_BOOTSTRAP, int, check_n_bootstrap, help=f"bootstraptrekkingen (≥ {MIN_BOOTSTRAP})"),
)
CLEAN_PARAMETERS = (
    Parameter("input_path", f"../{DATA}", str, help="invoermap of .xlsx"),
    Parameter("output_path", f"../{PROCESSED}", str, help="map voor de opgeschoonde tabellen"),
)
COMPARISON_PARAMETERS = (
    Parameter("processed_path", f"../{PROCESSED}", str, help="opgeschoonde tabellen (uitvoer van stap 1)"),
    Parameter("output_path", f"../{OUT}/{COMPARISON_DIR}", str, help="map van de vergelijking"),
    Parameter("reports_path", f"../{OUT}", str, help="map met de taken (<peiljaar>/<cohort>/results.json)"),
    Parameter("peiljaren", list(PEILJAREN), list, check_peiljaren, help="de peiljaren van de run"),
    Parameter("cohorts", list(COHORTS), list, check_cohorts, help="de cohorten van de run"),
    Parameter("seed", SEED, int, check_seed, help="seed van de bootstrap"),
    Parameter("n_bootstrap", N_BOOTSTRAP, int, check_n_bootstrap, help=f"bootstraptrekkingen (≥ {MIN_BOOTSTRAP})"),
)
# notebook -> its parameters, in the order of its parameters cell
NOTEBOOK_PARAMETERS = {CLEAN.notebook: CLEAN_PARAMETERS, **dict.fromkeys(JOB_NOTEBOOKS, JOB_PARAMETERS),
                       COMPARISON.notebook: COMPARISON_PARAMETERS}


def job_parameters(*, processed_path, output_path, cohort, peiljaar, seed=SEED, n_bootstrap=N_BOOTSTRAP) -> dict:
    """The parameters of one job's notebooks, validated (ValueError naming the bad value)."""
    values = {"processed_path": str(processed_path), "output_path": str(output_path), "cohort": cohort,
              "peiljaar": peiljaar, "seed": seed, "n_bootstrap": n_bootstrap}
    return {p.name: p.check(values[p.name]) if p.check else p.type(values[p.name]) for p in JOB_PARAMETERS}


def comparison_parameters(*, processed_path, output_path, reports_path, peiljaren=PEILJAREN, cohorts=COHORTS,
                          seed=SEED, n_bootstrap=N_BOOTSTRAP) -> dict:
    """The parameters of the comparison notebook, validated (ValueError naming a bad value), in the order of
    its parameters cell."""
    values = {"processed_path": processed_path, "output_path": output_path, "reports_path": reports_path,
              "peiljaren": peiljaren, "cohorts": cohorts, "seed": seed, "n_bootstrap": n_bootstrap}
    return {p.name: p.check(values[p.name]) if p.check else p.type(values[p.name]) for p in COMPARISON_PARAMETERS}


def runs_comparison(peiljaren, cohorts) -> bool:
    """The comparison stage runs when the run has two or more peiljaren or cohorts."""
    return len(check_peiljaren(peiljaren)) >= 2 or len(check_cohorts(cohorts)) >= 2


def clean_parameters(*, input_path, output_path) -> dict:
    """The parameters of the cleaning notebook."""
    return {"input_path": str(input_path), "output_path": str(output_path)}


def report_title(peiljaar: str, cohort: str) -> str:
    """The HTML title of a job's report."""
    return f"IVP-analyse {cohort}, peiljaar {peiljaar}"
