"""Proposing a theme with any of the three coders (``METHODS``; the default is ``DEFAULT_METHOD``)."""

from __future__ import annotations

import pandas as pd

from ivp.coding.lexicon import Lexicon, lexicon, lexicon_code
from ivp.coding.statistical import StatisticalCoder
from ivp.reference.municipalities import theme_codes

METHODS = ("lexicon", "statistisch", "combinatie")
DEFAULT_METHOD = "lexicon"


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
