"""Published figures about IVP's beside ivp's own (``data/gepubliceerd.yaml``).

A figure is an entry of the data file (see its header for the fields); adding one is an edit there.
``load_published`` validates every entry; ``published_beside_ours`` looks up the closest ivp measure of
each in the results of the national job of the matching peiljaar.

Which job: an entry's ``peiljaar`` when it names one; otherwise the national job whose peiljaar lies in
the same generation of plans as the entry's ``year`` (the period of the agenda in force then, see
``ivp.reference.agenda``; the peiljaar closest to ``year`` when several were run, the earlier on a tie). No
such job (or no measure, or a key the job lacks): ``ours`` is None.
"""

from __future__ import annotations

from ivp.reference.agenda import agenda_for
from ivp.reference.datafile import EntryProblems, is_http_url, is_number, is_year, read_entries, with_cached_default

FILE = "gepubliceerd.yaml"
BASES = ("speerpunten", "plannen", "gemeenten", "enquete_respondenten")
UNITS = ("aandeel", "aantal")
REQUIRED = ("id", "source", "url", "year", "base", "published", "note")


@with_cached_default
def load_published(path=None) -> list[dict]:
    """The published figures of ``path`` (default: the package's ``data/gepubliceerd.yaml``), in file order.

    Returns:
        one dict per entry: ``id``, ``source``, ``url``, ``year``, ``base``, ``unit`` (``aandeel`` when not
        given), ``published``, ``published_text`` (or None), ``ours_measure`` (a path or None),
        ``ours_ci95`` (a path or None), ``peiljaar`` (int or None), ``year_note`` (or ''), ``note``.
    Raises:
        ivp.errors.InvalidInput listing every problem, each naming the entry (position and ``id``) and the
        field: a required field missing (``ours_measure`` must be there, null when nothing compares), a
        base or unit not in the allowed list, a published value that is not a number (a share outside
        0..1, a negative count), a url that is not http(s), a year or peiljaar that is not a year, a path
        with an empty part, a duplicate id.
    """
    name, entries = read_entries(path, FILE, "figures")
    problems = EntryProblems(name, REQUIRED)
    figures = []
    for position, entry in problems.complete(entries):
        found = len(problems.problems)
        unit = entry.get("unit", "aandeel")
        checks = [
            ("base", entry["base"] in BASES, "een van " + ", ".join(BASES)),
            ("unit", unit in UNITS, "een van " + ", ".join(UNITS)),
            ("url", is_http_url(entry["url"]), "een http(s)-adres"),
            ("year", is_year(entry["year"]), "een jaartal zoals 2020"),
            ("peiljaar", entry.get("peiljaar") is None or is_year(entry["peiljaar"]), "een jaartal of leeg"),
            ("ours_measure", "ours_measure" in entry,
             "een pad in results.json, of null als ivp niets vergelijkbaars heeft"),
            ("ours_measure", _is_path(entry.get("ours_measure"), optional=True), "een pad zoals joint_plans.share"),
            ("ours_ci95", _is_path(entry.get("ours_ci95"), optional=True) and not (
                entry.get("ours_ci95") and not entry.get("ours_measure")),
             "een pad zoals joint_plans.ci95_wilson, alleen naast ours_measure"),
            ("published", _is_figure(entry["published"], unit),
             "een aandeel tussen 0 en 1" if unit == "aandeel" else "een aantal van 0 of meer"),
        ]
        for field, ok, expected in checks:
            if not ok:
                problems.add(position, entry, field, entry.get(field), expected)
        if len(problems.problems) > found:
            continue
        figures.append({"id": entry["id"], "source": entry["source"], "url": entry["url"], "year": entry["year"],
                        "base": entry["base"], "unit": unit, "published": entry["published"],
                        "published_text": entry.get("published_text"), "ours_measure": entry["ours_measure"],
                        "ours_ci95": entry.get("ours_ci95"), "peiljaar": entry.get("peiljaar"),
                        "year_note": entry.get("year_note") or "", "note": entry["note"]})
    problems.raise_any()
    return figures


def _is_path(value, *, optional: bool) -> bool:
    if value is None:
        return optional
    return isinstance(value, str) and all(part.strip() for part in value.split("."))


def _is_figure(value, unit: str) -> bool:
    if not is_number(value):
        return False
    return 0 <= value <= 1 if unit == "aandeel" else value >= 0


# --- beside ours --------------------------------------------------------------------------------

def lookup(results: dict, path: str):
    """The value at the dotted ``path`` in ``results`` and the dict that holds it, or (None, None) when the
    path is not there. A key that itself contains dots is found too (the longest key that matches wins)."""
    parts = path.split(".")
    node, parent = results, None
    while parts:
        if not isinstance(node, dict):
            return None, None
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            if key in node:
                node, parent, parts = node[key], node, parts[size:]
                break
        else:
            return None, None
    return node, parent


def matching_peiljaar(entry: dict, peiljaren, agendas: list[dict] | None = None) -> int | None:
    """The peiljaar of ``peiljaren`` (years, as int or text) to compare ``entry`` with (module docstring)."""
    years = sorted({int(p) for p in peiljaren if str(p).isdigit()})
    if entry.get("peiljaar") is not None:
        return entry["peiljaar"] if entry["peiljaar"] in years else None
    agenda = agenda_for(entry["year"], agendas)
    if agenda is None:
        return None
    start, end = agenda["period"]["start"], agenda["period"]["end"]
    inside = [y for y in years if start <= y <= end]
    return min(inside, key=lambda y: (abs(y - entry["year"]), y)) if inside else None


def _interval(value) -> list | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(is_number(v) for v in value):
        return [float(value[0]), float(value[1])]
    return None


def published_beside_ours(entries: list[dict], results_by_job: dict, *, cohort: str = "nationaal",
                          agendas: list[dict] | None = None) -> list[dict]:
    """Every published figure with ivp's closest measure beside it.

    Args:
        entries: as from ``load_published``.
        results_by_job: ``"<peiljaar>/<cohort>"`` (e.g. ``"2020/nationaal"``) -> that job's results.json
            as a dict; only the ``cohort`` jobs with a year as peiljaar are used.
        cohort: whose jobs to compare with (default nationaal, as the published figures are national).
    Returns:
        one dict per entry, in order: ``id``, ``source``, ``url``, ``year``, ``base``, ``published``,
        ``ours_measure``, ``ours`` (the number at that path in the matching job, None when there is no
        job, measure or key), ``ci95`` (the interval at ``ours_ci95``, or the ``ci95`` beside the measure;
        None when there is none), ``inside`` (published within ``ci95``; None without an interval),
        ``note``; and ``peiljaar`` (the job used, or None), ``unit``, ``published_text``, ``year_note``.
    """
    jobs = {key.split("/", 1)[0]: results for key, results in results_by_job.items()
            if key.split("/", 1)[-1] == cohort}
    rows = []
    for entry in entries:
        peiljaar = matching_peiljaar(entry, jobs, agendas)
        results = jobs.get(str(peiljaar)) if peiljaar is not None else None
        ours = ci = None
        if results is not None and entry["ours_measure"]:
            value, parent = lookup(results, entry["ours_measure"])
            ours = value if is_number(value) else None
            if ours is not None:
                ci = _interval(lookup(results, entry["ours_ci95"])[0] if entry["ours_ci95"]
                               else (parent or {}).get("ci95"))
        inside = bool(ci[0] <= entry["published"] <= ci[1]) if ci is not None else None
        rows.append({"id": entry["id"], "source": entry["source"], "url": entry["url"], "year": entry["year"],
                     "base": entry["base"], "published": entry["published"], "ours_measure": entry["ours_measure"],
                     "ours": ours, "ci95": ci, "inside": inside, "note": entry["note"], "peiljaar": peiljaar,
                     "unit": entry["unit"], "published_text": entry["published_text"],
                     "year_note": entry["year_note"]})
    return rows
