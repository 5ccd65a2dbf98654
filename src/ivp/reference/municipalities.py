"""Reference data shipped with the package: municipalities of 1 January 2020, their other names,
cohort membership and the codebook. All of it is data (``ivp/data``), read here."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd
import yaml

REFERENCE_DATE = "2020-01-01"
MEMBERSHIP_COHORTS = ("G4", "G40", "P10")
_CBS_CODE = re.compile(r"^gm\s*(\d{4})$")


def _data_file(name: str):
    return resources.files("ivp") / "data" / name


def _read_csv(name: str) -> pd.DataFrame:
    with _data_file(name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def municipalities() -> pd.DataFrame:
    """The 355 municipalities of 1 January 2020: columns ``code`` (GM0363), ``naam``, ``provincie``."""
    return _read_csv("gemeenten_2020.csv")


@lru_cache(maxsize=1)
def other_names() -> pd.DataFrame:
    """Aliases, dissolved and later-formed municipalities.

    Returns columns ``naam``, ``codes`` (``;``-separated 2020 codes), ``soort``
    (alias / opgeheven / na_2020), ``datum`` and ``toelichting``.
    """
    return _read_csv("gemeente_namen.csv")


@lru_cache(maxsize=1)
def cohort_members() -> pd.DataFrame:
    """Membership lists: columns ``cohort`` (G4, G40, P10), ``code``, ``naam``, ``peiljaar``, ``bron``."""
    return _read_csv("cohorten.csv")


@lru_cache(maxsize=1)
def codebook() -> dict:
    """The codebook (themes, roll-ups, published CCV figures) as a dict, see ``data/codebook.yaml``."""
    with _data_file("codebook.yaml").open("r", encoding="utf-8") as f:
        return yaml.safe_load(f)


def theme_codes() -> list[str]:
    """Theme codes in codebook order."""
    return [t["code"] for t in codebook()["themes"]]


def theme_table() -> pd.DataFrame:
    """One row per theme: ``code``, ``label_nl``, ``label_en``, ``kernbeleid``, ``landelijke_prioriteit``,
    and one column ``categorie_<rollup>`` per roll-up of the codebook."""
    book = codebook()
    table = pd.DataFrame(book["themes"])
    for name, rollup in book["rollups"].items():
        table[f"categorie_{name}"] = table["code"].map(rollup["map"])
    return table


def name_key(name: str) -> str:
    """Comparison key for a municipality name: case, accents, apostrophes, dots, brackets and
    spacing do not matter (``'s-Gravenhage`` == ``’S-GRAVENHAGE``, ``Bergen (NH.)`` == ``Bergen NH``)."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"[.()]", " ", text.casefold())
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Resolution:
    """What a municipality name in the input stands for.

    ``codes`` are the 2020 municipalities it maps to; ``identity`` tells distinct municipalities of
    the plan's own time apart (a dissolved municipality is itself, not its successor); ``soort`` is
    officieel, code, alias, opgeheven or na_2020; ``toelichting`` says why a mapping was made.
    """

    codes: tuple[str, ...]
    official_name: str
    soort: str
    identity: str
    toelichting: str = ""


@lru_cache(maxsize=1)
def _lookup() -> dict[str, Resolution]:
    table: dict[str, Resolution] = {}
    for row in municipalities().itertuples():
        table[name_key(row.naam)] = Resolution((row.code,), row.naam, "officieel", row.code)
    names_by_code = dict(zip(municipalities()["code"], municipalities()["naam"]))
    for row in other_names().itertuples():
        codes = tuple(row.codes.split(";"))
        key = name_key(row.naam)
        official = "; ".join(names_by_code[c] for c in codes)
        identity = codes[0] if row.soort == "alias" else f"{row.soort}:{key}"
        table.setdefault(key, Resolution(codes, official, row.soort, identity, row.toelichting))
    return table


def resolve_municipality(name: str) -> Resolution | None:
    """Resolve a name, alias or CBS code (``GM0363``) to its 2020 municipality/ies; None if unknown."""
    key = name_key(name)
    code = _CBS_CODE.match(key)
    if code:
        cbs = f"GM{code.group(1)}"
        match = municipalities().loc[municipalities()["code"] == cbs, "naam"]
        return Resolution((cbs,), match.iloc[0], "code", cbs) if len(match) else None
    return _lookup().get(key)


def closest_names(name: str, n: int = 3) -> list[str]:
    """Up to ``n`` known municipality names closest to ``name`` (official names first)."""
    key = name_key(name)
    keys = list(_lookup())
    # Names that only add a qualifier come first: "Bergen" points at "Bergen (L.)" and "Bergen (NH.)".
    prefixed = sorted(k for k in keys if k.startswith(key + " "))
    hits = prefixed + difflib.get_close_matches(key, keys, n=3 * n, cutoff=0.6)
    names = []
    for hit in hits:
        res = _lookup()[hit]
        # an alias stands for its official name; a former municipality is suggested as itself
        names.append(res.official_name if res.soort in ("officieel", "alias") else _display(hit, res))
    return list(dict.fromkeys(names))[:n]


def _display(key: str, res: Resolution) -> str:
    table = other_names()
    raw = table.loc[table["naam"].map(name_key) == key, "naam"]
    return raw.iloc[0] if len(raw) else res.official_name


@lru_cache(maxsize=1)
def membership() -> pd.DataFrame:
    """Cohort membership of every 2020 municipality: index ``code``, bool columns ``G4``, ``G40``,
    ``P10`` and ``overig`` (in none of the membership lists)."""
    members = cohort_members()
    table = pd.DataFrame(index=pd.Index(municipalities()["code"], name="code"))
    for cohort in MEMBERSHIP_COHORTS:
        table[cohort] = table.index.isin(members.loc[members["cohort"] == cohort, "code"])
    table["overig"] = ~table[list(MEMBERSHIP_COHORTS)].any(axis=1)
    return table


def cohorts_of(codes) -> list[str]:
    """Cohorts (G4, G40, P10, overig) to which any of the 2020 ``codes`` belongs."""
    found = membership().loc[list(set(codes))].any(axis=0)
    return [c for c in found.index if found[c]]


def cohort_size(cohort: str) -> int:
    """Number of 2020 municipalities in ``cohort`` (nationaal: all 355)."""
    if cohort == "nationaal":
        return len(municipalities())
    members = cohort_members()
    if cohort == "overig":
        return len(municipalities()) - members["code"].nunique()
    return int((members["cohort"] == cohort).sum())


def population(cohort: str) -> list[str] | None:
    """The municipalities a job of ``cohort`` speaks for: the cohort's members (sorted codes), or None for
    ``nationaal`` (all 355, the default of the tables and maps that take a population)."""
    return None if cohort == "nationaal" else sorted(cohort_codes(cohort))


def cohort_codes(cohort: str) -> set[str]:
    """2020 CBS codes that belong to ``cohort``."""
    all_codes = set(municipalities()["code"])
    if cohort == "nationaal":
        return all_codes
    members = cohort_members()
    if cohort == "overig":
        return all_codes - set(members["code"])
    return set(members.loc[members["cohort"] == cohort, "code"])
