"""Rendering: an executed report notebook becomes one self-contained HTML file, and the job folders of a
run an index page.

nbconvert's default template loads require.js and MathJax from a CDN; the report template
(``templates/ivp_rapport``) keeps nbconvert's cell rendering but puts it in the page of ``templates/pagina.html.j2``
(a head with an inline stylesheet and no script at all), the page the index (``templates/overzicht.html.j2``,
rendered by ``ivp.report.templating``) uses too. Figures are embedded by the report blocks (``ivp.report.text``)."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from ivp.report import templating
from ivp.report import text as report
from ivp.report.templating import TEMPLATES, stylesheet
from ivp.running import job
from ivp.running.atomic import write_text

TEMPLATE = "ivp_rapport"
HIDDEN_TAGS = ("parameters", "injected-parameters", "notitie")


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
        extra_template_basedirs=[str(TEMPLATES)],  # finds ivp_rapport/
        extra_template_paths=[str(TEMPLATES)],  # finds pagina.html.j2, the page the index uses too
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    exp.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS)), enabled=True)
    return exp


_exporters = threading.local()


def thread_exporter() -> HTMLExporter:
    """This thread's ``exporter()``, made on first use and kept: a new exporter compiles its Jinja templates
    again (60 of the 150 ms of a report). Per thread, because ``HTMLExporter.from_notebook_node`` registers
    filters on the exporter for the notebook at hand; everything else it derives per call. Jinja still
    reloads a template file that changed (``auto_reload``)."""
    exp = getattr(_exporters, "exporter", None)
    if exp is None:
        exp = _exporters.exporter = exporter()
    return exp


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str) -> str:
    """Render an executed notebook to a standalone HTML page titled ``title`` (escaped)."""
    body, _ = thread_exporter().from_notebook_node(
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


def index_data(rows: list[dict]) -> list[dict]:
    """What the index page shows of each row of ``index_rows``: ``peiljaar``, ``cohort``, ``href``, ``fout``
    and ``cijfers`` (None without results): ``n_plans``, ``n_priorities`` ('–' when missing), the shares
    with their headline intervals of the two CCV categories (``vwl``, ``ond``) and the joint plans
    (``joint``), and ``indicatief``."""
    data = []
    for row in rows:
        res = row["results"]
        figures = None
        if res:
            categories = res.get("categories") or {}
            figures = {"n_plans": res.get("n_plans", "–"), "n_priorities": res.get("n_priorities", "–"),
                       "vwl": report.share_of(categories.get(report.VWL), "ci95"),
                       "ond": report.share_of(categories.get(report.OND), "ci95"),
                       "joint": report.share_of(res.get("joint_plans"), "ci95_wilson"),
                       "indicatief": report.is_indicatief(res)}
        data.append({"peiljaar": row["peiljaar"], "cohort": row["cohort"], "href": row["href"], "fout": row["fout"],
                     "cijfers": figures})
    return data


def index_html(rows: list[dict], comparison: str | None = None) -> str:
    """The index page: a table linking every report with its headline figures (all text escaped), and a
    link to the comparison report (``comparison``: its relative address, or None), on the page template of
    the reports (``templates/pagina.html.j2``)."""
    return templating.render("overzicht.html.j2", rijen=index_data(rows), vergelijking=comparison,
                             stylesheet=stylesheet(), VWL=report.VWL, OND=report.OND) + "\n"


def comparison_href(out: Path) -> str | None:
    """``vergelijking/rapport.html`` when the comparison report exists under ``out``, else None."""
    page = Path(out) / job.COMPARISON_DIR / job.REPORT_FILE
    return f"{job.COMPARISON_DIR}/{job.REPORT_FILE}" if page.is_file() else None


def write_index(out: Path, peiljaren, cohorts, failed: dict | None = None) -> Path:
    """Write ``<out>/index.html`` for the job folders present (atomically); returns its path."""
    path = Path(out) / job.INDEX_FILE
    write_text(path, index_html(index_rows(out, peiljaren, cohorts, failed), comparison_href(out)))
    return path
