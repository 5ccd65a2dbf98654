"""Provenance of a run: which code, which packages, which input files and which parameters made a report.

Everything here except the run time is the same for the same code and input, so two runs of the same
report differ in one line only (``run_time_line``)."""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
from importlib import metadata, resources
from pathlib import Path

import pandas as pd

from ivp import __version__
from ivp.inputs.read import read_input, sha256

KEY_PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill", "nbconvert",
                "pandera", "pyarrow")
REFERENCE_FILES = ("gemeenten_2020.csv", "gemeente_namen.csv", "cohorten.csv", "codebook.yaml")


sha256_file = sha256  # one checksum for input files and provenance (ivp.inputs.read.sha256)


def source_root() -> Path:
    """The folder that holds ``src/ivp`` (the git work tree when run from a clone)."""
    return Path(__file__).resolve().parents[3]


def git_state(root: Path | None = None) -> dict:
    """Git commit of ``root`` and whether its tracked files differ from it.

    Returns ``{"commit": str | None, "dirty": bool | None}``; both None outside a git work tree.
    Untracked files (reports, processed data) do not make the tree dirty.
    """
    root = Path(root or source_root())

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}


def package_versions(names=KEY_PACKAGES) -> dict[str, str]:
    """Installed version of ivp and of each package in ``names`` ("niet geïnstalleerd" when absent)."""
    versions = {"ivp": __version__}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "niet geïnstalleerd"
    return versions


def input_hashes(processed_path: Path) -> dict[str, dict[str, str]]:
    """sha256 of every file the report depends on, grouped by kind.

    Returns ``{"invoer": {raw file: sha256}, "verwerkt": {processed file: sha256},
    "referentie": {package data file: sha256}}``. The raw files' hashes come from the ``manifest.json``
    that the cleaning stage wrote (it read them); the processed and reference files are hashed here.
    """
    processed_path = Path(processed_path)
    manifest_file = processed_path / "manifest.json"
    raw = {}
    if manifest_file.exists():
        raw = json.loads(manifest_file.read_text(encoding="utf-8")).get("bestanden", {})
    processed = {p.name: sha256_file(p) for p in sorted(processed_path.iterdir())
                 if p.is_file() and not p.name.startswith(".")} if processed_path.exists() else {}
    reference = {}
    for name in REFERENCE_FILES:
        with resources.as_file(resources.files("ivp") / "data" / name) as path:
            reference[name] = sha256_file(path)
    return {"invoer": dict(sorted(raw.items())), "verwerkt": processed, "referentie": reference}


def run_facts(processed_path: Path, root: Path | None = None) -> dict:
    """The part of the provenance that every job of one run shares: ``git``, ``versies`` and ``bestanden``
    (see ``collect``); the runner computes it once per run instead of once per job."""
    return {"git": git_state(root), "versies": package_versions(), "bestanden": input_hashes(processed_path)}


def collect(processed_path: Path, parameters: dict, *, run_started: str | None = None,
            root: Path | None = None, facts: dict | None = None, codering: dict | None = None) -> dict:
    """Everything the Verantwoording section shows.

    Returns keys ``git`` (commit, dirty), ``versies`` (package versions), ``bestanden`` (see
    ``input_hashes``), ``parameters`` (as given, sorted) and ``uitgevoerd_op`` (ISO time in UTC, the only
    value that changes between two runs of the same code on the same input); ``codering`` (see ``coding``)
    when given. ``facts``: the result of ``run_facts`` for ``processed_path``, when already known.
    """
    facts = facts or run_facts(processed_path, root)
    out = {
        "git": facts["git"],
        "versies": facts["versies"],
        "bestanden": facts["bestanden"],
        "parameters": dict(sorted(parameters.items())),
        "uitgevoerd_op": run_started or now_utc(),
    }
    if codering is not None:
        out["codering"] = codering
    return out


AUTO, HAND = "auto", "hand"
CODING_REPORT = "codeer_verslag.json"  # written by ``ivp codeer`` next to its output tables


def coding(input_path: Path, *, autocode: bool = False) -> dict:
    """Where the theme codes of the input at ``input_path`` came from, for the report's methods section.

    Reads the ``speerpunten`` table: a code counts as automatic when its ``thema_bron`` (written by
    ``ivp codeer``) is ``auto``, and as a hand code otherwise (every code when the column is absent). When
    the input folder holds the ``codeer_verslag.json`` of ``ivp codeer``, its method and measured agreement
    are taken over.

    Returns:
        ``bron`` ("autocode" when ``autocode``, "thema_bron" when the column is present, else "geen"),
        ``n_speerpunten``, ``n_hand``, ``n_auto``, ``auto_per_plan`` ({plan_id: automatic codes}, plans
        with none left out), ``methode`` and ``overeenstemming`` (accuracy, kappa, alpha, n, n_plannen of the
        grouped cross-validation; None when not known).
    """
    input_path = Path(input_path)
    sp = read_input(input_path).speerpunten
    if "thema_bron" in sp.columns:
        auto = sp["thema_bron"].astype(str).str.strip().str.lower().eq(AUTO)
    else:
        auto = pd.Series(False, index=sp.index)
    per_plan = sp.loc[auto, "plan_id"].astype(str).str.strip().value_counts()
    report = {}
    verslag = input_path / CODING_REPORT if input_path.is_dir() else None
    if verslag is not None and verslag.is_file():
        try:
            report = json.loads(verslag.read_text(encoding="utf-8"))
        except ValueError:
            report = {}
    return {
        "bron": "autocode" if autocode else ("thema_bron" if "thema_bron" in sp.columns else "geen"),
        "n_speerpunten": int(len(sp)),
        "n_auto": int(auto.sum()),
        "n_hand": int(len(sp) - auto.sum()),
        "auto_per_plan": {str(k): int(v) for k, v in sorted(per_plan.items())},
        "methode": report.get("methode") if int(auto.sum()) else None,
        "overeenstemming": report.get("overeenstemming") if int(auto.sum()) else None,
    }


def now_utc() -> str:
    """Current time in UTC, to the second, as ``2026-11-28T09:15:02Z``."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def load(output_path: Path) -> dict | None:
    """The ``provenance.json`` the runner wrote into a job folder, or None when the notebook runs alone."""
    path = Path(output_path) / "provenance.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
