"""The cleaning stage notebook (notebooks/01_opschonen.ipynb): stored clean, and run end to end through
papermill on the shipped data/raw into a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest
from conftest import papermill_notebook, plans, run_stages, write_input

from ivp.errors import InvalidInput
from ivp.inputs.clean import read_processed
from ivp.inputs.read import sha256
from ivp.running import job
from ivp.running.runner import notebooks_dir

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = notebooks_dir() / job.CLEAN.notebook
RAW = ROOT / "data" / "raw"
KERNEL = job.KERNEL  # installed into .venv by `make test` / `make report`


def _raw_checksums() -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(RAW.iterdir())}


def _execute(input_path: Path, output_path: Path, executed: Path):
    """The cleaning notebook on its own (as in JupyterLab), in a kernel of its own."""
    return papermill_notebook(NOTEBOOK, executed, job.clean_parameters(input_path=input_path,
                                                                       output_path=output_path))


def test_notebook_is_stored_without_outputs_with_ivp_kernel_and_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    (parameters,) = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert "input_path =" in parameters.source and "output_path =" in parameters.source
    assert code[0] is parameters, "the parameters cell comes before the code that uses it"


def test_notebook_stays_thin_and_calls_the_package():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any("from ivp" in source for source in code)
    assert all(len(source.splitlines()) <= 5 for source in code)
    assert not any(source.lstrip().startswith(("for ", "def ", "class ")) for source in code)


@pytest.mark.slow
def test_cleaning_notebook_runs_end_to_end_on_the_shipped_data(tmp_path):
    before = _raw_checksums()
    out = tmp_path / "processed"
    nb = _execute(RAW, out, tmp_path / "01_opschonen.ipynb")

    assert _raw_checksums() == before, "data/raw must never be written"
    cleaned = read_processed(out)
    # the counts the sample's README states (data/raw/README.md): 108 plans, 439 speerpunten
    assert len(cleaned.plans) == 108
    assert len(cleaned.speerpunten) == 439
    assert cleaned.plans["plan_id"].is_unique
    assert set(cleaned.speerpunten["plan_id"]) <= set(cleaned.plans["plan_id"])
    assert cleaned.speerpunten["categorie"].notna().all()
    # names the sample's README mentions: an alias and a municipality formed after 2020
    log = cleaned.log
    assert ((log["oud"] == "Den Haag") & (log["nieuw"] == "'s-Gravenhage")).any()
    eemsdelta = cleaned.plan_gemeenten[cleaned.plan_gemeenten["naam_bron"] == "Eemsdelta"]
    assert sorted(eemsdelta["naam"].unique()) == ["Appingedam", "Delfzijl", "Loppersum"]
    assert int(cleaned.plans["partners_onbekend"].sum()) == 1  # Hulst, named in the README

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["bestanden"] == {"plans.csv": before["plans.csv"], "speerpunten.csv": before["speerpunten.csv"]}

    # the executed notebook shows the summary table and the log
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "speerpunten" in html and "439" in html


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_invalid_input_in_the_notebook_leaves_existing_processed_folder_untouched(tmp_path):
    out = tmp_path / "processed"
    _execute(write_input(tmp_path / "good"), out, tmp_path / "good.ipynb")
    before = _snapshot(out)
    bad = write_input(tmp_path / "bad", plans((0, {"gemeenten": "Amsterdm"})))
    with pytest.raises(pm.PapermillExecutionError) as info:
        _execute(bad, out, tmp_path / "bad.ipynb")
    assert info.value.ename == "InvalidInput"
    assert "plans.csv" in info.value.evalue and "Amsterdm" in info.value.evalue
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "bad.ipynb", "good", "good.ipynb", "processed"]


def test_runner_reports_invalid_input_as_a_list_before_starting_the_notebook(tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / "plans.parquet").write_bytes(b"previous run")
    bad = write_input(tmp_path / "bad", plans((1, {"gezamenlijk": "nee"})))
    with pytest.raises(InvalidInput) as info:
        run_stages(bad, out, tmp_path / "work")
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [("plans.csv", 3, "gezamenlijk")]
    assert _snapshot(out) == {"plans.parquet": b"previous run"}
    assert not (tmp_path / "work" / "notebooks" / "01_opschonen.ipynb").exists()


@pytest.mark.slow
def test_runner_executes_the_cleaning_notebook_into_the_output_folder(tmp_path):
    results, lines = run_stages(write_input(tmp_path / "raw"), tmp_path / "processed", tmp_path / "work")
    assert results == [] and any(line.startswith("[opschonen] klaar in") for line in lines)
    executed = tmp_path / "work" / "notebooks" / "01_opschonen.ipynb"
    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert str(tmp_path / "raw") in injected[0].source
    assert len(pd.read_parquet(tmp_path / "processed" / "plans.parquet")) == 3
