"""Dutch notation of the report's numbers: ``42,1%``, ``35,0–50,0%``, ``1.234,6``, ``3 plannen``.

Plain functions of numbers that return plain text; the report's templates use them as Jinja filters
(``{{ aandeel | pct }}``, see ``ivp.report.templating``) and tests call them directly."""

from __future__ import annotations

import math


def missing(x) -> bool:
    """True for None and NaN: a number the report shows as "–"."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(x, digits: int = 1) -> str:
    """Dutch notation: ``1234.56`` with digits=1 -> ``"1.234,6"``; missing -> ``"–"``."""
    if missing(x):
        return "–"
    return f"{x:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def pct(share, digits: int = 1) -> str:
    """A fraction as a Dutch percentage: ``0.4213`` -> ``"42,1%"``; missing -> ``"–"``."""
    return "–" if missing(share) else f"{number(share * 100, digits)}%"


def interval(ci, digits: int = 1) -> str:
    """``[0.35, 0.5]`` -> ``"35,0–50,0%"``; missing -> ``"–"``."""
    if not ci or any(missing(c) for c in ci):
        return "–"
    return f"{number(ci[0] * 100, digits)}–{number(ci[1] * 100, digits)}%"


def share_with_ci(share, ci, digits: int = 1) -> str:
    """``"42,1% (95%-BI 35,0–50,0%)"``; without an interval just the share."""
    text = pct(share, digits)
    return text if interval(ci) == "–" else f"{text} (95%-BI {interval(ci, digits)})"


def count(n, singular: str, plural: str) -> str:
    """``"1 plan"``, ``"3 plannen"``: a count with the Dutch noun in the right number."""
    return f"{n} {singular if n == 1 else plural}"


FILTERS = {"number": number, "pct": pct, "interval": interval, "share_with_ci": share_with_ci, "count": count}


# What each cohort is, as readers see it (the report's title block, the comparison report).
COHORT_NAMES = {
    "nationaal": "alle gemeenten (nationaal)",
    "G4": "G4 (de vier grootste steden)",
    "G40": "G40 (stedennetwerk van veertig middelgrote steden)",
    "P10": "P10 (netwerk van grote plattelandsgemeenten)",
    "overig": "overige gemeenten (niet in G4, G40 of P10)",
}
