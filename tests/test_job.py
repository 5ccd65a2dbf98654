"""The job definition (ivp.running.job): validation of every parameter, the stage list, and the notebooks'
parameter cells checked against it."""

from __future__ import annotations

import ast

import nbformat
import pytest

from ivp.cli import main
from ivp.running import job
from ivp.running.job import COHORTS
from ivp.running.runner import RunConfig, notebooks_dir


def test_peiljaar_accepts_a_year_or_alle_and_refuses_anything_else_with_what_is_valid():
    assert job.check_peiljaren(["2020", "ALLE", "2020", 2024]) == ["2020", "alle", "2024"]
    assert (job.peiljaar_year("2020"), job.peiljaar_year(2024), job.peiljaar_year("alle")) == (2020, 2024, None)
    for bad in ("../x", "20", "2020/G4", "twintig", "20x0", "1850"):
        message = f"peiljaar '{bad}' is ongeldig; verwacht een jaartal zoals 2020, of 'alle'"
        with pytest.raises(ValueError, match=message):
            job.check_peiljaar(bad)


def test_cohorts_are_validated_and_put_in_standard_order():
    assert job.check_cohorts(["P10", "nationaal", "P10"]) == ["nationaal", "P10"]
    with pytest.raises(ValueError, match="cohort '../G4' is onbekend; kies uit nationaal, G4, G40, P10, overig"):
        job.check_cohorts(["../G4"])


def test_resamples_have_a_lower_bound_and_seeds_are_whole_numbers():
    assert job.check_n_bootstrap("2500") == 2500 and job.check_n_bootstrap(job.MIN_BOOTSTRAP) == job.MIN_BOOTSTRAP
    for bad in (500, "1999", "veel", "2000.5"):
        with pytest.raises(ValueError, match=f"aantal bootstraptrekkingen {bad!r} is ongeldig; verwacht een geheel "
                                             f"getal van minstens {job.MIN_BOOTSTRAP}"):
            job.check_n_bootstrap(bad)
    assert job.check_seed("7") == 7
    with pytest.raises(ValueError, match="seed '-1' is ongeldig; verwacht een geheel getal van 0 of meer"):
        job.check_seed("-1")


def test_run_config_refuses_invalid_values_before_anything_runs():
    with pytest.raises(ValueError, match="aantal bootstraptrekkingen 500 is ongeldig"):
        RunConfig(n_bootstrap=500)
    with pytest.raises(ValueError, match="cohort 'x' is onbekend"):
        RunConfig(cohorts=["x"])
    assert RunConfig().jobs_list()[0].peiljaar == job.PEILJAREN[0]


@pytest.mark.parametrize("argv, message", [
    (["--bootstrap", "500"], "argument --bootstrap: aantal bootstraptrekkingen '500' is ongeldig; verwacht een "
                             "geheel getal van minstens 2000"),
    (["--peiljaar", "20x0"], "argument --peiljaar: peiljaar '20x0' is ongeldig"),
    (["--cohort", "x"], "argument --cohort: invalid choice: 'x'"),
    (["--seed", "-3"], "argument --seed: seed '-3' is ongeldig"),
])
def test_cli_refuses_invalid_job_values_with_exit_2_before_any_kernel_starts(argv, message, capsys, monkeypatch):
    import ivp.running.kernels

    def no_kernels(*args, **kwargs):
        raise AssertionError("a kernel pool was made for a refused run")

    monkeypatch.setattr(ivp.running.kernels, "KernelPool", no_kernels)
    with pytest.raises(SystemExit) as info:
        main(["run", *argv])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_job_parameters_validate_and_name_every_parameter_of_the_notebooks():
    params = job.job_parameters(processed_path="p", output_path="o", cohort="G4", peiljaar="2020")
    assert list(params) == [p.name for p in job.JOB_PARAMETERS]
    assert (params["seed"], params["n_bootstrap"]) == (job.SEED, job.N_BOOTSTRAP)
    with pytest.raises(ValueError, match="peiljaar '20-20' is ongeldig"):
        job.job_parameters(processed_path="p", output_path="o", cohort="G4", peiljaar="20-20")


def test_stages_are_in_order_and_every_notebook_exists():
    names = [s.notebook for s in job.STAGES if s.notebook]
    assert names == sorted(names) == ["01_opschonen.ipynb", "02_themas.ipynb", "03_samenwerking.ipynb",
                                      "04_landelijke_prioriteiten.ipynb", "05_rapport.ipynb", "06_vergelijking.ipynb"]
    assert tuple(names[1:5]) == job.JOB_NOTEBOOKS
    assert all((notebooks_dir() / name).is_file() for name in names)
    # the cleaning before the jobs, the comparison after them, once per run
    assert [s.per for s in job.STAGES] == ["run", *["job"] * (len(job.STAGES) - 2), "run"]
    # the analysis stages together write results.json, which the report stage reads
    assert all(job.RESULTS_FILE in s.writes for s in job.ANALYSIS_STAGES) and job.RESULTS_FILE in job.REPORT.reads
    assert job.JOB_PARAMETERS[2].default == COHORTS[0]


def _parameters_cell(name: str) -> dict:
    book = nbformat.read(notebooks_dir() / name, as_version=4)
    tagged = [c for c in book.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: one cell tagged 'parameters' expected"
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(tagged[0].source).body
            if isinstance(node, ast.Assign)}


@pytest.mark.parametrize("name", list(job.NOTEBOOK_PARAMETERS))
def test_notebook_parameter_cells_have_the_names_and_defaults_of_the_job_definition(name):
    expected = {p.name: p.default for p in job.NOTEBOOK_PARAMETERS[name]}
    assert _parameters_cell(name) == expected
    assert list(_parameters_cell(name)) == list(expected)  # in the same order


def test_the_comparison_runs_with_two_or_more_peiljaren_or_cohorts():
    assert job.runs_comparison(["2020", "2024"], ["G4"]) and job.runs_comparison(["2020"], ["G4", "P10"])
    assert not job.runs_comparison(["2020"], ["nationaal"])
    params = job.comparison_parameters(processed_path="p", output_path="o", reports_path="r", peiljaren=["2024"])
    assert params["peiljaren"] == ["2024"] and params["cohorts"] == list(job.COHORTS)
    with pytest.raises(ValueError, match="cohort 'G5' is onbekend"):
        job.comparison_parameters(processed_path="p", output_path="o", reports_path="r", cohorts=["G5"])
