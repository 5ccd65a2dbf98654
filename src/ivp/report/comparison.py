"""The Dutch report of the comparison stage (``notebooks/06_vergelijking.ipynb``): each section's numbers as
plain data, rendered by its template in ``templates/vergelijking/`` (autoescape on, as ``ivp.report.text``).

Every ``*_data`` function takes the comparison's ``results.json`` (a dict, ``ivp.analysis.compare_run``) and returns
the template's context; the function of the same name without ``_data`` returns the rendered ``Html``
block that a notebook cell shows. The page around the blocks is the job reports' (``ivp.report.render``).
"""

from __future__ import annotations

import pandas as pd

from ivp.analysis.comparison import GROUPS, VERDICT_NL, group_name, points, points_interval
from ivp.report import figures, templating
from ivp.report.formats import share_with_ci
from ivp.report.text import Html, svg_base64, verantwoording, verantwoording_data, web_url  # noqa: F401  (one Verantwoording)

TEMPLATES = "vergelijking"
CATEGORY = "category_share:"
FIGURE_MEASURES = ("category_share:Veilige woon- en leefomgeving", "category_share:Ondermijning", "joint_plan_share",
                   "national_priority_share")
BASE_TEXT = {
    "speerpunten": "een telling van speerpunten in een steekproef van plannen, zoals de onze",
    "plannen": "een telling van plannen, zoals de onze",
    "gemeenten": "een telling van gemeenten, geen telling van plannen of speerpunten",
    "enquete_respondenten": "een enquête onder ambtenaren, geen telling van plannen",
}


def ordered_groups(results: dict) -> list[tuple[str, dict]]:
    """The groups of ``results`` in report order (per peiljaar its cohorts, then grote and kleinere
    gemeenten), whatever the order of the keys in the file (sorted)."""
    groups = results.get("groups") or {}
    order = [f"{p}/{g}" for p in results.get("peiljaren") or [] for g in [*(results.get("cohorts") or []), *GROUPS]]
    return [(k, groups[k]) for k in order if k in groups] + [(k, g) for k, g in groups.items() if k not in order]


def _block(template: str, **context) -> Html:
    return Html(templating.render(f"{TEMPLATES}/{template}.html.j2", **context))


def _label(results: dict, measure: str) -> str:
    return ((results.get("methode") or {}).get("measures") or {}).get(measure, measure)


def _group_label(results: dict, key: str) -> str:
    return ((results.get("groups") or {}).get(key) or {}).get("label") or group_name(key)


# --- title and key findings ---------------------------------------------------------------------

def titel_data(results: dict) -> dict:
    """Data of ``titel.html.j2``: the peiljaren and cohorts compared."""
    return {"peiljaren": [str(p) for p in results.get("peiljaren") or []],
            "cohorts": list(results.get("cohorts") or [])}


def titel(results: dict) -> Html:
    """The report's head: what is compared, and the table of contents."""
    return _block("titel", **titel_data(results))


def _trend_summary(results: dict, part: dict) -> str:
    """One clause per trend part: the measure, both values with interval, the difference with interval."""
    diff = next((d for d in results.get("differences") or [] if d["measure"] == part["measure"]
                 and [d["a"], d["b"]] == part["groups"]), None)
    groups = results.get("groups") or {}
    a, b = (groups[g]["measures"][part["measure"]] for g in part["groups"])
    pa, pb = (groups[g]["peiljaar"] for g in part["groups"])
    text = (f"{_label(results, part['measure'])}: {share_with_ci(b['value'], b['ci95'])} in {pb} tegen "
            f"{share_with_ci(a['value'], a['ci95'])} in {pa}, verschil {points((diff or {}).get('difference'))}")
    ci = (diff or {}).get("ci95")
    return text + (f" (95%-BI {points_interval(ci)})" if ci else " (geen interval te berekenen)")


def _ranking_summary(results: dict, part: dict) -> str:
    key = part["groups"][0]
    measures = results["groups"][key]["measures"]
    shares = sorted(((m[len(CATEGORY):], leaf) for m, leaf in measures.items() if m.startswith(CATEGORY)
                     and leaf.get("value") is not None), key=lambda x: -x[1]["value"])[:3]
    figures_text = ", ".join(f"{label.lower()} {share_with_ci(leaf['value'], leaf['ci95'])}" for label, leaf in shares)
    return f"{_group_label(results, key)}: {figures_text} ({VERDICT_NL[part['verdict']]})"


def kernbevindingen_data(results: dict) -> dict:
    """Data of ``kernbevindingen.html.j2``: per claim its text, verdict (code and Dutch), one sentence with
    the figures and their intervals (``samenvatting``) and the full explanation."""
    rows = []
    for claim in results.get("claims") or []:
        parts = claim.get("parts") or []
        if not parts:
            summary = claim["explanation"]
        elif claim["id"] in ("samenwerking_neemt_toe", "burgerparticipatie_neemt_toe"):
            summary = "; ".join(_trend_summary(results, p) for p in parts) + "."
        else:
            summary = "; ".join(_ranking_summary(results, p) for p in parts) + "."
        summary = summary[:1].upper() + summary[1:]
        rows.append({"id": claim["id"], "claim": claim["claim"], "verdict": claim["verdict"],
                     "oordeel": VERDICT_NL.get(claim["verdict"], claim["verdict"]), "samenvatting": summary,
                     "toelichting": claim["explanation"]})
    return {"claims": rows}


def kernbevindingen(results: dict) -> Html:
    """Section 1: the four claims of the CCV's 2020 text, each with its verdict and figures."""
    return _block("kernbevindingen", **kernbevindingen_data(results))


# --- figures ------------------------------------------------------------------------------------

def _dot_table(results: dict) -> pd.DataFrame:
    rows = []
    for key, g in ordered_groups(results):
        for measure in FIGURE_MEASURES:
            leaf = g["measures"].get(measure) or {}
            ci = leaf.get("ci95") or [None, None]
            rows.append({"measure": _label(results, measure), "group": key.split("/", 1)[1].replace("_", " "),
                         "series": g["peiljaar"], "value": leaf.get("value"), "ci_low": ci[0], "ci_high": ci[1]})
    return pd.DataFrame(rows, columns=["measure", "group", "series", "value", "ci_low", "ci_high"])


def _trend_table(results: dict, before: str, after: str) -> pd.DataFrame:
    groups = results.get("groups") or {}
    first, last = groups[f"{before}/nationaal"]["measures"], groups[f"{after}/nationaal"]["measures"]
    rows = []
    for measure, leaf in first.items():
        if measure.startswith(CATEGORY):
            other = last[measure]
            (b_low, b_high), (a_low, a_high) = leaf["ci95"] or [None, None], other["ci95"] or [None, None]
            rows.append({"label": measure[len(CATEGORY):], "before": leaf["value"], "before_low": b_low,
                         "before_high": b_high, "after": other["value"], "after_low": a_low, "after_high": a_high})
    return pd.DataFrame(rows)


def _trend_years(results: dict) -> tuple[str, str] | None:
    years = sorted((str(p) for p in results.get("peiljaren") or [] if str(p).isdigit()), key=int)
    groups = results.get("groups") or {}
    if len(years) >= 2 and all(f"{y}/nationaal" in groups for y in (years[0], years[-1])):
        return years[0], years[-1]
    return None


def figuren_data(results: dict) -> dict:
    """Data of ``figuren.html.j2``: the dot-and-interval chart of the headline measures per group and,
    with two peiljaren and nationaal, the chart per category from the first to the last peiljaar (each
    ``{svg, alt, caption}``; the second None otherwise)."""
    table = _dot_table(results)
    names = ", ".join(_label(results, m) for m in FIGURE_MEASURES)
    dots = {"svg": svg_base64(figures.to_svg(figures.dot_interval_chart(table))),
            "alt": (f"Stippen met 95%-intervallen per groep van gemeenten en per peiljaar voor: {names}. "
                    "De cijfers staan in de tabel Groepen."),
            "caption": ("Kerncijfers per groep: elke stip is een aandeel, de streep het 95%-interval; zwarte stip "
                        "en witte markering zijn de peiljaren. Grote gemeenten: plannen met een G4- of "
                        "G40-gemeente; kleinere: met een P10- of overige gemeente.")}
    trend = None
    years = _trend_years(results)
    if years:
        before, after = years
        trend = {"svg": svg_base64(figures.to_svg(figures.trend_chart(_trend_table(results, before, after),
                                                                   before=before, after=after))),
                 "alt": (f"Per categorie het aandeel speerpunten nationaal in {before} (zwarte stip) en {after} "
                         "(witte vierkant) met 95%-intervallen, verbonden door een lijn. De verschillen staan in "
                         "de tabel Verschillen."),
                 "caption": (f"Categorieën van {before} naar {after}, alle gemeenten (nationaal), met "
                             "95%-intervallen. Een plan dat in beide peiljaren van kracht was, telt in beide.")}
    return {"stippen": dots, "trend": trend}


def figuren(results: dict) -> Html:
    """Section 2: the two figures."""
    return _block("figuren", **figuren_data(results))


# --- tables -------------------------------------------------------------------------------------

def verschillen_data(results: dict) -> dict:
    """Data of ``verschillen.html.j2``: per kind of comparison (trend, groot_klein, cohort_nationaal) the
    differences of the headline measures: ``maat``, ``a``, ``b`` (Dutch group names), ``waarde_a``,
    ``waarde_b``, ``verschil`` and ``interval`` (procentpunten), ``indicatief``, ``note``."""
    headline = results.get("headline") or []
    kinds = {"trend": "Tussen peiljaren (later min eerder)", "groot_klein": "Grote min kleinere gemeenten",
             "cohort_nationaal": "Cohort min nationaal"}
    tables = []
    for kind, title in kinds.items():
        rows = [{"maat": _label(results, d["measure"]), "a": _group_label(results, d["a"]),
                 "b": _group_label(results, d["b"]), "waarde_a": d.get("value_a"), "waarde_b": d.get("value_b"),
                 "verschil": points(d.get("difference")),
                 "interval": points_interval(d.get("ci95")) if d.get("ci95") else "geen interval",
                 "indicatief": bool(d.get("indicatief")), "note": d.get("note")}
                for d in results.get("differences") or [] if d["kind"] == kind and d["measure"] in headline]
        if rows:
            tables.append({"titel": title, "rijen": rows})
    n_all = len(results.get("differences") or [])
    return {"tabellen": tables, "n_all": n_all, "gevoeligheid": _priority_sensitivity(results)}


def _priority_sensitivity(results: dict) -> list[str]:
    """Dutch sentences on the trend of ``national_priority_share`` nationally under the sensitivity theme
    lists (e.g. 2024 with INT): the difference against the other peiljaar's own agenda, and with one list for
    both."""
    out = []
    for d in results.get("differences") or []:
        if d["measure"] != "national_priority_share" or d["kind"] != "trend" or not d["a"].endswith("/nationaal"):
            continue  # results.json has every group; the report shows nationaal
        for s in (d.get("sensitivity") or {}).values():
            same = s.get("same_themes") or {}
            themes = f"{'+'.join(s['themes_a'])} tegen {'+'.join(s['themes_b'])}"
            text = (f"{_group_label(results, d['a'])} tegen {_group_label(results, d['b'])}, {s['label']} "
                    f"({themes}): verschil {points(s.get('difference'))}")
            text += f" (95%-BI {points_interval(s['ci95'])})." if s.get("ci95") else ", zonder interval."
            if same:
                text += (f" Met {'+'.join(same['themes'])} in beide peiljaren: {points(same.get('difference'))}"
                         f"{' (95%-BI ' + points_interval(same['ci95']) + ')' if same.get('ci95') else ''}.")
            if s.get("note"):
                text += f" {s['note']}"
            out.append(text)
    return out


def verschillen(results: dict) -> Html:
    """Section 3: the differences table (headline measures; results.json has every measure)."""
    return _block("verschillen", **verschillen_data(results))


def groepen_data(results: dict) -> dict:
    """Data of ``groepen.html.j2``: per group its size and the headline measures with interval, and per
    peiljaar the agenda it is judged by with the share on it under every theme list."""
    headline = results.get("headline") or []
    rows, agendas = [], []
    for key, g in ordered_groups(results):
        rows.append({"groep": g.get("label") or key, "n_plans": g["n_plans"], "n_priorities": g["n_priorities"],
                     "n_municipalities": g["n_municipalities"], "indicatief": bool(g.get("indicatief")),
                     "cijfers": [share_with_ci(g["measures"][m]["value"], g["measures"][m]["ci95"]) for m in headline]})
        if g["name"] == "nationaal":
            nat = g["measures"]["national_priority_share"]
            agendas.append({"peiljaar": g["peiljaar"], "agenda": nat.get("agenda_label"), "note": nat.get("note"),
                            "themes": "+".join(nat.get("themes") or []), "value": nat.get("value"),
                            "ci": nat.get("ci95"),
                            "sensitivity": [{"label": s["label"], "themes": "+".join(s["themes"]),
                                             "value": s["value"], "ci": s["ci95"]}
                                            for s in (nat.get("sensitivity") or {}).values()]})
    return {"kolommen": [_label(results, m) for m in headline], "rijen": rows, "agendas": agendas}


def groepen(results: dict) -> Html:
    """Section 4: the groups and their headline figures; the agenda of each peiljaar."""
    return _block("groepen", **groepen_data(results))


def gepaard_data(results: dict) -> dict:
    """Data of ``gepaard.html.j2``: per pair of peiljaren the municipalities with a plan in both, and per
    theme and for joint plans how many kept, gained and lost it, with the exact test."""
    views = []
    for view in results.get("paired") or []:
        props = [{"label": p["label"], "kept": p["kept"], "gained": p["gained"], "lost": p["lost"],
                  "neither": p["neither"], "p_value": p["p_value"], "sentence": p["sentence"]}
                 for p in (view.get("properties") or {}).values()]
        views.append({"peiljaren": [str(p) for p in view["peiljaren"]], "n": view["n_municipalities"],
                      "indicatief": bool(view.get("indicatief")), "properties": props, "joint": view["joint"],
                      "test": view.get("test"), "toelichting": view.get("toelichting")})
    return {"views": views}


def gepaard(results: dict) -> Html:
    """Section 5: the paired view."""
    return _block("gepaard", **gepaard_data(results))


def gepubliceerd_data(results: dict) -> dict:
    """Data of ``gepubliceerd.html.j2``: every published figure beside ours, with its base said out loud
    (``grondslag``: what the figure counts, compared with our count) and the sentence of
    ``comparison.published_sentence``."""
    rows = []
    for r in results.get("published") or []:
        count = r.get("unit") == "aantal"
        rows.append({"source": r["source"], "url": web_url(r.get("url")), "year": r["year"], "telling": count,
                     "published": r["published"], "published_text": r.get("published_text"),
                     "ours": r.get("ours"), "ci": r.get("ci95"), "peiljaar": r.get("peiljaar"),
                     "inside": r.get("inside"), "grondslag": BASE_TEXT.get(r["base"], r["base"]),
                     "sentence": r.get("sentence") or "", "year_note": r.get("year_note") or ""})
    return {"cijfers": rows}


def gepubliceerd(results: dict) -> Html:
    """Section 6: published figures beside ours."""
    return _block("gepubliceerd", **gepubliceerd_data(results))


def methode_data(results: dict) -> dict:
    """Data of ``methode.html.j2``: the difference interval and its measured coverage, the notes on the
    municipality share and participation, and where no interval could be computed."""
    method = results.get("methode") or {}
    missing = [{"maat": _label(results, d["measure"]), "a": _group_label(results, d["a"]),
                "b": _group_label(results, d["b"])}
               for d in results.get("differences") or [] if d.get("ci95") is None]
    return {"difference_text": method.get("difference_text", ""),
            "municipality_note": method.get("municipality_note", ""),
            "participation_note": method.get("participation_note", ""), "small_n": method.get("small_n", 10),
            "seed": results.get("seed"), "n_bootstrap": results.get("n_bootstrap"), "zonder_interval": missing,
            "n_differences": len(results.get("differences") or [])}


def methode(results: dict) -> Html:
    """Section 7: methods."""
    return _block("methode", **methode_data(results))


SECTIONS = ("titel", "kernbevindingen", "figuren", "verschillen", "groepen", "gepaard", "gepubliceerd", "methode")
