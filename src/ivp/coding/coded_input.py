"""Coded input: reading hand-coded speerpunten and writing the coded input folder of
``ivp codeer INPUT --out OUTDIR`` (``code_input``). Given codes are never changed: only speerpunten with
an empty ``thema`` get a proposal."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from ivp.coding.evaluate import evaluate, rounded
from ivp.coding.lexicon import lexicon
from ivp.coding.propose import DEFAULT_METHOD, propose
from ivp.errors import InputProblem, InvalidInput
from ivp.inputs.clean import clean, normalise
from ivp.inputs.read import ROW, input_files, read_input
from ivp.running.atomic import write_json, write_text
from ivp.running.spreadsheet import write_csv

OUTPUT_FILES = ("plans.csv", "speerpunten.csv", "te_beoordelen.csv", "codeer_verslag.json")
HAND, AUTO = "hand", "auto"


def default_training_path() -> Path | None:
    """The project's shipped hand-coded sample (``data/raw`` next to ``src/``), when present."""
    path = Path(__file__).resolve().parents[3] / "data" / "raw"
    return path if (path / "speerpunten.csv").exists() else None


def hand_coded(path: Path) -> pd.DataFrame:
    """The valid, hand-coded speerpunten of the input at ``path``: ``plan_id``, ``volgnummer``,
    ``speerpunt``, ``thema``, ``thema_2`` (validated as pipeline input with themes allowed empty;
    rows without a theme are left out)."""
    cleaned = clean(read_input(Path(path)), require_thema=False)
    sp = cleaned.speerpunten
    return sp.loc[sp["thema"] != "", ["plan_id", "volgnummer", "speerpunt", "thema", "thema_2"]].reset_index(drop=True)


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def coded_speerpunten(raw_speerpunten: pd.DataFrame, normalised: pd.DataFrame, proposals: pd.DataFrame) -> pd.DataFrame:
    """The speerpunten table to write: the input's columns and values unchanged, except that every empty
    ``thema`` (and, for those rows, an empty ``thema_2``) takes the proposal.

    Args:
        raw_speerpunten: the rows as read (text, with ``_rij``).
        normalised: the same rows after ``clean.normalise`` (``thema``, ``thema_2``).
        proposals: ``propose`` output for the rows whose normalised ``thema`` is empty, in their order.
    Returns:
        the input columns (without ``_rij``) plus ``thema_bron`` (hand / auto), ``zekerheid_codering``
        (empty for hand codes) and ``grond``. A row with a theme whose input already has a ``thema_bron``
        (the output of an earlier run, read back) keeps those three cells, so rerunning changes nothing.
    """
    out = raw_speerpunten.drop(columns=[ROW]).copy()
    if "thema_2" not in out.columns:
        out["thema_2"] = ""
    empty = (normalised["thema"] == "").to_numpy()
    auto_idx = out.index[empty]
    given_2 = (normalised.loc[auto_idx, "thema_2"].to_numpy() if "thema_2" in normalised
               else np.array([""] * len(auto_idx)))
    earlier = {c: out[c].astype(str).str.strip() if c in out else pd.Series("", index=out.index)
               for c in ("thema_bron", "zekerheid_codering", "grond")}
    kept = ~empty & (earlier["thema_bron"] != "").to_numpy()  # a code given by an earlier run keeps its record
    out["thema_bron"] = np.where(empty, AUTO, np.where(kept, earlier["thema_bron"], HAND))
    out["zekerheid_codering"] = np.where(kept, earlier["zekerheid_codering"], "")
    out["grond"] = np.where(kept, earlier["grond"], "gegeven (handcodering)")
    if len(auto_idx):
        out.loc[auto_idx, "thema"] = proposals["thema"].to_numpy()
        proposed_2 = proposals["thema_2"].to_numpy()
        keep = given_2 != ""
        out.loc[auto_idx, "thema_2"] = np.where(keep, out.loc[auto_idx, "thema_2"].to_numpy(), proposed_2)
        out.loc[auto_idx, "zekerheid_codering"] = [f"{z:.3f}" for z in proposals["zekerheid_codering"]]
        notes = [g + (f" | thema_2 voorgesteld: {t2}" if t2 and not k else "")
                 for g, t2, k in zip(proposals["grond"], proposed_2, keep)]
        out.loc[auto_idx, "grond"] = notes
    return out


def review_table(coded: pd.DataFrame, raw_rows: pd.Series, proposals: pd.DataFrame, new: np.ndarray) -> pd.DataFrame:
    """``te_beoordelen.csv``: the codes proposed in this run (rows where ``new`` is True, in the order of
    ``proposals``), least certain first (ties by plan and order).

    Columns: ``plan_id``, ``volgnummer``, ``speerpunt``, ``thema`` (proposal), ``thema_2``,
    ``zekerheid_codering``, ``alternatief``, ``grond``, ``bron_rij`` (row in the input spreadsheet).
    Written with ``spreadsheet.write_csv``, which neutralises formula-leading cells: this file is for
    people, not for the pipeline.
    """
    auto = coded[new]
    table = pd.DataFrame({
        "plan_id": auto["plan_id"].to_numpy(), "volgnummer": auto["volgnummer"].to_numpy(),
        "speerpunt": auto["speerpunt"].to_numpy(), "thema": auto["thema"].to_numpy(),
        "thema_2": auto["thema_2"].to_numpy(),
        "zekerheid_codering": proposals["zekerheid_codering"].to_numpy(),
        "alternatief": proposals["alternatief"].to_numpy(), "grond": proposals["grond"].to_numpy(),
        "bron_rij": raw_rows[auto.index].to_numpy(),
    })
    table["_nr"] = pd.to_numeric(table["volgnummer"], errors="coerce")
    table = table.sort_values(["zekerheid_codering", "plan_id", "_nr", "bron_rij"], kind="stable").drop(columns="_nr")
    table["zekerheid_codering"] = table["zekerheid_codering"].map(lambda z: f"{z:.3f}")
    return table.reset_index(drop=True)


def _check_out_dir(input_path: Path, out_dir: Path) -> None:
    source = input_path.resolve()
    folder = source if source.is_dir() else source.parent
    if out_dir.resolve() == folder:
        raise InvalidInput([InputProblem("--out", None, None, str(out_dir),
                                         "een andere map dan die van de invoer: de invoer wordt nooit overschreven")])
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput([InputProblem("--out", None, None, str(out_dir), "een map (geen bestand)")])


def code_input(input_path, out_dir, *, method: str = DEFAULT_METHOD, training_path=None,
               measure: bool = True) -> dict:
    """``ivp codeer INPUT --out OUTDIR``: propose a theme for every speerpunt without one.

    Reads and validates ``input_path`` (themes may be empty), trains on its hand-coded speerpunten plus
    the hand-coded sample at ``training_path`` (default: the shipped ``data/raw``; plans that are also
    in the input are left out), and writes to ``out_dir``: ``plans.csv`` (unchanged), ``speerpunten.csv``
    (every empty theme filled; columns ``thema_bron``, ``zekerheid_codering``, ``grond`` added),
    ``te_beoordelen.csv`` (automatic codes, least certain first) and ``codeer_verslag.json`` (this
    summary). The folder is valid input for ``ivp run``. Nothing is written when the input is invalid.

    Returns:
        the summary: ``n_speerpunten``, ``n_hand``, ``n_auto`` (``thema_bron`` auto, earlier runs
        included), ``n_nu_gecodeerd`` (proposed in this run), ``methode``, ``n_training``,
        ``lexicon_versie``, ``overeenstemming`` (grouped cross-validation of the method on the training
        data: ``n``, ``n_plannen``, ``accuracy``, ``kappa``, ``alpha``; None when not measured),
        ``zekerheid`` (``minimum``, ``mediaan`` of the automatic codes) and ``bestanden``.
    """
    input_path, out_dir = Path(input_path), Path(out_dir)
    _check_out_dir(input_path, out_dir)
    raw = read_input(input_path)
    clean(raw, require_thema=False)  # raises InvalidInput with every problem
    norm, _ = normalise(raw)
    sp_norm = norm.speerpunten
    hand = sp_norm.loc[sp_norm["thema"] != "", ["plan_id", "volgnummer", "speerpunt", "thema", "thema_2"]]
    training = hand
    training_path = default_training_path() if training_path is None else training_path
    if training_path:
        extra = hand_coded(Path(training_path))
        extra = extra[~extra["plan_id"].isin(set(sp_norm["plan_id"]))]
        training = pd.concat([hand, extra], ignore_index=True)
    todo = sp_norm[sp_norm["thema"] == ""]
    needs_training = method != "lexicon"
    if needs_training and todo.shape[0] and training["thema"].nunique() < 2:
        raise InvalidInput([InputProblem(raw.files["speerpunten"], None, "thema", "te weinig handcodes",
                                         f"handcodes van minstens twee thema's om methode '{method}' te trainen, "
                                         "of --methode lexicon")])
    proposals = propose(todo["speerpunt"], method, training if needs_training else None)
    coded = coded_speerpunten(raw.speerpunten, sp_norm, proposals)
    review = review_table(coded, raw.speerpunten[ROW], proposals, (sp_norm["thema"] == "").to_numpy())

    measured = None
    if measure and training["plan_id"].nunique() >= 2 and training["thema"].nunique() >= 2:
        scores = evaluate(training, (method,))
        m = scores["methoden"][method]
        measured = {"methode": method, "n": scores["n"], "n_plannen": scores["n_plannen"], "folds": scores["folds"],
                    "accuracy": rounded(m["accuracy"]), "kappa": rounded(m["kappa"]), "alpha": rounded(m["alpha"])}
    certainty = proposals["zekerheid_codering"]
    summary = {
        "n_speerpunten": int(len(coded)), "n_hand": int((coded["thema_bron"] == HAND).sum()),
        "n_auto": int((coded["thema_bron"] == AUTO).sum()), "n_nu_gecodeerd": int(len(todo)), "methode": method,
        "n_training": int(len(training)), "lexicon_versie": lexicon().version,
        "overeenstemming": measured,
        "zekerheid": None if certainty.empty else {"minimum": rounded(certainty.min()),
                                                    "mediaan": rounded(certainty.median())},
        "bestanden": list(OUTPUT_FILES),
    }

    out_dir.mkdir(parents=True, exist_ok=True)
    plans_source = input_files(input_path)[0]
    if plans_source.suffix.lower() == ".csv":
        tmp = out_dir / ".plans.csv.tmp"
        shutil.copyfile(plans_source, tmp)
        tmp.replace(out_dir / "plans.csv")
    else:
        write_text(out_dir / "plans.csv", _csv(raw.plans.drop(columns=[ROW])))
    write_text(out_dir / "speerpunten.csv", _csv(coded))
    write_csv(review, out_dir / "te_beoordelen.csv")
    write_json(out_dir / "codeer_verslag.json", summary)
    return summary
