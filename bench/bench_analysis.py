"""Benchmark of the analysis functions at the shipped size and at about 100 x (issue #6, scale).

Usage (from the project folder)::

    .venv/bin/python bench/bench_analysis.py                 # shipped sample vs 10,000 synthetic plans
    .venv/bin/python bench/bench_analysis.py --repeats 15 --plans 20000 --peiljaar alle

What is timed: the work of the analysis notebooks 02-04 for one job (by default peiljaar 2020, cohort
nationaal: the largest scope of the default run), without displaying tables: ``load_scope`` (reading
data/processed and selecting the scope), every part function, and ``save_part`` (results.json, written to a
temporary folder). The cluster-bootstrap rows time its two exact samplers on the job's
theme table (``plans`` draws plans, ``patterns`` draws pattern counts; ``auto`` picks one and is what
the analysis uses).

How: one Python process holds both sizes; after a warm-up, every round runs every step once at each
size, so a busy moment of the machine slows both sizes alike and the ratio stays fair. Reported: median,
min and max wall time over the rounds and the ratio of the medians; next to it the ratio of the median
CPU times of the process, which other work on the machine disturbs less. Memory: the peak of allocations
during one run of the step (tracemalloc), and per size the maximum resident set size of a fresh process
that runs the whole job once, next to that of one that only imports what the job imports.

The whole pipeline too (``--pipeline-rounds``, 0 to skip): ``ivp run --force`` (every job recomputed)
and ``ivp run`` with nothing changed, for the default run (10 jobs), on the shipped sample and on the
synthetic input, interleaved per round after one untimed run per size. This is what a researcher waits
for; the analysis functions above are a small part of it (kernels, papermill and rendering are the rest).

The synthetic input is made with ``ivp.inputs.synthetic`` into a temporary folder and deleted afterwards; it is
never report data and never committed."""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from ivp.running.job import N_BOOTSTRAP, SEED

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
JOB = "job: notebooks 02-04"


def steps(processed: Path, out: Path, cohort: str, peiljaar: str) -> dict:
    """The timed steps: name -> function of no arguments (each does what its notebook cell does)."""
    import pandas as pd

    from ivp.analysis.measures import category_counts, load_scope, speerpunt_counts_per_plan
    from ivp.analysis.results import agenda_part, cooperation_part, sample_part, save_part, themes_part
    from ivp.inputs.clean import read_processed
    from ivp.reference.municipalities import theme_codes
    from ivp.stats import cluster_bootstrap_ratios

    scope = load_scope(processed, cohort, peiljaar)
    themes = speerpunt_counts_per_plan(scope.speerpunten, scope.plan_ids, "thema", theme_codes())
    both = pd.concat([themes, category_counts(themes)], axis=1).to_numpy(dtype=float)
    totals = themes.sum(axis=1).to_numpy(dtype=float)

    def nb02():
        s = load_scope(processed, cohort, peiljaar)
        save_part(out, themes_part(s, seed=SEED, n_bootstrap=N_BOOTSTRAP))

    def nb03():
        save_part(out, cooperation_part(load_scope(processed, cohort, peiljaar), seed=SEED, n_bootstrap=N_BOOTSTRAP))

    def nb04():
        s = load_scope(processed, cohort, peiljaar)
        save_part(out, agenda_part(s, seed=SEED, n_bootstrap=N_BOOTSTRAP))

    def bootstrap(method):
        return lambda: cluster_bootstrap_ratios(both, totals, n_resamples=N_BOOTSTRAP, seed=SEED, method=method)

    return {
        "read_processed": lambda: read_processed(processed),
        "load_scope (read + select)": lambda: load_scope(processed, cohort, peiljaar),
        "sample_part": lambda: sample_part(scope),
        "themes_part": lambda: themes_part(scope, seed=SEED, n_bootstrap=N_BOOTSTRAP),
        "cooperation_part": lambda: cooperation_part(scope, seed=SEED, n_bootstrap=N_BOOTSTRAP),
        "agenda_part": lambda: agenda_part(scope, seed=SEED, n_bootstrap=N_BOOTSTRAP),
        "notebook 02 (load, part, save)": nb02,
        "notebook 03 (load, part, save)": nb03,
        "notebook 04 (load, part, save)": nb04,
        JOB: lambda: (nb02(), nb03(), nb04()),
        "bootstrap themes, sampler auto": bootstrap("auto"),
        "bootstrap themes, sampler plans": bootstrap("plans"),
        "bootstrap themes, sampler patterns": bootstrap("patterns"),
    }, {"plans": len(scope.plans), "speerpunten": len(scope.speerpunten)}


def timings(folders: dict[str, Path], repeats: int, cohort: str, peiljaar: str) -> dict:
    """Seconds per size and step over ``repeats`` interleaved rounds, tracemalloc peaks, scope sizes."""
    with tempfile.TemporaryDirectory(prefix="ivp-bench-out-") as tmp:
        todo, sizes = {}, {}
        for size, folder in folders.items():
            todo[size], sizes[size] = steps(folder, Path(tmp) / size, cohort, peiljaar)
        for size in todo:  # warm-up: first-call imports and caches
            for step in todo[size].values():
                step()
        times = {size: {name: [] for name in todo[size]} for size in todo}
        cpu = {size: {name: [] for name in todo[size]} for size in todo}
        for _ in range(repeats):
            for name in todo["shipped"]:
                for size in todo:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    todo[size][name]()
                    times[size][name].append(time.perf_counter() - start)
                    cpu[size][name].append(time.process_time() - start_cpu)
        peaks = {size: {} for size in todo}
        for size in todo:
            for name, step in todo[size].items():
                tracemalloc.start()
                step()
                peaks[size][name] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
    return {"times": times, "cpu": cpu, "peaks": peaks, "sizes": sizes}


def job_maxrss(processed: Path, cohort: str, peiljaar: str, *, run: bool = True) -> int:
    """Peak resident set size (bytes) of a fresh Python process that runs the job once (with
    ``run=False``: that only builds the steps, i.e. imports everything and reads the data once).

    Read from ``VmHWM`` in /proc (Linux): ``ru_maxrss`` would also count the memory of this process,
    which a child inherits at fork and keeps across exec."""
    code = ("import resource, sys, tempfile; sys.path.insert(0, sys.argv[1]); import bench_analysis as b; "
            "from pathlib import Path\n"
            "with tempfile.TemporaryDirectory() as tmp:\n"
            "    job = b.steps(Path(sys.argv[2]), Path(tmp), sys.argv[3], sys.argv[4])[0][b.JOB]\n"
            "    job() if sys.argv[5] == '1' else None\n"
            "print(b.peak_rss())")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(processed), cohort, peiljaar,
                           "1" if run else "0"], check=True, capture_output=True, text=True, cwd=ROOT)
    return int(done.stdout.split()[-1])


def peak_rss() -> int:
    """This process's peak resident set size in bytes (VmHWM on Linux, else ru_maxrss)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def prepare(tmp: Path, n_plans: int, seed: int, sample: Path) -> dict[str, Path]:
    """Clean the shipped sample and a synthetic input of ``n_plans`` plans into ``tmp``."""
    from ivp.inputs.clean import clean_input
    from ivp.inputs.synthetic import write_synthetic

    clean_input(sample, tmp / "shipped")
    write_synthetic(tmp / "synth-raw", n_plans, seed, sample)
    clean_input(tmp / "synth-raw", tmp / "large")
    return {"shipped": tmp / "shipped", "large": tmp / "large"}


def pipeline_timings(inputs: dict[str, Path], work: Path, rounds: int, jobs: int | None) -> dict:
    """Wall seconds of ``ivp run --force`` and of ``ivp run`` (nothing changed) per size, ``rounds`` each."""
    ivp = Path(sys.executable).parent / "ivp"

    def run(size: str, *extra: str) -> float:
        args = [str(ivp), "run", "--data", str(inputs[size]), "--processed", str(work / size / "processed"),
                "--out", str(work / size / "reports"), *extra, *(["--jobs", str(jobs)] if jobs else [])]
        start = time.perf_counter()
        done = subprocess.run(args, cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"ivp run failed on {size}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return time.perf_counter() - start

    for size in inputs:  # untimed: outputs for the unchanged runs, files in the page cache
        run(size, "--force")
    times = {(size, kind): [] for kind in ("--force", "unchanged") for size in inputs}
    for _ in range(rounds):
        for size in inputs:
            times[(size, "--force")].append(run(size, "--force"))
            times[(size, "unchanged")].append(run(size))
    return times


def pipeline_table(times: dict, sizes: dict[str, str]) -> str:
    """Median (min-max) per size and the ratio large/shipped, for both kinds of run."""
    head = f"{'ivp run, default run (10 jobs)':38} {sizes['shipped']:>28} {sizes['large']:>28} {'large/shipped':>13}"
    lines = [head, "-" * len(head)]
    for kind, label in (("--force", "ivp run --force"), ("unchanged", "ivp run, nothing changed")):
        shipped, large = times[("shipped", kind)], times[("large", kind)]
        lines.append(f"{label:38} {_cell(shipped):>28} {_cell(large):>28} "
                     f"{statistics.median(large) / statistics.median(shipped):13.2f}")
    return "\n".join(lines)


def _cell(runs: list[float]) -> str:
    return f"{statistics.median(runs):7.3f} ({min(runs):.3f}-{max(runs):.3f})"


def table(result: dict, rss: dict[str, int], rss_base: dict[str, int]) -> str:
    """The benchmark table: per step median (min-max) seconds at both sizes, ratio of medians, peaks."""
    times, cpu, peaks = result["times"], result["cpu"], result["peaks"]
    head = (f"{'step':38} {'shipped s: median (min-max)':>28} {'large s: median (min-max)':>28} "
            f"{'large/shipped':>13} {'(CPU time)':>10} {'peak MiB shipped':>16} {'peak MiB large':>14}")
    lines = [head, "-" * len(head)]
    for name, runs in times["shipped"].items():
        ratio = statistics.median(times["large"][name]) / statistics.median(runs)
        cpu_ratio = statistics.median(cpu["large"][name]) / max(statistics.median(cpu["shipped"][name]), 1e-9)
        lines.append(f"{name:38} {_cell(runs):>28} {_cell(times['large'][name]):>28} {ratio:13.2f} "
                     f"{cpu_ratio:10.2f} {peaks['shipped'][name] / MIB:16.1f} {peaks['large'][name] / MIB:14.1f}")
    lines.append("-" * len(head))
    lines.append(f"{'peak RSS of a process running the job':38} {'':>28} {'':>28} {'':>13} {'':>10} "
                 f"{rss['shipped'] / MIB:16.0f} {rss['large'] / MIB:14.0f}")
    lines.append(f"{'  same process without the job':38} {'':>28} {'':>28} {'':>13} {'':>10} "
                 f"{rss_base['shipped'] / MIB:16.0f} {rss_base['large'] / MIB:14.0f}")
    return "\n".join(lines)


def _input_size(folder: Path) -> int:
    """Plans in an input folder (rows of its plans table)."""
    from ivp.inputs.read import read_input

    return len(read_input(folder).plans)


def _load() -> str:
    """The 1-minute load average: other work on the machine makes every timing slower."""
    return f"{os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=10_000, help="synthetic plans for the large size")
    parser.add_argument("--seed", type=int, default=1, help="seed of ivp synth")
    parser.add_argument("--repeats", type=int, default=9, help="timed rounds (at least 5)")
    parser.add_argument("--cohort", default="nationaal", help="cohort of the timed job")
    parser.add_argument("--peiljaar", default="2020", help="peiljaar of the timed job ('alle': every plan)")
    parser.add_argument("--sample", type=Path, default=ROOT / "data" / "raw", help="the shipped sample")
    parser.add_argument("--pipeline-rounds", type=int, default=3,
                        help="rounds of the whole pipeline per size (0: skip it; else at least 3)")
    parser.add_argument("--jobs", type=int, default=None, help="ivp run --jobs (default: its own, the CPU count)")
    args = parser.parse_args(argv)
    if args.repeats < 5:
        parser.error("--repeats must be at least 5 (medians, not single runs)")
    if 0 < args.pipeline_rounds < 3:
        parser.error("--pipeline-rounds must be 0 or at least 3")
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="ivp-bench-") as tmp:
        folders = prepare(Path(tmp), args.plans, args.seed, args.sample)
        rss = {size: job_maxrss(folder, args.cohort, args.peiljaar) for size, folder in folders.items()}
        rss_base = {size: job_maxrss(folder, args.cohort, args.peiljaar, run=False) for size, folder in folders.items()}
        result = timings(folders, args.repeats, args.cohort, args.peiljaar)
        runs = None
        if args.pipeline_rounds:
            inputs = {"shipped": args.sample.resolve(), "large": Path(tmp) / "synth-raw"}
            runs = pipeline_timings(inputs, Path(tmp), args.pipeline_rounds, args.jobs)
            all_sizes = {size: _input_size(path) for size, path in inputs.items()}
    import numpy as np
    import pandas as pd

    s, g = result["sizes"]["shipped"], result["sizes"]["large"]
    print(f"Analysis functions, job (peiljaar {args.peiljaar}, {args.cohort}), {N_BOOTSTRAP} bootstrap resamples, "
          f"{args.repeats} interleaved timed rounds after a warm-up; wall time in seconds.")
    print(f"shipped: {s['plans']} plans / {s['speerpunten']} speerpunten in scope; large (ivp synth --plans "
          f"{args.plans} --seed {args.seed}): {g['plans']} plans / {g['speerpunten']} speerpunten in scope.")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}; load average before/after: {load_before}/{_load()}.\n")
    print(table(result, rss, rss_base))
    job = {size: statistics.median(result["times"][size][JOB]) for size in ("shipped", "large")}
    ratio = job["large"] / job["shipped"]
    print(f"\nTarget (issue #6): the job at the large size at most 2 x the shipped size: {ratio:.2f} x, "
          f"{'met' if ratio <= 2 else 'NOT met'}; peak RSS under 1 GiB: {rss['large'] / MIB:.0f} MiB, "
          f"{'met' if rss['large'] < 1024 * MIB else 'NOT met'}.")
    if runs:
        print(f"\nWhole pipeline, {args.pipeline_rounds} interleaved rounds after one untimed run per size, "
              f"--jobs {args.jobs or 'default (' + str(os.cpu_count()) + ')'}; wall time in seconds.\n")
        print(pipeline_table(runs, {size: f"{n} plans: median (min-max)" for size, n in all_sizes.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
