"""Set-up files: pyproject.toml and environment.yml list the same runtime dependencies with the same lower
bounds; the Makefile reinstalls only when pyproject.toml changes; .ci/run runs the README's test command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ (none so far; add here, not in the comparison)
CONDA_NAMES: dict[str, str] = {}
REQUIRED_BY_ISSUE_2 = ["jupyterlab", "pandas", "matplotlib", "seaborn", "papermill", "nbconvert", "ipykernel",
                       "pandera", "openpyxl", "pyarrow", "pyyaml"]
CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>.*)$")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def lower_bound(specifier) -> str | None:
    bounds = [s.version for s in specifier if s.operator in (">=", "==", "~=")]
    return bounds[0] if len(bounds) == 1 else None


def pyproject_dependencies() -> dict[str, str | None]:
    """Runtime dependencies of pyproject.toml: conda name -> lower bound."""
    deps = {}
    for line in pyproject()["project"]["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        deps[CONDA_NAMES.get(name, name)] = lower_bound(req.specifier)
    return deps


def conda_dependencies() -> dict[str, str | None]:
    """Conda dependencies of environment.yml except python and pip: name -> lower bound."""
    deps = {}
    for entry in environment()["dependencies"]:
        if not isinstance(entry, str):
            continue  # the pip: section
        match = CONDA_SPEC.match(entry.strip())
        name = canonicalize_name(match["name"])
        if name in ("python", "pip"):
            continue
        bound = re.fullmatch(r">=\s*([0-9][0-9A-Za-z.]*)", match["spec"].strip())
        deps[name] = bound[1] if bound else None
    return deps


def test_pyproject_and_environment_list_the_same_runtime_dependencies():
    pip, conda = pyproject_dependencies(), conda_dependencies()
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but not in pyproject.toml"


def test_pyproject_and_environment_agree_on_lower_bounds():
    pip, conda = pyproject_dependencies(), conda_dependencies()
    differ = {name: (pip[name], conda.get(name)) for name in pip if pip[name] != conda.get(name)}
    assert differ == {}


def test_every_runtime_dependency_has_a_lower_bound():
    assert [name for name, bound in pyproject_dependencies().items() if bound is None] == []
    assert [name for name, bound in conda_dependencies().items() if bound is None] == []


def test_the_dependencies_issue_2_asks_for_are_declared():
    assert [name for name in REQUIRED_BY_ISSUE_2 if name not in pyproject_dependencies()] == []


def test_comparison_detects_a_drifted_bound(monkeypatch):
    drifted = [d.replace("pandas>=2.1", "pandas>=1.5") for d in environment()["dependencies"] if isinstance(d, str)]
    monkeypatch.setattr(f"{__name__}.environment", lambda: {"dependencies": drifted})
    assert conda_dependencies()["pandas"] == "1.5"
    with pytest.raises(AssertionError):
        test_pyproject_and_environment_agree_on_lower_bounds()


def test_environment_uses_conda_forge_python_311_and_installs_the_package():
    env = environment()
    assert env["channels"] == ["conda-forge"]
    assert "python>=3.11" in env["dependencies"]
    assert pyproject()["project"]["requires-python"] == ">=3.11"
    (pip_section,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert any(re.fullmatch(r"(-e\s+)?\.(\[.*\])?", line) for line in pip_section), pip_section


def test_package_has_the_ivp_console_script_and_a_test_extra():
    project = pyproject()["project"]
    assert project["name"] == "ivp"
    assert project["scripts"] == {"ivp": "ivp.cli:main"}
    test_extra = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["test"]}
    assert "pytest" in test_extra


def test_package_data_globs_cover_the_reference_files():
    globs = pyproject()["tool"]["setuptools"]["package-data"]["ivp"]
    files = [p.relative_to(ROOT / "src" / "ivp") for p in (ROOT / "src" / "ivp" / "data").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    assert files, "no reference data found"
    assert [str(f) for f in files if not any(f.match(g) for g in globs)] == []


# --- Makefile and CI ----------------------------------------------------------------------------------

def _dry_run(folder: Path) -> str:
    """What ``make -n test`` would run in ``folder`` (nothing is executed)."""
    result = subprocess.run(["make", "-n", "test", "PYTHON=python3"], cwd=folder, capture_output=True,
                            text=True, check=True)
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_reinstalls_only_when_pyproject_changes(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    first = _dry_run(tmp_path)
    assert "-m venv" in first and "-m pip" in first, "a fresh checkout creates .venv and installs"

    stamp = tmp_path / ".venv" / ".ivp-installed"
    stamp.parent.mkdir()
    stamp.touch()
    os.utime(tmp_path / "pyproject.toml", (1_000_000, 1_000_000))  # older than the stamp
    second = _dry_run(tmp_path)
    assert "-m pip" not in second and "-m venv" not in second
    assert "-m pytest" in second

    os.utime(tmp_path / "pyproject.toml", None)  # edited now
    os.utime(stamp, (1_000_000, 1_000_000))
    assert "-m pip" in _dry_run(tmp_path), "a changed pyproject.toml reinstalls"


def test_ci_runs_exactly_the_readme_test_command():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK), ".ci/run must be executable"
    text = ci.read_text()
    assert "set -euo pipefail" in text, "CI must stop with a non-zero exit code on any failure"
    commands = [line.strip() for line in text.splitlines()
                if line.strip() and not line.strip().startswith("#") and not line.startswith(("set ", "cd "))]
    assert commands == ["make test"]
    readme = ROOT / "README.md"
    if readme.exists():
        assert "make test" in readme.read_text(encoding="utf-8")


# --- what ivp run imports is installed by both routes -----------------------------------------------------

def _third_party_imports() -> set[str]:
    """Top-level modules that src/ivp imports (anywhere, also inside functions), minus stdlib and ivp."""
    import ast
    import sys

    modules = set()
    for path in (ROOT / "src" / "ivp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in ("ivp", "__future__")}


def _installed_closure(names) -> set[str]:
    """``names`` and every distribution they require (installed, markers of this platform, no extras)."""
    from importlib import metadata

    seen, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_every_module_ivp_imports_comes_with_a_runtime_dependency():
    """A plain ``pip install -e .`` or ``conda env create -f environment.yml`` (same list, checked above)
    brings every module that ``ivp run`` imports -- ipykernel and jupyter_client for the kernel included --
    without the test extra and without make."""
    from importlib import metadata

    provided = metadata.packages_distributions()
    needed = _installed_closure(pyproject_dependencies())
    imports = _third_party_imports()
    assert {"ipykernel", "jupyter_client", "papermill"} <= imports  # what the runner needs for its kernels
    missing = {m: provided.get(m) for m in imports
               if not {canonicalize_name(d) for d in provided.get(m, [])} & needed}
    assert missing == {}, "imported by src/ivp but not installed by the runtime dependencies"
    assert "ipykernel" in pyproject_dependencies() and "ipykernel" in conda_dependencies()


def test_the_import_check_notices_a_module_only_the_test_extra_brings():
    from importlib import metadata

    provided = metadata.packages_distributions()
    needed = _installed_closure(pyproject_dependencies())
    assert not {canonicalize_name(d) for d in provided["hypothesis"]} & needed
