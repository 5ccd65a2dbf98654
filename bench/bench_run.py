"""Benchmark of ``ivp run`` against the plain papermill loop (issue #6, run speed).

Usage (from the project folder)::

    .venv/bin/python bench/bench_run.py                # 3 rounds, the default run (5 cohorts x 2 peiljaren)
    .venv/bin/python bench/bench_run.py --rounds 5 --jobs 4

What is timed, for the default run (peiljaar 2020 and 2024, the five cohorts: 10 jobs) on ``--data``:

(a) the plain baseline: the cleaning notebook once by the ``papermill`` command line, then for every
    (peiljaar, cohort) notebooks 02, 03 and 04 by the ``papermill`` command line in sequence,
    (each writes its part of ``results.json``), notebook 05 by ``papermill`` and
    ``jupyter nbconvert --to html --no-input`` on it;
(b) ``ivp run --force`` (everything recomputed);
(c) ``ivp run`` with nothing changed (everything from the cache).

One untimed ``ivp run --force`` first (so (b) and (c) have their output folder); then ``--rounds`` rounds of
(a), (b), (c) in turn, so that load from other processes on a shared machine falls on all three alike. Each
phase runs in a fresh helper process (this script with ``--phase``) that measures the wall time of the
work, samples the resident memory of itself and every process below it (kernels included) every 50 ms,
and reads the largest resident set of any single one of them from ``getrusage(RUSAGE_CHILDREN)``.
Everything is written into a temporary folder (never ``reports/`` or ``data/processed``) and deleted.

Checks printed with the table: every (c) took every job from the cache, and (b) wrote the same
``results.json`` as (a) for every job (same code, parameters and seed, so the same figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ivp.running.job import COHORTS, KERNEL, N_BOOTSTRAP, PEILJAREN, SEED

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOKS = ROOT / "notebooks"
MIB = 1024 * 1024
TARGET_B_OVER_A = 0.035  # issue 11: ivp run --force at most 0.035 x the plain papermill/nbconvert loop
PHASES = {"a": "(a) papermill-CLI + nbconvert, per taak", "b": "(b) ivp run --force",
          "c": "(c) ivp run, niets gewijzigd"}


# --- helper: one phase in its own process -----------------------------------------------------------

class TreeMemory:
    """Samples the summed resident memory of this process and all its descendants every ``interval`` s."""

    def __init__(self, interval: float = 0.05):
        import psutil  # installed with ipykernel

        self._me = psutil.Process()
        self._psutil = psutil
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _sample(self) -> int:
        total = 0
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except self._psutil.Error:
                pass
        return total

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def call(args: list, log) -> None:
    done = subprocess.run([str(a) for a in args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode:
        raise SystemExit(f"mislukt ({done.returncode}): {' '.join(map(str, args))}; zie {log.name}")


def baseline(work: Path, data: Path, log) -> None:
    """(a): the plain loop of papermill and nbconvert commands (see the module docstring)."""
    papermill, jupyter = BIN / "papermill", BIN / "jupyter"
    processed, out = work / "processed", work / "reports"
    common = ["-k", KERNEL, "--cwd", NOTEBOOKS, "--no-progress-bar"]
    call([papermill, NOTEBOOKS / "01_opschonen.ipynb", work / "01_opschonen.ipynb", *common,
          "-r", "input_path", data.resolve(), "-r", "output_path", processed], log)
    for peiljaar in PEILJAREN:
        for cohort in COHORTS:
            folder = out / peiljaar / cohort
            (folder / "notebooks").mkdir(parents=True)
            params = ["-r", "processed_path", processed, "-r", "output_path", folder, "-r", "cohort", cohort,
                      "-r", "peiljaar", peiljaar, "-p", "seed", SEED, "-p", "n_bootstrap", N_BOOTSTRAP]
            for name in ("02_themas.ipynb", "03_samenwerking.ipynb", "04_landelijke_prioriteiten.ipynb"):
                call([papermill, NOTEBOOKS / name, folder / "notebooks" / name, *common, *params], log)
            report = folder / "notebooks" / "05_rapport.ipynb"
            call([papermill, NOTEBOOKS / "05_rapport.ipynb", report, *common, *params], log)
            call([jupyter, "nbconvert", "--to", "html", "--no-input", report, "--output-dir", folder,
                  "--output", "rapport"], log)


def ivp_run(work: Path, data: Path, jobs: int | None, log, *extra: str) -> None:
    """(b) and (c): the ``ivp`` command line, as a user types it."""
    args = [BIN / "ivp", "run", "--data", data, "--processed", work / "processed", "--out", work / "reports", *extra]
    call([*args, "--jobs", str(jobs)] if jobs else args, log)


def phase(name: str, work: Path, data: Path, jobs: int | None) -> dict:
    """Run one phase in this (helper) process; returns wall seconds and memory figures."""
    log_path = work.parent / f"{work.name}-{name}.log"
    with open(log_path, "a", encoding="utf-8") as log, TreeMemory() as memory:
        started = time.perf_counter()
        if name == "a":
            baseline(work, data, log)
        elif name == "b":
            ivp_run(work, data, jobs, log, "--force")
        else:
            ivp_run(work, data, jobs, log)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_tree": memory.peak,
            "max_one": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, "log": str(log_path)}


# --- driver ---------------------------------------------------------------------------------------------

def measure(name: str, work: Path, data: Path, jobs: int | None) -> dict:
    args = [sys.executable, __file__, "--phase", name, "--work", str(work), "--data", str(data)]
    done = subprocess.run([*args, "--jobs", str(jobs)] if jobs else args, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"fase {name} mislukt:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def last_run_all_cached(log: Path) -> bool:
    text = log.read_text(encoding="utf-8")
    summary = text[text.rindex("Samenvatting"):]
    n = len(PEILJAREN) * len(COHORTS)
    return f"{n} taken gelukt, 0 mislukt; {n} uit de cache" in summary


def same_results(a: Path, b: Path) -> int:
    """Jobs whose results.json is byte-identical in the two report folders."""
    return sum((a / p / c / "results.json").read_bytes() == (b / p / c / "results.json").read_bytes()
               for p in PEILJAREN for c in COHORTS)


def table(samples: dict[str, list[dict]]) -> str:
    median_a = statistics.median(s["seconds"] for s in samples["a"])
    header = ("fase", "mediaan", "min", "max", "/ (a)", "piek RSS boom", "max RSS 1 proces")
    rows = []
    for name, runs in samples.items():
        secs = [s["seconds"] for s in runs]
        med = statistics.median(secs)
        rows.append((PHASES[name], f"{med:.2f} s", f"{min(secs):.2f} s", f"{max(secs):.2f} s",
                     "1" if name == "a" else f"{med / median_a:.3f}",
                     f"{max(s['peak_tree'] for s in runs) / MIB:.0f} MiB",
                     f"{max(s['max_one'] for s in runs) / MIB:.0f} MiB"))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (a), (b), (c) (at least 3)")
    parser.add_argument("--data", default=str(ROOT / "data" / "raw"), help="input (default: the shipped sample)")
    parser.add_argument("--jobs", type=int, default=None, help="ivp run --jobs (default: its own, the CPU count)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = Path(args.data).resolve()
    if args.phase:  # helper mode
        print(json.dumps(phase(args.phase, Path(args.work), data, args.jobs)))
        return 0

    n_jobs = len(PEILJAREN) * len(COHORTS)
    print(f"ivp run benchmark: {n_jobs} taken (peiljaar {' en '.join(PEILJAREN)} × {len(COHORTS)} cohorten), "
          f"{args.rounds} rondes, invoer {data}")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPU's, "
          f"ivp run --jobs {args.jobs or 'standaard (' + str(os.cpu_count()) + ')'}; "
          f"load average bij start {os.getloadavg()[0]:.2f}", flush=True)
    samples: dict[str, list[dict]] = {"a": [], "b": [], "c": []}
    checks = {"cache": [], "zelfde results.json": []}
    with tempfile.TemporaryDirectory(prefix="ivp-bench-run-") as tmp:
        tmp = Path(tmp)
        measure("b", tmp / "ivp", data, args.jobs)  # untimed: the output folder of (b) and (c)
        for round_ in range(1, args.rounds + 1):
            shutil.rmtree(tmp / "baseline", ignore_errors=True)
            (tmp / "baseline").mkdir()
            for name, work in (("a", tmp / "baseline"), ("b", tmp / "ivp"), ("c", tmp / "ivp")):
                samples[name].append(measure(name, work, data, args.jobs))
                print(f"  ronde {round_}: {PHASES[name]}: {samples[name][-1]['seconds']:.2f} s", flush=True)
            checks["cache"].append(last_run_all_cached(Path(samples["c"][-1]["log"])))
            checks["zelfde results.json"].append(same_results(tmp / "baseline" / "reports", tmp / "ivp" / "reports"))
    med = {name: statistics.median(s["seconds"] for s in runs) for name, runs in samples.items()}
    print()
    print(table(samples))
    print()
    target = TARGET_B_OVER_A
    met = "gehaald" if med["b"] <= target * med["a"] else "NIET gehaald"
    print(f"(b)/(a) = {med['b'] / med['a']:.3f} (doel ≤ {target:.3f}: {met}); "
          f"(c) = {med['c']:.2f} s (doel ≤ 2 s: {'gehaald' if med['c'] <= 2 else 'NIET gehaald'}); "
          f"(c)/(a) = {med['c'] / med['a']:.4f}")
    print(f"controles: (c) alles uit de cache in {sum(checks['cache'])}/{len(checks['cache'])} rondes; "
          f"results.json van (b) gelijk aan (a): {', '.join(f'{n}/{n_jobs}' for n in checks['zelfde results.json'])}")
    print(f"load average aan het eind {os.getloadavg()[0]:.2f} (andere processen op deze machine tellen mee)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
