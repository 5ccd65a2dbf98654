"""The cleaning stage: normalise the raw text, validate it, derive CBS codes, joint-plan flag,
cohorts and theme categories, and write ``data/processed`` with a cleaning log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ivp import __version__
from ivp.errors import InputProblem, InvalidInput
from ivp.inputs.read import ROW, RawInput, log_entry, read_input, sha256
from ivp.inputs.validate import (
    OPTIONAL,
    REQUIRED,
    column_problems,
    duplicate_plan_ids,
    duplicate_speerpunten,
    joint_flag_contradictions,
    missing_columns,
    period_order,
    uncoded_speerpunten,
    unknown_municipalities,
    unknown_plan_ids,
)
from ivp.reference.municipalities import (
    MEMBERSHIP_COHORTS,
    codebook,
    membership,
    municipalities,
    resolve_municipality,
    theme_table,
)
from ivp.running.atomic import staged_dir
from ivp.running.paths import output_problems
from ivp.running.spreadsheet import restore_formulas, write_csv

LOWER = {"plans": ("gezamenlijk", "burgerparticipatie", "participatievormen", "zekerheid", "bron_type"),
         "speerpunten": ("niveau",)}
UPPER = {"speerpunten": ("thema", "thema_2")}
DEFAULTS = {"plans": {"burgerparticipatie": "onbekend"}, "speerpunten": {"niveau": "onbekend"}}
LOG_COLUMNS = ["bestand", "rij", "kolom", "oud", "nieuw", "reden"]
COHORT_COLUMNS = [f"cohort_{c}" for c in (*MEMBERSHIP_COHORTS, "overig")]


@dataclass
class Cleaned:
    """The cleaned tables (see docs/data-contract.md) and the cleaning log."""

    plans: pd.DataFrame
    plan_gemeenten: pd.DataFrame
    speerpunten: pd.DataFrame
    log: pd.DataFrame


def normalise(raw: RawInput) -> tuple[RawInput, list[dict]]:
    """Trim cells, fix case of codes, fill documented defaults, add missing optional columns.

    Returns a new RawInput (the required and optional columns and ``_rij``; unknown columns dropped)
    and log entries for every cell whose value changed and every column that was added or ignored.
    """
    log: list[dict] = []
    tables = {}
    for table in ("plans", "speerpunten"):
        frame = getattr(raw, table).copy()
        file = raw.files[table]
        known = set(REQUIRED[table]) | set(OPTIONAL[table]) | {ROW}
        unknown = [c for c in frame.columns if c not in known]
        for column in unknown:
            log.append(log_entry(file, 1, column, "", "", "onbekende kolom: gelezen maar niet gebruikt"))
        frame = frame.drop(columns=unknown)  # not in the data contract; could clash with derived columns
        for column in OPTIONAL[table]:
            if column not in frame.columns:
                frame[column] = ""
                log.append(log_entry(file, 1, column, "", "", "optionele kolom ontbreekt: leeg toegevoegd"))
        for column in [c for c in frame.columns if c != ROW]:
            before = frame[column].astype(str)
            after = before.str.replace(r"\s+", " ", regex=True).str.strip()
            if column in LOWER.get(table, ()):
                after = after.str.lower().str.replace(r"\s*;\s*", ";", regex=True)
            if column in UPPER.get(table, ()):
                after = after.str.upper()
            if column in ("periode_start", "periode_eind", "volgnummer"):
                after = after.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
            default = DEFAULTS.get(table, {}).get(column)
            if default is not None:
                after = after.mask(after == "", default)
            frame[column] = after
            for idx in frame.index[before != after]:
                log.append(log_entry(file, int(frame.at[idx, ROW]), column, before[idx], after[idx],
                                  "leeg: standaardwaarde" if before[idx].strip() == "" else "genormaliseerd"))
        tables[table] = frame
    return RawInput(tables["plans"], tables["speerpunten"], raw.files, raw.paths, raw.notes), log


def plan_municipalities(plans: pd.DataFrame) -> pd.DataFrame:
    """One row per municipality a plan names, resolved.

    Args:
        plans: columns ``plan_id``, ``gemeenten`` (``;``-separated), ``_rij``.
    Returns:
        columns ``plan_id``, ``_rij``, ``positie``, ``naam_bron``, ``codes`` (``;``-joined 2020 codes,
        empty when unknown), ``naam_2020``, ``soort``, ``identiteit``, ``toelichting``.
    """
    rows = []
    for plan_id, row_no, names in zip(plans["plan_id"], plans[ROW], plans["gemeenten"]):
        for position, name in enumerate((n.strip() for n in str(names).split(";") if n.strip()), start=1):
            res = resolve_municipality(name)
            rows.append({"plan_id": plan_id, ROW: row_no, "positie": position, "naam_bron": name,
                         "codes": ";".join(res.codes) if res else "",
                         "naam_2020": res.official_name if res else "",
                         "soort": res.soort if res else "onbekend",
                         "identiteit": res.identity if res else f"?{name}",
                         "toelichting": res.toelichting if res else ""})
    columns = ["plan_id", ROW, "positie", "naam_bron", "codes", "naam_2020", "soort", "identiteit", "toelichting"]
    return pd.DataFrame(rows, columns=columns)


def problems(raw: RawInput, places: pd.DataFrame, *, require_thema: bool = True) -> list[InputProblem]:
    """Every problem of a normalised input (an empty list when it is valid)."""
    missing = missing_columns(raw)
    if missing:  # without the columns the other rules cannot be applied
        return missing
    found = (column_problems(raw) + duplicate_plan_ids(raw) + unknown_plan_ids(raw)
             + duplicate_speerpunten(raw) + period_order(raw) + unknown_municipalities(raw, places)
             + joint_flag_contradictions(raw, distinct_municipalities(raw.plans, places)))
    if require_thema:
        found += uncoded_speerpunten(raw)
    return found


def distinct_municipalities(plans: pd.DataFrame, places: pd.DataFrame) -> pd.Series:
    """Number of distinct municipalities (as at the plan's time) per plan, indexed like ``plans``.

    Counted per input row (``_rij``), so a duplicated ``plan_id`` does not pool two rows' names.
    """
    counts = places.drop_duplicates([ROW, "identiteit"]).groupby(ROW).size()
    return plans[ROW].map(counts).fillna(0).astype(int)


def derive_plans(plans: pd.DataFrame, places: pd.DataFrame, file: str = "plans.csv") -> tuple[pd.DataFrame, list[dict]]:
    """Typed plan table with derived columns.

    Args:
        plans: validated, normalised plans (text columns of the input format).
        places: output of ``plan_municipalities``.
    Returns:
        plans with ``gemeente_codes`` (``;``-joined sorted 2020 codes), ``n_gemeenten`` (distinct
        municipalities as named at the time), ``gezamenlijk`` (bool), ``gezamenlijk_afgeleid`` (bool),
        ``partners_onbekend`` (joint per the source, one municipality named),
        ``periode_start``/``periode_eind`` (Int64), ``heeft_periode``, ``cohort_G4`` … ``cohort_overig``
        (bool); and log entries for derived or mapped values.
    """
    log = []
    out = plans.copy()
    codes = places.assign(code=places["codes"].str.split(";")).explode("code")
    code_sets = codes.groupby("plan_id")["code"].agg(lambda c: sorted(set(c)))
    out["gemeente_codes"] = out["plan_id"].map(code_sets.map(";".join))
    out["n_gemeenten"] = distinct_municipalities(plans, places)
    derived = out["gezamenlijk"] == ""
    out["gezamenlijk_afgeleid"] = derived
    out["gezamenlijk"] = (out["gezamenlijk"] == "ja") | (derived & (out["n_gemeenten"] >= 2))
    for _, r in out[derived].iterrows():
        log.append(log_entry(file, int(r[ROW]), "gezamenlijk", "", "ja" if r["gezamenlijk"] else "nee",
                          f"afgeleid uit {r['n_gemeenten']} gemeente(n)"))
    partners_unknown = out["gezamenlijk"] & (out["n_gemeenten"] < 2)
    out["partners_onbekend"] = partners_unknown
    for _, r in out[partners_unknown].iterrows():
        log.append(log_entry(file, int(r[ROW]), "gezamenlijk", "ja", "ja",
                             "gezamenlijk volgens de bron, maar slechts 1 gemeente genoemd: partners onbekend"))
    for column in ("periode_start", "periode_eind"):
        out[column] = pd.to_numeric(out[column].replace("", None), errors="coerce").astype("Int64")
    out["heeft_periode"] = out["periode_start"].notna() & out["periode_eind"].notna()
    flags = codes.join(membership(), on="code").groupby("plan_id")[list(membership().columns)].any()
    for cohort, column in zip(membership().columns, COHORT_COLUMNS):
        out[column] = out["plan_id"].map(flags[cohort]).fillna(False).astype(bool)
    mapped = (places["soort"] != "officieel") | (places["naam_bron"] != places["naam_2020"])
    for _, r in places[mapped].iterrows():
        log.append(log_entry(file, int(r[ROW]), "gemeenten", r["naam_bron"], r["naam_2020"],
                             f"{r['soort']}: {r['toelichting'] or 'andere schrijfwijze'}"))
    for _, r in places[places.duplicated(["plan_id", "identiteit"])].iterrows():
        log.append(log_entry(file, int(r[ROW]), "gemeenten", r["naam_bron"], "",
                          "dubbel genoemd in hetzelfde plan: één keer geteld"))
    return out, log


def derive_speerpunten(speerpunten: pd.DataFrame) -> pd.DataFrame:
    """Typed speerpunten with codebook columns.

    Args:
        speerpunten: validated, normalised rows with ``plan_id``, ``volgnummer``, ``thema``, ``thema_2``.
    Returns:
        the rows with ``volgnummer`` (Int64), ``thema_label``, ``kernbeleid``, ``categorie`` (default
        roll-up), ``categorie_<rollup>`` for every roll-up, and ``landelijke_prioriteit`` (bool).
    """
    themes = theme_table().set_index("code")
    out = speerpunten.copy()
    out["volgnummer"] = pd.to_numeric(out["volgnummer"]).astype("Int64")
    out["thema_label"] = out["thema"].map(themes["label_nl"])
    out["kernbeleid"] = out["thema"].map(themes["kernbeleid"])
    for column in [c for c in themes.columns if c.startswith("categorie_")]:
        out[column] = out["thema"].map(themes[column])
    out["categorie"] = out[f"categorie_{codebook()['default_rollup']}"]
    out["landelijke_prioriteit"] = out["thema"].map(themes["landelijke_prioriteit"]).eq(True)  # uncoded: False
    return out.sort_values(["plan_id", "volgnummer"], kind="stable").reset_index(drop=True)


def clean(raw: RawInput, *, require_thema: bool = True) -> Cleaned:
    """Normalise, validate and derive; raises InvalidInput with every problem found."""
    raw, log = normalise(raw)
    missing = missing_columns(raw)
    if missing:
        raise InvalidInput(missing)
    places = plan_municipalities(raw.plans)
    found = problems(raw, places, require_thema=require_thema)
    if found:
        raise InvalidInput(found)
    plans, derived_log = derive_plans(raw.plans, places, raw.files["plans"])
    speerpunten = derive_speerpunten(raw.speerpunten)
    names = municipalities().set_index("code")
    gemeenten = places.assign(code=places["codes"].str.split(";")).explode("code")
    gemeenten = gemeenten.assign(naam=gemeenten["code"].map(names["naam"]),
                                 provincie=gemeenten["code"].map(names["provincie"]))
    for cohort, column in zip(membership().columns, COHORT_COLUMNS):
        gemeenten[column] = gemeenten["code"].map(membership()[cohort]).astype(bool)
    gemeenten = gemeenten.drop(columns=["codes", "naam_2020"]).reset_index(drop=True)
    entries = raw.notes + log + derived_log
    log_frame = pd.DataFrame(entries, columns=LOG_COLUMNS)
    return Cleaned(_drop_row(plans), _drop_row(gemeenten), _drop_row(speerpunten), log_frame)


def _drop_row(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={ROW: "bron_rij"}).reset_index(drop=True)


def input_manifest(raw: RawInput) -> dict:
    """Provenance of the input: file names and sha256 of every file read."""
    return {"bestanden": {Path(p).name: sha256(p) for p in raw.paths}, "ivp_versie": __version__}


def write_processed(cleaned: Cleaned, manifest: dict, out: Path) -> list[Path]:
    """Write the cleaned tables (Parquet), the log (CSV) and the manifest (JSON) to ``out``, replacing
    the folder as a whole only when everything was written. The log is a file people open in a
    spreadsheet, so it goes through ``spreadsheet.write_csv`` (OWASP formula rule, UTF-8 with BOM);
    ``read_processed`` gives back its original values."""
    with staged_dir(out) as tmp:
        cleaned.plans.to_parquet(tmp / "plans.parquet", index=False)
        cleaned.plan_gemeenten.to_parquet(tmp / "plan_gemeenten.parquet", index=False)
        cleaned.speerpunten.to_parquet(tmp / "speerpunten.parquet", index=False)
        write_csv(cleaned.log, tmp / "schoonmaaklog.csv")  # for people: formula-leading cells neutralised
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (tmp / ".gitkeep").write_text("", encoding="utf-8")
    return sorted(Path(out).iterdir())


def clean_input(path: Path, out: Path | None = None, *, require_thema: bool = True) -> Cleaned:
    """Read, clean and (when ``out`` is given) write the input at ``path``.

    An ``out`` that is the input, lies inside it or contains it is refused before anything is read
    (writing ``out`` replaces that folder as a whole)."""
    if out is not None and (refused := output_problems(path, [("--out", Path(out), True)])):
        raise InvalidInput(refused)
    raw = read_input(Path(path))
    cleaned = clean(raw, require_thema=require_thema)
    if out is not None:
        write_processed(cleaned, input_manifest(raw), Path(out))
    return cleaned


def read_processed(folder: Path) -> Cleaned:
    """Read what ``write_processed`` wrote."""
    folder = Path(folder)
    return Cleaned(pd.read_parquet(folder / "plans.parquet"), pd.read_parquet(folder / "plan_gemeenten.parquet"),
                   pd.read_parquet(folder / "speerpunten.parquet"),
                   restore_formulas(pd.read_csv(folder / "schoonmaaklog.csv", dtype=str, keep_default_na=False,
                                                encoding="utf-8-sig")))


def summary(cleaned: Cleaned) -> pd.DataFrame:
    """Counts a reader checks after cleaning: one row per measure (``maat``, ``aantal``)."""
    plans, sp, log = cleaned.plans, cleaned.speerpunten, cleaned.log
    rows = [
        ("plannen", len(plans)),
        ("speerpunten", len(sp)),
        ("gezamenlijke plannen", int(plans["gezamenlijk"].sum())),
        ("plannen zonder volledige periode", int((~plans["heeft_periode"]).sum())),
        ("gemeenten van 2020 gedekt", cleaned.plan_gemeenten["code"].nunique()),
        ("regels in het schoonmaaklog", len(log)),
    ]
    return pd.DataFrame(rows, columns=["maat", "aantal"])
