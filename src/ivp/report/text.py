"""The Dutch report of one job (``notebooks/05_rapport.ipynb``): each section's numbers as plain data,
rendered by the section's template.

Every section function takes the job's ``results.json`` (a dict, written by ``ivp.analysis.results``) or the
provenance (``ivp.running.provenance``) and returns an ``Html`` block that a notebook cell shows as it is. All numbers
come from those dicts. The functions here only compute and select (dicts, lists, numbers, the figures); the
prose and the markup are in ``templates/secties/<section>.html.j2``, rendered by ``ivp.report.templating`` with
autoescape on, so text from the data (plan titles, municipality names, speerpunt titles, URLs) such as
``<script>alert(1)</script>`` is shown as text and never run. The Dutch number formats (``pct``,
``interval``, ``share_with_ci``, ``number``, ``count``) are ``ivp.report.formats``, importable from here too.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
from markupsafe import Markup

from ivp.analysis.measures import SMALL_N
from ivp.analysis.results import MAPPED
from ivp.inputs.synthetic import SYNTHETIC
from ivp.reference.municipalities import codebook, population, theme_table
from ivp.report import figures, maps, templating
from ivp.report.formats import count, interval, missing, number, pct, share_with_ci  # noqa: F401  (report.pct etc. in tests)
from ivp.running.atomic import write_bytes, write_text
from ivp.running.job import COHORTS, FIGURES_DIR

VWL = "Veilige woon- en leefomgeving"
OND = "Ondermijning"
LEVELS = ("lokaal", "regionaal")  # order of the speerpunt levels; other levels follow in the order found


class Html(Markup):
    """A piece of HTML made by a template, which Jupyter (and so nbconvert) shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def _block(template: str, **context) -> Html:
    """Section template ``templates/secties/<template>.html.j2`` rendered with ``context``."""
    return Html(templating.render(f"secties/{template}.html.j2", **context))


# ---------------------------------------------------------------- small parts

def is_indicatief(results: dict, figure: str | None = None) -> bool:
    """True when the job rests on fewer than 10 plans (flag ``indicatief``) or, for ``figure`` (a key
    such as ``joint_plans.sizes``), when the analyses flagged that figure (``indicatief:<figure>``)."""
    flags = set(results.get("flags") or [])
    if "indicatief" in flags or (results.get("n_plans") or 0) < SMALL_N:
        return True
    return figure is not None and f"indicatief:{figure}" in flags


def _indicatief(results: dict, *figure_keys: str) -> dict:
    """``{"alles": is_indicatief(results), key: is_indicatief(results, key), ...}`` for a template's badges."""
    return {"alles": is_indicatief(results), **{key: is_indicatief(results, key) for key in figure_keys}}


def marker(results: dict, figure: str | None = None) -> Markup:
    """The ``indicatief`` badge shown next to every figure that rests on small numbers ('' otherwise)."""
    return templating.macro("indicatief")(is_indicatief(results, figure))


def web_url(url) -> str | None:
    """``url`` without surrounding spaces when it is an http(s) address, else None (``javascript:``, ``data:``)."""
    text = str(url or "").strip()
    parsed = urlparse(text)
    return text if parsed.scheme in ("http", "https") and parsed.netloc else None


def link(url, text=None) -> Markup:
    """A link to an http(s) source; any other scheme (``javascript:``, ``data:``) is shown as plain text."""
    return templating.macro("link")(web_url(url), url if text is None else text)


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as dicts, with None where a value is missing (NaN)."""
    return [{k: None if missing(v) else v for k, v in row.items()} for row in frame.to_dict("records")]


def _empty(results: dict) -> bool:
    return not results.get("n_plans")


def _no_plans(ident: str) -> Html:
    return _block("geen_plannen", ident=ident)


# ---------------------------------------------------------------- tables from results

def _pair(value) -> list:
    return list(value) if value else [None, None]


INTERVAL_COLUMNS = ["ci_low", "ci_high", "methode", "cluster_low", "cluster_high", "wilson_low", "wilson_high"]


def _intervals(entry: dict) -> dict:
    """Interval columns of a share entry: the headline interval (``ci95``, method ``ci95_methode``) and
    both underlying intervals."""
    (low, high), (c_low, c_high), (w_low, w_high) = (
        _pair(entry.get("ci95")), _pair(entry.get("ci95_cluster")), _pair(entry.get("ci95_wilson")))
    return {"ci_low": low, "ci_high": high, "methode": entry.get("ci95_methode"),
            "cluster_low": c_low, "cluster_high": c_high, "wilson_low": w_low, "wilson_high": w_high}



def theme_frame(results: dict) -> pd.DataFrame:
    """The ``themes`` of results as a table.

    Returns one row per theme in codebook order: ``code``, ``label``, ``n``, ``share``, ``ci_low``,
    ``ci_high`` (headline interval, method in ``methode``), ``cluster_low``, ``cluster_high``, ``wilson_low``,
    ``wilson_high``, ``n_plans``, ``plan_share``.
    """
    labels = theme_table().set_index("code")["label_nl"]
    rows = []
    for code in labels.index:
        entry = (results.get("themes") or {}).get(code)
        if entry is None:
            continue
        rows.append({"code": code, "label": entry.get("label") or labels[code], "n": entry.get("n"),
                     "share": entry.get("share"), **_intervals(entry),
                     "n_plans": entry.get("n_plans"), "plan_share": entry.get("plan_share")})
    columns = ["code", "label", "n", "share", *INTERVAL_COLUMNS, "n_plans", "plan_share"]
    return pd.DataFrame(rows, columns=columns)


def category_frame(results: dict) -> pd.DataFrame:
    """The ``categories`` (default roll-up) of results, largest first.

    Returns ``label``, ``n``, ``share``, the columns of ``INTERVAL_COLUMNS`` (see ``theme_frame``),
    ``themes`` (codes, comma-joined), ``reference`` (the CCV's published 2020 share, NaN where none).
    """
    published = codebook()["ccv2020"]["category_shares"]
    rows = []
    for label, entry in (results.get("categories") or {}).items():
        rows.append({"label": label, "n": entry.get("n"), "share": entry.get("share"), **_intervals(entry),
                     "themes": _themes_text(entry.get("themes")),
                     "reference": published.get(label, float("nan"))})
    frame = pd.DataFrame(rows, columns=["label", "n", "share", *INTERVAL_COLUMNS, "themes", "reference"])
    return frame.sort_values(["share", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _themes_text(themes) -> str:
    if isinstance(themes, (list, tuple)):
        return " + ".join(map(str, themes))
    return "" if themes is None else str(themes)


def sensitivity_frame(results: dict, categories=(VWL, OND)) -> pd.DataFrame:
    """Headline shares under every roll-up: ``categorie``, ``indeling`` (roll-up label), ``share``,
    ``reference`` (published 2020 share); one row per (roll-up, category in ``categories``), default
    roll-up first."""
    labels = results.get("rollups") or {n: r["label_nl"] for n, r in codebook()["rollups"].items()}
    default = results.get("default_rollup") or codebook()["default_rollup"]
    published = codebook()["ccv2020"]["category_shares"]
    sensitivity = results.get("category_sensitivity") or {}
    names = sorted(sensitivity, key=lambda n: (n != default, list(labels).index(n) if n in labels else 99))
    rows = []
    for name in names:
        for category in categories:
            if category in sensitivity[name]:
                rows.append({"categorie": category, "indeling": labels.get(name, name),
                             "share": sensitivity[name][category], "reference": published.get(category, float("nan"))})
    return pd.DataFrame(rows, columns=["categorie", "indeling", "share", "reference"])


def speerpunt_titles(processed_path, plan_ids) -> pd.DataFrame:
    """Speerpunten of the given plans, for the appendix (text only, no figures are computed from it).

    Args:
        processed_path: folder with ``speerpunten.parquet`` (docs/data-contract.md).
        plan_ids: the plans to keep.
    Returns:
        ``plan_id``, ``volgnummer``, ``speerpunt``, ``thema``, sorted by plan and volgnummer.
    """
    sp = pd.read_parquet(Path(processed_path) / "speerpunten.parquet",
                         columns=["plan_id", "volgnummer", "speerpunt", "thema"])
    sp = sp[sp["plan_id"].isin(list(plan_ids))]
    return sp.sort_values(["plan_id", "volgnummer"], kind="stable").reset_index(drop=True)




# ---------------------------------------------------------------- sections: the data of each template

def share_of(entry: dict | None, ci_key: str, share_key: str = "share") -> dict:
    """``{"share", "ci"}`` of a share entry of results, with the interval under ``ci_key``."""
    entry = entry or {}
    return {"share": entry.get(share_key), "ci": entry.get(ci_key)}


def _category(results: dict, label: str) -> dict:
    return (results.get("categories") or {}).get(label) or {}


def title_data(results: dict) -> dict:
    """Data of ``titel.html.j2``: cohort, peiljaar, and ``synthetisch`` (``n`` of the ``total`` plans
    made by ``ivp synth``, counted in ``sample.bron_type``; None when there are none)."""
    n = int(((results.get("sample") or {}).get("bron_type") or {}).get(SYNTHETIC, 0) or 0)
    synthetic = {"n": n, "total": results.get("n_plans") or n} if n > 0 else None
    return {"cohort": results.get("cohort", ""), "peiljaar": str(results.get("peiljaar", "")),
            "synthetisch": synthetic}


def title_block(results: dict) -> Html:
    """Report title with cohort and peiljaar, a warning when plans of the job were made by ``ivp synth``
    (a scale test, not a description of real plans), and a table of contents."""
    return _block("titel", **title_data(results))


def largest_category(results: dict) -> dict | None:
    """The largest CCV categories (ties together): ``labels`` and their number of speerpunten ``n``;
    None when there are no categories."""
    cats = category_frame(results)
    if cats.empty or not cats["n"].max():
        return None
    top = cats[cats["n"] == cats["n"].max()]
    return {"labels": list(top["label"]), "n": int(top["n"].iloc[0])}


def largest_category_sentence(results: dict) -> str:
    """'De grootste categorie is X (n speerpunten).' for the largest CCV category; ties are named together."""
    return templating.render("secties/grootste_categorie.html.j2", grootste=largest_category(results))


def kernbevindingen_data(results: dict) -> dict:
    """Data of ``kernbevindingen.html.j2`` (a job with plans)."""
    sample = results.get("sample") or {}
    part = results.get("participation") or {}
    published = codebook()["ccv2020"]
    return {
        "n_plans": results["n_plans"], "n_priorities": results.get("n_priorities", 0),
        "n_municipalities": results.get("n_municipalities", 0),
        "cohort_size": sample.get("cohort_size"), "coverage": sample.get("coverage"),
        "vwl": share_of(_category(results, VWL), "ci95"), "ond": share_of(_category(results, OND), "ci95"),
        "joint": share_of(results.get("joint_plans"), "ci95_wilson"),
        "national": share_of(results.get("national_priorities"), "ci95", "priority_share"),
        "agenda": (results.get("national_priorities") or {}).get("agenda_label", "Veiligheidsagenda 2019-2022"),
        "participation": {"share_at_least": part.get("share_at_least"), "n_unknown": part.get("n_unknown", 0)},
        "ccv": {"vwl": published["category_shares"][VWL], "ond": published["category_shares"][OND],
                "joint": published["joint_plan_share"]},
        "grootste": largest_category(results),
        "indicatief": _indicatief(results, "categories", "joint_plans", "national_priorities", "participation"),
    }


def kernbevindingen(results: dict) -> Html:
    """Section 1: five or six sentences with the headline numbers and their 95% intervals."""
    if _empty(results):
        return _block("kernbevindingen_leeg", cohort=results.get("cohort"), peiljaar=results.get("peiljaar"))
    return _block("kernbevindingen", **kernbevindingen_data(results))


def _year(x) -> int | None:
    return None if missing(x) or pd.isna(x) else int(x)


def steekproef_data(results: dict, priorities: pd.DataFrame | None = None) -> dict:
    """Data of ``steekproef.html.j2``: the sample's counts, ``zekerheid`` and ``niveau`` rows, and the
    plans (``results['plans']``) with their speerpunten (``priorities``, optional) and http(s) source."""
    sample = results.get("sample") or {}
    by_plan = {}
    if priorities is not None:
        for r in priorities.itertuples():
            by_plan.setdefault(r.plan_id, []).append({"speerpunt": r.speerpunt, "thema": r.thema})
    plans = [{"titel": p.get("titel"), "gemeenten": p.get("gemeenten"), "start": _year(p.get("periode_start")),
              "eind": _year(p.get("periode_eind")), "zekerheid": p.get("zekerheid"),
              "speerpunten": by_plan.get(p.get("plan_id"), []), "n_speerpunten": p.get("n_speerpunten"),
              "bron_url": web_url(p.get("bron_url"))} for p in results.get("plans") or []]
    niveau = [{"niveau": k, "n": v.get("n"), **share_of(v, "ci95_wilson")}
              for k, v in (results.get("niveau") or {}).items()]
    return {
        "n_plans": results.get("n_plans", 0), "n_priorities": results.get("n_priorities", 0),
        "n_municipalities": results.get("n_municipalities", 0),
        "cohort_size": sample.get("cohort_size"), "coverage": sample.get("coverage"),
        "met_peiljaar": str(results.get("peiljaar")) != "alle",
        "n_out_of_period": sample.get("n_out_of_period", 0),
        "n_excluded_no_period": results.get("n_excluded_no_period", 0),
        "n_plans_without_priorities": sample.get("n_plans_without_priorities"),
        "zekerheid": [[k, v] for k, v in sorted((sample.get("zekerheid") or {}).items())],
        "niveau": niveau, "plans": plans, "indicatief": _indicatief(results, "sample", "niveau"),
        "dekking": representativeness_data(results),
    }


def _population(results: dict) -> tuple[list[str] | None, str]:
    """The municipalities a job speaks for (``reference.municipalities.population``) and their Dutch name."""
    cohort = results.get("cohort") or "nationaal"
    name = {"nationaal": "alle gemeenten", "overig": "de overige gemeenten"}.get(cohort, f"de {cohort}")
    return population(cohort), name


def _scope_label(results: dict) -> str:
    peiljaar = results.get("peiljaar")
    return f"peiljaar {peiljaar}" if peiljaar and str(peiljaar) != "alle" else "alle jaren"


def coverage_map(results: dict):
    """``(fig, alt, caption)``: the job's municipalities shaded by coverage, joint plans outlined."""
    population, label = _population(results)
    covered = (results.get("sample") or {}).get("municipality_codes") or []
    groups = (results.get("joint_plans") or {}).get("groups") or {}
    links = pd.DataFrame([(plan, code) for plan, codes in groups.items() for code in codes],
                         columns=["plan_id", "code"])
    return maps.coverage_map(covered, population=population, joint_groups=links, population_label=label,
                             scope_label=_scope_label(results))


def property_map(results: dict, name: str):
    """``(fig, alt, caption)`` of the national map ``name`` of ``ivp.analysis.results.MAPPED`` (covered
    municipalities with and without a speerpunt on a theme or category), or None when the job has no such
    municipality list (every job but a national one)."""
    kind, key = MAPPED[name]
    codes = (((results.get("municipalities") or {}).get("codes_with") or {}).get(kind) or {}).get(key)
    if codes is None:
        return None
    label = (results.get("labels") or {}).get(key, key) if kind == "themes" else key
    covered = (results.get("sample") or {}).get("municipality_codes") or []
    return maps.property_map(codes, covered, property_label=f"een speerpunt op {label.lower()}",
                             scope_label=_scope_label(results))


@dataclass(frozen=True)
class Drawn:
    """One figure of a report, drawn once: its SVG (embedded, and ``figuren/<name>.svg``), its PNG and, for
    a map, the alt text and caption that come with it."""

    svg: str
    png: bytes
    alt: str | None = None
    caption: str | None = None


_DRAWN: list = [None, None]  # the results object of the last report and its figures (one report per notebook)


def report_figures(results: dict) -> dict[str, Drawn]:
    """Every figure of a job's report in reading order, each drawn once per ``results`` object (the sections
    embed them, ``write_figure_files`` writes the same bytes): themas, categorieen, gevoeligheid (when
    there is a sensitivity table), dekking, and nationally the maps of ``MAPPED``."""
    if _DRAWN[0] is results:
        return _DRAWN[1]
    makers = {}
    if not _empty(results):
        makers["themas"] = lambda: (figures.share_chart(theme_frame(results)), None, None)
        makers["categorieen"] = lambda: (figures.share_chart(category_frame(results)), None, None)
        if len(sensitivity_frame(results)):
            makers["gevoeligheid"] = lambda: (figures.sensitivity_chart(sensitivity_frame(results)), None, None)
    makers["dekking"] = lambda: coverage_map(results)
    for name in MAPPED:
        makers[name] = lambda name=name: property_map(results, name)
    drawn = {}
    for name, make in makers.items():
        made = make()
        if made is not None:
            fig, alt, caption = made
            drawn[name] = Drawn(*figures.to_svg_and_png(fig), alt=alt, caption=caption)
    _DRAWN[:] = [results, drawn]
    return drawn


def svg_base64(svg: str) -> str:
    """SVG text as base64, embedded by the template's ``figuur`` (no external file)."""
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _embedded(drawn: Drawn) -> str:
    return svg_base64(drawn.svg)


def _map(drawn: Drawn) -> dict:
    return {"svg": _embedded(drawn), "alt": drawn.alt, "caption": drawn.caption}


def write_figure_files(results: dict, output_path) -> list[Path]:
    """Every figure of ``report_figures`` as ``<output_path>/figuren/<name>.svg`` (the bytes the report embeds)
    and ``<name>.png`` (``figures.PNG_DPI`` dpi, for slides), written atomically; returns the paths."""
    folder = Path(output_path) / FIGURES_DIR
    paths = []
    for name, drawn in report_figures(results).items():
        write_text(folder / f"{name}.svg", drawn.svg)
        write_bytes(folder / f"{name}.png", drawn.png)
        paths += [folder / f"{name}.svg", folder / f"{name}.png"]
    return paths


def representativeness_data(results: dict) -> dict:
    """Data of the coverage part of ``steekproef.html.j2``: the representativeness tables (rows of
    ``[group, municipalities, covered, coverage]``, ``totaal`` last), the reason size classes are missing, and
    the coverage map (covered municipalities, joint plans outlined)."""
    rep = results.get("representativeness") or {}

    def rows(table: dict) -> list[list]:
        rank = {c: i for i, c in enumerate(COHORTS)}  # cohorts in their usual order, other groups largest first
        order = sorted((k for k in table if k != "totaal"), key=lambda k: (rank.get(k, len(rank)),
                                                                           -table[k]["n_gemeenten"], k))
        return [[k, table[k]["n_gemeenten"], table[k]["n_gedekt"], pct(table[k]["dekking"])]
                for k in [*order, *(["totaal"] if "totaal" in table else [])]]

    return {"tables": {name: rows(rep[name]) for name in ("cohort", "provincie", "veiligheidsregio") if name in rep},
            "grootteklassen": rep.get("grootteklassen"), "kaart": _map(report_figures(results)["dekking"])}


def steekproef(results: dict, priorities: pd.DataFrame | None = None) -> Html:
    """Section 2: plans, speerpunten, municipalities, coverage of the cohort, sources (``zekerheid``), and
    the list of plans (``results['plans']``) with their speerpunten (``priorities``, optional)."""
    return _block("steekproef", **steekproef_data(results, priorities))


def themas_data(results: dict) -> dict:
    """Data of ``themas.html.j2`` (a job with plans): themes and CCV categories with their intervals,
    the headline shares under every roll-up, and the three figures."""
    themes = theme_frame(results)
    cats = category_frame(results)
    sens = sensitivity_frame(results)
    drawn = report_figures(results)
    data = {
        "n_priorities": results.get("n_priorities", 0),
        "themes": _records(themes),
        "ranked": _records(themes.sort_values("share", ascending=False, kind="stable")),
        "methode": themes["methode"].iloc[0] if len(themes) else "",
        "figuur_themes": _embedded(drawn["themas"]),
        "categories": _records(cats),
        "figuur_categories": _embedded(drawn["categorieen"]),
        "sensitivity": _records(sens),
        "indicatief": _indicatief(results, "themes", "categories"),
    }
    if len(sens):
        order = list(dict.fromkeys(sens["indeling"]))
        pivot = sens.pivot(index="indeling", columns="categorie", values="share").reindex(order)
        columns = [c for c in (VWL, OND) if c in pivot.columns]
        data.update(figuur_sensitivity=_embedded(drawn["gevoeligheid"]), sensitivity_columns=columns,
                    sensitivity_rows=[{"indeling": name, "shares": [pivot.at[name, c] for c in columns]}
                                      for name in pivot.index])
    return data


def themas(results: dict) -> Html:
    """Section 3: theme distribution (figure and table with intervals), the CCV categories, the
    sensitivity to the roll-up, and the share of plans per theme."""
    if _empty(results):
        return _no_plans("themas")
    return _block("themas", **themas_data(results))


def _as_int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 10**6


def samenwerking_data(results: dict) -> dict:
    """Data of ``samenwerking.html.j2`` (a job with plans): joint plans, their sizes (ascending) and
    citizen participation with its forms (most frequent first)."""
    joint = results.get("joint_plans") or {}
    part = results.get("participation") or {}
    sizes = sorted((joint.get("sizes") or {}).items(), key=lambda kv: _as_int(kv[0]))
    forms = sorted(((k, v) for k, v in (part.get("forms") or {}).items() if v), key=lambda kv: (-kv[1], kv[0]))
    return {
        "n_plans": results["n_plans"],
        "joint": {"n": joint.get("n", 0), **share_of(joint, "ci95_wilson"),
                  "municipalities": joint.get("municipalities_in_joint_plans", 0),
                  "municipalities_share": joint.get("municipalities_share"),
                  "n_municipalities": joint.get("n_municipalities", 0),
                  "n_partners_unknown": joint.get("n_partners_unknown"),
                  "size_mean": joint.get("size_mean"), "size_median": joint.get("size_median"),
                  "size_max": joint.get("size_max", "–")},
        "sizes": [[k, v] for k, v in sizes],
        "participation": {"n_yes": part.get("n_yes", 0), "n_no": part.get("n_no", 0),
                          "n_unknown": part.get("n_unknown", 0), "n_known": part.get("n_known"),
                          **share_of(part, "ci95_wilson_at_least", "share_at_least"),
                          "share_among_known": part.get("share_among_known")},
        "forms": [{"vorm": k, "n": v} for k, v in forms],
        "indicatief": _indicatief(results, "joint_plans", "joint_plans.sizes", "participation",
                                  "participation.among_known", "participation.forms"),
        "gemeenten": municipality_data(results),
    }


def municipality_data(results: dict) -> dict:
    """Data of the municipality-level part of ``samenwerking.html.j2``: joint plans within and across
    safety regions and police units, shares of covered municipalities with a speerpunt per category and
    on ondermijning (weighted beside unweighted nationally), and nationally two maps of such a property."""
    regions = (results.get("joint_plans") or {}).get("regions") or {}
    mun = results.get("municipalities") or {}
    weighted = mun.get("weighted") or {}

    def row(label: str, entry: dict, weighted_entry: dict | None) -> list:
        cells = [label, f"{entry.get('n_with')} van {entry.get('n')}", share_with_ci(entry.get("share_with"),
                                                                                     entry.get("ci95"))]
        if weighted:
            cells.append(share_with_ci((weighted_entry or {}).get("share_with"), (weighted_entry or {}).get("ci95")))
        return cells

    rows = [row(f"speerpunt op {label.lower()}", entry, (weighted.get("categories") or {}).get(label))
            for label, entry in (mun.get("categories") or {}).items()]
    rows.insert(0, row("speerpunt op ondermijning (thema OND)", (mun.get("themes") or {}).get("OND") or {},
                       (weighted.get("themes") or {}).get("OND")))
    rows.append(row("in een gezamenlijk plan", mun.get("joint_share") or {}, weighted.get("joint_share")))
    rows.append(row("plan met inbreng van inwoners (ten minste)", mun.get("participation_at_least") or {},
                    weighted.get("participation_at_least")))
    drawn = report_figures(results)
    kaarten = [_map(drawn[name]) for name in MAPPED if name in drawn]
    levels = [(name, regions[key]) for key, name in (("veiligheidsregio", "één veiligheidsregio"),
                                                    ("regionale_eenheid", "één politie-eenheid"))
              if key in regions]
    return {"n": mun.get("n", 0), "n_clusters": mun.get("n_clusters", 0), "rows": rows, "weighted": bool(weighted),
            "strata_without_coverage": weighted.get("strata_without_coverage") or [],
            "weighted_note": weighted.get("toelichting"), "method_note": mun.get("methode_toelichting"),
            "indicatief": bool(mun.get("indicatief")), "kaarten": kaarten,
            "regions": {"n_joint": regions.get("n_joint", 0), "n_assessable": regions.get("n_assessable", 0),
                        "n_partners_unknown": regions.get("n_partners_unknown", 0),
                        "levels": [{"name": name, "within": lv.get("within", 0), "across": lv.get("across", 0),
                                    "crossing": [f"{c.get('titel') or c.get('plan_id')} "
                                                 f"({', '.join(c.get('regions') or [])})"
                                                 for c in lv.get("crossing") or []]} for name, lv in levels],
                        "basisteam": regions.get("basisteam")}}


def samenwerking(results: dict) -> Html:
    """Section 4: joint plans and their size, and by safety region and police unit; citizen participation
    stated as 'at least'; the municipality-level figures (weighted nationally) with maps."""
    if _empty(results):
        return _no_plans("samenwerking")
    return _block("samenwerking", **samenwerking_data(results))


def landelijk_data(results: dict) -> dict:
    """Data of ``landelijk.html.j2`` (a job with plans): the Veiligheidsagenda's subjects and source
    (codebook), the themes that count as aligned, and the aligned speerpunten and plans, per theme and per
    level (lokaal, regionaal, then others)."""
    nat = results.get("national_priorities") or {}
    labels = results.get("labels") or {}
    by_niveau = nat.get("by_niveau") or {}
    levels = sorted(by_niveau, key=lambda k: (list(LEVELS) + [k]).index(k))
    if "agenda" in nat and nat["agenda"] is None:  # no Veiligheidsagenda in force at the peiljaar
        return {"agenda": None, "note": nat.get("note"), "bron": results.get("national_priorities_source"),
                "indicatief": _indicatief(results, "national_priorities")}
    return {
        "agenda": nat.get("agenda_label") or "Veiligheidsagenda 2019-2022",
        "onderwerpen": list(nat.get("priorities") or codebook()["landelijke_prioriteiten"]["onderwerpen"]),
        "bron": results.get("national_priorities_source") or codebook()["landelijke_prioriteiten"]["bron"],
        "note": nat.get("note"),
        "theme_notes": [{"code": c, "note": n} for c, n in (nat.get("theme_notes") or {}).items()],
        "sensitivity": [{"label": v.get("label"), "added": ", ".join(v.get("added") or []),
                         **share_of(v, "ci95", "priority_share"), "n": v.get("n", 0)}
                        for v in (nat.get("sensitivity") or {}).values()],
        "themas": [{"code": c, "label": labels.get(c, c)} for c in nat.get("themes") or []],
        "speerpunten": {"n": nat.get("n", 0), **share_of(nat, "ci95", "priority_share")},
        "plannen": {"n": nat.get("n_plans_with", 0), **share_of(nat, "plan_ci95_wilson", "plan_share")},
        "by_theme": [{"code": c, "label": labels.get(c, c), "n": n} for c, n in (nat.get("by_theme") or {}).items()],
        "by_niveau": [{"niveau": level, "n": by_niveau[level].get("n"), "share": by_niveau[level].get("share"),
                       "n_priorities": by_niveau[level]["n_priorities"]}
                      for level in levels if by_niveau[level].get("n_priorities")],
        "indicatief": _indicatief(results, "national_priorities"),
    }


def landelijke_prioriteiten(results: dict) -> Html:
    """Section 5: alignment with the national priorities of the Veiligheidsagenda in force at the peiljaar."""
    if _empty(results):
        return _no_plans("landelijk")
    return _block("landelijk", **landelijk_data(results))


def vergelijking_data(results: dict) -> dict:
    """Data of ``vergelijking.html.j2``: per compared figure (categories VWL and OND, joint plans, number
    of speerpunten, then others) the CCV's published 2020 value, ours, our interval and whether the
    published value lies inside it; and the source of the published figures."""
    order = [VWL, OND, "joint_plan_share", "n_priorities"]
    comparison = results.get("ccv2020") or {}
    rows = []
    for key in sorted(comparison, key=lambda k: (order + [k]).index(k)):
        entry = comparison[key]
        figure_key = "categories" if key in (VWL, OND) else ("joint_plans" if key == "joint_plan_share" else None)
        rows.append({"label": entry.get("label", key), "telling": key == "n_priorities",
                     "published": entry.get("published"), "ours": entry.get("ours"), "ci": entry.get("ci95"),
                     "interval": entry.get("interval"), "inside": entry.get("inside"),
                     "indicatief": bool(figure_key) and is_indicatief(results, figure_key)})
    return {"rows": rows, "bron": codebook()["ccv2020"]["bron"]}


def vergelijking_ccv(results: dict) -> Html:
    """Section 6: the CCV's published 2020 figures next to ours with our interval, and whether inside."""
    return _block("vergelijking", **vergelijking_data(results))


def coding_data(results: dict, codering: dict | None) -> dict | None:
    """Data of ``codering.html.j2``: how many of this report's speerpunten were coded automatically
    (``n_auto`` of ``n``, the rest ``n_hand``), by which route (``bron``) and ``methode``, the counts in the
    whole input, and the measured agreement (``overeenstemming``: ``n``, ``n_plannen``, ``accuracy``,
    ``kappa``, ``alpha``; None when not measured).

    Args:
        results: the job's results (``plans`` with ``plan_id``, ``n_priorities``).
        codering: ``provenance.coding`` of the input (in ``provenance.json``); None when the notebook ran
            outside ``ivp run`` (then None is returned).
    """
    if not codering:
        return None
    n = results.get("n_priorities") or 0
    per_plan = codering.get("auto_per_plan") or {}
    n_auto = sum(int(per_plan.get(str(p.get("plan_id")), 0)) for p in results.get("plans") or [])
    agree = codering.get("overeenstemming")
    return {"n": n, "n_auto": n_auto, "n_hand": n - n_auto, "bron": codering.get("bron"),
            "methode": codering.get("methode"), "input_auto": codering.get("n_auto"),
            "input_hand": codering.get("n_hand"),
            "overeenstemming": {k: agree.get(k) for k in ("n", "n_plannen", "accuracy", "kappa", "alpha")}
            if agree else None}


def coding_text(results: dict, codering: dict | None) -> str:
    """Where this report's theme codes came from (HTML): how many of its speerpunten were coded
    automatically and with what measured agreement, or that all are hand codes (see ``coding_data``)."""
    return templating.render("secties/codering.html.j2", codering=coding_data(results, codering))


def methode_data(results: dict, prov: dict | None = None) -> dict:
    """Data of ``methode.html.j2``: the cohort rule and interval text of the analyses (``results.methode``),
    the small-numbers threshold and the origin of the codes (``coding_data`` of ``prov["codering"]``)."""
    method = results.get("methode") or {}
    return {"scope_rule": method.get("scope_rule", ""), "intervals": method.get("intervals", ""),
            "small_n": method.get("small_n", SMALL_N), "codering": coding_data(results, (prov or {}).get("codering"))}


def methode(results: dict, prov: dict | None = None) -> Html:
    """Section 7: how the sample was built, who coded the themes (``prov["codering"]``, see
    ``coding_text``), zekerheid, intervals, the cohort rule, the indicatief flag."""
    return _block("methode", **methode_data(results, prov))


def verantwoording_data(prov: dict) -> dict:
    """Data of ``verantwoording.html.j2``: git commit (None outside a checkout) and dirty flag
    (True/False/None), package versions, sha256 of the files per kind, parameters, run time."""
    git = prov.get("git") or {}
    return {"commit": git.get("commit"), "dirty": git.get("dirty"),
            "versies": [[k, v] for k, v in (prov.get("versies") or {}).items()],
            "bestanden": [{"soort": kind, "naam": name, "sha256": digest}
                          for kind, entries in (prov.get("bestanden") or {}).items()
                          for name, digest in entries.items()],
            "parameters": [[k, v] for k, v in (prov.get("parameters") or {}).items()],
            "uitgevoerd_op": prov.get("uitgevoerd_op", "onbekend")}


def verantwoording(prov: dict) -> Html:
    """Section 8: git commit and dirty flag, package versions, sha256 of inputs, parameters, run time.

    The run time is on a line of its own (``<p class="looptijd">``): the only line that differs between
    two runs of the same code on the same input.
    """
    return _block("verantwoording", **verantwoording_data(prov))


def run_time_line(html_text: str) -> str | None:
    """The run-time line of a rendered report (what may differ between two runs), or None."""
    for line in html_text.splitlines():
        if 'class="looptijd"' in line:
            return line
    return None
