"""The pipeline runner: executes the stage notebooks through papermill with an explicit kernel.

Stage 1 (clean) runs once per run; then, per job (peiljaar, cohort), the analysis notebooks 02-04,
``ivp.results.assemble_results``, the report notebook 05 and its rendering to HTML. Each job writes into
a staging folder that replaces ``<out>/<peiljaar>/<cohort>/`` only when everything succeeded, so a failing
job leaves the previous report in place; its partly executed notebook is kept in ``mislukt/`` inside
that folder. A failure stops only its own job; the run ends with a summary table and a non-zero exit."""

from __future__ import annotations

import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill as pm

from . import provenance
from .atomic import staged_dir, write_json, write_text
from .errors import NotebookFailure, PipelineFailed
from .paths import check_run_outputs
from .reference import COHORTS

KERNEL = "ivp"
CLEAN_NOTEBOOK = "01_opschonen.ipynb"
JOB_NOTEBOOKS = ("02_themas.ipynb", "03_samenwerking.ipynb", "04_landelijke_prioriteiten.ipynb")
REPORT_NOTEBOOK = "05_rapport.ipynb"
DEFAULT_PEILJAREN = ("2020", "2024")
DEFAULT_SEED = 20200525
DEFAULT_BOOTSTRAP = 2000
FAILED_DIR = "mislukt"
# Kernel log lines (an unencrypted-TCP warning at start, a KeyboardInterrupt note at shutdown) are noise
# on the console; cell errors still reach us through papermill.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]
_YEAR = re.compile(r"^(19|20)\d\d$")


def notebooks_dir() -> Path:
    """The project's ``notebooks/`` folder (next to ``src/``)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def execute(notebook: Path, output: Path, parameters: dict, *, peiljaar: str = "-", cohort: str = "-",
            kernel: str = KERNEL) -> NotebookFailure | None:
    """Run ``notebook`` with ``parameters`` into ``output``; return a NotebookFailure instead of raising.

    A cell error gives the cell's execution count, source and exception; anything else that stops the
    notebook (a missing file, a dead kernel) gives the exception with no cell.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=kernel,
                            cwd=str(notebook.parent), progress_bar=False, log_output=False,
                            extra_arguments=KERNEL_ARGS)
    except pm.PapermillExecutionError as exc:
        return NotebookFailure(peiljaar, cohort, notebook.name, exc.exec_count, exc.source, exc.ename,
                               exc.evalue, str(output))
    except Exception as exc:  # noqa: BLE001 - reported per job, the run goes on
        return NotebookFailure(peiljaar, cohort, notebook.name, None, "", type(exc).__name__, str(exc),
                               str(output) if output.exists() else None)
    return None


def run_clean(data: Path, processed: Path, work: Path, *, kernel: str = KERNEL,
              notebooks: Path | None = None) -> Path:
    """Stage 1: the cleaning notebook on ``data``, writing ``processed``; returns the executed notebook."""
    from .clean import clean_input

    clean_input(data)  # validate first so that bad input is reported as a list, not a notebook failure
    output = work / CLEAN_NOTEBOOK
    failure = execute((notebooks or notebooks_dir()) / CLEAN_NOTEBOOK, output,
                      {"input_path": str(Path(data).resolve()), "output_path": str(Path(processed).resolve())},
                      kernel=kernel)
    if failure:
        raise PipelineFailed([failure])
    return output


# ---------------------------------------------------------------- jobs

def parse_peiljaren(values) -> list[str]:
    """Validated reference years: four-digit years (1900-2099) or ``alle``, duplicates dropped, order kept.

    Raises ValueError naming the bad value and what is valid (so ``--peiljaar ../x`` never becomes a path).
    """
    out = []
    for value in values:
        value = str(value).strip().lower()
        if value != "alle" and not _YEAR.match(value):
            raise ValueError(f"peiljaar {value!r} is ongeldig; verwacht een jaartal zoals 2020, of 'alle'")
        if value not in out:
            out.append(value)
    return out


def parse_cohorts(values) -> list[str]:
    """Validated cohort names in the order of ``reference.COHORTS`` (duplicates dropped)."""
    bad = [v for v in values if v not in COHORTS]
    if bad:
        raise ValueError(f"cohort {bad[0]!r} is onbekend; kies uit {', '.join(COHORTS)}")
    return [c for c in COHORTS if c in set(values)]


@dataclass(frozen=True)
class Job:
    """One (peiljaar, cohort) and the folder its report goes to."""

    peiljaar: str
    cohort: str

    def folder(self, out: Path) -> Path:
        return Path(out) / self.peiljaar / self.cohort

    def __str__(self) -> str:
        return f"{self.peiljaar}/{self.cohort}"


@dataclass
class JobResult:
    """What one job produced: ``ok`` with its results, or the failure."""

    job: Job
    seconds: float
    results: dict | None = None
    failure: NotebookFailure | None = None
    report: Path | None = None
    kept: list[Path] = field(default_factory=list)  # partly executed notebooks of a failed job

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class RunConfig:
    """Everything ``ivp run`` needs; paths as the user gave them (they appear in the provenance)."""

    data: Path = Path("data/raw")
    processed: Path = Path("data/processed")
    out: Path = Path("reports")
    cohorts: list[str] = field(default_factory=lambda: list(COHORTS))
    peiljaren: list[str] = field(default_factory=lambda: list(DEFAULT_PEILJAREN))
    seed: int = DEFAULT_SEED
    n_bootstrap: int = DEFAULT_BOOTSTRAP
    notebooks: Path | None = None
    kernel: str = KERNEL

    def jobs(self) -> list[Job]:
        return [Job(p, c) for p in self.peiljaren for c in self.cohorts]

    def parameters(self, job: Job) -> dict:
        """The job's parameters as shown in the report (the real output folder, not the staging one)."""
        return {"processed_path": str(self.processed), "output_path": str(job.folder(self.out)),
                "cohort": job.cohort, "peiljaar": job.peiljaar, "seed": self.seed,
                "n_bootstrap": self.n_bootstrap, "data": str(self.data), "kernel": self.kernel}


class _JobFailed(Exception):
    def __init__(self, failure: NotebookFailure):
        super().__init__(str(failure))
        self.failure = failure
        self.kept: list[Path] = []


def report_title(job: Job) -> str:
    """The HTML title of a job's report."""
    return f"IVP-analyse {job.cohort}, peiljaar {job.peiljaar}"


def _keep_failed(stage: Path, target: Path, failure: NotebookFailure) -> list[Path]:
    """Copy the executed notebooks of a failed job to ``<target>/mislukt/`` (replacing an older copy)
    with a ``fout.txt`` that says what went wrong; the rest of ``target`` is left as it was."""
    kept = []
    with staged_dir(target / FAILED_DIR) as tmp:
        for executed in sorted((stage / "notebooks").glob("*.ipynb")):
            shutil.copy2(executed, tmp / executed.name)
            kept.append(target / FAILED_DIR / executed.name)
        write_text(tmp / "fout.txt", f"{failure}\n\nCel:\n{failure.source}\n")
    return kept


def _point_to_final(executed: Path, stage: Path, target: Path) -> None:
    """Let an executed notebook's injected parameters name the job folder it ended up in, not the staging
    folder (so a researcher can rerun it from JupyterLab)."""
    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = cell.source.replace(str(stage), str(target.resolve()))
    nb.metadata.get("papermill", {}).get("parameters", {}).update(
        {k: str(target.resolve()) for k, v in nb.metadata.get("papermill", {}).get("parameters", {}).items()
         if v == str(stage)})
    nbformat.write(nb, str(executed))


def run_job(job: Job, config: RunConfig, *, run_started: str, processed_abs: Path,
            progress=print) -> JobResult:
    """Run one job into a staging folder and swap it in as ``<out>/<peiljaar>/<cohort>``.

    On a failure the staging folder is dropped, the previous job folder stays as it was, and the
    executed notebooks are kept in its ``mislukt/`` subfolder; the result then carries the failure.
    """
    started = time.monotonic()
    target = job.folder(config.out)
    try:
        with staged_dir(target) as stage:
            try:
                results = _job_steps(job, config, stage, target, run_started=run_started,
                                     processed_abs=processed_abs, progress=progress)
            except _JobFailed as exc:
                kept = _keep_failed(stage, target, exc.failure)
                failed_notebook = target / FAILED_DIR / Path(exc.failure.notebook).name
                exc.failure.executed_path = str(failed_notebook) if failed_notebook in kept else None
                exc.kept = kept
                raise
    except _JobFailed as exc:
        return JobResult(job, time.monotonic() - started, failure=exc.failure, kept=exc.kept)
    return JobResult(job, time.monotonic() - started, results=results, report=target / "rapport.html")


def _job_steps(job: Job, config: RunConfig, stage: Path, target: Path, *, run_started: str,
               processed_abs: Path, progress) -> dict:
    """Notebooks 02-04, assemble_results, provenance, notebook 05 and its HTML, all inside ``stage``."""
    from .render import render_report
    from .results import assemble_results

    notebooks = config.notebooks or notebooks_dir()
    params = {"processed_path": str(processed_abs), "output_path": str(stage.resolve()),
              "cohort": job.cohort, "peiljaar": job.peiljaar, "seed": config.seed,
              "n_bootstrap": config.n_bootstrap}

    def step(name: str, action):
        progress(f"      {name}")
        try:
            return action()
        except _JobFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - reported per job, the run goes on
            raise _JobFailed(NotebookFailure(job.peiljaar, job.cohort, name, None, "", type(exc).__name__,
                                             str(exc))) from exc

    def notebook(name: str) -> Path:
        output = stage / "notebooks" / name
        failure = execute(notebooks / name, output, params, peiljaar=job.peiljaar, cohort=job.cohort,
                          kernel=config.kernel)
        if failure:
            raise _JobFailed(failure)
        return output

    for name in JOB_NOTEBOOKS:
        step(name, lambda name=name: notebook(name))
    results = step("ivp.results.assemble_results", lambda: assemble_results(stage))
    write_json(stage / "provenance.json",
               provenance.collect(processed_abs, config.parameters(job), run_started=run_started))
    executed = step(REPORT_NOTEBOOK, lambda: notebook(REPORT_NOTEBOOK))
    step("rapport.html", lambda: render_report(executed, stage / "rapport.html", title=report_title(job)))
    for path in sorted((stage / "notebooks").glob("*.ipynb")):
        _point_to_final(path, stage.resolve(), target)
    return results


# ---------------------------------------------------------------- the run

def run_pipeline(config: RunConfig, *, progress=print) -> list[JobResult]:
    """Clean once, then every job in order; write ``<out>/index.html``. Returns one result per job.

    Invalid input raises ``InvalidInput`` before anything is replaced; a failing cleaning notebook
    raises ``PipelineFailed``; a failing job is returned as a failed JobResult and does not stop the rest.
    """
    from .render import write_index

    out = Path(config.out)
    run_started = provenance.now_utc()
    started = time.monotonic()
    jobs = config.jobs()
    check_run_outputs(config.data, config.processed, out, [job.folder(out) for job in jobs])  # input never inside
    progress(f"ivp run: {len(jobs)} taken (peiljaar {', '.join(config.peiljaren)} × {', '.join(config.cohorts)})")
    progress(f"[opschonen] {config.data} -> {config.processed}")
    run_clean(Path(config.data), Path(config.processed), out / "notebooks", kernel=config.kernel,
              notebooks=config.notebooks)
    progress(f"[opschonen] klaar in {time.monotonic() - started:.1f} s")
    processed_abs = Path(config.processed).resolve()
    results = []
    width = len(str(len(jobs)))
    for i, job in enumerate(jobs, start=1):
        head = f"[{i:>{width}}/{len(jobs)}] {job}"
        progress(head)
        result = run_job(job, config, run_started=run_started, processed_abs=processed_abs,
                         progress=progress)
        if result.ok:
            res = result.results or {}
            progress(f"{head}: klaar in {result.seconds:.1f} s ({res.get('n_plans', 0)} plannen, "
                     f"{res.get('n_priorities', 0)} speerpunten)")
        else:
            progress(f"{head}: MISLUKT na {result.seconds:.1f} s: {result.failure}")
        results.append(result)
    failed = {(r.job.peiljaar, r.job.cohort): _short_failure(r.failure) for r in results if not r.ok}
    index_years = sorted({*config.peiljaren, *_existing_years(out)}, key=lambda y: (y == "alle", y))
    write_index(out, index_years, COHORTS, failed)
    return results


def _existing_years(out: Path) -> list[str]:
    if not out.exists():
        return []
    return [p.name for p in out.iterdir() if p.is_dir() and (p.name == "alle" or _YEAR.match(p.name))]


def _short_failure(failure: NotebookFailure) -> str:
    cell = "" if failure.cell_index is None else f", cel {failure.cell_index}"
    return f"{failure.notebook}{cell}: {failure.ename}: {failure.evalue}".splitlines()[0][:300]


def summary_table(results: list[JobResult], out: Path) -> str:
    """Plain-text table of what a run wrote: one line per job (peiljaar, cohort, status, plannen,
    speerpunten, duur, and the report, or for a failure the notebook, cell and error)."""
    header = ("peiljaar", "cohort", "status", "plannen", "speerpunten", "duur", "uitvoer")
    rows = []
    for r in results:
        res = r.results or {}
        if r.ok:
            rows.append((r.job.peiljaar, r.job.cohort, "ok", str(res.get("n_plans", "")),
                         str(res.get("n_priorities", "")), f"{r.seconds:.1f} s", str(r.report)))
        else:
            where = f" (notebook bewaard: {r.failure.executed_path})" if r.failure.executed_path else ""
            rows.append((r.job.peiljaar, r.job.cohort, "MISLUKT", "", "", f"{r.seconds:.1f} s",
                         _short_failure(r.failure) + where))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    numeric = {3, 4, 5}
    lines = []
    for row in [header, *rows]:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells) + "  " + row[-1])
    n_failed = sum(not r.ok for r in results)
    lines.append(f"index: {Path(out) / 'index.html'}")
    lines.append(f"{len(results) - n_failed} taken gelukt, {n_failed} mislukt")
    return "\n".join(lines)


def run(args) -> int:
    """``ivp run``: clean once, then analyse and report per (peiljaar, cohort); summary at the end."""
    started = time.monotonic()
    config = RunConfig(data=Path(args.data), processed=Path(args.processed), out=Path(args.out),
                       cohorts=parse_cohorts(args.cohort), peiljaren=parse_peiljaren(args.peiljaar),
                       seed=args.seed, n_bootstrap=args.bootstrap,
                       notebooks=Path(args.notebooks) if args.notebooks else None)

    def progress(line: str) -> None:
        print(line, flush=True)

    results = run_pipeline(config, progress=progress)
    print(f"\nSamenvatting ({time.monotonic() - started:.1f} s):")
    print(summary_table(results, config.out), flush=True)
    failures = [r.failure for r in results if not r.ok]
    if failures:
        sys.stdout.flush()
        raise PipelineFailed(failures)
    return 0


def _peiljaar_arg(value: str) -> str:
    import argparse

    try:
        return parse_peiljaren([value])[0]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="voer de pijplijn uit (opschonen, analyses, rapporten)")
    p.add_argument("--cohort", nargs="+", choices=COHORTS, default=list(COHORTS), metavar="COHORT",
                   help=f"cohort(en): {', '.join(COHORTS)} (standaard alle vijf)")
    p.add_argument("--peiljaar", nargs="+", type=_peiljaar_arg, default=list(DEFAULT_PEILJAREN),
                   help="peiljaar/peiljaren, bijv. 2020 2024, of 'alle' (standaard 2020 2024)")
    p.add_argument("--data", default="data/raw", help="invoermap of .xlsx (standaard data/raw)")
    p.add_argument("--processed", default="data/processed", help="map voor opgeschoonde tabellen")
    p.add_argument("--out", default="reports", help="map voor rapporten (standaard reports)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed van de bootstrap (standaard {DEFAULT_SEED})")
    p.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP,
                   help=f"aantal bootstraptrekkingen (standaard {DEFAULT_BOOTSTRAP})")
    p.add_argument("--notebooks", default=None, help="map met eigen versies van de notebooks (standaard notebooks/)")
    p.set_defaults(func=run)
