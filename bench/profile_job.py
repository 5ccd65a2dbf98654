"""Where a job's seconds go (issue 11, item 8): the code cells of notebooks 02-05 executed in this process, per cell.

Usage (from the project folder, after one ``ivp run`` so that ``--processed`` holds the cleaned tables)::

    .venv/bin/python bench/profile_job.py                      # the default run's 10 jobs, in one process
    .venv/bin/python bench/profile_job.py --min-seconds 0.02

Every job's cells run in one namespace in this process, in the runner's order, as one long-lived kernel would
run them (imports are paid by the first job only); parameter cells are replaced by the job's parameters. Printed:
every cell that took at least ``--min-seconds``, each job's total, and the share of all job time spent in the
cells that draw the report's figures (``report.steekproef`` draws them all, on first use). Outputs go to a
temporary folder that is deleted. This leaves out what the kernel adds (start, ~5 ms per cell round trip,
notebook writing, HTML export): ``bench/bench_run.py`` measures the whole run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ivp.running.job import COHORTS, JOB_NOTEBOOKS, N_BOOTSTRAP, PEILJAREN, SEED

ROOT = Path(__file__).resolve().parents[1]
FIGURE_CELL = "report.steekproef("  # the first cell that asks for the report's figures, which draws them all


def code_cells(name: str) -> list[str]:
    """The code cells of ``notebooks/<name>`` without its parameters cell."""
    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return [c.source for c in notebook.cells if c.cell_type == "code" and not c.source.startswith("# Parameters")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", default=str(ROOT / "data" / "processed"))
    parser.add_argument("--min-seconds", type=float, default=0.05)
    args = parser.parse_args()
    os.chdir(ROOT / "notebooks")
    cells = {name: code_cells(name) for name in JOB_NOTEBOOKS}
    namespace: dict = {}
    totals, figure_seconds = {}, 0.0
    with tempfile.TemporaryDirectory(prefix="ivp-profile-") as tmp:
        for peiljaar in PEILJAREN:
            for cohort in COHORTS:
                job = f"{peiljaar}/{cohort}"
                output = Path(tmp) / peiljaar / cohort
                output.mkdir(parents=True)
                started = time.perf_counter()
                for name in JOB_NOTEBOOKS:
                    namespace.update(processed_path=args.processed, output_path=str(output), cohort=cohort,
                                     peiljaar=peiljaar, seed=SEED, n_bootstrap=N_BOOTSTRAP)
                    for source in cells[name]:
                        t = time.perf_counter()
                        exec(compile(source, name, "exec"), namespace)  # noqa: S102 - our notebooks
                        seconds = time.perf_counter() - t
                        if FIGURE_CELL in source:
                            figure_seconds += seconds
                        if seconds >= args.min_seconds:
                            print(f"  {job:16} {name:34} {seconds:6.2f} s  {source.splitlines()[0][:60]}")
                totals[job] = time.perf_counter() - started
                print(f"{job:18} job {totals[job]:6.2f} s")
    total = sum(totals.values())
    print(f"\nall jobs {total:.2f} s in one process; drawing the figures {figure_seconds:.2f} s "
          f"({figure_seconds / total:.0%}); first job (imports) {next(iter(totals.values())):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
