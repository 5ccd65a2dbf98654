"""Validation of the (normalised) input tables. Column rules are pandera schemas; rules across rows
and tables are small functions. Every rule returns InputProblems; nothing stops at the first."""

from __future__ import annotations

import difflib

import pandas as pd
import pandera.pandas as pa

from ivp.errors import InputProblem
from ivp.inputs.read import ROW, RawInput
from ivp.reference.municipalities import closest_names, theme_codes

YEAR_MIN, YEAR_MAX = 1990, 2040
JA_NEE = ("ja", "nee")
PARTICIPATION = ("ja", "nee", "onbekend")
PARTICIPATION_FORMS = ("enquete", "burgerpanel", "bijeenkomst", "wijkraad", "meldpunt", "overig")
LEVELS = ("lokaal", "regionaal", "onbekend")
CERTAINTY = ("hoog", "midden", "laag")

REQUIRED = {
    "plans": ("plan_id", "titel", "gemeenten", "periode_start", "periode_eind", "burgerparticipatie"),
    "speerpunten": ("plan_id", "volgnummer", "speerpunt", "niveau", "thema"),
}
OPTIONAL = {
    "plans": ("gezamenlijk", "participatievormen", "bron_url", "bron_type", "zekerheid"),
    "speerpunten": ("thema_2",),
}


def _one_of(values) -> str:
    return "een van " + ", ".join(values)


def _isin(values, *, empty_ok: bool = False) -> pa.Check:
    allowed = set(values) | ({""} if empty_ok else set())
    text = _one_of(values) + (" (of leeg)" if empty_ok else "")
    return pa.Check(lambda s: s.isin(allowed), error=text)


def _not_empty() -> pa.Check:
    return pa.Check(lambda s: s.str.strip() != "", error="een niet-lege waarde")


def _year(empty_ok: bool = True) -> pa.Check:
    def check(s: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(s.where(s.str.fullmatch(r"\d{4}"), None), errors="coerce")
        ok = numbers.between(YEAR_MIN, YEAR_MAX)
        return ok | (s == "") if empty_ok else ok

    return pa.Check(check, error=f"een jaartal tussen {YEAR_MIN} en {YEAR_MAX} in cijfers (of leeg)")


def _forms() -> pa.Check:
    def check(s: pd.Series) -> pd.Series:
        return s.map(lambda v: all(f in PARTICIPATION_FORMS for f in v.split(";") if f) if v else True)

    return pa.Check(check, error=_one_of(PARTICIPATION_FORMS) + ", gescheiden door ';'")


def _positive_int() -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(r"[1-9]\d{0,5}"), error="een geheel getal vanaf 1")


def _text(*checks: pa.Check) -> pa.Column:
    return pa.Column(object, list(checks), required=False)


SCHEMAS = {
    "plans": pa.DataFrameSchema(
        {
            "plan_id": _text(_not_empty()),
            "titel": _text(_not_empty()),
            "gemeenten": _text(pa.Check(lambda s: s.str.replace(";", "").str.strip() != "",
                                        error="één of meer gemeentenamen of CBS-codes, gescheiden door ';'")),
            "gezamenlijk": _text(_isin(JA_NEE, empty_ok=True)),
            "periode_start": _text(_year()),
            "periode_eind": _text(_year()),
            "burgerparticipatie": _text(_isin(PARTICIPATION)),
            "participatievormen": _text(_forms()),
            "zekerheid": _text(_isin(CERTAINTY, empty_ok=True)),
        },
        strict=False,
    ),
    "speerpunten": pa.DataFrameSchema(
        {
            "plan_id": _text(_not_empty()),
            "volgnummer": _text(_positive_int()),
            "speerpunt": _text(_not_empty()),
            "niveau": _text(_isin(LEVELS)),
            "thema": _text(_isin(theme_codes(), empty_ok=True)),
            "thema_2": _text(_isin(theme_codes(), empty_ok=True)),
        },
        strict=False,
    ),
}


def missing_columns(raw: RawInput) -> list[InputProblem]:
    """A problem for every required column that a table lacks."""
    problems = []
    for table, required in REQUIRED.items():
        frame = getattr(raw, table)
        present = ", ".join(c for c in frame.columns if c != ROW) or "geen"
        problems += [InputProblem(raw.files[table], 1, column, f"kolommen: {present}",
                                  f"een kolom '{column}'") for column in required if column not in frame.columns]
    return problems


def column_problems(raw: RawInput) -> list[InputProblem]:
    """Problems of single cells: types, codes and allowed values (pandera, lazily: all at once)."""
    problems = []
    for table, schema in SCHEMAS.items():
        frame = getattr(raw, table)
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases.dropna(subset=["index"])
            for case in cases.itertuples():
                row = int(frame.loc[case.index, ROW])
                problems.append(InputProblem(raw.files[table], row, case.column, str(case.failure_case), case.check))
    return problems


def duplicate_plan_ids(raw: RawInput) -> list[InputProblem]:
    """Every plan_id that is used again after its first row."""
    plans = raw.plans
    first = plans.drop_duplicates("plan_id").set_index("plan_id")[ROW]
    dupes = plans[plans.duplicated("plan_id") & (plans["plan_id"] != "")]
    return [InputProblem(raw.files["plans"], int(r[ROW]), "plan_id", r["plan_id"],
                         f"een unieke plan_id (al gebruikt in rij {first[r['plan_id']]})") for _, r in dupes.iterrows()]


def unknown_plan_ids(raw: RawInput) -> list[InputProblem]:
    """Speerpunten whose plan_id is not in plans, with the closest existing plan_ids."""
    known = list(dict.fromkeys(raw.plans["plan_id"]))
    orphans = raw.speerpunten[~raw.speerpunten["plan_id"].isin(known) & (raw.speerpunten["plan_id"] != "")]
    problems = []
    for _, r in orphans.iterrows():
        close = difflib.get_close_matches(r["plan_id"], known, n=3)
        hint = f" (bedoelt u: {', '.join(close)}?)" if close else ""
        problems.append(InputProblem(raw.files["speerpunten"], int(r[ROW]), "plan_id", r["plan_id"],
                                     f"een plan_id uit {raw.files['plans']}{hint}"))
    return problems


def duplicate_speerpunten(raw: RawInput) -> list[InputProblem]:
    """Every (plan_id, volgnummer) pair that occurs again after its first row."""
    sp = raw.speerpunten
    first = sp.drop_duplicates(["plan_id", "volgnummer"]).set_index(["plan_id", "volgnummer"])[ROW]
    dupes = sp[sp.duplicated(["plan_id", "volgnummer"])]
    return [InputProblem(raw.files["speerpunten"], int(r[ROW]), "volgnummer", r["volgnummer"],
                         f"een uniek volgnummer binnen plan {r['plan_id']} (al gebruikt in rij "
                         f"{first[(r['plan_id'], r['volgnummer'])]})") for _, r in dupes.iterrows()]


def period_order(raw: RawInput) -> list[InputProblem]:
    """Plans whose periode_start lies after periode_eind."""
    plans = raw.plans
    start = pd.to_numeric(plans["periode_start"], errors="coerce")
    end = pd.to_numeric(plans["periode_eind"], errors="coerce")
    bad = plans[start > end]
    return [InputProblem(raw.files["plans"], int(r[ROW]), "periode_eind", r["periode_eind"],
                         f"een jaartal niet vóór periode_start ({r['periode_start']})") for _, r in bad.iterrows()]


def unknown_municipalities(raw: RawInput, places: pd.DataFrame) -> list[InputProblem]:
    """Municipality names that resolve to nothing, with the closest known names as suggestions.

    Args:
        places: one row per (plan, named municipality), from ``clean.plan_municipalities``:
            ``_rij``, ``naam_bron``, ``code`` (empty when unknown).
    """
    problems = []
    for _, r in places[places["codes"] == ""].iterrows():
        close = closest_names(r["naam_bron"])
        hint = f"; bedoelt u: {', '.join(close)}?" if close else ""
        problems.append(InputProblem(raw.files["plans"], int(r[ROW]), "gemeenten", r["naam_bron"],
                                     f"een gemeente van 1 januari 2020, een bekende oude naam of een CBS-code "
                                     f"(GM0363){hint}"))
    return problems


def joint_flag_contradictions(raw: RawInput, n_municipalities: pd.Series) -> list[InputProblem]:
    """Plans marked ``gezamenlijk=nee`` that name two or more distinct municipalities.

    The opposite case (``ja`` with one municipality named) is not an error: the source says the plan
    was made jointly but the coder could not name the partners. Cleaning keeps it and logs it.

    Args:
        n_municipalities: distinct municipalities per plan, indexed like ``raw.plans``.
    """
    plans = raw.plans.assign(_n=n_municipalities)
    wrong = plans[(plans["gezamenlijk"] == "nee") & (plans["_n"] >= 2)]
    return [InputProblem(raw.files["plans"], int(r[ROW]), "gezamenlijk", r["gezamenlijk"],
                         f"'ja' (of leeg): het plan noemt {r['_n']} verschillende gemeenten")
            for _, r in wrong.iterrows()]


def uncoded_speerpunten(raw: RawInput) -> list[InputProblem]:
    """Speerpunten without a main theme: they must be coded (``ivp codeer``) before analysis."""
    sp = raw.speerpunten
    return [InputProblem(raw.files["speerpunten"], int(r[ROW]), "thema", "",
                         "een themacode (" + ", ".join(theme_codes()) + "); codeer eerst met 'ivp codeer' "
                         "of 'ivp run --autocode'") for _, r in sp[sp["thema"] == ""].iterrows()]
