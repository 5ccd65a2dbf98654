"""Where a command may write: never into, over or around its input, and a folder that is replaced as a
whole never holds another output.

``ivp.running.atomic.staged_dir`` replaces a folder by renaming a new one into its place, so an output folder
that *contains* the input (``ivp clean data/raw --out data``) would silently delete the input, and
``--processed reports --out reports`` would delete every earlier report. These checks run before
anything is read or written; a refused location is an input problem (exit 2) naming the option.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ivp.errors import InputProblem, InvalidInput


def _within(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies below it (both resolved, symlinks followed)."""
    return path == folder or folder in path.parents


def output_problems(data: Path, targets: Iterable[tuple[str, Path, bool]]) -> list[InputProblem]:
    """Problems with the output locations of a command, given its input.

    Args:
        data: the input as given (a folder, or an .xlsx file).
        targets: ``(option, path, replaced)`` for every output location: the option that named it (such as
            ``"--processed"``), the folder, and whether it is replaced as a whole (True) or written into.
    Returns:
        one InputProblem (file = the option, value = the path) for every target that is the input, lies
        inside it, or -- when replaced as a whole -- contains it; and for every target that lies inside
        (or is) another target that is replaced as a whole. Empty when every location is safe.
    """
    source = Path(data).resolve()
    resolved = [(option, Path(path), Path(path).resolve(), replaced) for option, path, replaced in targets]
    problems, refused = [], []
    for option, given, path, replaced in resolved:
        if any(_within(path, r) for r in refused):
            continue  # one problem per cause: a folder inside a refused one is not listed again
        expected = None
        if _within(path, source) or (replaced and _within(source, path)):
            expected = (f"een map buiten de invoer {data} (die wordt nooit overschreven)"
                        + ("; deze map wordt als geheel vervangen" if replaced else ""))
        else:
            around = [(o, g) for o, g, other, r in resolved if r and other != path and _within(path, other)]
            around += [(o, g) for o, g, other, r in resolved if r and other == path and o != option]
            if around:
                expected = f"een map buiten {around[0][0]} {around[0][1]} (die map wordt als geheel vervangen)"
        if expected:
            refused.append(path)
            problems.append(InputProblem(option, None, None, str(given), expected))
    return problems


def run_output_problems(data: Path, processed: Path, out: Path, job_folders: Iterable[Path] = (),
                        replaced: Iterable[tuple[str, Path]] = ()) -> list[InputProblem]:
    """``output_problems`` for ``ivp run``: ``processed``, every job folder and the ``replaced`` folders
    (``(option, folder)``, e.g. ``("--autocode", <out>/gecodeerd)``) are replaced as a whole, ``out`` and
    its ``notebooks/`` are written into; also every job folder must lie inside ``out`` (a job folder is
    made from the cohort and peiljaar values).

    Returns:
        the problems, empty when the run may write where it was told to.
    """
    out = Path(out)
    jobs = list(job_folders)
    targets = [("--processed", Path(processed), True), ("--out", out, False), ("--out", out / "notebooks", False),
               *((option, Path(folder), True) for option, folder in replaced),
               *(("--cohort/--peiljaar", folder, True) for folder in jobs)]
    problems = output_problems(data, targets)
    root = out.resolve()
    for folder in jobs:
        if not Path(folder).resolve().is_relative_to(root) or Path(folder).resolve() == root:
            problems.append(InputProblem("--cohort/--peiljaar", None, None, str(folder),
                                         f"een map binnen --out {out}"))
    return problems


def check_run_outputs(data: Path, processed: Path, out: Path, job_folders: Iterable[Path] = (),
                      replaced: Iterable[tuple[str, Path]] = ()) -> None:
    """Raise ``InvalidInput`` with every ``run_output_problems`` (before a run reads or writes anything)."""
    if problems := run_output_problems(data, processed, out, job_folders, replaced):
        raise InvalidInput(problems)
