"""Rendering: an executed report notebook becomes one self-contained HTML file, and the job folders of a
run an index page.

nbconvert's default template loads require.js and MathJax from a CDN; the report template
(``templates/ivp_rapport``) keeps nbconvert's cell rendering but writes a page head of its own with an
inline stylesheet and no script at all. Figures are embedded by the report blocks (``ivp.report``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from . import report
from .atomic import write_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "ivp_rapport"
HIDDEN_TAGS = ("parameters", "injected-parameters", "notitie")


def stylesheet() -> str:
    """The report stylesheet (inline CSS, no external references)."""
    return (TEMPLATES / TEMPLATE / "ivp.css").read_text(encoding="utf-8")


def report_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with only what a reader should see.

    Drops cells tagged ``parameters``, ``injected-parameters`` or ``notitie`` (researchers' notes),
    stderr streams (warnings) and code cells that show nothing; keeps the order of the rest.
    """
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & set(HIDDEN_TAGS):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


def exporter() -> HTMLExporter:
    """HTMLExporter with the report template: no code, no prompts, no anchor links."""
    exp = HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    exp.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS)), enabled=True)
    return exp


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str) -> str:
    """Render an executed notebook to a standalone HTML page titled ``title`` (escaped)."""
    body, _ = exporter().from_notebook_node(
        report_cells(nb), resources={"metadata": {"name": title}, "ivp_css": stylesheet()})
    return body


def render_report(executed: Path, html_path: Path, *, title: str) -> Path:
    """Render the executed report notebook ``executed`` to ``html_path`` (written atomically)."""
    nb = nbformat.read(str(executed), as_version=4)
    write_text(Path(html_path), notebook_to_html(nb, title=title))
    return Path(html_path)


# ---------------------------------------------------------------- index page

def index_rows(out: Path, peiljaren, cohorts, failed: dict | None = None) -> list[dict]:
    """One row per job folder under ``out`` that has a ``results.json`` or failed in this run.

    Args:
        out: the reports folder (``<out>/<peiljaar>/<cohort>/results.json``).
        peiljaren, cohorts: the valid names, in display order; other folders are ignored.
        failed: ``{(peiljaar, cohort): message}`` of jobs that failed in this run.
    Returns:
        dicts with ``peiljaar``, ``cohort``, ``results`` (dict or None), ``href`` (relative link to
        ``rapport.html`` or None) and ``fout`` (message or None).
    """
    failed = failed or {}
    rows = []
    for peiljaar in peiljaren:
        for cohort in cohorts:
            folder = Path(out) / str(peiljaar) / cohort
            results_file = folder / "results.json"
            results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else None
            has_report = (folder / "rapport.html").exists()
            error = failed.get((str(peiljaar), cohort))
            if results is None and error is None:
                continue
            rows.append({"peiljaar": str(peiljaar), "cohort": cohort, "results": results,
                         "href": f"{peiljaar}/{cohort}/rapport.html" if has_report else None, "fout": error})
    return rows


def index_html(rows: list[dict]) -> str:
    """The index page: a table linking every report with its headline figures (all text escaped)."""
    table_rows = []
    for row in rows:
        res = row["results"] or {}
        vwl = (res.get("categories") or {}).get(report.VWL) or {}
        ond = (res.get("categories") or {}).get(report.OND) or {}
        joint = res.get("joint_plans") or {}
        cohort = (report.Html(f'<a href="{report.esc(row["href"])}">{report.esc(row["cohort"])}</a>')
                  if row["href"] else report.Html(f'{report.esc(row["cohort"])} (geen rapport)'))
        status = report.Html(f'<span class="mislukt">laatste run mislukt: {report.esc(row["fout"])}</span>'
                             + (" (vorig rapport behouden)" if row["href"] else "")) if row["fout"] else "ok"
        mark = report.Html(report.marker(res)) if res else ""
        table_rows.append([
            row["peiljaar"], cohort, res.get("n_plans", "–"), res.get("n_priorities", "–"),
            report.share_with_ci(vwl.get("share"), vwl.get("ci95")) if res else "–",
            report.share_with_ci(ond.get("share"), ond.get("ci95")) if res else "–",
            report.share_with_ci(joint.get("share"), joint.get("ci95_wilson")) if res else "–",
            mark, status,
        ])
    table = report.table(
        ["peiljaar", "cohort (rapport)", "plannen", "speerpunten", report.VWL, report.OND,
         "gezamenlijke plannen", "", "status"],
        table_rows, caption="Rapporten per peiljaar en cohort, met de kopcijfers (95%-BI)", numeric={2, 3})
    return (
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"ivp\">\n"
        "<title>IVP-analyse: rapporten per cohort</title>\n"
        f"<style>\n{stylesheet()}\n</style>\n</head>\n<body>\n<main class=\"breed\">\n"
        "<p class=\"bovenschrift\">Landelijke analyse integrale veiligheidsplannen</p>\n"
        "<h1>Rapporten per peiljaar en cohort</h1>\n"
        "<p>Elk rapport is een los HTML-bestand zonder externe bronnen. Aandelen speerpunten met een 95%-interval "
        "uit een clusterbootstrap over plannen; het aandeel gezamenlijke plannen met een Wilson-interval.</p>\n"
        f"{table}\n</main>\n</body>\n</html>\n"
    )


def write_index(out: Path, peiljaren, cohorts, failed: dict | None = None) -> Path:
    """Write ``<out>/index.html`` for the job folders present (atomically); returns its path."""
    path = Path(out) / "index.html"
    write_text(path, index_html(index_rows(out, peiljaren, cohorts, failed)))
    return path
