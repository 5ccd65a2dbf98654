"""Interrupted and failing runs lose nothing: every earlier report, results.json and data/processed file is
afterwards either fully the old one or fully the new one, never a mix or a half-written file, and the
next run leaves no staging folders behind.

The runs are real ``ivp`` processes. A run is killed (SIGKILL, the process and its kernels) at a known
point, not after a timer: a copy of the notebooks holds a *barrier* cell that, when armed, touches a file
and waits; the test waits for that file and kills. The old outputs come from a first run on input A; the
interrupted or failing run gets input B (one speerpunt recoded), so old and new differ.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from conftest import priorities, write_input

from ivp.inputs.clean import clean_input

ROOT = Path(__file__).resolve().parents[1]
COHORTS = ("nationaal", "G4")
JOBS = tuple(f"2020/{c}" for c in COHORTS)
WAIT = 600  # seconds: an upper bound for a barrier to be reached, not a timing expectation

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file below ``root`` by relative path (empty when ``root`` does not exist)."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def below(state: dict[str, str], folder: str) -> dict[str, str]:
    """The part of a snapshot under ``folder``, keyed relative to it."""
    return {k[len(folder) + 1:]: v for k, v in state.items() if k.startswith(folder + "/")}


def visible(state: dict[str, str]) -> dict[str, str]:
    """Without hidden files (``.gitkeep``, cache stamps) and staging leftovers."""
    return {k: v for k, v in state.items() if not any(part.startswith(".") for part in k.split("/"))}


def staging_leftovers(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.name.startswith((".new-", ".old-")) or p.name.endswith(".tmp"))


def incomplete_files(root: Path) -> list[str]:
    """Files below ``root`` (outside staging folders) that do not parse as what their suffix says."""
    bad = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or any(part.startswith((".new-", ".old-")) for part in rel.split("/")):
            continue
        try:
            if path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".ipynb":
                nbformat.validate(nbformat.read(str(path), as_version=4))
            elif path.suffix == ".html":
                assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
            elif path.suffix == ".parquet":
                pd.read_parquet(path)
            elif path.suffix == ".csv":
                pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        except Exception as exc:  # noqa: BLE001 - collected and reported together
            bad.append(f"{rel}: {type(exc).__name__}: {exc}")
    return bad


# ---------------------------------------------------------------- inputs, notebooks, runs

def input_a(folder: Path) -> Path:
    return write_input(folder)


def input_b(folder: Path) -> Path:
    """Input A with p1's first speerpunt (Amsterdam, so in both jobs) recoded VWL -> OND."""
    return write_input(folder, priority_rows=priorities((0, {"thema": "OND"})))


def notebooks_with(folder: Path, notebook: str, code: str, *, at_end: bool = False) -> Path:
    """A copy of the project's notebooks with ``code`` as a new cell of ``notebook``: right after the
    parameters cell (so the injected parameters are known), or as the last cell."""
    shutil.copytree(ROOT / "notebooks", folder)
    path = folder / notebook
    nb = nbformat.read(str(path), as_version=4)
    at = len(nb.cells) if at_end else next(
        i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(textwrap.dedent(code).strip()))
    nbformat.write(nb, str(path))
    return folder


def barrier_notebooks(folder: Path, notebook: str, condition: str) -> tuple[Path, Path, Path]:
    """Notebooks whose ``notebook`` waits at a barrier when ``condition`` holds and the barrier is armed.
    Returns (notebooks folder, the file that arms it, the file the barrier touches when reached)."""
    armed, reached = folder.parent / "barrier.armed", folder.parent / "barrier.reached"
    notebooks_with(folder, notebook, f"""
        import pathlib as _pathlib, time as _time
        if ({condition}) and _pathlib.Path({str(armed)!r}).exists():
            _pathlib.Path({str(reached)!r}).touch()
            for _ in range({WAIT}):  # wait here until the test kills the run
                _time.sleep(1)
            raise RuntimeError("barrier: the test did not kill the run")
    """)
    armed.touch()
    return folder, armed, reached


def ivp_args(data: Path, base: Path, notebooks: Path | None = None) -> list[str]:
    args = ["run", "--data", str(data), "--processed", str(base / "processed"), "--out", str(base / "reports"),
            "--cohort", *COHORTS, "--peiljaar", "2020"]
    return [*args, "--notebooks", str(notebooks)] if notebooks else args


def ivp(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ivp.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=1800)


def run_and_kill_at(args: list[str], cwd: Path, reached: Path) -> str:
    """Start ``ivp`` with ``args``, wait until the barrier file ``reached`` appears, then SIGKILL the
    process and every process it started (its kernels), by pid. Returns what it printed."""
    log = cwd / "killed_run.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ivp.cli", *args], cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + WAIT
            while not reached.exists():
                if proc.poll() is not None:
                    pytest.fail(f"the run ended (exit {proc.returncode}) before the barrier:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"barrier not reached:\n{log.read_text()}")
                time.sleep(0.2)
            children = psutil.Process(proc.pid).children(recursive=True)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        for child in children:
            try:
                child.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(children, timeout=30)
    return log.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def old_run(tmp_path_factory) -> Path:
    """A complete ``ivp run`` on input A (jobs 2020/nationaal and 2020/G4): the outputs every test starts
    from, in ``<base>/reports`` and ``<base>/processed``."""
    base = tmp_path_factory.mktemp("old")
    done = ivp(ivp_args(input_a(base / "input_a"), base), base)
    assert done.returncode == 0, done.stdout + done.stderr
    return base


def start_from_old(old_run: Path, tmp_path: Path) -> dict[str, str]:
    """Copy the old outputs into ``tmp_path``; returns their snapshot (keys ``reports/...``, ``processed/...``)."""
    for name in ("reports", "processed"):
        shutil.copytree(old_run / name, tmp_path / name, symlinks=True)
    return snapshot(tmp_path)


def new_processed(data: Path, tmp_path: Path) -> dict[str, str]:
    """The data files ``ivp clean`` writes for ``data`` (the 'fully new' processed folder)."""
    clean_input(data, tmp_path / "reference_processed")
    return visible(snapshot(tmp_path / "reference_processed"))


# ---------------------------------------------------------------- killed halfway


def test_killed_while_data_processed_is_written_keeps_the_old_folder_and_the_next_clean_mends(tmp_path):
    """SIGKILL between two Parquet files of the staging folder: data/processed is the old folder, byte for
    byte; the next ``ivp clean`` writes the new one and removes the leftover staging folder."""
    old, new_input = input_a(tmp_path / "a"), input_b(tmp_path / "b")
    processed = tmp_path / "data" / "processed"
    clean_input(old, processed)
    before = snapshot(processed)
    reached = tmp_path / "halfway"
    script = textwrap.dedent(f"""
        import pathlib, time
        import pandas as pd
        from ivp.inputs.clean import clean_input
        original, calls = pd.DataFrame.to_parquet, []
        def slow_to_parquet(self, *args, **kwargs):
            original(self, *args, **kwargs)
            calls.append(1)
            if len(calls) == 2:  # plans.parquet and plan_gemeenten.parquet written, speerpunten not yet
                pathlib.Path({str(reached)!r}).touch()
                time.sleep({WAIT})
        pd.DataFrame.to_parquet = slow_to_parquet
        clean_input({str(new_input)!r}, {str(processed)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + WAIT
        while not reached.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reached.exists(), "the writer never got halfway"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    assert snapshot(processed) == before
    leftovers = staging_leftovers(processed.parent)
    assert len(leftovers) >= 1 and all(p.startswith(".new-processed-") for p in leftovers)
    staged = processed.parent / leftovers[0].split("/")[0]
    assert sorted(p.name for p in staged.iterdir()) == ["plan_gemeenten.parquet", "plans.parquet"]  # halfway

    clean_input(new_input, processed)
    assert visible(snapshot(processed)) == new_processed(new_input, tmp_path)
    assert staging_leftovers(processed.parent) == []


def test_killed_halfway_through_a_job_leaves_every_output_fully_old_or_fully_new(old_run, tmp_path):
    """Killed while job 2020/G4 is between notebooks 03 and 04 (its staging folder half full): afterwards
    data/processed is the new folder (the cleaning had finished), G4 is the old folder byte for byte,
    nationaal is old or new as a whole, no file is partial; the next run completes and leaves no staging
    folders."""
    old = start_from_old(old_run, tmp_path)
    data = input_b(tmp_path / "input_b")
    notebooks, armed, reached = barrier_notebooks(tmp_path / "notebooks", "04_landelijke_prioriteiten.ipynb",
                                                  'cohort == "G4"')
    given = snapshot(data)
    printed = run_and_kill_at(ivp_args(data, tmp_path, notebooks), tmp_path, reached)

    assert snapshot(data) == given  # the input is never written
    killed = snapshot(tmp_path)
    halfway = [p for p in (tmp_path / "reports" / "2020").glob(".new-G4-*") if any(p.rglob("*.json"))]
    assert halfway and not (halfway[0] / "rapport.html").exists(), printed  # killed with G4 half written
    assert incomplete_files(tmp_path / "reports") == [] and incomplete_files(tmp_path / "processed") == []
    assert below(killed, "reports/2020/G4") == below(old, "reports/2020/G4"), printed
    assert visible(below(killed, "processed")) == new_processed(data, tmp_path)
    assert visible(below(killed, "processed")) != visible(below(old, "processed"))
    assert killed["reports/index.html"] == old["reports/index.html"]

    armed.unlink()
    done = ivp(ivp_args(data, tmp_path, notebooks), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    new = snapshot(tmp_path)
    assert staging_leftovers(tmp_path) == []
    assert snapshot(data) == given
    for job in JOBS:
        was, after, before = below(killed, f"reports/{job}"), below(new, f"reports/{job}"), below(old, f"reports/{job}")
        assert after["results.json"] != before["results.json"], job  # input B really changed the results
        if was == before:
            continue  # fully old
        # fully new: the same files as the completed run, with the same results and sections
        assert set(was) == set(after), job
        assert {k: v for k, v in was.items() if k.endswith(".json") and k != "provenance.json"} == \
               {k: v for k, v in after.items() if k.endswith(".json") and k != "provenance.json"}, job


def test_killed_during_the_cleaning_leaves_processed_and_every_report_as_they_were(old_run, tmp_path):
    """Killed while the cleaning notebook runs: data/processed, every job folder, the index and the executed
    cleaning notebook of the previous run are unchanged (papermill writes that notebook once, at the end)."""
    old = start_from_old(old_run, tmp_path)
    data = input_b(tmp_path / "input_b")
    notebooks, _, reached = barrier_notebooks(tmp_path / "notebooks", "01_opschonen.ipynb", "True")
    given = snapshot(data)
    printed = run_and_kill_at(ivp_args(data, tmp_path, notebooks), tmp_path, reached)

    assert snapshot(data) == given
    killed = snapshot(tmp_path)
    assert below(killed, "processed") == below(old, "processed"), printed
    for job in JOBS:
        assert below(killed, f"reports/{job}") == below(old, f"reports/{job}"), job
    assert killed["reports/index.html"] == old["reports/index.html"]
    assert killed["reports/notebooks/01_opschonen.ipynb"] == old["reports/notebooks/01_opschonen.ipynb"]
    assert incomplete_files(tmp_path / "reports") == [] and incomplete_files(tmp_path / "processed") == []


# ---------------------------------------------------------------- a notebook that raises

def run_with_raising_notebook(old_run, tmp_path, notebook: str, source: str, message: str, *, at_end=False):
    """Run input B over the outputs of input A with a copy of ``notebook`` that raises ``message``;
    check exit 1, the message in stderr and the input unchanged. Returns (old, input folder, after)."""
    old = start_from_old(old_run, tmp_path)
    data = input_b(tmp_path / "input_b")
    notebooks = notebooks_with(tmp_path / "notebooks", notebook, source.format(message=message), at_end=at_end)
    given = snapshot(data)
    done = ivp(ivp_args(data, tmp_path, notebooks), tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert snapshot(data) == given
    assert message in done.stderr
    return old, data, snapshot(tmp_path)


def test_report_notebook_raising_after_results_were_assembled_keeps_the_previous_job_folder(old_run, tmp_path):
    """05_rapport raises for G4 after results.json of the new run was written in the staging folder: the
    job folder keeps every old file byte for byte (new files only in mislukt/); processed is new."""
    old, data, after = run_with_raising_notebook(
        old_run, tmp_path, "05_rapport.ipynb", 'if cohort == "G4":\n    raise RuntimeError("{message}")',
        "rapport kapot voor de test")
    g4_old, g4_after = below(old, "reports/2020/G4"), below(after, "reports/2020/G4")
    assert {k: g4_after.get(k) for k in g4_old} == g4_old
    assert all(k.startswith("mislukt/") for k in set(g4_after) - set(g4_old)), sorted(g4_after)
    folder = "reports/2020/nationaal"
    assert below(after, folder)["results.json"] != below(old, folder)["results.json"]
    assert visible(below(after, "processed")) == new_processed(data, tmp_path)
    assert staging_leftovers(tmp_path) == [] and incomplete_files(tmp_path) == []


def test_cleaning_notebook_raising_after_writing_stops_the_run_and_keeps_every_report(old_run, tmp_path):
    """A failure in the cleaning stage stops the run before any job: every report, results.json and the
    index are the old ones; data/processed was replaced as a whole before the failing cell (new, complete)."""
    old, data, after = run_with_raising_notebook(
        old_run, tmp_path, "01_opschonen.ipynb", 'raise RuntimeError("{message}")',
        "opschonen kapot na het schrijven", at_end=True)
    for job in JOBS:
        assert below(after, f"reports/{job}") == below(old, f"reports/{job}"), job
    assert after["reports/index.html"] == old["reports/index.html"]
    assert visible(below(after, "processed")) == new_processed(data, tmp_path)
    assert staging_leftovers(tmp_path) == [] and incomplete_files(tmp_path) == []
