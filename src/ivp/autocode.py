"""Automatic theme coding of speerpunten (``ivp codeer``), and its measured agreement with hand coding.

Three coders propose a main theme (``thema``) for a speerpunt title, with a certainty in 0..1 and the
reason (``grond``):

- ``lexicon`` (the default, ``DEFAULT_METHOD``): the transparent Dutch lexicon of ``data/lexicon.yaml``
  (terms, stems and the decision rules of the codebook); it needs no training data.
- ``statistisch``: TF-IDF on word (1-2) and character (2-5, within words) n-grams with multinomial
  logistic regression (scikit-learn), trained on hand-coded speerpunten.
- ``combinatie``: the average of the two probability distributions.

The default was chosen by measured agreement: in grouped cross-validation on the shipped sample the
lexicon agreed at least as well as the combination and better than the statistical model, and on
hand-coded priorities of plans outside the sample it agreed best of the three (figures in the README).

Agreement is measured by grouped cross-validation over plans (``GroupKFold``: no speerpunt of a tested
plan is in training), with the measures of content analysis: accuracy, Cohen's kappa, Krippendorff's
alpha (nominal), per-theme precision and recall and the confusion matrix.

Given codes are never changed: only speerpunten with an empty ``thema`` get a proposal.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .atomic import write_json, write_text
from .errors import InputProblem, InvalidInput
from .inputs import ROW, input_files, read_input
from .reference import _data_file, theme_codes
from .spreadsheet import write_csv

METHODS = ("lexicon", "statistisch", "combinatie")
DEFAULT_METHOD = "lexicon"
N_SPLITS = 10
CERTAINTY_BANDS = (0.0, 0.4, 0.6, 0.8, 1.0)  # for the table of agreement by zekerheid_codering
OUTPUT_FILES = ("plans.csv", "speerpunten.csv", "te_beoordelen.csv", "codeer_verslag.json")
HAND, AUTO = "hand", "auto"


# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------

def normalise_text(text: str) -> str:
    """Lower case, accents removed, ``&`` read as ``en``, every non-alphanumeric run read as one space."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " en ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# --------------------------------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One lexicon pattern: the theme it points to, its weight and, for decision rules, the rule."""

    pattern: str
    thema: str
    weight: float
    thema_2: str = ""
    rule: str = ""  # text of the codebook's decision rule; empty for ordinary terms

    @property
    def regex(self) -> re.Pattern:
        return _compile(self.pattern)

    @property
    def specificity(self) -> tuple:
        """Sort key, most specific first: rule, words, anchored at a word start, literal letters."""
        literal = len(self.pattern.replace("*", "").replace(" ", ""))
        return (bool(self.rule), self.pattern.count(" ") + 1, not self.pattern.startswith("*"), literal)


@lru_cache(maxsize=None)
def _compile(pattern: str) -> re.Pattern:
    words = [re.escape(w).replace(r"\*", "[a-z0-9]*") for w in pattern.split(" ")]
    return re.compile(r"(?<![a-z0-9])" + " ".join(words) + r"(?![a-z0-9])")


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[Term, ...]  # most specific first
    default: str
    threshold_2: float
    version: str


_PATTERN = re.compile(r"^\*?[a-z0-9]+(\*[a-z0-9]*)*( \*?[a-z0-9]+(\*[a-z0-9]*)*)*\*?$")


def parse_lexicon(data: dict, codes: list[str]) -> Lexicon:
    """A Lexicon from the YAML structure of ``data/lexicon.yaml``; raises ValueError naming every
    bad entry (unknown theme, pattern with characters normalised text cannot contain)."""
    errors, terms = [], []
    default_weight = float(data.get("gewicht_standaard", 1))

    def add(pattern, thema, weight, thema_2="", rule=""):
        if not isinstance(pattern, str) or not _PATTERN.match(pattern):
            errors.append(f"patroon {pattern!r}: alleen kleine letters, cijfers, '*' en enkele spaties")
        if thema not in codes:
            errors.append(f"patroon {pattern!r}: thema {thema!r} is geen code uit het codeboek")
        if thema_2 and thema_2 not in codes:
            errors.append(f"patroon {pattern!r}: thema_2 {thema_2!r} is geen code uit het codeboek")
        terms.append(Term(str(pattern), thema, float(weight), thema_2 or "", rule))

    for entry in data.get("beslisregels", []):
        add(entry.get("patroon"), entry.get("thema"), entry.get("gewicht", 3), entry.get("thema_2", ""),
            entry.get("regel") or entry.get("patroon"))
    for thema, entries in (data.get("termen") or {}).items():
        for entry in entries:
            if isinstance(entry, dict):
                add(entry.get("patroon"), thema, entry.get("gewicht", default_weight))
            else:
                add(entry, thema, default_weight)
    default = data.get("standaard", codes[0])
    if default not in codes:
        errors.append(f"standaard {default!r} is geen code uit het codeboek")
    if errors:
        raise ValueError("lexicon.yaml: " + "; ".join(errors))
    ordered = sorted(terms, key=lambda t: t.specificity, reverse=True)
    return Lexicon(tuple(ordered), default, float(data.get("drempel_thema_2", 0.5)), str(data.get("versie", "")))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped lexicon (``data/lexicon.yaml``)."""
    with _data_file("lexicon.yaml").open("r", encoding="utf-8") as f:
        return parse_lexicon(yaml.safe_load(f), theme_codes())


@dataclass(frozen=True)
class Match:
    term: Term
    start: int  # character offset in the normalised text
    words: tuple[int, ...]  # indices of the words it claimed


def lexicon_matches(text: str, lex: Lexicon) -> list[Match]:
    """The patterns that claim words of ``text`` (raw title), in the order they appear.

    Each word is claimed by at most one pattern, the most specific first (see lexicon.yaml)."""
    norm = normalise_text(text)
    starts = [m.start() for m in re.finditer(r"[a-z0-9]+", norm)]
    claimed: set[int] = set()
    found = []
    for term in lex.terms:
        for m in term.regex.finditer(norm):
            words = tuple(i for i, s in enumerate(starts) if m.start() <= s < m.end())
            if words and not claimed.intersection(words):
                claimed.update(words)
                found.append(Match(term, m.start(), words))
    return sorted(found, key=lambda m: m.start)


def lexicon_code(text: str, lex: Lexicon | None = None) -> dict:
    """Code one title with the lexicon.

    Returns ``thema``, ``thema_2`` (or ""), ``zekerheid`` (0..1), ``grond`` (the deciding patterns),
    ``scores`` (theme -> summed weight) and ``p`` (theme -> probability: scores smoothed with one
    pseudo-count spread evenly over the themes, so a title without any match is uniform).
    """
    lex = lex or lexicon()
    codes = theme_codes()
    matches = lexicon_matches(text, lex)
    scores = {c: 0.0 for c in codes}
    first = {}
    for m in matches:
        scores[m.term.thema] += m.term.weight
        first.setdefault(m.term.thema, m.start)
    total = sum(scores.values())
    p = {c: (scores[c] + 1 / len(codes)) / (total + 1) for c in codes}
    if total == 0:
        return {"thema": lex.default, "thema_2": "", "zekerheid": round(p[lex.default], 6),
                "grond": f"lexicon: geen term gevonden; standaard {lex.default}", "scores": scores, "p": p}
    ranked = sorted((c for c in codes if scores[c] > 0), key=lambda c: (-scores[c], first[c]))
    thema = ranked[0]
    thema_2 = _lexicon_second(thema, ranked, scores, matches, lex)
    grond = "lexicon: " + "; ".join(_describe(m) for m in matches)
    return {"thema": thema, "thema_2": thema_2, "zekerheid": round(p[thema], 6), "grond": grond,
            "scores": scores, "p": p}


def _lexicon_second(thema, ranked, scores, matches, lex) -> str:
    for m in matches:
        if m.term.thema == thema and m.term.thema_2 and m.term.thema_2 != thema:
            return m.term.thema_2
    if len(ranked) > 1:
        second = ranked[1]
        if scores[second] >= 1 and scores[second] >= lex.threshold_2 * scores[thema]:
            return second
    return ""


def _describe(m: Match) -> str:
    weight = f"{m.term.weight:g}"
    if m.term.rule:
        return f"'{m.term.pattern}' -> {m.term.thema} (beslisregel: {m.term.rule}; gewicht {weight})"
    return f"'{m.term.pattern}' -> {m.term.thema} ({weight})"


# --------------------------------------------------------------------------------------------------
# Statistical coder
# --------------------------------------------------------------------------------------------------

def build_classifier():
    """Unfitted scikit-learn pipeline: TF-IDF on words (1-2) and characters (2-5 within words) of the
    normalised title, then multinomial logistic regression (lbfgs, deterministic)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("woorden", TfidfVectorizer(preprocessor=normalise_text, analyzer="word", ngram_range=(1, 2),
                                    sublinear_tf=True, token_pattern=r"[a-z0-9]+")),
        ("letters", TfidfVectorizer(preprocessor=normalise_text, analyzer="char_wb", ngram_range=(2, 5),
                                    sublinear_tf=True)),
    ])
    return Pipeline([("kenmerken", features),
                     ("model", LogisticRegression(C=10.0, max_iter=5000))])


def _one_thread():
    """BLAS limited to one thread: the problem is tiny, and on a busy machine the threads of OpenBLAS
    made fitting ten times slower. Results do not depend on it."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


@dataclass
class StatisticalCoder:
    """A fitted classifier and the themes it knows (a theme absent from training gets probability 0)."""

    pipeline: object
    classes: list[str]

    @property
    def feature_names(self) -> np.ndarray:
        if not hasattr(self, "_names"):
            self._names = self.pipeline.named_steps["kenmerken"].get_feature_names_out()
        return self._names

    @classmethod
    def fit(cls, texts: pd.Series, labels: pd.Series) -> "StatisticalCoder":
        labels = pd.Series(labels).astype(str).tolist()
        if len(set(labels)) < 2:
            raise ValueError("het statistische model heeft handcodes van minstens twee thema's nodig")
        with _one_thread():
            pipeline = build_classifier().fit(pd.Series(texts).astype(str).tolist(), labels)
        return cls(pipeline, [str(c) for c in pipeline.classes_])

    def proba(self, texts) -> pd.DataFrame:
        """One row per text, one column per codebook theme (probabilities summing to 1)."""
        with _one_thread():
            raw = self.pipeline.predict_proba(pd.Series(texts).astype(str).tolist())
        out = pd.DataFrame(0.0, index=range(len(raw)), columns=theme_codes())
        out[self.classes] = raw
        return out

    def reasons(self, text: str, thema: str, n: int = 3) -> str:
        """The features of ``text`` that pushed most towards ``thema`` (coefficient x tf-idf value)."""
        if thema not in self.classes:
            return "model: thema niet in de trainingsdata"
        features = self.pipeline.named_steps["kenmerken"]
        model = self.pipeline.named_steps["model"]
        x = features.transform([text]).tocsr()
        coef = model.coef_[self.classes.index(thema)] if model.coef_.shape[0] > 1 else model.coef_[0]
        contributions = sorted(((x.data[k] * coef[j], j) for k, j in enumerate(x.indices)), reverse=True)
        names = self.feature_names
        shown = []
        for value, j in contributions:
            if value <= 0 or len(shown) == n:
                break
            kind, feature = names[j].split("__", 1)
            shown.append(f"'{feature.strip()}'" if kind == "letters" else feature)
        return "model: " + (", ".join(dict.fromkeys(shown)) if shown else "geen kenmerk wijst sterk")


# --------------------------------------------------------------------------------------------------
# Coding with any method
# --------------------------------------------------------------------------------------------------

def _second(p: pd.Series, thema: str, minimum: float) -> str:
    rest = p.drop(thema)
    return str(rest.idxmax()) if len(rest) and rest.max() >= minimum else ""


def propose(texts: pd.Series, method: str = DEFAULT_METHOD, training: pd.DataFrame | None = None, *,
            lex: Lexicon | None = None, coder: StatisticalCoder | None = None, explain: bool = True) -> pd.DataFrame:
    """Proposed theme codes for speerpunt titles.

    Args:
        texts: the titles (``speerpunt``).
        method: one of ``METHODS``.
        training: hand-coded speerpunten with columns ``speerpunt`` and ``thema`` (required for
            ``statistisch`` and ``combinatie`` unless ``coder`` is given).
        coder: an already fitted StatisticalCoder to use instead of fitting one on ``training``.
        explain: False leaves the model's part of ``grond`` out (faster; for cross-validation).
    Returns:
        one row per text (same order, fresh index): ``thema``, ``thema_2`` (or ""), ``zekerheid_codering``
        (0..1: the probability of the chosen theme), ``grond``, ``alternatief`` (runner-up theme with its
        probability; empty when nothing points to one), and ``p_<CODE>`` for every theme.
    """
    if method not in METHODS:
        raise ValueError(f"onbekende methode {method!r}; kies uit {', '.join(METHODS)}")
    codes = theme_codes()
    texts = pd.Series(texts).astype(str).reset_index(drop=True)
    lex = lex or lexicon()
    unique = {t: lexicon_code(t, lex) for t in dict.fromkeys(texts)}  # titles repeat a lot
    lexical = [unique[t] for t in texts]
    p_lex = pd.DataFrame([r["p"] for r in lexical], columns=codes, index=texts.index)
    if method == "lexicon":
        p = p_lex
    else:
        if coder is None:
            if training is None or training.empty:
                raise ValueError(f"methode {method!r} heeft handgecodeerde speerpunten nodig om van te leren")
            coder = StatisticalCoder.fit(training["speerpunt"], training["thema"])
        p_stat = coder.proba(texts)
        p = p_stat if method == "statistisch" else (p_lex + p_stat) / 2
    rows = []
    for i, text in texts.items():
        probs = p.loc[i]
        lex_row = lexical[i]
        if method == "lexicon":
            thema, thema_2, grond = lex_row["thema"], lex_row["thema_2"], lex_row["grond"]
        else:
            thema = str(probs.idxmax())  # first of the codebook order on a tie
            if method == "statistisch":
                thema_2 = _second(probs, thema, 0.35)
                grond = coder.reasons(text, thema) if explain else ""
            else:
                thema_2 = lex_row["thema_2"] if lex_row["thema"] == thema and lex_row["thema_2"] else ""
                grond = lex_row["grond"] + (" | " + coder.reasons(text, thema) if explain else "")
        runner = probs.drop(thema).idxmax()
        has_runner = probs[runner] > 1 / len(codes) + 1e-9  # above the no-evidence level
        rows.append({"thema": thema, "thema_2": thema_2 if thema_2 != thema else "",
                     "zekerheid_codering": round(float(probs[thema]), 3), "grond": grond,
                     "alternatief": f"{runner} ({probs[runner]:.2f})" if has_runner else ""})
    out = pd.DataFrame(rows, columns=["thema", "thema_2", "zekerheid_codering", "grond", "alternatief"])
    return pd.concat([out, p.round(6).add_prefix("p_")], axis=1)


# --------------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------------

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
    import krippendorff
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
    from sklearn.model_selection import GroupKFold

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


# --------------------------------------------------------------------------------------------------
# Reading, writing and the command
# --------------------------------------------------------------------------------------------------

def default_training_path() -> Path | None:
    """The project's shipped hand-coded sample (``data/raw`` next to ``src/``), when present."""
    path = Path(__file__).resolve().parents[2] / "data" / "raw"
    return path if (path / "speerpunten.csv").exists() else None


def hand_coded(path: Path) -> pd.DataFrame:
    """The valid, hand-coded speerpunten of the input at ``path``: ``plan_id``, ``volgnummer``,
    ``speerpunt``, ``thema``, ``thema_2`` (validated as pipeline input with themes allowed empty;
    rows without a theme are left out)."""
    from .clean import clean

    cleaned = clean(read_input(Path(path)), require_thema=False)
    sp = cleaned.speerpunten
    return sp.loc[sp["thema"] != "", ["plan_id", "volgnummer", "speerpunt", "thema", "thema_2"]].reset_index(drop=True)


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def coded_priorities(raw_speerpunten: pd.DataFrame, normalised: pd.DataFrame, proposals: pd.DataFrame) -> pd.DataFrame:
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
    given_2 = normalised.loc[auto_idx, "thema_2"].to_numpy() if "thema_2" in normalised else np.array([""] * len(auto_idx))
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
    from .clean import clean, normalise

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
    coded = coded_priorities(raw.speerpunten, sp_norm, proposals)
    review = review_table(coded, raw.speerpunten[ROW], proposals, (sp_norm["thema"] == "").to_numpy())

    measured = None
    if measure and training["plan_id"].nunique() >= 2 and training["thema"].nunique() >= 2:
        scores = evaluate(training, (method,))
        m = scores["methoden"][method]
        measured = {"methode": method, "n": scores["n"], "n_plannen": scores["n_plannen"], "folds": scores["folds"],
                    "accuracy": _r(m["accuracy"]), "kappa": _r(m["kappa"]), "alpha": _r(m["alpha"])}
    certainty = proposals["zekerheid_codering"]
    summary = {
        "n_speerpunten": int(len(coded)), "n_hand": int((coded["thema_bron"] == HAND).sum()),
        "n_auto": int((coded["thema_bron"] == AUTO).sum()), "n_nu_gecodeerd": int(len(todo)), "methode": method,
        "n_training": int(len(training)), "lexicon_versie": lexicon().version,
        "overeenstemming": measured,
        "zekerheid": None if certainty.empty else {"minimum": _r(certainty.min()), "mediaan": _r(certainty.median())},
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


def _r(value, digits: int = 3):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else round(float(value), digits)


def evaluation_tables(result: dict) -> dict[str, pd.DataFrame]:
    """Tidy tables of an ``evaluate`` result: ``samenvatting`` (one row per method), ``per_thema``
    (method, thema, n_hand, n_auto, precision, recall, f1), ``verwarring`` (method, hand, auto, n for
    every pair), ``verwarringen`` (off-diagonal pairs, most frequent first per method) and
    ``per_zekerheid`` (method, van, tot, n, accuracy per band of zekerheid_codering)."""
    summary, per_theme, matrix, confusions, bands = [], [], [], [], []
    for method, m in result["methoden"].items():
        summary.append({"methode": method, "standaard": method == result["standaard"], "n": m["n"],
                        "accuracy": _r(m["accuracy"]), "kappa": _r(m["kappa"]), "alpha": _r(m["alpha"]),
                        "thema_2_voorgesteld": m["thema_2"]["voorgesteld"],
                        "thema_2_gelijk_aan_hand": m["thema_2"]["voorgesteld_en_gelijk"]})
        for code, s in m["per_thema"].items():
            per_theme.append({"methode": method, "thema": code, "n_hand": s["n_hand"], "n_auto": s["n_auto"],
                              "precision": _r(s["precision"]), "recall": _r(s["recall"]), "f1": _r(s["f1"])})
        for h, row in m["verwarring"].items():
            matrix += [{"methode": method, "hand": h, "auto": a, "n": n} for a, n in row.items()]
        confusions += [{"methode": method, **c} for c in m["verwarringen"]]
        bands += [{"methode": method, **b, "accuracy": _r(b["accuracy"])} for b in m.get("per_zekerheid", [])]
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
        lines.append(f"{row.methode:<12} {_fmt(row.accuracy):>8} {_fmt(row.kappa):>7} {_fmt(row.alpha):>7}{mark}")
    for method, m in result["methoden"].items():
        labels = list(m["verwarring"])
        lines += ["", f"== {method} ==", f"{'thema':<6} {'n_hand':>6} {'n_auto':>6} {'precisie':>8} {'recall':>7}"]
        for code, t in m["per_thema"].items():
            lines.append(f"{code:<6} {t['n_hand']:>6} {t['n_auto']:>6} {t['precision']:>8.2f} {t['recall']:>7.2f}")
        lines += ["", "verwarringsmatrix (rij = hand, kolom = automatisch):", "      " + "".join(f"{c:>5}" for c in labels)]
        for h in labels:
            lines.append(f"{h:<6}" + "".join(f"{m['verwarring'][h][a]:>5}" for a in labels))
        common = m["verwarringen"][:top]
        lines.append("meest voorkomende verwarringen (hand->automatisch): " + (", ".join(
            f"{c['hand']}->{c['auto']} ({c['n']})" for c in common) or "geen"))
        lines.append("juist per zekerheid: " + ", ".join(
            f"{b['van']:.1f}-{b['tot']:.1f}: {_fmt(b['accuracy'])} (n={b['n']})" for b in m.get("per_zekerheid", [])))
    return "\n".join(lines)


def _fmt(value) -> str:
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


def _codeer(args) -> int:
    training = None if args.training is None else (False if args.training == "geen" else Path(args.training))
    if args.evalueer:
        coded = hand_coded(Path(args.input))
        extra = None
        if training is not False:
            path = default_training_path() if training is None else training
            extra = hand_coded(path) if path and Path(path).resolve() != Path(args.input).resolve() else None
        try:
            result = evaluate(coded, METHODS, extra_training=extra)
        except ValueError as exc:  # too few plans or themes to cross-validate: a property of the input
            raise InvalidInput([InputProblem(Path(args.input).name, None, "thema", f"{len(coded)} handcodes in "
                                             f"{coded['plan_id'].nunique()} plan(nen)", str(exc))]) from None
        print(format_evaluation(result))
        out = Path(args.out or "reports/codeer-evaluatie")
        paths = write_evaluation(result, out)
        print(f"\nGeschreven: {', '.join(str(p) for p in paths)}")
        return 0
    if not args.out:
        raise InvalidInput([InputProblem("--out", None, None, "ontbreekt", "een uitvoermap: ivp codeer INVOER --out MAP")])
    summary = code_input(Path(args.input), Path(args.out), method=args.methode,
                         training_path=False if training is False else training, measure=not args.niet_meten)
    earlier = summary["n_auto"] - summary["n_nu_gecodeerd"]
    print(f"{args.out}: {summary['n_speerpunten']} speerpunten, waarvan {summary['n_nu_gecodeerd']} automatisch "
          f"gecodeerd ({summary['methode']})" + (f", {earlier} eerder automatisch gecodeerd" if earlier else "")
          + f" en {summary['n_hand']} met een gegeven code (ongewijzigd).")
    agreement_ = summary["overeenstemming"]
    if agreement_:
        print(f"Gemeten overeenstemming met handcodering (kruisvalidatie per plan, {agreement_['n']} speerpunten): "
              f"accuracy {_fmt(agreement_['accuracy'])}, kappa {_fmt(agreement_['kappa'])}, "
              f"alpha {_fmt(agreement_['alpha'])}.")
    if summary["n_nu_gecodeerd"]:
        print(f"Beoordeel de twijfelgevallen eerst: {Path(args.out) / 'te_beoordelen.csv'} (minst zeker bovenaan).")
    return 0


def add_codeer_parser(sub) -> None:
    """Register ``ivp codeer`` on the subparsers of the main command line."""
    p = sub.add_parser("codeer", help="stel themacodes voor bij speerpunten zonder thema, of meet de overeenstemming")
    p.add_argument("input", help="map met plans.csv en speerpunten.csv, of een .xlsx-bestand")
    p.add_argument("--out", help="uitvoermap (bij --evalueer standaard reports/codeer-evaluatie)")
    p.add_argument("--evalueer", action="store_true",
                   help="kruisvalidatie per plan op de handcodes van INPUT: accuracy, kappa, alpha, per thema, verwarring")
    p.add_argument("--methode", choices=METHODS, default=DEFAULT_METHOD,
                   help=f"codeermethode (standaard {DEFAULT_METHOD})")
    p.add_argument("--training", default=None,
                   help="extra handgecodeerde steekproef om van te leren (standaard de meegeleverde data/raw; 'geen' = alleen INPUT)")
    p.add_argument("--niet-meten", action="store_true", help="sla de kruisvalidatie over bij het coderen")
    p.set_defaults(func=_codeer)
