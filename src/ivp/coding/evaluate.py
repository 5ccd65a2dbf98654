"""Measured agreement of the coders with hand coding.

Grouped cross-validation over plans (``GroupKFold``: no speerpunt of a tested plan is in training),
with the measures of content analysis: accuracy, Cohen's kappa, Krippendorff's alpha (nominal),
per-theme precision and recall and the confusion matrix; and the evaluation written as text, JSON and
CSV tables (``ivp codeer --evalueer``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd

from ivp.coding.propose import DEFAULT_METHOD, METHODS, propose
from ivp.coding.statistical import StatisticalCoder
from ivp.reference.municipalities import theme_codes
from ivp.running.atomic import write_json
from ivp.running.spreadsheet import write_csv

N_SPLITS = 10
CERTAINTY_BANDS = (0.0, 0.4, 0.6, 0.8, 1.0)  # for the table of agreement by zekerheid_codering


def agreement(hand, auto, labels: list[str] | None = None) -> dict:
    """Agreement between hand codes and automatic codes of the same speerpunten.

    Args:
        hand, auto: equally long sequences of theme codes.
        labels: themes in display order (default: the codebook's).
    Returns:
        ``n``, ``accuracy``, ``kappa`` (Cohen), ``alpha`` (Krippendorff, nominal; None when undefined),
        ``per_thema`` {code: {n_hand, n_auto, precision, recall, f1}}, ``verwarring`` {hand: {auto: n}}
        and ``verwarringen`` (off-diagonal pairs, most frequent first: hand, auto, n).
    """
    # imported here, not at the top, for the reason given in statistical.build_classifier
    from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

    hand, auto = [str(h) for h in hand], [str(a) for a in auto]
    if len(hand) != len(auto):
        raise ValueError("hand- en automatische codes moeten even lang zijn")
    if not hand:
        raise ValueError("geen speerpunten om overeenstemming op te meten")
    labels = list(labels or theme_codes())
    labels += [c for c in sorted(set(hand) | set(auto)) if c not in labels]
    matrix = confusion_matrix(hand, auto, labels=labels)
    precision, recall, f1, _ = precision_recall_fscore_support(hand, auto, labels=labels, zero_division=0)
    index = {c: i for i, c in enumerate(labels)}
    alpha = None
    if len(set(hand) | set(auto)) > 1:
        alpha = float(krippendorff.alpha(reliability_data=[[index[h] for h in hand], [index[a] for a in auto]],
                                         level_of_measurement="nominal"))
    with warnings.catch_warnings():  # undefined kappa (one code only) is reported as None below
        warnings.simplefilter("ignore")
        kappa = float(cohen_kappa_score(hand, auto, labels=labels))
    confusions = [{"hand": labels[i], "auto": labels[j], "n": int(matrix[i, j])}
                  for i in range(len(labels)) for j in range(len(labels)) if i != j and matrix[i, j] > 0]
    confusions.sort(key=lambda c: (-c["n"], index[c["hand"]], index[c["auto"]]))
    return {
        "n": len(hand),
        "accuracy": float(accuracy_score(hand, auto)),
        "kappa": None if np.isnan(kappa) else kappa,
        "alpha": None if alpha is None or np.isnan(alpha) else alpha,
        "per_thema": {c: {"n_hand": int(matrix[i, :].sum()), "n_auto": int(matrix[:, i].sum()),
                          "precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i])}
                      for i, c in enumerate(labels)},
        "verwarring": {c: {d: int(matrix[i, j]) for j, d in enumerate(labels)} for i, c in enumerate(labels)},
        "verwarringen": confusions,
    }


def agreement_by_certainty(hand, auto, certainty, bands=CERTAINTY_BANDS) -> list[dict]:
    """Share of automatic codes equal to the hand code, per band of ``zekerheid_codering``.

    Returns one dict per band (lower bound exclusive except the first): ``van``, ``tot``, ``n``,
    ``accuracy`` (None for an empty band). Tells a reviewer below which certainty to check codes."""
    frame = pd.DataFrame({"ok": pd.Series(hand).astype(str).to_numpy() == pd.Series(auto).astype(str).to_numpy(),
                          "z": pd.Series(certainty, dtype=float).to_numpy()})
    cut = pd.cut(frame["z"], list(bands), include_lowest=True, labels=False)
    rows = []
    for i in range(len(bands) - 1):
        ok = frame.loc[cut == i, "ok"]
        rows.append({"van": bands[i], "tot": bands[i + 1], "n": int(len(ok)),
                     "accuracy": float(ok.mean()) if len(ok) else None})
    return rows


def grouped_folds(groups: pd.Series, n_splits: int = N_SPLITS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test row positions of a grouped k-fold over ``groups`` (plan_id): a plan's speerpunten are
    all in one test fold and never in its training. Deterministic (no shuffling)."""
    from sklearn.model_selection import GroupKFold  # here, not at the top: see statistical.build_classifier

    groups = pd.Series(groups).astype(str).reset_index(drop=True)
    k = min(n_splits, groups.nunique())
    if k < 2:
        raise ValueError("kruisvalidatie per plan heeft minstens twee plannen nodig")
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def cross_validate(speerpunten: pd.DataFrame, methods=METHODS, *, extra_training: pd.DataFrame | None = None,
                   n_splits: int = N_SPLITS) -> pd.DataFrame:
    """Out-of-fold proposals of every method for hand-coded speerpunten, grouped by plan.

    Args:
        speerpunten: hand-coded rows with ``plan_id``, ``speerpunt``, ``thema``.
        extra_training: more hand-coded rows (``plan_id``, ``speerpunt``, ``thema``) added to every
            training fold; rows of plans that are in ``speerpunten`` are left out.
    Returns:
        the input rows (fresh index) plus, per method M, ``M`` (proposed theme), ``M_thema_2`` and
        ``M_zekerheid``.
    """
    data = speerpunten.reset_index(drop=True)
    extra = None
    if extra_training is not None and not extra_training.empty:
        extra = extra_training[~extra_training["plan_id"].isin(set(data["plan_id"]))]
    out = data.copy()
    for method in methods:
        out[method], out[f"{method}_thema_2"], out[f"{method}_zekerheid"] = "", "", np.nan
    for train_idx, test_idx in grouped_folds(data["plan_id"], n_splits):
        train = data.iloc[train_idx][["plan_id", "speerpunt", "thema"]]
        if extra is not None:
            train = pd.concat([train, extra[["plan_id", "speerpunt", "thema"]]], ignore_index=True)
        test = data.iloc[test_idx]
        coder = None
        if any(m != "lexicon" for m in methods):
            coder = StatisticalCoder.fit(train["speerpunt"], train["thema"])
        for method in methods:
            got = propose(test["speerpunt"], method, train, coder=coder, explain=False)
            out.loc[test_idx, method] = got["thema"].to_numpy()
            out.loc[test_idx, f"{method}_thema_2"] = got["thema_2"].to_numpy()
            out.loc[test_idx, f"{method}_zekerheid"] = got["zekerheid_codering"].to_numpy()
    return out


def evaluate(speerpunten: pd.DataFrame, methods=METHODS, *, extra_training: pd.DataFrame | None = None,
             n_splits: int = N_SPLITS) -> dict:
    """Grouped cross-validation of every method on hand-coded speerpunten.

    Args:
        speerpunten: hand-coded rows with ``plan_id``, ``volgnummer``, ``speerpunt``, ``thema`` and
            optionally ``thema_2``.
    Returns:
        ``n``, ``n_plannen``, ``folds``, ``standaard`` (default method), ``methoden`` {method:
        agreement(...) plus ``thema_2`` (how often a proposed second theme equals the hand one)},
        and ``voorspellingen`` (the out-of-fold proposals, a DataFrame).
    """
    coded = speerpunten[speerpunten["thema"].astype(str) != ""].reset_index(drop=True)
    predictions = cross_validate(coded, methods, extra_training=extra_training, n_splits=n_splits)
    result = {"n": len(coded), "n_plannen": int(coded["plan_id"].nunique()),
              "folds": min(n_splits, int(coded["plan_id"].nunique())), "standaard": DEFAULT_METHOD,
              "extra_training": 0 if extra_training is None else int(
                  (~extra_training["plan_id"].isin(set(coded["plan_id"]))).sum()),
              "methoden": {}}
    hand_2 = coded["thema_2"].astype(str) if "thema_2" in coded else pd.Series("", index=coded.index)
    for method in methods:
        scores = agreement(coded["thema"], predictions[method])
        proposed = predictions[f"{method}_thema_2"].astype(str)
        scores["thema_2"] = {"voorgesteld": int((proposed != "").sum()),
                             "voorgesteld_en_gelijk": int(((proposed != "") & (proposed == hand_2)).sum()),
                             "hand": int((hand_2 != "").sum())}
        scores["per_zekerheid"] = agreement_by_certainty(coded["thema"], predictions[method],
                                                         predictions[f"{method}_zekerheid"])
        result["methoden"][method] = scores
    result["voorspellingen"] = predictions
    return result


def rounded(value, digits: int = 3):
    """A figure rounded for JSON and CSV output; None for a missing (None or NaN) figure."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else round(float(value), digits)


def evaluation_tables(result: dict) -> dict[str, pd.DataFrame]:
    """Tidy tables of an ``evaluate`` result: ``samenvatting`` (one row per method), ``per_thema``
    (method, thema, n_hand, n_auto, precision, recall, f1), ``verwarring`` (method, hand, auto, n for
    every pair), ``verwarringen`` (off-diagonal pairs, most frequent first per method) and
    ``per_zekerheid`` (method, van, tot, n, accuracy per band of zekerheid_codering)."""
    summary, per_theme, matrix, confusions, bands = [], [], [], [], []
    for method, m in result["methoden"].items():
        summary.append({"methode": method, "standaard": method == result["standaard"], "n": m["n"],
                        "accuracy": rounded(m["accuracy"]), "kappa": rounded(m["kappa"]), "alpha": rounded(m["alpha"]),
                        "thema_2_voorgesteld": m["thema_2"]["voorgesteld"],
                        "thema_2_gelijk_aan_hand": m["thema_2"]["voorgesteld_en_gelijk"]})
        for code, s in m["per_thema"].items():
            per_theme.append({"methode": method, "thema": code, "n_hand": s["n_hand"], "n_auto": s["n_auto"],
                              "precision": rounded(s["precision"]), "recall": rounded(s["recall"]),
                              "f1": rounded(s["f1"])})
        for h, row in m["verwarring"].items():
            matrix += [{"methode": method, "hand": h, "auto": a, "n": n} for a, n in row.items()]
        confusions += [{"methode": method, **c} for c in m["verwarringen"]]
        bands += [{"methode": method, **b, "accuracy": rounded(b["accuracy"])} for b in m.get("per_zekerheid", [])]
    return {"samenvatting": pd.DataFrame(summary), "per_thema": pd.DataFrame(per_theme),
            "verwarring": pd.DataFrame(matrix),
            "verwarringen": pd.DataFrame(confusions, columns=["methode", "hand", "auto", "n"]),
            "per_zekerheid": pd.DataFrame(bands, columns=["methode", "van", "tot", "n", "accuracy"])}


def format_evaluation(result: dict, top: int = 5) -> str:
    """The evaluation as plain text (Dutch): summary per method, then per method the per-theme
    precision/recall, the confusion matrix (rows hand, columns auto) and the most common confusions."""
    lines = [f"Kruisvalidatie per plan ({result['folds']} folds): {result['n']} handgecodeerde speerpunten "
             f"in {result['n_plannen']} plannen" + (f", plus {result['extra_training']} extra trainingsspeerpunten"
                                                   if result.get("extra_training") else "") + ".", ""]
    tables = evaluation_tables(result)
    s = tables["samenvatting"]
    lines.append(f"{'methode':<12} {'accuracy':>8} {'kappa':>7} {'alpha':>7}")
    for row in s.itertuples():
        mark = "  (standaard)" if row.standaard else ""
        lines.append(f"{row.methode:<12} {format_figure(row.accuracy):>8} {format_figure(row.kappa):>7} "
                     f"{format_figure(row.alpha):>7}{mark}")
    for method, m in result["methoden"].items():
        labels = list(m["verwarring"])
        lines += ["", f"== {method} ==", f"{'thema':<6} {'n_hand':>6} {'n_auto':>6} {'precisie':>8} {'recall':>7}"]
        for code, t in m["per_thema"].items():
            lines.append(f"{code:<6} {t['n_hand']:>6} {t['n_auto']:>6} {t['precision']:>8.2f} {t['recall']:>7.2f}")
        lines += ["", "verwarringsmatrix (rij = hand, kolom = automatisch):",
                  "      " + "".join(f"{c:>5}" for c in labels)]
        for h in labels:
            lines.append(f"{h:<6}" + "".join(f"{m['verwarring'][h][a]:>5}" for a in labels))
        common = m["verwarringen"][:top]
        lines.append("meest voorkomende verwarringen (hand->automatisch): " + (", ".join(
            f"{c['hand']}->{c['auto']} ({c['n']})" for c in common) or "geen"))
        lines.append("juist per zekerheid: " + ", ".join(
            f"{b['van']:.1f}-{b['tot']:.1f}: {format_figure(b['accuracy'])} (n={b['n']})"
            for b in m.get("per_zekerheid", [])))
    return "\n".join(lines)


def format_figure(value) -> str:
    """A figure with three decimals for printed text; ``n.v.t.`` for a missing (None or NaN) figure."""
    return "n.v.t." if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.3f}"


def write_evaluation(result: dict, out_dir: Path) -> list[Path]:
    """Write ``evaluatie.json`` (all figures) and the CSV tables (``evaluatie_samenvatting``,
    ``evaluatie_per_thema``, ``evaluatie_verwarring``, ``evaluatie_verwarringen``,
    ``evaluatie_voorspellingen``) to ``out_dir``, each atomically."""
    out_dir = Path(out_dir)
    figures = {k: v for k, v in result.items() if k != "voorspellingen"}
    paths = [out_dir / "evaluatie.json"]
    write_json(paths[0], json.loads(json.dumps(figures, default=float)))
    tables = {**evaluation_tables(result), "voorspellingen": result["voorspellingen"]}
    for name, table in tables.items():  # tables for people: formula-leading cells neutralised
        paths.append(write_csv(table, out_dir / f"evaluatie_{name}.csv"))
    return paths
