"""Dutch text building blocks of the report (``notebooks/05_rapport.ipynb``).

Every section function takes the job's ``results.json`` (a dict, written by ``ivp.results``) or the
provenance (``ivp.provenance``) and returns an ``Html`` block that a notebook cell shows as it is. All
numbers come from those dicts. All text that comes from data (plan titles, municipality names, speerpunt
titles, URLs) passes through ``esc`` or ``link``, so a title such as ``<script>alert(1)</script>`` is
shown as text and never run.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from . import figures
from .analysis import SMALL_N
from .formats import _missing, count, interval, number, pct, share_with_ci  # noqa: F401  (report.pct etc. in tests)
from .reference import codebook, theme_table
from .synth import SYNTHETIC

COHORT_NAMES = {
    "nationaal": "alle gemeenten (nationaal)",
    "G4": "G4 (de vier grootste steden)",
    "G40": "G40 (stedennetwerk van veertig middelgrote steden)",
    "P10": "P10 (netwerk van grote plattelandsgemeenten)",
    "overig": "overige gemeenten (niet in G4, G40 of P10)",
}
VWL = "Veilige woon- en leefomgeving"
OND = "Ondermijning"
FORMS = {"enquete": "enquête", "burgerpanel": "burgerpanel", "bijeenkomst": "bijeenkomst",
         "wijkraad": "wijkraad", "meldpunt": "meldpunt", "overig": "overig"}
SECTIONS = (("kernbevindingen", "Kernbevindingen"), ("steekproef", "Steekproef"), ("themas", "Thema's"),
            ("samenwerking", "Samenwerking"), ("landelijk", "Landelijke prioriteiten"),
            ("vergelijking", "Vergelijking met de CCV-analyse 2020"), ("methode", "Methode en beperkingen"),
            ("verantwoording", "Verantwoording"))


class Html(str):
    """A piece of HTML that Jupyter (and so nbconvert) shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


# ---------------------------------------------------------------- formatting

def esc(value) -> str:
    """``value`` as text that is safe inside HTML elements and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def is_indicatief(results: dict, figure: str | None = None) -> bool:
    """True when the job rests on fewer than 10 plans (flag ``indicatief``) or, for ``figure`` (a key
    such as ``joint_plans.sizes``), when the analyses flagged that figure (``indicatief:<figure>``)."""
    flags = set(results.get("flags") or [])
    if "indicatief" in flags or (results.get("n_plans") or 0) < SMALL_N:
        return True
    return figure is not None and f"indicatief:{figure}" in flags


def marker(results: dict, figure: str | None = None) -> str:
    """The ``indicatief`` badge shown next to every figure that rests on small numbers ('' otherwise)."""
    if not is_indicatief(results, figure):
        return ""
    return (f' <span class="indicatief" title="gebaseerd op minder dan {SMALL_N} plannen">'
            "indicatief</span>")


def link(url, text=None) -> str:
    """A link to an http(s) source; any other scheme (``javascript:``, ``data:``) is shown as plain text."""
    label = esc(text if text is not None else url)
    parsed = urlparse(str(url or "").strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return label
    return f'<a href="{esc(str(url).strip())}" rel="noopener noreferrer">{label}</a>'


def table(columns: list[str], rows: list[list], *, caption: str = "", numeric: set[int] | None = None) -> str:
    """An HTML table in a horizontally scrolling wrapper; every cell is escaped.

    ``numeric`` holds the indices of right-aligned columns. A cell given as ``Html`` is inserted as is
    (for links and badges that were escaped when they were made).
    """
    numeric = numeric or set()

    def cell(tag: str, i: int, value) -> str:
        cls = ' class="num"' if i in numeric else ""
        text = str(value) if isinstance(value, Html) else esc(value)
        return f"<{tag}{cls}>{text}</{tag}>"

    head = "".join(cell("th", i, c) for i, c in enumerate(columns))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="tabel" role="region" tabindex="0" aria-label="{esc(caption or "tabel")}">'
            f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def figure(fig, *, alt: str, caption: str) -> str:
    """A matplotlib figure as an embedded SVG image with alt text and a caption (no external file)."""
    svg = figures.to_svg(fig)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def _section(ident: str, body: str) -> Html:
    title = dict(SECTIONS)[ident]
    return Html(f'<section id="{ident}"><h2>{esc(title)}</h2>{body}</section>')


def _p(text: str) -> str:
    return f"<p>{text}</p>"


def _empty(results: dict) -> bool:
    return not results.get("n_plans")


def _no_plans(ident: str) -> Html:
    return _section(ident, _p("Geen plannen in de steekproef voor dit cohort en peiljaar."))


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


def interval_method_text(method: str) -> str:
    """Dutch description of the method of a headline interval, for captions."""
    if method == "wilson":
        return f"Wilson; minder dan {SMALL_N} plannen is te weinig voor een clusterbootstrap"
    return "clusterbootstrap over plannen"


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


def priority_titles(processed_path, plan_ids) -> pd.DataFrame:
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


# ---------------------------------------------------------------- sections

def title_block(results: dict) -> Html:
    """Report title with cohort and peiljaar, and a table of contents."""
    cohort, peiljaar = results.get("cohort", ""), str(results.get("peiljaar", ""))
    scope = "alle plannen, ongeacht hun looptijd" if peiljaar == "alle" else f"plannen die in {esc(peiljaar)} van kracht waren"
    toc = "".join(f'<li><a href="#{ident}">{esc(title)}</a></li>' for ident, title in SECTIONS)
    return Html(
        '<header class="rapportkop"><p class="bovenschrift">Landelijke analyse integrale veiligheidsplannen</p>'
        f"<h1>Speerpunten in integrale veiligheidsplannen: {esc(cohort)}, peiljaar {esc(peiljaar)}</h1>"
        f"<p>Cohort: {esc(COHORT_NAMES.get(cohort, cohort))}. Steekproef: {scope}. "
        "Voor het Strategisch Beraad Veiligheid.</p>"
        f"{synthetic_warning(results)}"
        f'<nav class="inhoud" aria-label="Inhoud"><ol>{toc}</ol></nav></header>')


def synthetic_warning(results: dict) -> str:
    """A warning at the top when plans of the job were made by ``ivp synth`` (``sample.bron_type`` counts
    ``synthetisch``): such a report is a scale test and must not be read as a description of real plans.
    '' otherwise."""
    n = int(((results.get("sample") or {}).get("bron_type") or {}).get(SYNTHETIC, 0) or 0)
    if n <= 0:
        return ""
    total = results.get("n_plans") or n
    if n >= total:
        which = "Het enige plan in dit rapport is" if n == 1 else f"Alle {n} plannen in dit rapport zijn"
    else:
        which = f"{count(n, 'plan', 'plannen')} van de {total} in dit rapport {'is' if n == 1 else 'zijn'}"
    return ('<p class="waarschuwing" role="note"><strong>Synthetische gegevens, niet voor publicatie.</strong> '
            f"{which} door <code>ivp synth</code> gemaakt voor schaal- en snelheidstests. De cijfers beschrijven "
            "geen echte veiligheidsplannen.</p>")


def _category(results: dict, label: str) -> dict:
    return (results.get("categories") or {}).get(label) or {}


def largest_category_sentence(results: dict) -> str:
    """'De grootste categorie is X (n speerpunten).' for the largest CCV category; ties are named together."""
    cats = category_frame(results)
    if cats.empty or not cats["n"].max():
        return ""
    top = cats[cats["n"] == cats["n"].max()]
    names = " en ".join(esc(label.lower()) for label in top["label"])
    verb = "zijn" if len(top) > 1 else "is"
    n = count(int(top["n"].iloc[0]), "speerpunt", "speerpunten")
    return f"De grootste categorie {verb} {names} ({n}{' elk' if len(top) > 1 else ''})."


def kernbevindingen(results: dict) -> Html:
    """Section 1: five or six sentences with the headline numbers and their 95% intervals."""
    if _empty(results):
        body = _p(f"Voor cohort {esc(results.get('cohort'))} met peiljaar {esc(results.get('peiljaar'))} zijn er "
                  "geen plannen in de steekproef. Er zijn daarom geen cijfers voor dit cohort.")
        return _section("kernbevindingen", body)
    sample = results.get("sample") or {}
    n_plans, n_sp = results["n_plans"], results.get("n_priorities", 0)
    vwl, ond = _category(results, VWL), _category(results, OND)
    joint = results.get("joint_plans") or {}
    part = results.get("participation") or {}
    nat = results.get("national_priorities") or {}
    published = codebook()["ccv2020"]
    m = marker(results)
    coverage = ""
    if sample.get("cohort_size"):
        coverage = f" ({pct(sample.get('coverage'), 0)} van de {sample['cohort_size']} gemeenten van het cohort)"
    sentences = [
        f"De steekproef telt <strong>{count(n_plans, 'plan', 'plannen')}</strong> met "
        f"<strong>{count(n_sp, 'speerpunt', 'speerpunten')}</strong>, "
        f"uit {count(results.get('n_municipalities', 0), 'gemeente', 'gemeenten')}{coverage}.{m}",
        f"<strong>Veilige woon- en leefomgeving</strong> krijgt {share_with_ci(vwl.get('share'), vwl.get('ci95'))} "
        f"van de speerpunten; de CCV vond in 2020 {pct(published['category_shares'][VWL], 0)}.{marker(results, 'categories')}",
        f"<strong>Ondermijning</strong> krijgt {share_with_ci(ond.get('share'), ond.get('ci95'))} "
        f"(CCV 2020: {pct(published['category_shares'][OND], 0)}). {largest_category_sentence(results)}"
        f"{marker(results, 'categories')}",
        f"{share_with_ci(joint.get('share'), joint.get('ci95_wilson'))} van de plannen is door twee of meer "
        f"gemeenten samen opgesteld (CCV/VNG 2020: ongeveer {pct(published['joint_plan_share'], 0)})."
        f"{marker(results, 'joint_plans')}",
        f"{share_with_ci(nat.get('priority_share'), nat.get('ci95'))} van de speerpunten sluit aan bij een "
        f"landelijke prioriteit van de Veiligheidsagenda 2019-2022.{marker(results, 'national_priorities')}",
        f"Ten minste {pct(part.get('share_at_least'), 0)} van de plannen is opgesteld met inbreng van inwoners; "
        f"bij {part.get('n_unknown', 0)} van {count(n_plans, 'plan', 'plannen')} is dat uit de bron niet op te maken."
        f"{marker(results, 'participation')}",
    ]
    body = '<ul class="kern">' + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>"
    body += _p("BI: 95%-betrouwbaarheidsinterval; voor aandelen van speerpunten uit een clusterbootstrap over "
               f"plannen (bij minder dan {SMALL_N} plannen volgens Wilson), voor aandelen van plannen volgens "
               "Wilson. Zie Methode en beperkingen.")
    return _section("kernbevindingen", body)


def steekproef(results: dict, priorities: pd.DataFrame | None = None) -> Html:
    """Section 2: plans, speerpunten, municipalities, coverage of the cohort, sources (``zekerheid``), and
    the list of plans (``results['plans']``) with their speerpunten (``priorities``, optional)."""
    sample = results.get("sample") or {}
    m = marker(results, "sample")
    rows = [
        ["plannen in de steekproef", results.get("n_plans", 0), Html(m)],
        ["speerpunten", results.get("n_priorities", 0), Html(m)],
        ["gemeenten met een plan in de steekproef", results.get("n_municipalities", 0), Html(m)],
    ]
    if sample.get("cohort_size"):
        rows.append([f"dekking van het cohort ({sample['cohort_size']} gemeenten)", pct(sample.get("coverage")),
                     Html(m)])
    if str(results.get("peiljaar")) != "alle":
        rows.append(["plannen van het cohort die in het peiljaar niet van kracht waren",
                     sample.get("n_out_of_period", 0), ""])
        rows.append(["plannen buiten beschouwing: looptijd onbekend", results.get("n_excluded_no_period", 0), ""])
    if sample.get("n_plans_without_priorities"):
        rows.append(["plannen zonder speerpunten", sample["n_plans_without_priorities"], ""])
    body = table(["maat", "aantal", ""], rows, caption="Omvang van de steekproef", numeric={1})
    zekerheid = sample.get("zekerheid") or {}
    if zekerheid:
        body += table(["zekerheid van de codering", "plannen"], [[k, v] for k, v in sorted(zekerheid.items())],
                      caption="Bronnen: hoe zeker de speerpunten zijn", numeric={1})
    body += _p("<em>Zekerheid</em> <strong>hoog</strong>: de speerpunten zijn uit de eigen lijst van het plan "
               "gelezen; <strong>midden</strong>: uit een nieuwsbericht, begroting of samenvatting, zulke lijsten "
               "kunnen onvolledig zijn.")
    niveau = results.get("niveau") or {}
    if niveau:
        body += table(["niveau", "speerpunten", "aandeel", ""],
                      [[k, v.get("n"), share_with_ci(v.get("share"), v.get("ci95_wilson")), Html(marker(results, "niveau"))]
                       for k, v in niveau.items()],
                      caption="Lokale en regionale speerpunten", numeric={1})
    body += _p("De steekproef is geen aselecte trekking: plannen die als tekst openbaar zijn en grote gemeenten "
               "zijn oververtegenwoordigd. Een gezamenlijk plan telt mee in elk cohort van zijn gemeenten.")
    plans = results.get("plans") or []
    if plans:
        by_plan = {}
        if priorities is not None:
            for r in priorities.itertuples():
                by_plan.setdefault(r.plan_id, []).append(f"{r.speerpunt} ({r.thema})")
        rows = [[p.get("titel"), p.get("gemeenten"), _period(p.get("periode_start"), p.get("periode_eind")),
                 p.get("zekerheid"), "; ".join(by_plan.get(p.get("plan_id"), [])) or p.get("n_speerpunten"),
                 Html(link(p.get("bron_url"), "bron"))] for p in plans]
        body += ("<details><summary>Plannen in de steekproef, met hun speerpunten</summary>"
                 + table(["titel", "gemeenten", "looptijd", "zekerheid", "speerpunten (thema)", "bron"], rows,
                         caption="Plannen in de steekproef en de bron waaruit is gecodeerd")
                 + "</details>")
    return _section("steekproef", body)


def _period(start, end) -> str:
    known = ["?" if _missing(x) or pd.isna(x) else str(int(x)) for x in (start, end)]
    return "onbekend" if known == ["?", "?"] else "–".join(known)


def themas(results: dict) -> Html:
    """Section 3: theme distribution (figure and table with intervals), the CCV categories, the
    sensitivity to the roll-up, and the share of plans per theme."""
    if _empty(results):
        return _no_plans("themas")
    m = marker(results, "themes")
    themes = theme_frame(results)
    n_sp = results.get("n_priorities", 0)
    ranked = themes.sort_values("share", ascending=False, kind="stable")
    body = figure(
        figures.share_chart(themes),
        alt="Staafdiagram: aandeel speerpunten per hoofdthema met 95%-interval. "
            + "; ".join(f"{r.label} {pct(r.share, 0)} ({interval([r.ci_low, r.ci_high], 0)})"
                        for r in ranked.itertuples()) + ".",
        caption=f"Figuur 1. Aandeel van de {n_sp} speerpunten per hoofdthema, met 95%-interval "
                f"({interval_method_text(themes['methode'].iloc[0] if len(themes) else '')}); n = aantal speerpunten.")
    if m:
        body += _p(f"Figuur 1 en de tabellen van deze paragraaf rusten op minder dan {SMALL_N} plannen.{m}")
    body += table(
        ["thema", "speerpunten", "aandeel", "95%-BI cluster", "95%-BI Wilson", "plannen met thema", ""],
        [[f"{r.label} ({r.code})", r.n, pct(r.share), interval([r.cluster_low, r.cluster_high]),
          interval([r.wilson_low, r.wilson_high]), f"{r.n_plans} ({pct(r.plan_share, 0)})", Html(m)]
         for r in themes.itertuples()],
        caption="Speerpunten per hoofdthema; de laatste kolom: plannen met ten minste één speerpunt op het thema",
        numeric={1, 2, 3, 4, 5})
    cats = category_frame(results)
    mc = marker(results, "categories")
    body += "<h3>Categorieën van de CCV-analyse 2020</h3>"
    body += figure(
        figures.share_chart(cats),
        alt="Staafdiagram: aandeel speerpunten per CCV-categorie met 95%-interval, met het gepubliceerde "
            "CCV-cijfer als ruit. " + "; ".join(
                f"{r.label} {pct(r.share, 0)}" + ("" if pd.isna(r.reference) else f" (CCV 2020: {pct(r.reference, 0)})")
                for r in cats.itertuples()) + ".",
        caption="Figuur 2. Speerpunten naar de categorieën van de CCV-analyse 2020 (standaardindeling: zorg en "
                "veiligheid valt onder veilige woon- en leefomgeving). Ruit: het gepubliceerde CCV-cijfer.")
    body += table(["categorie", "thema's", "speerpunten", "aandeel", "95%-BI cluster", "95%-BI Wilson", "CCV 2020", ""],
                  [[r.label, r.themes, r.n, pct(r.share), interval([r.cluster_low, r.cluster_high]),
                    interval([r.wilson_low, r.wilson_high]), "" if pd.isna(r.reference) else pct(r.reference, 0),
                    Html(mc)] for r in cats.itertuples()],
                  caption="Speerpunten per CCV-categorie", numeric={2, 3, 4, 5, 6})
    sens = sensitivity_frame(results)
    if len(sens):
        body += "<h3>Gevoeligheid voor de indeling</h3>"
        body += _p("Hoe de thema's tot categorieën worden samengevoegd is een keuze. Hieronder de twee kopcijfers "
                   "onder elke indeling uit het codeboek: zo is te zien hoeveel van een verschil met de CCV-cijfers "
                   "uit de indeling komt en hoeveel uit de steekproef.")
        body += figure(
            figures.sensitivity_chart(sens),
            alt="Stippendiagram van de kopcijfers per indeling. " + "; ".join(
                f"{r.categorie}, {r.indeling}: {pct(r.share, 0)}" for r in sens.itertuples()) + ".",
            caption="Figuur 3. Aandeel veilige woon- en leefomgeving en ondermijning onder elke indeling; "
                    "de stippellijn is het gepubliceerde CCV-cijfer.")
        order = list(dict.fromkeys(sens["indeling"]))
        pivot = sens.pivot(index="indeling", columns="categorie", values="share").reindex(order)
        cols = [c for c in (VWL, OND) if c in pivot.columns]
        body += table(["indeling", *cols, ""], [[name, *[pct(pivot.at[name, c]) for c in cols], Html(mc)]
                                               for name in pivot.index],
                      caption="Kopcijfers per indeling", numeric=set(range(1, len(cols) + 1)))
    return _section("themas", body)


def samenwerking(results: dict) -> Html:
    """Section 4: joint plans and their size; citizen participation stated as 'at least'."""
    if _empty(results):
        return _no_plans("samenwerking")
    joint = results.get("joint_plans") or {}
    part = results.get("participation") or {}
    n_plans = results["n_plans"]
    m = marker(results, "joint_plans")
    rows = [["gezamenlijke plannen (twee of meer gemeenten)", joint.get("n", 0),
             share_with_ci(joint.get("share"), joint.get("ci95_wilson")) + " van de plannen", Html(m)],
            ["gemeenten met een gezamenlijk plan", joint.get("municipalities_in_joint_plans", 0),
             f"{pct(joint.get('municipalities_share'))} van de {joint.get('n_municipalities', 0)} gemeenten "
             "in de steekproef", Html(m)]]
    if joint.get("n_partners_unknown"):
        rows.append(["gezamenlijk volgens de bron, partners niet genoemd", joint["n_partners_unknown"], "", ""])
    body = table(["maat", "aantal", "aandeel", ""], rows, caption="Gezamenlijke plannen", numeric={1})
    sizes = joint.get("sizes") or {}
    if sizes:
        ms = marker(results, "joint_plans.sizes")
        body += _p(f"Een gezamenlijk plan telt gemiddeld {number(joint.get('size_mean'))} gemeenten (mediaan "
                   f"{number(joint.get('size_median'), 0)}, hoogstens {joint.get('size_max', '–')}).{ms}")
        body += table(["gemeenten in het plan", "gezamenlijke plannen"],
                      [[k, v] for k, v in sorted(sizes.items(), key=lambda kv: _as_int(kv[0]))],
                      caption="Omvang van de gezamenlijke plannen", numeric={0, 1})
    body += "<h3>Burgerparticipatie</h3>"
    mp = marker(results, "participation")
    body += _p(
        "Uit openbare bronnen is meestal niet op te maken of inwoners bij het opstellen van het plan zijn "
        f"betrokken. Het cijfer is daarom een ondergrens: <strong>ten minste "
        f"{share_with_ci(part.get('share_at_least'), part.get('ci95_wilson_at_least'))}</strong> van alle "
        f"{n_plans} plannen ({part.get('n_yes', 0)} plannen) vermeldt inbreng van inwoners. {part.get('n_no', 0)} "
        f"plannen vermelden dat die er niet was; bij {part.get('n_unknown', 0)} is het onbekend.{mp}")
    if part.get("n_known"):
        mk = marker(results, "participation.among_known")
        body += _p(f"Alleen over de {part['n_known']} plannen waarvan het bekend is gerekend, is het aandeel "
                   f"{pct(part.get('share_among_known'))}; dat cijfer overschat het werkelijke aandeel waarschijnlijk, "
                   f"omdat participatie vaker wordt vermeld als die er was.{mk}")
    forms = {k: v for k, v in (part.get("forms") or {}).items() if v}
    if forms:
        mf = marker(results, "participation.forms")
        body += table(["vorm", "plannen", ""], [[FORMS.get(k, k), v, Html(mf)]
                                              for k, v in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))],
                      caption="Vormen van burgerparticipatie (een plan kan meer vormen noemen)", numeric={1})
    return _section("samenwerking", body)


def _as_int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 10**6


def landelijke_prioriteiten(results: dict) -> Html:
    """Section 5: alignment with the national priorities of the Veiligheidsagenda 2019-2022."""
    if _empty(results):
        return _no_plans("landelijk")
    m = marker(results, "national_priorities")
    nat = results.get("national_priorities") or {}
    agenda = codebook()["landelijke_prioriteiten"]
    labels = results.get("labels") or {}
    codes = nat.get("themes") or []
    body = _p(f"De Veiligheidsagenda 2019-2022 noemt als landelijke prioriteiten: {esc(', '.join(agenda['onderwerpen']))}. "
              "In termen van het codeboek sluiten speerpunten met hoofdthema "
              + esc(" of ".join(f"{labels.get(c, c).lower()} ({c})" for c in codes) or "OND of CYB")
              + " daarbij aan; mensenhandel valt onder ondermijning.")
    rows = [["speerpunten die aansluiten", nat.get("n", 0),
             share_with_ci(nat.get("priority_share"), nat.get("ci95")), Html(m)],
            ["plannen met ten minste één zo'n speerpunt", nat.get("n_plans_with", 0),
             share_with_ci(nat.get("plan_share"), nat.get("plan_ci95_wilson")), Html(m)]]
    for code, n in (nat.get("by_theme") or {}).items():
        rows.append([f"waarvan {labels.get(code, code).lower()} ({code})", n, "", ""])
    adjectives = {"lokaal": "lokale", "regionaal": "regionale"}
    by_niveau = nat.get("by_niveau") or {}
    for level in sorted(by_niveau, key=lambda k: (list(adjectives) + [k]).index(k)):
        entry = by_niveau[level]
        if entry.get("n_priorities"):
            rows.append([f"aandeel onder de {adjectives[level]} speerpunten" if level in adjectives
                         else f"aandeel onder speerpunten met niveau '{level}'",
                         entry.get("n"), f"{pct(entry.get('share'))} van {entry['n_priorities']}", Html(m)])
    body += table(["maat", "aantal", "aandeel", ""], rows, caption="Aansluiting bij de Veiligheidsagenda 2019-2022",
                  numeric={1})
    body += _p(f"Intervallen: clusterbootstrap voor speerpunten (Wilson bij minder dan {SMALL_N} plannen), "
               "Wilson voor plannen. Executie (tenuitvoerlegging "
               "van straffen) heeft geen eigen thema in het codeboek. Bron: " + esc(agenda["bron"]) + ".")
    return _section("landelijk", body)


def vergelijking_ccv(results: dict) -> Html:
    """Section 6: the CCV's published 2020 figures next to ours with our interval, and whether inside."""
    rows = []
    methods = {"clusterbootstrap": "cluster", "wilson": "Wilson", None: ""}
    comparison = results.get("ccv2020") or {}
    order = [VWL, OND, "joint_plan_share", "n_priorities"]
    for key in sorted(comparison, key=lambda k: (order + [k]).index(k)):
        entry = comparison[key]
        published, ours = entry.get("published"), entry.get("ours")
        is_count = key == "n_priorities"
        inside = entry.get("inside")
        verdict = "n.v.t." if inside is None else ("ja" if inside else "nee")
        figure_key = "categories" if key in (VWL, OND) else ("joint_plans" if key == "joint_plan_share" else None)
        rows.append([entry.get("label", key),
                     number(published, 0) if is_count else pct(published, 0),
                     number(ours, 0) if is_count else pct(ours),
                     "–" if is_count else f"{interval(entry.get('ci95'))} {methods.get(entry.get('interval'), '')}".strip(),
                     verdict, Html(marker(results, figure_key) if figure_key else "")])
    body = _p(f"Bron van de gepubliceerde cijfers: {esc(codebook()['ccv2020']['bron'])}. De CCV-steekproef is niet "
              "openbaar; deze analyse gebruikt een eigen steekproef van openbare plannen (zie Methode).")
    body += table(["maat", "CCV 2020", "deze analyse", "95%-BI", "CCV-cijfer binnen het BI?", ""], rows,
                  caption="Vergelijking met de CCV-analyse 2020", numeric={1, 2})
    body += _p("Het aantal speerpunten hangt af van de omvang van de steekproef en schat niet hetzelfde; daarvoor "
               "is geen interval gegeven. Ligt het CCV-cijfer buiten ons interval, dan verschilt deze steekproef "
               "(of de codering, zie de gevoeligheid voor de indeling) meer dan toeval verklaart.")
    return _section("vergelijking", body)


def coding_text(results: dict, codering: dict | None) -> str:
    """Where this report's theme codes came from (HTML): how many of its speerpunten were coded
    automatically and with what measured agreement, or that all are hand codes.

    Args:
        results: the job's results (``plans`` with ``plan_id``, ``n_priorities``).
        codering: ``provenance.coding`` of the input (in ``provenance.json``); None when the notebook ran
            outside ``ivp run``.
    """
    if not codering:
        return "De herkomst van de codes (hand of automatisch) is niet vastgelegd: dit notebook is buiten <code>ivp run</code> uitgevoerd."
    n = results.get("n_priorities") or 0
    per_plan = codering.get("auto_per_plan") or {}
    n_auto = sum(int(per_plan.get(str(p.get("plan_id")), 0)) for p in results.get("plans") or [])
    if not codering.get("n_auto"):
        where = ("de invoer bevat geen automatisch voorgestelde codes" if codering.get("bron") != "autocode"
                 else "<code>--autocode</code> vond geen speerpunten zonder thema")
        return f"Alle {number(n, 0)} speerpunten in deze analyse zijn met de hand gecodeerd ({where})."
    how = {"autocode": "door <code>ivp run --autocode</code>",
           "thema_bron": "volgens de kolom <code>thema_bron</code> van de invoer"}.get(codering.get("bron"), "")
    method = f", methode {esc(codering['methode'])}" if codering.get("methode") else ""
    text = (f"{number(n_auto, 0)} van de {number(n, 0)} speerpunten in deze analyse zijn automatisch gecodeerd "
            f"({how}{method}), de overige {number(n - n_auto, 0)} met de hand. In de hele invoer: "
            f"{number(codering.get('n_auto'), 0)} automatisch en {number(codering.get('n_hand'), 0)} met de hand.")
    agree = codering.get("overeenstemming")
    if agree:
        text += (f" Gemeten overeenstemming van de automatische codering met handcodering (kruisvalidatie per plan "
                 f"op {number(agree.get('n'), 0)} handgecodeerde speerpunten uit {number(agree.get('n_plannen'), 0)} "
                 f"plannen): accuracy {number(agree.get('accuracy'), 2)}, Cohens kappa {number(agree.get('kappa'), 2)}, "
                 f"Krippendorffs alfa {number(agree.get('alpha'), 2)}.")
    else:
        text += " De overeenstemming met handcodering is voor deze codes niet gemeten."
    if codering.get("bron") == "autocode":
        text += (" De automatische codes staan ter beoordeling, minst zekere eerst, in <code>gecodeerd/te_beoordelen.csv</code> "
                 "in de map met de rapporten.")
    return text


def methode(results: dict, prov: dict | None = None) -> Html:
    """Section 7: how the sample was built, who coded the themes (``prov["codering"]``, see
    ``coding_text``), zekerheid, intervals, the cohort rule, the indicatief flag."""
    method = results.get("methode") or {}
    small_n = method.get("small_n", SMALL_N)
    items = [
        "<strong>Steekproef.</strong> Openbare integrale veiligheidsplannen (en gelijkwaardige kadernota's en "
        "beleidsplannen), eerst per provincie gezocht en daarna aangevuld voor elke G4-, G40- en P10-gemeente "
        "zonder plan en voor een willekeurige greep uit de overige gemeenten. Alleen plannen waarvan de "
        "speerpunten te lezen waren, zijn opgenomen. Het is geen aselecte steekproef.",
        "<strong>Codering.</strong> Elk speerpunt kreeg één hoofdthema uit het codeboek (negen thema's). De "
        "categorieën van de CCV zijn samenvoegingen van die thema's; die indeling is een keuze, daarom is de "
        "gevoeligheid ervoor getoond. " + coding_text(results, (prov or {}).get("codering")),
        "<strong>Zekerheid.</strong> 'hoog': speerpunten gelezen uit de eigen lijst van het plan; 'midden': uit "
        "een nieuwsbericht, begroting of samenvatting (mogelijk onvolledig).",
        f"<strong>Cohort en peiljaar.</strong> {esc(method.get('scope_rule', ''))} Gemeenten zijn eerst omgezet "
        "naar de 355 gemeenten van 1 januari 2020; de ledenlijsten van G4, G40 en P10 zijn die van 2020.",
        f"<strong>Intervallen.</strong> {esc(method.get('intervals', ''))} Voor aandelen van plannen: Wilson.",
        f"<strong>Kleine aantallen.</strong> Cijfers die op minder dan {small_n} plannen rusten, zijn gemarkeerd "
        f'als <span class="indicatief">indicatief</span>: het interval is dan breed en de puntschatting onzeker.',
        "<strong>Burgerparticipatie</strong> is in openbare bronnen meestal onbekend; het aandeel is een "
        "ondergrens over alle plannen.",
    ]
    body = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    return _section("methode", body)


def verantwoording(prov: dict) -> Html:
    """Section 8: git commit and dirty flag, package versions, sha256 of inputs, parameters, run time.

    The run time is on a line of its own (``<p class="looptijd">``): the only line that differs between
    two runs of the same code on the same input.
    """
    git = prov.get("git") or {}
    commit = git.get("commit") or "onbekend (geen git-checkout)"
    dirty = {True: "ja: er waren niet-vastgelegde wijzigingen", False: "nee", None: "onbekend"}[git.get("dirty")]
    body = table(["onderdeel", "waarde"], [["git-commit", commit], ["gewijzigd ten opzichte van de commit", dirty]],
                 caption="Code")
    body += table(["pakket", "versie"], [[k, v] for k, v in (prov.get("versies") or {}).items()],
                  caption="Versies")
    files = []
    kinds = {"invoer": "invoer", "verwerkt": "opgeschoond", "referentie": "referentiegegevens"}
    for kind, entries in (prov.get("bestanden") or {}).items():
        files += [[kinds.get(kind, kind), name, Html(f"<code>{esc(digest)}</code>")] for name, digest in entries.items()]
    body += table(["soort", "bestand", "sha256"], files, caption="Bestanden (sha256)")
    body += table(["parameter", "waarde"], [[k, v] for k, v in (prov.get("parameters") or {}).items()],
                  caption="Parameters")
    body += f'\n<p class="looptijd">Uitgevoerd op: {esc(prov.get("uitgevoerd_op", "onbekend"))}</p>\n'
    return _section("verantwoording", body)


def run_time_line(html_text: str) -> str | None:
    """The run-time line of a rendered report (what may differ between two runs), or None."""
    for line in html_text.splitlines():
        if 'class="looptijd"' in line:
            return line
    return None
