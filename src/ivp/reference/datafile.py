"""Reading the package's YAML data files that hold a list of entries (``data/agendas.yaml``,
``data/gepubliceerd.yaml``) and reporting what is wrong with them.

Every problem names the file, the entry's position in its list (1-based, as ``rij``) and the entry's
``id`` with the field (as ``kolom``: ``<id>.<field>``), so ``InvalidInput`` says exactly which entry to fix.
"""

from __future__ import annotations

import copy
import functools
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import yaml

from ivp.errors import InputProblem, InvalidInput


def read_entries(path, default: str, key: str) -> tuple[str, list]:
    """The list under ``key`` in the YAML file ``path`` (default: the package's ``data/<default>``).

    Returns:
        (the file's name, the list of entries as parsed).
    Raises:
        InvalidInput when the file is not YAML or has no list under ``key``.
    """
    source = resources.files("ivp") / "data" / default if path is None else Path(path)
    name = Path(str(source)).name
    try:
        with source.open("r", encoding="utf-8") as f:
            parsed = yaml.safe_load(f)
    except yaml.YAMLError as error:
        raise InvalidInput([InputProblem(name, None, None, str(error).splitlines()[0], "geldige YAML")]) from None
    entries = parsed.get(key) if isinstance(parsed, dict) else None
    if not isinstance(entries, list):
        raise InvalidInput([InputProblem(name, None, key, "" if entries is None else str(entries),
                                         f"een lijst van vermeldingen onder '{key}'")])
    return name, entries


class EntryProblems:
    """Collects the problems of the entries of one file; ``raise_any`` raises them all at once."""

    def __init__(self, file: str, required_fields=()):
        self.file = file
        self.required_fields = tuple(required_fields)
        self.problems: list[InputProblem] = []

    def add(self, position: int, entry, field: str, value, expected: str) -> None:
        """A problem with ``field`` of the entry at ``position`` (1-based)."""
        ident = entry.get("id") if isinstance(entry, dict) else None
        column = f"{ident}.{field}" if ident else field
        self.problems.append(InputProblem(self.file, position, column, "" if value is None else str(value),
                                          expected))

    def required(self, position: int, entry, fields) -> bool:
        """Add a problem for every field of ``fields`` that ``entry`` lacks (or an entry that is not a
        mapping); True when all are there."""
        if not isinstance(entry, dict):
            self.add(position, None, "(vermelding)", entry, "een vermelding met " + ", ".join(fields))
            return False
        missing = [f for f in fields if entry.get(f) is None or entry.get(f) == ""]
        for field in missing:
            self.add(position, entry, field, "", "een verplicht veld")
        return not missing

    def unique_ids(self, entries) -> None:
        """A problem for every entry whose ``id`` an earlier entry already has."""
        seen: set = set()
        for position, entry in enumerate(entries, start=1):
            ident = entry.get("id") if isinstance(entry, dict) else None
            if ident is not None and ident in seen:
                self.add(position, entry, "id", ident, "een id dat geen andere vermelding heeft")
            seen.add(ident)

    def complete(self, entries):
        """Yield ``(position, entry)`` for every entry that has all of ``self.required_fields``, after
        adding a problem for every duplicate id and every missing field."""
        self.unique_ids(entries)
        for position, entry in enumerate(entries, start=1):
            if self.required(position, entry, self.required_fields):
                yield position, entry

    def raise_any(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)


def is_year(value) -> bool:
    """A whole year 1900-2099 as an int (not a bool, not text)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2099


def is_number(value) -> bool:
    """An int or float that is not a bool and not NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def is_http_url(value) -> bool:
    """Text that is an http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    parsed = urlparse(value.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def with_cached_default(load):
    """Decorator for ``load(path=None) -> list[dict]``: the default file (``path`` None) is read and
    validated once; every call returns a deep copy, so a caller cannot change what the next one gets."""
    default = lru_cache(maxsize=1)(lambda: tuple(load(None)))

    @functools.wraps(load)
    def loader(path=None) -> list[dict]:
        return copy.deepcopy(list(default())) if path is None else load(path)

    return loader
