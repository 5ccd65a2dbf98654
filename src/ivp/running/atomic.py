"""Writing outputs so that a reader (or a crash) sees either the old or the new version, never half."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import orjson

_OLD = ".old-"
_NEW = ".new-"


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports and results are for others to read
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (``write_bytes``); line ends as given."""
    write_bytes(path, text.encode("utf-8"))


# Sorted keys and two-space indents, as ``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)``
# lays them out; non-string keys become strings; NaN and infinity become ``null`` (valid JSON).
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def json_text(data) -> str:
    """``data`` as stable, sorted, indented JSON text with a final newline. orjson encodes in C, also
    with indents (the standard library falls back to pure Python for indented output, which costs
    about 40 ms per job for the plan list of 5,000 plans)."""
    return orjson.dumps(data, option=_JSON_OPTIONS).decode("utf-8") + "\n"


def write_json(path: Path, data) -> None:
    """Atomically write ``data`` as stable, sorted, indented JSON (``json_text``)."""
    write_text(path, json_text(data))


def recover(target: Path) -> None:
    """Finish or undo a folder swap that was interrupted: restore ``target`` from its ``.old-`` copy
    when the target is missing, and remove leftovers of unfinished writes."""
    target = Path(target)
    parent = target.parent
    if not parent.exists():
        return
    olds = sorted(parent.glob(f"{_OLD}{target.name}-*"))
    if not target.exists() and olds:
        os.replace(olds[-1], target)
        olds = olds[:-1]
    for leftover in [*olds, *parent.glob(f"{_NEW}{target.name}-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def staged_dir(target: Path):
    """Yield a fresh sibling folder to write into; on success it replaces ``target`` as a whole.

    On an exception the target is left as it was and the staged folder removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staged = Path(tempfile.mkdtemp(prefix=f"{_NEW}{target.name}-", dir=target.parent))
    os.chmod(staged, 0o755)
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    replace_dir(staged, target)


def replace_dir(staged: Path, target: Path) -> None:
    """Put the folder ``staged`` in place of ``target`` (two renames; ``recover`` mends a crash between)."""
    target = Path(target)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f"{_OLD}{target.name}-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    os.replace(staged, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
