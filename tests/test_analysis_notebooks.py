"""The analysis notebooks 02-04: stored clean, and run through papermill (kernel "ivp") on the shipped
data for one job, then assembled into results.json."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from ivp.analysis import select_scope, theme_distribution
from ivp.clean import clean_input
from ivp.errors import PipelineFailed
from ivp.pipeline import notebooks_dir
from ivp.results import NOTEBOOKS, load_results, run_analyses

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ["processed_path", "output_path", "cohort", "peiljaar", "seed", "n_bootstrap"]
SEED = 20200525


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


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    processed = tmp_path_factory.mktemp("processed")
    return clean_input(ROOT / "data" / "raw", processed), processed


@pytest.mark.slow
def test_notebooks_on_the_shipped_data_write_results_json_for_one_job(shipped, tmp_path):
    cleaned, processed = shipped
    done = run_analyses(processed, tmp_path, cohorts=["nationaal"], peiljaren=["2020"], seed=SEED, n_bootstrap=2000)
    job = tmp_path / "2020" / "nationaal"
    results = load_results(job)
    assert done == {("2020", "nationaal"): results}
    for name in NOTEBOOKS:
        assert (job / "notebooks" / name).exists()
    for section in ("steekproef", "themas", "samenwerking", "landelijke_prioriteiten"):
        assert json.loads((job / "secties" / f"{section}.json").read_text(encoding="utf-8"))["cohort"] == "nationaal"
    # the notebooks show what the tested functions compute on the same data
    scope = select_scope(cleaned, "nationaal", "2020")
    themes = theme_distribution(scope, seed=SEED, n_bootstrap=2000)
    assert results["n_plans"] == len(scope.plans) > 0
    assert results["n_priorities"] == len(scope.speerpunten)
    assert results["themes"]["OND"]["n"] == themes.at["OND", "n"]
    assert results["themes"]["OND"]["ci95_cluster"] == pytest.approx(
        [themes.at["OND", "cluster_low"], themes.at["OND", "cluster_high"]], abs=1e-6)
    assert set(results["ccv2020"]) == {"n_priorities", "Veilige woon- en leefomgeving", "Ondermijning",
                                       "joint_plan_share"}


@pytest.mark.slow
def test_failing_notebook_is_reported_with_job_notebook_and_error(tmp_path):
    with pytest.raises(PipelineFailed) as info:
        run_analyses(tmp_path / "does-not-exist", tmp_path / "out", cohorts=["G4"], peiljaren=["2024"])
    failure, = info.value.failures
    assert (failure.peiljaar, failure.cohort, failure.notebook) == ("2024", "G4", "02_themas.ipynb")
    assert failure.ename == "FileNotFoundError"
    assert str(failure).startswith("2024/G4: 02_themas.ipynb, cel ")
    assert not (tmp_path / "out" / "2024" / "G4" / "results.json").exists()
