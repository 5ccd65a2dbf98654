"""The pipeline runner: executes the stage notebooks through papermill in a few long-lived kernels, skips
what has not changed and runs independent jobs side by side.

The stages, their notebooks, parameters and output names are defined in ``ivp.running.job``. Stage 1 (clean) runs
once per run; then, per job (peiljaar, cohort), the analysis notebooks 02-04 (each writes its part of
``results.json``), the provenance, the report notebook 05 and its rendering to HTML. Each job writes into
a staging folder that replaces ``<out>/<peiljaar>/<cohort>/`` only when everything succeeded, so a failing
job leaves the previous report in place; its partly executed notebook is kept in ``mislukt/`` inside
that folder. A failure stops only its own job; the run ends with a summary table and a non-zero exit.

Speed (issue 6):

- **Cache** (``ivp.running.cache``): the cleaning and every job are skipped when their notebooks, parameters,
  input data, the code of ``ivp`` (a hash of the package, reference data and report template included) and
  the package versions are unchanged and their outputs are still there, byte for byte. ``--force`` reruns
  everything. Every report names the sha256 of the input files, so a changed input reruns every job.
- **Parallel** (``--jobs N``, default the number of CPUs): jobs run in N worker threads, each with its own
  kernel (``ivp.running.kernels``: IPC sockets, no ports) and its own staging folder.
- **Shared kernels**: a worker's kernel runs notebook after notebook, reset in between (empty namespace,
  restored settings), so the kernel start and the imports of pandas, matplotlib and seaborn are paid
  once per worker instead of four times per job. The notebooks themselves are unchanged and each still
  runs on its own in JupyterLab.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from ivp.coding import coded_input, propose
from ivp.errors import NotebookFailure, PipelineFailed
from ivp.inputs.clean import clean_input
from ivp.inputs.read import input_files
from ivp.report.pdf import PdfPrinter, missing_message, print_job
from ivp.running import cache, provenance
from ivp.running import job as jobdef
from ivp.running.atomic import staged_dir, write_json, write_text
from ivp.running.job import AUTOCODE_DIR, COHORTS, FAILED_DIR, KERNEL
from ivp.running.paths import check_run_outputs

# Imported late, in the functions that need them (marked "late: see the top"): `ivp` builds its whole parser,
# this module included, for every command, `ivp validate` too, which would otherwise pay (`python -X importtime
# -c "import ivp.cli; import X"`, cumulative, median of 3): papermill 1490 ms, nbformat 1308 ms,
# ivp.report.render (nbconvert) 2625 ms, ivp.report.tables (openpyxl, the report's figures) 1218 ms,
# ivp.analysis.results 349 ms, ivp.running.kernels (jupyter_client) 50 ms. KernelPool is also looked up in
# ivp.running.kernels when the pool is made, so a test can replace it there.


def notebooks_dir() -> Path:
    """The project's ``notebooks/`` folder (next to ``src/``)."""
    return Path(__file__).resolve().parents[3] / "notebooks"


def default_jobs() -> int:
    """Jobs side by side when ``--jobs`` is not given: the number of CPUs."""
    return os.cpu_count() or 1


def failure_of(exc: BaseException, notebook: str, output: Path | None, *, peiljaar: str = "-",
               cohort: str = "-") -> NotebookFailure:
    """A NotebookFailure for an exception raised while executing ``notebook``: a cell error gives the cell's
    execution count, source and exception; anything else (a missing file, a dead kernel) the exception."""
    import papermill as pm  # late: see the top

    if isinstance(exc, pm.PapermillExecutionError):
        return NotebookFailure(peiljaar, cohort, notebook, exc.exec_count, exc.source, exc.ename, exc.evalue,
                               str(output) if output else None)
    return NotebookFailure(peiljaar, cohort, notebook, None, "", type(exc).__name__, str(exc),
                           str(output) if output is not None and output.exists() else None)


# ---------------------------------------------------------------- jobs

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
    """What one job produced: ``ok`` with its results (``cached`` when taken from an earlier run), or the
    failure."""

    job: Job
    seconds: float
    results: dict | None = None
    failure: NotebookFailure | None = None
    report: Path | None = None
    kept: list[Path] = field(default_factory=list)  # partly executed notebooks of a failed job
    cached: bool = False
    reason: str = ""  # why it ran again, or why it was skipped ("ongewijzigd")

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class ComparisonJob(Job):
    """The comparison stage of a run (``ivp.running.job.COMPARISON``): its peiljaren joined, cohort ``vergelijking``,
    its folder ``<out>/vergelijking``."""

    def folder(self, out: Path) -> Path:
        return Path(out) / jobdef.COMPARISON_DIR

    def __str__(self) -> str:
        return jobdef.COMPARISON_DIR


class RunResults(list):
    """The job results of a run, in the order of ``RunConfig.jobs_list()``, and ``comparison``: the result of
    the comparison stage, or None when the run had one peiljaar and one cohort."""

    comparison: JobResult | None = None


@dataclass
class RunConfig:
    """Everything ``ivp run`` needs; paths as the user gave them (they appear in the provenance)."""

    data: Path = Path(jobdef.DATA)
    processed: Path = Path(jobdef.PROCESSED)
    out: Path = Path(jobdef.OUT)
    cohorts: list[str] = field(default_factory=lambda: list(COHORTS))  # none: only the cleaning (and index)
    peiljaren: list[str] = field(default_factory=lambda: list(jobdef.PEILJAREN))
    seed: int = jobdef.SEED
    n_bootstrap: int = jobdef.N_BOOTSTRAP
    notebooks: Path | None = None
    kernel: str = KERNEL
    kernel_explicit: bool = False  # named by --kernel: refused when missing, not replaced by this Python
    force: bool = False  # rerun every stage, cached or not
    jobs: int | None = None  # jobs side by side; None: the number of CPUs
    autocode: bool = False  # code empty themes first (ivp codeer) and analyse its output
    pdf: bool = False  # also print every report page as PDF (ivp.report.pdf)

    def __post_init__(self):
        """Refuse invalid values before anything runs (ValueError naming the value and what is valid)."""
        self.cohorts = jobdef.check_cohorts(self.cohorts)
        self.peiljaren = jobdef.check_peiljaren(self.peiljaren)
        self.seed = jobdef.check_seed(self.seed)
        self.n_bootstrap = jobdef.check_n_bootstrap(self.n_bootstrap)

    def jobs_list(self) -> list[Job]:
        return [Job(p, c) for p in self.peiljaren for c in self.cohorts]

    def parameters(self, job: Job) -> dict:
        """The job's parameters as shown in the report (the real output folder, not the staging one)."""
        params = {**self.notebook_parameters(job, self.processed, job.folder(self.out)),
                  "data": str(self.data), "kernel": self.kernel}
        if self.autocode:
            params["autocode"] = True
        return params

    def notebook_parameters(self, job: Job, processed: Path, output: Path) -> dict:
        """What the job's notebooks get injected (``ivp.running.job.JOB_PARAMETERS``)."""
        return jobdef.job_parameters(processed_path=processed, output_path=output, cohort=job.cohort,
                                     peiljaar=job.peiljaar, seed=self.seed, n_bootstrap=self.n_bootstrap)

    def notebook_folder(self) -> Path:
        return Path(self.notebooks).resolve() if self.notebooks else notebooks_dir()


class _JobFailed(Exception):
    def __init__(self, failure: NotebookFailure):
        super().__init__(str(failure))
        self.failure = failure
        self.kept: list[Path] = []


def _keep_failed(stage: Path, target: Path, failure: NotebookFailure) -> list[Path]:
    """Copy the executed notebooks of a failed job to ``<target>/mislukt/`` (replacing an older copy)
    with a ``fout.txt`` that says what went wrong; the rest of ``target`` is left as it was."""
    kept = []
    with staged_dir(target / FAILED_DIR) as tmp:
        for executed in sorted((stage / jobdef.EXECUTED_DIR).glob("*.ipynb")):
            shutil.copy2(executed, tmp / executed.name)
            kept.append(target / FAILED_DIR / executed.name)
        write_text(tmp / "fout.txt", f"{failure}\n\nCel:\n{failure.source}\n")
    return kept


def _point_to_final(executed: Path, stage: Path, target: Path) -> None:
    """Let an executed notebook's injected parameters name the job folder it ended up in, not the staging
    folder (so a researcher can rerun it from JupyterLab)."""
    import nbformat  # late: see the top

    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = cell.source.replace(str(stage), str(target.resolve()))
    nb.metadata.get("papermill", {}).get("parameters", {}).update(
        {k: str(target.resolve()) for k, v in nb.metadata.get("papermill", {}).get("parameters", {}).items()
         if v == str(stage)})
    nbformat.write(nb, str(executed))


@dataclass
class _JobContext:
    """What every job of one run shares."""

    config: RunConfig
    run_started: str
    processed_abs: Path
    facts: dict  # provenance.run_facts, computed once
    codering: dict | None  # provenance.coding of the input
    stop: threading.Event = field(default_factory=threading.Event)  # set when the run is interrupted
    printer: object = None  # an ivp.report.pdf.PdfPrinter with --pdf when Chromium is there, else None


def run_job(job: Job, ctx: _JobContext, kernel, parts: dict) -> JobResult:
    """Run one job in ``kernel`` (an ``ivp.running.kernels.Kernel``) into a staging folder and swap it in as
    ``<out>/<peiljaar>/<cohort>`` together with its cache stamp (``parts`` and the outputs' sha256).

    On a failure the staging folder is dropped, the previous job folder stays as it was, and the
    executed notebooks are kept in its ``mislukt/`` subfolder; the result then carries the failure.
    """
    started = time.monotonic()
    target = job.folder(ctx.config.out)
    try:
        with staged_dir(target) as stage:
            try:
                results = _job_steps(job, ctx, kernel, stage, target)
                cache.write_stamp(stage, parts, cache.tree_hashes(stage))
            except _JobFailed as exc:
                if ctx.stop.is_set():  # interrupted: the kernel was stopped, not the notebook's fault
                    raise KeyboardInterrupt from exc
                kept = _keep_failed(stage, target, exc.failure)
                failed_notebook = target / FAILED_DIR / Path(exc.failure.notebook).name
                exc.failure.executed_path = str(failed_notebook) if failed_notebook in kept else None
                exc.kept = kept
                raise
    except _JobFailed as exc:
        return JobResult(job, time.monotonic() - started, failure=exc.failure, kept=exc.kept)
    return JobResult(job, time.monotonic() - started, results=results, report=target / jobdef.REPORT_FILE)


def _job_steps(job: Job, ctx: _JobContext, kernel, stage: Path, target: Path) -> dict:
    """The job stages of ``ivp.running.job.STAGES`` in order, all inside ``stage``: the analysis notebooks (each
    writes its part of results.json), the provenance, the report notebook and its HTML, the tables and, with
    a printer (``--pdf``), the PDF of every report page."""
    from ivp.analysis.results import load_results  # late: see the top
    from ivp.report.render import render_report
    from ivp.report.tables import write_job_tables

    config = ctx.config
    notebooks = config.notebook_folder()
    params = config.notebook_parameters(job, ctx.processed_abs, stage.resolve())
    executed = stage / jobdef.EXECUTED_DIR

    def step(name: str, action):
        try:
            return action()
        except _JobFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - reported per job, the run goes on
            raise _JobFailed(NotebookFailure(job.peiljaar, job.cohort, name, None, "", type(exc).__name__,
                                             str(exc))) from exc

    def notebook(name: str) -> Path:
        output = executed / name
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            kernel.execute(notebooks / name, output, params)
        except Exception as exc:  # noqa: BLE001 - reported per job
            raise _JobFailed(failure_of(exc, name, output, peiljaar=job.peiljaar, cohort=job.cohort)) from exc
        return output

    results = None
    for stage_def in jobdef.STAGES:
        if stage_def.per != "job":
            continue
        if stage_def.notebook:
            step(stage_def.notebook, lambda name=stage_def.notebook: notebook(name))
        if stage_def is jobdef.ANALYSIS_STAGES[-1]:
            results = step(jobdef.RESULTS_FILE, lambda: load_results(stage))
        elif stage_def is jobdef.PROVENANCE:
            write_json(stage / jobdef.PROVENANCE_FILE,
                       provenance.collect(ctx.processed_abs, config.parameters(job), run_started=ctx.run_started,
                                          facts=ctx.facts, codering=ctx.codering))
        elif stage_def is jobdef.RENDER:
            step(jobdef.REPORT_FILE, lambda: render_report(executed / jobdef.REPORT.notebook,
                                                           stage / jobdef.REPORT_FILE,
                                                           title=jobdef.report_title(job.peiljaar, job.cohort)))
        elif stage_def is jobdef.TABLES:
            step(jobdef.TABLES_FILE, lambda: write_job_tables(stage))
        elif stage_def is jobdef.PDF and ctx.printer is not None:
            step(jobdef.PDF_FILE, lambda: print_job(ctx.printer, stage, peiljaar=job.peiljaar, cohort=job.cohort))
    for path in sorted(executed.glob("*.ipynb")):
        _point_to_final(path, stage.resolve(), target)
    return results


# ---------------------------------------------------------------- stages before the jobs

class _Kernels:
    """The run's kernel pool, made on first use (a run with everything cached starts no kernel)."""

    def __init__(self, config: RunConfig, size: int, choice=None, progress=print):
        self.config, self.size, self.pool = config, max(1, size), None
        self.choice, self.progress = choice, progress  # an ivp.running.kernels.KernelChoice (None: as registered)
        self.stop = threading.Event()  # set when the run is interrupted (jobs then keep no mislukt/ copy)

    def get(self):
        if self.pool is None:
            from ivp.running.kernels import KernelPool  # late: see the top

            if self.choice is not None and self.choice.notice():
                self.progress(self.choice.notice())  # once per run: the pool is made once
            self.pool = KernelPool(self.size, kernel_name=self.config.kernel, cwd=self.config.notebook_folder(),
                                   specs=self.choice.specs if self.choice is not None else None)
            _import_while_kernels_start()
        return self.pool

    def close(self, *, kill: bool = False) -> None:
        if kill:
            self.stop.set()
        if self.pool is not None:
            self.pool.close(kill=kill)


def _import_while_kernels_start() -> None:
    """Import, in this (otherwise waiting) thread, what the workers need once their kernel is up: papermill
    with the shared-kernel engine (1.5 s) and nbconvert for the HTML (``ivp.report.render``, 0.8 s). Imported by the
    first worker instead, they came after its kernel start, on the critical path of the run."""
    from ivp.report import render  # noqa: F401  (late: see the top)
    from ivp.running.kernels import papermill

    papermill()


def autocode_stage(config: RunConfig, env: dict, progress) -> Path:
    """``--autocode``: ``ivp.coding.coded_input.code_input`` on the input into ``<out>/gecodeerd/`` (swapped in as a
    whole), unless an earlier run already coded the same input with the same code; returns that folder,
    the input of the cleaning stage."""
    target = Path(config.out) / AUTOCODE_DIR
    training = coded_input.default_training_path()
    parts = {**env, "invoer": cache.file_hashes(input_files(Path(config.data))),
             "training": cache.file_hashes(input_files(training)) if training else {},
             "parameters": {"data": str(config.data), "methode": propose.DEFAULT_METHOD}}
    verdict = None if config.force else cache.check(target, parts)
    if verdict is not None and verdict.hit:
        progress(f"[codering] cache ({verdict.reason}): {target}")
        return target
    progress(f"[codering] {config.data} -> {target}" + (f" ({verdict.reason})" if verdict else " (--force)"))
    started = time.monotonic()
    with staged_dir(target) as tmp:
        summary = coded_input.code_input(Path(config.data), tmp)
        cache.write_stamp(tmp, parts, cache.tree_hashes(tmp))
    progress(f"[codering] {summary['n_nu_gecodeerd']} van {summary['n_speerpunten']} speerpunten automatisch "
             f"gecodeerd in {time.monotonic() - started:.1f} s; beoordelen: {target / 'te_beoordelen.csv'}")
    return target


def clean_stage(config: RunConfig, data: Path, env: dict, kernels: _Kernels, progress) -> dict:
    """Stage 1 unless cached: validate ``data`` (InvalidInput before anything is written), run the cleaning
    notebook in a pool kernel, stamp ``processed``. Returns the coding summary of the input (kept in the
    stamp, so a cached run does not read the input again)."""
    processed, out = Path(config.processed), Path(config.out)
    notebook = config.notebook_folder() / jobdef.CLEAN.notebook
    executed = out / jobdef.EXECUTED_DIR / jobdef.CLEAN.notebook
    inputs = input_files(data)
    verslag = Path(data) / provenance.CODING_REPORT
    if Path(data).is_dir() and verslag.is_file():
        inputs.append(verslag)
    # paths as given (like a job's parameters), so that a copied project folder keeps its cache
    parts = {**env, "notebook": cache.sha256_file(notebook) if notebook.is_file() else None,
             "invoer": cache.file_hashes(inputs),
             "parameters": jobdef.clean_parameters(input_path=data, output_path=processed),
             "autocode": config.autocode}
    verdict = None if config.force else cache.check(processed, parts)
    if verdict is not None and verdict.hit:
        progress(f"[opschonen] cache ({verdict.reason}): {processed}")
        return verdict.stamp.get("codering")
    progress(f"[opschonen] {data} -> {processed}" + (f" ({verdict.reason})" if verdict else " (--force)"))
    started = time.monotonic()
    # validate first, in this process: bad input is reported as a list (not a notebook failure) within a
    # second, and a refused run starts no kernel at all
    clean_input(data)
    pool = kernels.get()
    codering = provenance.coding(data, autocode=config.autocode)
    executed.parent.mkdir(parents=True, exist_ok=True)
    params = jobdef.clean_parameters(input_path=Path(data).resolve(), output_path=Path(processed).resolve())
    future = pool.submit(lambda kernel: kernel.execute(notebook, executed, params))
    try:
        future.result()
    except Exception as exc:  # noqa: BLE001 - a failing cleaning notebook stops the run
        raise PipelineFailed([failure_of(exc, jobdef.CLEAN.notebook, executed)]) from exc
    outputs = {**cache.data_hashes(processed), os.path.relpath(executed, processed): cache.sha256_file(executed)}
    cache.write_stamp(processed, parts, outputs, codering=codering)
    progress(f"[opschonen] klaar in {time.monotonic() - started:.1f} s")
    return codering


# ---------------------------------------------------------------- the run

def run_pipeline(config: RunConfig, *, progress=print) -> list[JobResult]:
    """Clean once, then every job (cached, or run in the kernel pool); write ``<out>/index.html``. Returns
    one result per job, in the order of ``config.jobs_list()``.

    Invalid input raises ``InvalidInput`` before anything is replaced; a failing cleaning notebook
    raises ``PipelineFailed``; a failing job is returned as a failed JobResult and does not stop the rest.
    """
    out = Path(config.out)
    run_started = provenance.now_utc()
    jobs = config.jobs_list()
    check_run_outputs(config.data, config.processed, out, [job.folder(out) for job in jobs],  # input never inside
                      [("--autocode", out / AUTOCODE_DIR)] if config.autocode else [])
    from ivp.running.kernels import resolve_kernel  # late: see the top

    choice = resolve_kernel(config.kernel, explicit=config.kernel_explicit)  # a missing --kernel: refused here
    n_workers = max(1, min(config.jobs or default_jobs(), len(jobs)))
    progress(f"ivp run: {len(jobs)} taken (peiljaar {', '.join(config.peiljaren)} × {', '.join(config.cohorts)}), "
             f"{n_workers} tegelijk" + (", --force" if config.force else ""))
    env = cache.environment(provenance.package_versions())
    kernels = _Kernels(config, n_workers, choice, progress)
    printer = _pdf_printer(config, progress) if jobs else None
    try:
        data = autocode_stage(config, env, progress) if config.autocode else Path(config.data)
        codering = clean_stage(config, data, env, kernels, progress)
        results = RunResults(_run_jobs(config, jobs, env, codering, kernels, run_started, progress, printer))
        results.comparison = comparison_stage(config, env, codering, kernels, run_started, progress, printer)
    except BaseException:
        kernels.close(kill=True)
        raise
    finally:
        if printer is not None:
            printer.close()
    kernels.close()
    failed = {(r.job.peiljaar, r.job.cohort): _short_failure(r.failure) for r in results if not r.ok}
    index_years = sorted({*config.peiljaren, *_existing_years(out)}, key=lambda y: (y == "alle", y))
    write_index_if_changed(out, index_years, failed, env)
    return results


def comparison_stage(config: RunConfig, env: dict, codering: dict | None, kernels: _Kernels, run_started: str,
                     progress, printer=None) -> JobResult | None:
    """The comparison (``ivp.running.job.COMPARISON``) when the run has two or more peiljaren or cohorts, unless cached:
    notebook 06 in a pool kernel into a staging folder that replaces ``<out>/vergelijking`` only when its
    notebook, HTML (and with ``printer`` its PDF) were all made. A failure keeps the earlier comparison and
    its partly executed notebook in ``mislukt/``, like a job."""
    if not jobdef.runs_comparison(config.peiljaren, config.cohorts):
        return None
    out = Path(config.out)
    job = ComparisonJob("+".join(config.peiljaren), jobdef.COMPARISON_DIR)
    target = job.folder(out)
    notebook = config.notebook_folder() / jobdef.COMPARISON.notebook
    shown = jobdef.comparison_parameters(processed_path=config.processed, output_path=target, reports_path=out,
                                         peiljaren=config.peiljaren, cohorts=config.cohorts, seed=config.seed,
                                         n_bootstrap=config.n_bootstrap)
    results_files = {f"{p}/{c}": out / p / c / jobdef.RESULTS_FILE for p in config.peiljaren for c in config.cohorts}
    parts = {**env, "notebook": cache.sha256_file(notebook) if notebook.is_file() else None, "parameters": shown,
             "verwerkt": cache.data_hashes(config.processed), "taken": cache.file_hashes(results_files.values()),
             "codering": codering, "pdf": printer is not None}
    verdict = None if config.force else cache.check(target, parts)
    if verdict is not None and verdict.hit:
        progress(f"[vergelijking] cache ({verdict.reason}): {target}")
        return _cached_result(job, out, verdict.reason)
    progress(f"[vergelijking] start ({verdict.reason if verdict else '--force'})")
    started = time.monotonic()
    processed_abs = Path(config.processed).resolve()
    try:
        with staged_dir(target) as stage:
            executed = stage / jobdef.EXECUTED_DIR / jobdef.COMPARISON.notebook
            executed.parent.mkdir(parents=True, exist_ok=True)
            write_json(stage / jobdef.PROVENANCE_FILE,
                       provenance.collect(processed_abs, shown, run_started=run_started, codering=codering))
            params = jobdef.comparison_parameters(processed_path=processed_abs, output_path=stage.resolve(),
                                                  reports_path=out.resolve(), peiljaren=config.peiljaren,
                                                  cohorts=config.cohorts, seed=config.seed,
                                                  n_bootstrap=config.n_bootstrap)
            try:
                kernels.get().submit(lambda kernel: kernel.execute(notebook, executed, params)).result()
                from ivp.report.render import render_report  # late: see the top

                render_report(executed, stage / jobdef.REPORT_FILE, title=jobdef.COMPARISON_TITLE)
                if printer is not None:
                    printer.print_page(stage / jobdef.REPORT_FILE, footer=jobdef.COMPARISON_TITLE)
            except Exception as exc:  # noqa: BLE001 - reported like a failed job, the run's exit code says it
                failure = failure_of(exc, notebook.name, executed, peiljaar=job.peiljaar, cohort=job.cohort)
                kept = _keep_failed(stage, target, failure)
                failure.executed_path = str(target / FAILED_DIR / notebook.name) if kept else None
                raise _JobFailed(failure) from exc
            _point_to_final(executed, stage.resolve(), target)
            cache.write_stamp(stage, parts, cache.tree_hashes(stage))
    except _JobFailed as exc:
        if kernels.stop.is_set():
            raise KeyboardInterrupt from exc
        progress(f"[vergelijking] MISLUKT na {time.monotonic() - started:.1f} s: {exc.failure}")
        return JobResult(job, time.monotonic() - started, failure=exc.failure)
    result = _cached_result(job, out, verdict.reason if verdict else "--force")
    result.cached, result.seconds = False, time.monotonic() - started
    progress(f"[vergelijking] klaar in {result.seconds:.1f} s: {target / jobdef.REPORT_FILE}")
    return result


def _pdf_printer(config: RunConfig, progress):
    """With ``--pdf``: the run's ``ivp.report.pdf.PdfPrinter`` (its browser starts on the first page to print), or
    None after one message when there is no Chromium (the reports are then written as HTML only)."""
    if not config.pdf:
        return None
    printer = PdfPrinter()
    if not printer.available():
        progress(missing_message(printer.executable))
        return None
    return printer


def job_parts(config: RunConfig, job: Job, env: dict, notebook_hashes: dict, processed_hashes: dict,
              codering: dict | None, *, pdf: bool = False) -> dict:
    """Everything a job's outputs depend on (its cache key): the shared ``env`` (ivp version, code
    fingerprint, Python and package versions), the hashes of notebooks 02-05 and of the processed data,
    the job's parameters, the coding summary of the input and whether the job prints its PDFs (``pdf``)."""
    return {**env, "notebooks": notebook_hashes, "parameters": config.parameters(job),
            "verwerkt": processed_hashes, "codering": codering, "pdf": pdf}


def _run_jobs(config: RunConfig, jobs: list[Job], env: dict, codering: dict | None, kernels: _Kernels,
              run_started: str, progress, printer=None) -> list[JobResult]:
    out = Path(config.out)
    notebooks = config.notebook_folder()
    notebook_hashes = {name: cache.sha256_file(notebooks / name) if (notebooks / name).is_file() else None
                       for name in jobdef.JOB_NOTEBOOKS}
    processed_hashes = cache.data_hashes(config.processed)
    width = len(str(len(jobs)))
    heads = {job: f"[{i:>{width}}/{len(jobs)}] {job}" for i, job in enumerate(jobs, start=1)}
    results: dict[Job, JobResult] = {}
    todo: list[tuple[Job, dict, str]] = []
    for job in jobs:
        parts = job_parts(config, job, env, notebook_hashes, processed_hashes, codering, pdf=printer is not None)
        verdict = None if config.force else cache.check(job.folder(out), parts)
        if verdict is not None and verdict.hit:
            results[job] = _cached_result(job, out, verdict.reason)
            res = results[job].results or {}
            progress(f"{heads[job]}: cache ({verdict.reason}; {res.get('n_plans', 0)} plannen, "
                     f"{res.get('n_priorities', 0)} speerpunten)")
        else:
            todo.append((job, parts, verdict.reason if verdict else "--force"))
    if todo:
        ctx = _JobContext(config, run_started, Path(config.processed).resolve(),
                          provenance.run_facts(Path(config.processed).resolve()), codering, kernels.stop,
                          printer)
        pool = kernels.get()
        futures: dict[Future, tuple[Job, str]] = {}
        for job, parts, reason in todo:
            progress(f"{heads[job]}: start ({reason})")
            futures[pool.submit(lambda kernel, job=job, parts=parts: run_job(job, ctx, kernel, parts))] = (job, reason)
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when="FIRST_COMPLETED")
            for future in sorted(done, key=lambda f: jobs.index(futures[f][0])):
                job, reason = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a kernel that would not start
                    result = JobResult(job, 0.0, failure=NotebookFailure(job.peiljaar, job.cohort, "kernel", None, "",
                                                                         type(exc).__name__, str(exc)))
                result.reason = reason
                results[job] = result
                if result.ok:
                    res = result.results or {}
                    progress(f"{heads[job]}: klaar in {result.seconds:.1f} s ({res.get('n_plans', 0)} plannen, "
                             f"{res.get('n_priorities', 0)} speerpunten)")
                else:
                    progress(f"{heads[job]}: MISLUKT na {result.seconds:.1f} s: {result.failure}")
    return [results[job] for job in jobs]


def _cached_result(job: Job, out: Path, reason: str) -> JobResult:
    folder = job.folder(out)
    results = json.loads((folder / jobdef.RESULTS_FILE).read_text(encoding="utf-8"))
    return JobResult(job, 0.0, results=results, report=folder / jobdef.REPORT_FILE, cached=True, reason=reason)


def write_index_if_changed(out: Path, peiljaren, failed: dict, env: dict) -> Path:
    """Write ``<out>/index.html`` (``render.write_index``) unless the same code already wrote it for the same
    job folders (their ``results.json`` and reports) and the same failures; returns its path."""
    out = Path(out)
    rows = {}
    for peiljaar in peiljaren:
        for cohort in COHORTS:
            folder = out / str(peiljaar) / cohort
            results = folder / jobdef.RESULTS_FILE
            rows[f"{peiljaar}/{cohort}"] = [cache.sha256_file(results) if results.is_file() else None,
                                            (folder / jobdef.REPORT_FILE).is_file()]
    comparison = out / jobdef.COMPARISON_DIR / jobdef.REPORT_FILE
    rows["vergelijking"] = [cache.sha256_file(comparison) if comparison.is_file() else None, comparison.is_file()]
    parts = {"code": env["code"], "jaren": list(peiljaren), "cohorten": list(COHORTS),
             "mislukt": {f"{p}/{c}": m for (p, c), m in sorted(failed.items())}, "rijen": rows}
    path = out / jobdef.INDEX_FILE
    if not cache.check(out, parts).hit:
        from ivp.report.render import write_index  # late: see the top

        write_index(out, peiljaren, COHORTS, failed)
        cache.write_stamp(out, parts, {jobdef.INDEX_FILE: cache.sha256_file(path)})
    return path


def _existing_years(out: Path) -> list[str]:
    if not out.exists():
        return []
    return [p.name for p in out.iterdir() if p.is_dir() and _is_peiljaar(p.name)]


def _is_peiljaar(name: str) -> bool:
    try:
        return jobdef.check_peiljaar(name) == name
    except ValueError:
        return False


def _short_failure(failure: NotebookFailure) -> str:
    cell = "" if failure.cell_index is None else f", cel {failure.cell_index}"
    return f"{failure.notebook}{cell}: {failure.ename}: {failure.evalue}".splitlines()[0][:300]


def summary_table(results: list[JobResult], out: Path) -> str:
    """Plain-text table of what a run wrote: one line per job (peiljaar, cohort, status ``ok``, ``cache`` or
    ``MISLUKT``, plannen, speerpunten, duur, and the report, or for a failure the notebook, cell and error)."""
    header = ("peiljaar", "cohort", "status", "plannen", "speerpunten", "duur", "uitvoer")
    rows = []
    for r in results:
        res = r.results or {}
        if r.ok:
            rows.append((r.job.peiljaar, r.job.cohort, "cache" if r.cached else "ok", str(res.get("n_plans", "")),
                         str(res.get("n_priorities", "")), "-" if r.cached else f"{r.seconds:.1f} s", str(r.report)))
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
    n_cached = sum(r.cached for r in results)
    comparison = getattr(results, "comparison", None)
    if comparison is not None:
        if comparison.ok:
            state = "cache" if comparison.cached else f"ok ({comparison.seconds:.1f} s)"
            lines.append(f"vergelijking: {state}  {comparison.report}")
        else:
            lines.append(f"vergelijking: MISLUKT  {_short_failure(comparison.failure)}")
    lines.append(f"index: {Path(out) / jobdef.INDEX_FILE}")
    lines.append(f"{len(results) - n_failed} taken gelukt, {n_failed} mislukt"
                 + (f"; {n_cached} uit de cache (ongewijzigd; --force voert alles opnieuw uit)" if n_cached else ""))
    return "\n".join(lines)


def run(args) -> int:
    """``ivp run``: clean once, then analyse and report per (peiljaar, cohort); summary at the end."""
    started = time.monotonic()
    config = RunConfig(data=Path(args.data), processed=Path(args.processed), out=Path(args.out),
                       cohorts=args.cohort, peiljaren=args.peiljaar,
                       seed=args.seed, n_bootstrap=args.bootstrap,
                       notebooks=Path(args.notebooks) if args.notebooks else None,
                       force=args.force, jobs=args.jobs, autocode=args.autocode, pdf=args.pdf,
                       kernel=getattr(args, "kernel", None) or KERNEL,
                       kernel_explicit=getattr(args, "kernel", None) is not None)

    def progress(line: str) -> None:
        print(line, flush=True)

    results = run_pipeline(config, progress=progress)
    print(f"\nSamenvatting ({time.monotonic() - started:.1f} s):")
    print(summary_table(results, config.out), flush=True)
    comparison = getattr(results, "comparison", None)
    failures = [r.failure for r in [*results, *([comparison] if comparison else [])] if not r.ok]
    if failures:
        sys.stdout.flush()
        raise PipelineFailed(failures)
    return 0


def _arg(check):
    """An argparse type from an ``ivp.running.job`` check: its ValueError becomes argparse's message (exit 2)."""
    def parse(value: str):
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    parse.__name__ = check.__name__.removeprefix("check_")
    return parse


def _check_jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"--jobs {value!r} is ongeldig; verwacht een geheel getal van 1 of meer")
    return n


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="voer de pijplijn uit (opschonen, analyses, rapporten)")
    p.add_argument("--cohort", nargs="+", choices=COHORTS, default=list(COHORTS), metavar="COHORT",
                   help=f"cohort(en): {', '.join(COHORTS)} (standaard alle vijf)")
    p.add_argument("--peiljaar", nargs="+", type=_arg(jobdef.check_peiljaar), default=list(jobdef.PEILJAREN),
                   help=f"peiljaar/peiljaren, bijv. 2020 2024, of '{jobdef.ALL_YEARS}' "
                        f"(standaard {' '.join(jobdef.PEILJAREN)})")
    p.add_argument("--data", default=jobdef.DATA, help=f"invoermap of .xlsx (standaard {jobdef.DATA})")
    p.add_argument("--processed", default=jobdef.PROCESSED,
                   help=f"map voor opgeschoonde tabellen (standaard {jobdef.PROCESSED})")
    p.add_argument("--out", default=jobdef.OUT, help=f"map voor rapporten (standaard {jobdef.OUT})")
    p.add_argument("--seed", type=_arg(jobdef.check_seed), default=jobdef.SEED,
                   help=f"seed van de bootstrap (standaard {jobdef.SEED})")
    p.add_argument("--bootstrap", type=_arg(jobdef.check_n_bootstrap), default=jobdef.N_BOOTSTRAP,
                   help=f"aantal bootstraptrekkingen, minstens {jobdef.MIN_BOOTSTRAP} "
                        f"(standaard {jobdef.N_BOOTSTRAP})")
    p.add_argument("--notebooks", default=None, help="map met eigen versies van de notebooks (standaard notebooks/)")
    p.add_argument("--force", action="store_true",
                   help="voer alles opnieuw uit, ook wat sinds de vorige run niet veranderd is")
    p.add_argument("--jobs", type=_arg(_check_jobs), default=None, metavar="N",
                   help="aantal taken tegelijk, elk met een eigen kernel (standaard het aantal processoren)")
    p.add_argument("--kernel", default=None, metavar="NAAM",
                   help=f"Jupyter-kernel voor de notebooks (standaard '{KERNEL}'; is die niet geregistreerd, dan "
                        "de Python van deze omgeving); een genoemde kernel die niet bestaat wordt geweigerd")
    p.add_argument("--autocode", action="store_true",
                   help="codeer eerst speerpunten zonder thema automatisch (zoals 'ivp codeer'; uitvoer in "
                        f"<out>/{AUTOCODE_DIR}/) en analyseer die")
    p.add_argument("--pdf", action="store_true",
                   help=f"schrijf naast elk rapport ook een PDF ({jobdef.PDF_FILE}), gedrukt met het Chromium van het "
                        "systeem (/usr/bin/chromium, of $IVP_CHROMIUM)")
    p.set_defaults(func=run)
