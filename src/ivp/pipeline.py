"""The pipeline runner: executes the stage notebooks through papermill with an explicit kernel.

Stage 1 (clean) runs once per run; later stages run per (peiljaar, cohort)."""

from __future__ import annotations

import time
from pathlib import Path

import papermill as pm

from .errors import NotebookFailure, PipelineFailed

KERNEL = "ivp"
CLEAN_NOTEBOOK = "01_opschonen.ipynb"


def notebooks_dir() -> Path:
    """The project's ``notebooks/`` folder (next to ``src/``)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def execute(notebook: Path, output: Path, parameters: dict, *, peiljaar: str = "-", cohort: str = "-",
            kernel: str = KERNEL) -> NotebookFailure | None:
    """Run ``notebook`` with ``parameters`` into ``output``; return a NotebookFailure instead of raising."""
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=kernel,
                            cwd=str(notebook.parent), progress_bar=False, log_output=False)
    except pm.PapermillExecutionError as exc:
        return NotebookFailure(peiljaar, cohort, notebook.name, exc.exec_count, exc.source, exc.ename,
                               exc.evalue, str(output))
    return None


def run_clean(data: Path, processed: Path, work: Path, *, kernel: str = KERNEL) -> Path:
    """Stage 1: the cleaning notebook on ``data``, writing ``processed``; returns the executed notebook."""
    from .clean import clean_input

    clean_input(data)  # validate first so that bad input is reported as a list, not a notebook failure
    output = work / CLEAN_NOTEBOOK
    failure = execute(notebooks_dir() / CLEAN_NOTEBOOK, output,
                      {"input_path": str(Path(data).resolve()), "output_path": str(Path(processed).resolve())},
                      kernel=kernel)
    if failure:
        raise PipelineFailed([failure])
    return output


def run(args) -> int:
    """``ivp run``: clean once, then (as later stages are added) analyse and report per cohort."""
    started = time.monotonic()
    out = Path(args.out)
    print(f"[1/1] opschonen: {args.data} -> {args.processed}", flush=True)
    executed = run_clean(Path(args.data), Path(args.processed), out / "notebooks")
    print(f"klaar in {time.monotonic() - started:.1f} s; uitgevoerd notebook: {executed}")
    return 0


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="voer de pijplijn uit (opschonen, analyses, rapporten)")
    p.add_argument("--data", default="data/raw", help="invoermap of .xlsx (standaard data/raw)")
    p.add_argument("--processed", default="data/processed", help="map voor opgeschoonde tabellen")
    p.add_argument("--out", default="reports", help="map voor rapporten (standaard reports)")
    p.set_defaults(func=run)
