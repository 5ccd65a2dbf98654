"""The national Veiligheidsagenda in force at a peiljaar, as data (``data/agendas.yaml``).

Each generation of plans is judged by the agenda of its own time: peiljaar 2020 by the Veiligheidsagenda
2019-2022, peiljaar 2024 by the Veiligheidsagenda 2023-2026. A peiljaar outside every agenda's period
(and ``alle``, which mixes generations) has no agenda; ``no_agenda_text`` says so in Dutch.

An agenda as returned by ``load_agendas`` / ``agenda_for`` (plain JSON-ready dict)::

    {"id", "label", "period": {"start", "end"}, "source", "url", "priorities": [str],
     "themes": [codes], "theme_notes": {code: Dutch note},
     "sensitivity": {name: {"label", "themes": [main codes + added], "added": [codes],
                            "theme_notes": {code: note}}},
     "note"}

``themes`` (and every ``sensitivity[name]["themes"]``) is the complete theme list to count, so the share of
speerpunten on the agenda is ``analysis.national_priorities(scope, themes=agenda["themes"], ...)``.
"""

from __future__ import annotations

from ivp.reference.datafile import EntryProblems, is_http_url, is_year, read_entries, with_cached_default
from ivp.reference.municipalities import theme_codes
from ivp.running.job import peiljaar_year

FILE = "agendas.yaml"
REQUIRED = ("id", "label", "period", "source", "priorities", "themes")
NO_AGENDA_TEXT = (
    "Voor peiljaar {peiljaar} is geen Veiligheidsagenda vastgelegd die toen gold (vastgelegd: {known}); "
    "de aansluiting van de speerpunten op landelijke prioriteiten is daarom niet berekend."
)
NO_AGENDA_ALL_YEARS_TEXT = (
    "Zonder peiljaar ('alle') lopen plannen uit verschillende periodes door elkaar, dus geldt er niet één "
    "Veiligheidsagenda ({known}); de aansluiting van de speerpunten op landelijke prioriteiten is daarom "
    "niet berekend."
)


@with_cached_default
def load_agendas(path=None) -> list[dict]:
    """The agendas of ``path`` (default: the package's ``data/agendas.yaml``), validated, in file order.

    Raises:
        ivp.errors.InvalidInput listing every problem, each naming the entry (position and ``id``) and
        field: a missing required field, a period that is not two years with start <= end or that
        overlaps another agenda's, a theme that is not a codebook code or has no note, a url that is not
        http(s), a duplicate id.
    """
    name, entries = read_entries(path, FILE, "agendas")
    problems = EntryProblems(name, REQUIRED)
    agendas = []
    for position, entry in problems.complete(entries):
        period = _period(problems, position, entry)
        themes, notes = _themes(problems, position, entry, "themes", entry["themes"], exclude=())
        priorities = entry["priorities"]
        if not isinstance(priorities, list) or not priorities or not all(isinstance(p, str) and p.strip()
                                                                          for p in priorities):
            problems.add(position, entry, "priorities", priorities, "een lijst met de prioriteiten van de agenda")
        url = entry.get("url")
        if url is not None and not is_http_url(url):
            problems.add(position, entry, "url", url, "een http(s)-adres")
        sensitivity = {}
        extra = entry.get("sensitivity") or {}
        if not isinstance(extra, dict):
            problems.add(position, entry, "sensitivity", extra, "per naam een label en extra thema's")
            extra = {}
        for set_name, spec in extra.items():
            field = f"sensitivity.{set_name}"
            if not isinstance(spec, dict) or not spec.get("label") or not spec.get("themes"):
                problems.add(position, entry, field, spec, "een label en een lijst themes (code, note)")
                continue
            added, added_notes = _themes(problems, position, entry, f"{field}.themes", spec["themes"],
                                         exclude=themes)
            sensitivity[str(set_name)] = {"label": spec["label"], "themes": themes + added, "added": added,
                                          "theme_notes": added_notes}
        agendas.append({"id": entry["id"], "label": entry["label"], "period": period, "source": entry["source"],
                        "url": url, "priorities": priorities, "themes": themes, "theme_notes": notes,
                        "sensitivity": sensitivity, "note": entry.get("note") or "", "_position": position})
    _overlaps(problems, agendas)
    problems.raise_any()
    for agenda in agendas:
        del agenda["_position"]
    return agendas


def _period(problems: EntryProblems, position: int, entry: dict) -> dict | None:
    period = entry["period"]
    start = period.get("start") if isinstance(period, dict) else None
    end = period.get("end") if isinstance(period, dict) else None
    if not (is_year(start) and is_year(end) and start <= end):
        problems.add(position, entry, "period", period, "start en end als jaartallen met start ≤ end")
        return None
    return {"start": start, "end": end}


def _themes(problems: EntryProblems, position: int, entry: dict, field: str, listed, *, exclude) -> tuple[list, dict]:
    """The codes and notes of a theme list; a problem for each code not in the codebook, listed twice
    (or already in ``exclude``) or without a note."""
    codes, notes = [], {}
    if not isinstance(listed, list) or not listed:
        problems.add(position, entry, field, listed, "een lijst van thema's (code, note)")
        return codes, notes
    known = theme_codes()
    for item in listed:
        code = item.get("code") if isinstance(item, dict) else item
        note = item.get("note") if isinstance(item, dict) else None
        if code not in known:
            problems.add(position, entry, field, code, "een themacode uit het codeboek (" + ", ".join(known) + ")")
        elif code in codes or code in exclude:
            problems.add(position, entry, field, code, "elk thema één keer")
        elif not (isinstance(note, str) and note.strip()):
            problems.add(position, entry, f"{field}.{code}.note", "", "een toelichting waarom dit thema telt")
        else:
            codes.append(code)
            notes[code] = note.strip()
    return codes, notes


def _overlaps(problems: EntryProblems, agendas: list[dict]) -> None:
    """A problem on the later of every two agendas whose periods share a year."""
    dated = sorted((a for a in agendas if a["period"]), key=lambda a: (a["period"]["start"], a["_position"]))
    for earlier, later in zip(dated, dated[1:]):
        if later["period"]["start"] <= earlier["period"]["end"]:
            p = later["period"]
            problems.add(later["_position"], later, "period", f"{p['start']}-{p['end']}",
                         f"een periode die niet overlapt met '{earlier['id']}' "
                         f"({earlier['period']['start']}-{earlier['period']['end']})")


def agenda_for(peiljaar, agendas: list[dict] | None = None) -> dict | None:
    """The agenda in force at ``peiljaar`` (``2020``, ``"2024"``): the one whose period contains it;
    None for a year outside every period and for ``alle``. ``agendas`` defaults to ``load_agendas()``.

    Raises:
        ValueError for an invalid peiljaar (as ``ivp.running.job.check_peiljaar``).
    """
    year = peiljaar_year(peiljaar)
    if year is None:
        return None
    for agenda in load_agendas() if agendas is None else agendas:
        if agenda["period"]["start"] <= year <= agenda["period"]["end"]:
            return agenda
    return None


def theme_sets(agenda: dict) -> dict[str, list[str]]:
    """The theme lists of ``agenda`` to compute a share for: ``{"hoofd": themes, <sensitivity name>: themes}``."""
    return {"hoofd": list(agenda["themes"]), **{name: list(s["themes"]) for name, s in agenda["sensitivity"].items()}}


def no_agenda_text(peiljaar, agendas: list[dict] | None = None) -> str:
    """The Dutch sentence for a peiljaar without an agenda in force (``NO_AGENDA_TEXT``, or for ``alle``
    ``NO_AGENDA_ALL_YEARS_TEXT``), naming the agendas that are known.

    Raises:
        ValueError when an agenda is in force at ``peiljaar`` (then there is something to say instead).
    """
    agendas = load_agendas() if agendas is None else agendas
    if agenda_for(peiljaar, agendas) is not None:
        raise ValueError(f"peiljaar {peiljaar}: er geldt een agenda ({agenda_for(peiljaar, agendas)['label']})")
    known = "; ".join(f"{a['label']}: {a['period']['start']}-{a['period']['end']}" for a in agendas) or "geen"
    year = peiljaar_year(peiljaar)
    if year is None:
        return NO_AGENDA_ALL_YEARS_TEXT.format(known=known)
    return NO_AGENDA_TEXT.format(peiljaar=year, known=known)


def priorities_source(peiljaar, agendas: list[dict] | None = None) -> str:
    """What ``results.json`` names as ``national_priorities_source``: the agenda's ``source``, or the
    ``no_agenda_text`` when none was in force."""
    agenda = agenda_for(peiljaar, agendas)
    return agenda["source"] if agenda else no_agenda_text(peiljaar, agendas)

