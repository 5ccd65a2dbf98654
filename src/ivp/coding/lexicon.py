"""The lexicon coder: the transparent Dutch lexicon of ``data/lexicon.yaml`` (terms, stems and the
decision rules of the codebook), read into a ``Lexicon``, and the coding of one title with it
(``lexicon_code``). It needs no training data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import yaml

from ivp.coding.text import normalise_text
from ivp.reference.municipalities import _data_file, theme_codes


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


@cache
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
    scores = dict.fromkeys(codes, 0.0)
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
