"""Benchmark of start-up cost: ``ivp validate data/raw`` wall time and what its imports cost (issue 11, item 7).

Usage (from the project folder)::

    .venv/bin/python bench/bench_import.py                    # this tree, 9 rounds
    .venv/bin/python bench/bench_import.py --baseline bbc60ed # and the same command at an earlier commit

What is timed: a fresh interpreter running ``python -m ivp.cli validate data/raw`` (the ``ivp validate``
console script does the same), wall time over ``--rounds`` rounds, interleaved with the baseline when one is
given (a worktree of that commit in a temporary folder, imported through PYTHONPATH with this .venv's
packages), so that load from other processes falls on both alike. Reported: median, min and max, and the ratio
of the medians. Then ``python -X importtime`` of the same command: the cumulative import time of the heaviest
top-level packages and of every ``ivp`` module (microseconds, one run: a profile, not a measurement)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pandera", "hypothesis", "numpy", "pyarrow", "scipy", "statsmodels", "matplotlib", "seaborn",
         "papermill", "nbconvert", "nbformat", "jupyter_client", "sklearn", "jinja2", "yaml", "openpyxl")


def command(tree: Path) -> tuple[list[str], dict]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return [sys.executable, "-m", "ivp.cli", "validate", str(tree / "data" / "raw")], env


def wall(tree: Path) -> float:
    args, env = command(tree)
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=tree, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} gaf exit {done.returncode}:\n{done.stderr}")
    return seconds


def import_profile(tree: Path) -> dict[str, int]:
    """Cumulative import time (µs) per top-level package and per ivp module, from ``-X importtime``."""
    args, env = command(tree)
    done = subprocess.run([args[0], "-X", "importtime", *args[1:]], env=env, cwd=tree, capture_output=True,
                          text=True)
    out: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not cumulative.isdigit():
            continue
        if name.startswith("ivp") or name in HEAVY:
            out[name] = max(out.get(name, 0), int(cumulative))
    return out


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} s ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--baseline", help="a commit to time next to this tree (checked out in a temporary folder)")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    with tempfile.TemporaryDirectory(prefix="ivp-bench-import-") as tmp:
        if args.baseline:
            base = Path(tmp) / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.baseline],
                           check=True)
            trees[f"baseline {args.baseline}"] = base
        try:
            for tree in trees.values():
                wall(tree)  # warm the file cache
            times = {name: [] for name in trees}
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    times[name].append(wall(tree))
            print(f"ivp validate data/raw, {args.rounds} interleaved rounds (load {os.getloadavg()[0]:.1f}):")
            for name, values in times.items():
                print(f"  {name:24s} {summary(values)}")
            if args.baseline:
                ratio = statistics.median(times["this tree"]) / statistics.median(times[f"baseline {args.baseline}"])
                print(f"  ratio this/baseline: {ratio:.2f}")
            for name, tree in trees.items():
                profile = import_profile(tree)
                heavy = sorted(((v, k) for k, v in profile.items() if not k.startswith("ivp")), reverse=True)
                own = sorted(((v, k) for k, v in profile.items() if k.startswith("ivp")), reverse=True)
                print(f"\n-X importtime, {name} (cumulative ms, one run):")
                print("  " + ", ".join(f"{k} {v / 1000:.0f}" for v, k in heavy[:8]))
                print("  " + ", ".join(f"{k} {v / 1000:.0f}" for v, k in own[:8]))
        finally:
            if args.baseline:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(Path(tmp) / "baseline")],
                               check=False)


if __name__ == "__main__":
    main()
