"""Content-hash cache of the pipeline: a stage is skipped when everything it depends on is unchanged and the
outputs it wrote are still there, byte for byte.

A stage (the cleaning, the automatic coding, or one (peiljaar, cohort) job) describes what it depends on
as a dict of *parts* (notebook hashes, parameters, input hashes, the code fingerprint, package versions).
After a successful run the stage writes a stamp (``.ivp-cache.json``) next to its outputs with those parts
and the sha256 of every output file. A later run is a cache hit when the parts are equal and every output
file still has its recorded hash; file times play no part. The stamp of a job lives inside the job folder,
so it is swapped in together with the outputs it describes (``ivp.running.atomic.staged_dir``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ivp import __version__
from ivp.inputs.read import sha256 as sha256_file  # one checksum for inputs, provenance and the cache
from ivp.running.atomic import write_json

STAMP = ".ivp-cache.json"
STAMP_VERSION = 1
PACKAGE = Path(__file__).resolve().parents[1]
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def tree_hashes(folder: Path, *, skip=(STAMP,)) -> dict[str, str]:
    """sha256 of every file under ``folder``, keyed by its path relative to ``folder`` (``/``-separated,
    sorted); ``__pycache__`` folders, compiled files and the names in ``skip`` are left out."""
    folder = Path(folder)
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (not path.is_file() or path.name in skip or path.suffix in _SKIP_SUFFIXES
                or _SKIP_DIRS & set(rel.parts)):
            continue
        out[rel.as_posix()] = sha256_file(path)
    return out


def data_hashes(folder: Path) -> dict[str, str]:
    """sha256 of the visible files directly in ``folder`` (the processed tables), by name; empty when the
    folder does not exist. Hidden files (``.gitkeep``, stamps) are left out."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def file_hashes(paths) -> dict[str, str | None]:
    """sha256 of each of ``paths`` by file name (None for a file that does not exist)."""
    return {Path(p).name: sha256_file(Path(p)) if Path(p).is_file() else None for p in paths}


def digest(value) -> str:
    """sha256 of ``value`` as canonical JSON (sorted keys): equal for equal content."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def code_fingerprint(package: Path = PACKAGE) -> str:
    """One sha256 over every file of the ``ivp`` package (modules, reference data, lexicon, report template):
    changes whenever the code that computes or renders a number changes, and only then."""
    return digest(tree_hashes(package))


def environment(package_versions: dict) -> dict:
    """The parts every stage shares: ivp version, code fingerprint, Python version and ``package_versions``."""
    return {"ivp": __version__, "code": code_fingerprint(), "python": sys.version.split()[0],
            "versies": dict(sorted(package_versions.items()))}


@dataclass(frozen=True)
class Verdict:
    """Whether a stage can be skipped (``hit``), and why not in words for the progress line (``reason``)."""

    hit: bool
    reason: str
    stamp: dict | None = None


# Dutch names of the parts, for the progress line ("opnieuw: notebook gewijzigd").
PART_NAMES = {"ivp": "ivp-versie", "code": "code van ivp", "python": "Python-versie", "versies": "pakketversies",
              "notebooks": "notebook", "notebook": "notebook", "parameters": "parameters",
              "verwerkt": "opgeschoonde data",
              "invoer": "invoerbestanden", "codering": "herkomst van de themacodes", "training": "trainingsdata",
              "pdf": "PDF-optie (--pdf)"}


def read_stamp(folder: Path) -> dict | None:
    """The stamp in ``folder``, or None when there is none or it cannot be read."""
    path = Path(folder) / STAMP
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and stamp.get("versie") == STAMP_VERSION else None


def changed_parts(old: dict, new: dict) -> list[str]:
    """Names of the top-level parts that differ between ``old`` and ``new``; for dict-valued parts the
    changed entries are named too (``notebooks: 03_samenwerking.ipynb``)."""
    names = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            inner = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            names.append(f"{key}: {', '.join(map(str, inner))}")
        else:
            names.append(key)
    return names


def check(folder: Path, parts: dict) -> Verdict:
    """Can the stage whose stamp is in ``folder`` be skipped for ``parts``?

    A hit needs a stamp with equal parts and every output it lists present with its recorded sha256
    (output paths are relative to ``folder`` and may lead out of it with ``..``). Otherwise ``reason``
    says, in Dutch, what changed or which output is missing.
    """
    stamp = read_stamp(folder)
    if stamp is None:
        return Verdict(False, "geen eerdere uitvoer")
    changed = changed_parts(stamp.get("onderdelen") or {}, parts)
    if changed:
        first = changed[0]
        key = first.split(":")[0]
        detail = first[len(key) + 1:].strip()
        words = PART_NAMES.get(key, key) + (f" ({detail})" if detail else "")
        more = f" en {len(changed) - 1} meer" if len(changed) > 1 else ""
        return Verdict(False, f"{words} gewijzigd{more}", stamp)
    base = Path(folder)
    for rel, recorded in (stamp.get("uitvoer") or {}).items():
        path = base / rel
        if not path.is_file():
            return Verdict(False, f"uitvoer ontbreekt ({rel})", stamp)
        if sha256_file(path) != recorded:
            return Verdict(False, f"uitvoer gewijzigd ({rel})", stamp)
    return Verdict(True, "ongewijzigd", stamp)


def write_stamp(folder: Path, parts: dict, outputs: dict[str, str], **extra) -> dict:
    """Write the stamp of a stage that just succeeded: its ``parts``, ``outputs`` (relative path -> sha256)
    and any ``extra`` values to keep with it (e.g. ``codering``); returns what was written."""
    stamp = {"versie": STAMP_VERSION, "onderdelen": parts, "uitvoer": dict(sorted(outputs.items())), **extra}
    write_json(Path(folder) / STAMP, stamp)
    return stamp
