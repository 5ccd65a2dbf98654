"""The analysis notebooks 02-04: stored clean, and run through the real runner on the shipped data for one
job, each writing its part of results.json."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from conftest import run_stages

from ivp.analysis.measures import select_scope, theme_distribution
from ivp.analysis.results import load_results
from ivp.inputs.clean import read_processed
from ivp.running import job
from ivp.running.runner import notebooks_dir

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = tuple(s.notebook for s in job.ANALYSIS_STAGES)
PARAMETERS = [p.name for p in job.JOB_PARAMETERS]
SEED = job.SEED


def parameters_of(cell) -> list[str]:
    return [node.targets[0].id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs_with_kernel_ivp_and_the_contract_parameters(name):
    book = nbformat.read(notebooks_dir() / name, as_version=4)
    assert book.metadata["kernelspec"]["name"] == "ivp"
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and parameters_of(tagged[0]) == PARAMETERS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_cells_stay_thin(name):
    book = nbformat.read(notebooks_dir() / name, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            assert len(cell.source.splitlines()) <= 6, cell.source
            assert "for " not in cell.source, cell.source


@pytest.mark.slow
def test_notebooks_on_the_shipped_data_write_results_json_for_one_job(tmp_path):
    processed, out = tmp_path / "processed", tmp_path / "reports"
    done, _ = run_stages(ROOT / "data" / "raw", processed, out, cohorts=["nationaal"], peiljaren=["2020"])
    folder = out / "2020" / "nationaal"
    results = load_results(folder)
    assert [r.ok for r in done] == [True] and done[0].results == results
    for name in job.JOB_NOTEBOOKS:
        assert (folder / job.EXECUTED_DIR / name).exists()
    assert not (folder / "secties").exists()  # one hand-off format: results.json only
    # the notebooks show what the tested functions compute on the same data
    scope = select_scope(read_processed(processed), "nationaal", "2020")
    themes = theme_distribution(scope, seed=SEED, n_bootstrap=2000)
    assert results["n_plans"] == len(scope.plans) > 0
    assert results["n_priorities"] == len(scope.speerpunten)
    assert results["themes"]["OND"]["n"] == themes.at["OND", "n"]
    assert results["themes"]["OND"]["ci95_cluster"] == pytest.approx(
        [themes.at["OND", "cluster_low"], themes.at["OND", "cluster_high"]], abs=1e-6)
    assert set(results["ccv2020"]) == {"n_priorities", "Veilige woon- en leefomgeving", "Ondermijning",
                                       "joint_plan_share"}
    executed = nbformat.read(folder / job.EXECUTED_DIR / "02_themas.ipynb", as_version=4)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in executed.cells if c.cell_type == "code"
                    for o in c.get("outputs", []))
    assert "OND" in shown and str(results["themes"]["OND"]["n"]) in shown  # each notebook shows its numbers


@pytest.mark.slow
def test_failing_notebook_is_reported_with_job_notebook_and_error(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for path in notebooks_dir().glob("*.ipynb"):
        (notebooks / path.name).write_bytes(path.read_bytes())
    book = nbformat.read(notebooks / "02_themas.ipynb", as_version=4)
    cell = next(c for c in book.cells if "load_scope(processed_path" in c.source)
    cell.source = "open('does-not-exist.csv')\n" + cell.source
    nbformat.write(book, notebooks / "02_themas.ipynb")
    done, _ = run_stages(ROOT / "data" / "raw", tmp_path / "processed", tmp_path / "out", cohorts=["G4"],
                         peiljaren=["2024"], notebooks=notebooks)
    failure = done[0].failure
    assert (failure.peiljaar, failure.cohort, failure.notebook) == ("2024", "G4", "02_themas.ipynb")
    assert failure.ename == "FileNotFoundError"
    assert str(failure).startswith("2024/G4: 02_themas.ipynb, cel ")
    assert not (tmp_path / "out" / "2024" / "G4" / "results.json").exists()
