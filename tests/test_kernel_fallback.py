"""Which kernel a run uses (issue 15, item 1): the registered ``ivp`` kernel when Jupyter finds it, else the
Python that runs ivp (``ivp.running.kernels.resolve_kernel``), said once in the progress output; a kernel named with
``--kernel`` that does not exist is refused (exit 2) before any kernel starts.

The slow test at the end builds a fresh virtual environment with plain ``python -m venv`` + ``pip install -e``
(no make, no ``ipykernel install``), checks that Jupyter finds no ``ivp`` kernel in it and runs one job."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import problems_of
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from ivp.cli import main
from ivp.running import kernels
from ivp.running.kernels import KernelChoice, ThisPythonSpecs, resolve_kernel
from ivp.running.runner import KERNEL, RunConfig, _Kernels, notebooks_dir

ROOT = Path(__file__).resolve().parents[1]
THIS_PYTHON = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def notice(python: str = sys.executable, name: str = "ivp") -> str:
    return f"kernel '{name}' niet gevonden; ivp gebruikt de Python van deze omgeving ({python})"


def _specs_in(folder: Path, *names: str) -> KernelSpecManager:
    """A spec manager that looks only in ``folder`` (holding a kernel.json for every one of ``names``)."""
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "kernel.json").write_text(json.dumps(
            {"argv": ["/elders/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
             "display_name": name, "language": "python"}))
    folder.mkdir(parents=True, exist_ok=True)
    return KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)


# ---------------------------------------------------------------- the decision

def test_a_registered_kernel_is_used_as_registered(tmp_path):
    choice = resolve_kernel("ivp", specs=_specs_in(tmp_path / "kernels", "ivp"))
    assert choice == KernelChoice("ivp") and not choice.fallback
    assert choice.notice() is None and choice.papermill_kwargs() == {}


def test_a_missing_default_kernel_falls_back_to_this_python_and_says_so(tmp_path):
    choice = resolve_kernel("ivp", specs=_specs_in(tmp_path / "kernels", "python3"))
    assert choice.fallback and isinstance(choice.specs, ThisPythonSpecs)
    assert choice.notice() == notice()
    spec = choice.specs.get_kernel_spec("ivp")
    assert spec.argv == THIS_PYTHON
    assert (spec.language, spec.display_name) == ("python", "Python (ivp)")
    assert "ivp" in choice.specs.find_kernel_specs()
    # only the missing name is answered; other names are looked up where the original manager looks
    assert choice.specs.get_kernel_spec("python3").argv[0] == "/elders/bin/python"
    with pytest.raises(NoSuchKernel):
        choice.specs.get_kernel_spec("iets-anders")


def test_the_lookup_follows_jupyter_path_as_jupyterlab_and_papermill_do(tmp_path, monkeypatch):
    _specs_in(tmp_path / "jupyter" / "kernels", "mijn-kernel")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    assert not resolve_kernel("mijn-kernel", explicit=True).fallback
    monkeypatch.delenv("JUPYTER_PATH")
    assert resolve_kernel("mijn-kernel").notice() == notice(name="mijn-kernel")


def test_a_kernel_named_explicitly_that_does_not_exist_is_refused_naming_the_kernels_that_do(tmp_path):
    (problem,) = problems_of(resolve_kernel, "ivp-nergens", explicit=True,
                             specs=_specs_in(tmp_path / "kernels", "python3", "r"))
    assert (problem.file, problem.row, problem.column) == ("--kernel", None, None)
    assert problem.value == "ivp-nergens (niet gevonden)"
    assert problem.expected == ("een geregistreerde kernel (gevonden: python3, r; zie 'jupyter kernelspec list'), "
                                "of laat --kernel weg: dan gebruikt ivp de kernel 'ivp', of de Python van deze "
                                "omgeving als die er niet is")


def test_without_ipykernel_the_fallback_is_refused_with_how_to_install_it(tmp_path, monkeypatch):
    real = kernels.importlib.util.find_spec
    monkeypatch.setattr(kernels.importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipykernel_launcher" else real(name, *a))
    (problem,) = problems_of(resolve_kernel, "ivp", specs=_specs_in(tmp_path / "kernels"))
    assert problem.value == f"kernel 'ivp' niet gevonden en ipykernel ontbreekt in {sys.executable}"
    assert "pip install ipykernel" in problem.expected


def test_papermill_gets_a_kernel_manager_that_starts_this_python(tmp_path):
    """The plain-papermill path (researchers' papermill runs, the tests' oracle): nbclient makes its kernel manager from
    ``kernel_manager_class``; the fallback's class answers the missing name with this Python."""
    choice = resolve_kernel("ivp", specs=_specs_in(tmp_path / "kernels"))
    manager = choice.papermill_kwargs()["kernel_manager_class"](kernel_name="ivp")
    assert manager.kernel_spec.argv == THIS_PYTHON


# ---------------------------------------------------------------- through the runner

class _FakePool:
    made: list[dict] = []

    def __init__(self, size, **kwargs):
        _FakePool.made.append(kwargs)

    def close(self, *, kill=False):
        pass


def test_the_fallback_is_said_once_when_the_pool_is_made_and_the_pool_gets_its_specs(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "KernelPool", _FakePool)
    _FakePool.made = []
    choice = resolve_kernel("ivp", specs=_specs_in(tmp_path / "kernels"))
    lines: list[str] = []
    pool = _Kernels(RunConfig(), 2, choice, lines.append)
    assert lines == []  # nothing said before a kernel is needed (a cached run needs none)
    assert pool.get() is pool.get()
    assert lines == [notice()]
    assert [m["specs"] for m in _FakePool.made] == [choice.specs]
    assert _FakePool.made[0]["kernel_name"] == "ivp"


def test_a_registered_kernel_is_not_announced(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "KernelPool", _FakePool)
    _FakePool.made = []
    lines: list[str] = []
    _Kernels(RunConfig(), 1, resolve_kernel("ivp", specs=_specs_in(tmp_path / "kernels", "ivp")), lines.append).get()
    assert lines == [] and _FakePool.made[0]["specs"] is None


def test_run_with_a_kernel_that_does_not_exist_exits_2_before_any_kernel_starts(valid_input, tmp_path, capsys,
                                                                                 monkeypatch):
    monkeypatch.setattr(kernels, "KernelPool", lambda *a, **k: pytest.fail("a refused run started the kernel pool"))
    out, processed = tmp_path / "rapporten", tmp_path / "verwerkt"
    code = main(["run", "--kernel", "bestaat-niet", "--data", str(valid_input), "--out", str(out),
                 "--processed", str(processed), "--cohort", "G4", "--peiljaar", "2020"])
    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert "er is niets overschreven" in captured.err
    line = next(line for line in captured.err.splitlines() if line.startswith("--kernel"))
    assert "bestaat-niet (niet gevonden)" in line and "een geregistreerde kernel (gevonden: " in line
    assert not out.exists() and not processed.exists()


def test_kernel_option_is_explicit_only_when_given(monkeypatch):
    seen = []
    monkeypatch.setattr("ivp.running.runner.run_pipeline", lambda config, progress: seen.append(config) or [])
    assert main(["run", "--cohort", "G4", "--peiljaar", "2020"]) == 0
    assert main(["run", "--cohort", "G4", "--peiljaar", "2020", "--kernel", "python3"]) == 0
    assert [(c.kernel, c.kernel_explicit) for c in seen] == [(KERNEL, False), ("python3", True)]


def test_the_notebooks_keep_their_ivp_kernel_metadata_for_jupyterlab():
    names = {p.name: json.loads(p.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"]
             for p in sorted(notebooks_dir().glob("*.ipynb"))}
    assert len(names) == 6 and set(names.values()) == {"ivp"}, names


@pytest.mark.slow
def test_a_fallback_kernel_starts_this_python_and_runs_code(tmp_path):
    choice = resolve_kernel("ivp-nergens", specs=_specs_in(tmp_path / "kernels"))
    kernel = kernels.Kernel(choice.name, tmp_path, tmp_path / "k0", choice.specs)
    try:
        kernel.start()
        assert kernel.km.kernel_spec.argv == THIS_PYTHON
        kernel.run(f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable")
        with pytest.raises(kernels.KernelError, match="AssertionError"):  # the check above can fail
            kernel.run("assert sys.executable == '/elders/bin/python'")
    finally:
        kernel.shutdown()


@pytest.mark.slow
def test_plain_papermill_falls_back_to_this_python_too(tmp_path):
    import nbformat
    from conftest import papermill_notebook

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "ivp-nergens", "display_name": "x",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("parameters = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")]
    nbformat.write(nb, str(tmp_path / "in.ipynb"))
    papermill_notebook(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {}, kernel="ivp-nergens")
    executed = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert executed.cells[-1].outputs[0]["text"].strip() == sys.executable
    assert executed.metadata.kernelspec.name == "ivp-nergens"


# ---------------------------------------------------------------- a fresh environment, no make

def _clean_env(tmp_path: Path) -> dict:
    """The environment for the fresh venv: no JUPYTER_PATH, and an empty Jupyter data folder so that no
    user-level kernel (``~/.local/share/jupyter/kernels``) can be found; the pip cache stays where it is."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("JUPYTER_PATH", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "IVP_DEBUG")}
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    return env


@pytest.mark.slow
def test_fresh_virtual_environment_without_the_ivp_kernel_runs_a_job(tmp_path):
    env = _clean_env(tmp_path)
    venv = tmp_path / "venv"
    python, ivp = venv / "bin" / "python", venv / "bin" / "ivp"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    install = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e",
                              str(ROOT)], env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    installed = time.monotonic()

    found = subprocess.run([str(python), "-c", "from jupyter_client.kernelspec import KernelSpecManager as K; "
                            "import json; print(json.dumps(sorted(K().find_kernel_specs())))"],
                           env=env, capture_output=True, text=True, check=True)
    assert "ivp" not in json.loads(found.stdout), found.stdout  # the environment really has no ivp kernel

    out, processed = tmp_path / "rapporten", tmp_path / "verwerkt"
    run = subprocess.run([str(ivp), "run", "--cohort", "G4", "--peiljaar", "2020", "--out", str(out),
                          "--processed", str(processed)], cwd=ROOT, env=env, capture_output=True, text=True)
    ran = time.monotonic()
    print(f"\nfresh venv: venv + pip install -e {installed - started:.1f} s, ivp run {ran - installed:.1f} s")
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    said = re.findall(r"^kernel 'ivp' niet gevonden; ivp gebruikt de Python van deze omgeving \((.+)\)$",
                      run.stdout, flags=re.M)
    assert len(said) == 1, run.stdout  # once, for the cleaning stage and the job together
    assert Path(said[0]).parent == venv / "bin" and Path(said[0]).name.startswith("python"), said
    results = json.loads((out / "2020" / "G4" / "results.json").read_text(encoding="utf-8"))
    assert (results["cohort"], results["peiljaar"]) == ("G4", "2020")
    executed = json.loads((out / "2020" / "G4" / "notebooks" / "02_themas.ipynb").read_text(encoding="utf-8"))
    assert executed["metadata"]["kernelspec"]["name"] == "ivp"  # still opens with the ivp kernel in JupyterLab
