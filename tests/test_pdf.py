"""``ivp run --pdf`` (ivp.report.pdf): the report printed by the system Chromium, A4 with a running footer,
nothing loaded but the file itself, one browser for all jobs, cached with the job, and a missing Chromium
reported once while the HTML is still written."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import run_stages, write_input
from test_browser import ensure_chromium
from test_render import fixed_provenance, report_notebook, tiny_results

from ivp.cli import main
from ivp.report import pdf, render
from ivp.report import text as report
from ivp.running import job

TITLE = job.report_title("2020", "G40")


def pdf_pages(path: Path) -> list[str]:
    """The text of every page of the PDF at ``path``."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(path)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- without a browser

def test_missing_chromium_is_not_available_and_the_message_says_how_to_install_it(tmp_path, monkeypatch):
    missing = tmp_path / "geen-chromium"
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(missing))
    printer = pdf.PdfPrinter()
    assert printer.executable == missing and not printer.available()
    message = pdf.missing_message(missing)
    assert f"Chromium niet gevonden ({missing})" in message and "apt-get install chromium" in message
    assert "alleen als HTML" in message
    monkeypatch.delenv(pdf.CHROMIUM_ENV)
    assert pdf.PdfPrinter().executable == pdf.CHROMIUM


def test_every_report_page_has_its_pdf_next_to_it_and_the_footer_escapes_its_text(tmp_path):
    assert pdf.pdf_path(tmp_path / job.REPORT_FILE) == tmp_path / job.PDF_FILE == tmp_path / "rapport.pdf"
    assert job.PDF.writes == (job.PDF_FILE,) and job.PDF.reads == job.REPORT_PAGES
    footer = pdf.footer_template("<b>A & B</b>")
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in footer
    assert 'class="pageNumber"' in footer and 'class="totalPages"' in footer


# ---------------------------------------------------------------- printing

@pytest.fixture(scope="module")
def printer():
    ensure_chromium()
    printer = pdf.PdfPrinter(pdf.CHROMIUM)
    yield printer
    printer.close()


@pytest.mark.browser
@pytest.mark.slow
def test_report_prints_on_several_a4_pages_with_headline_figures_and_footer(printer, tmp_path):
    from pypdf import PdfReader

    results = tiny_results()
    page = tmp_path / job.REPORT_FILE
    page.write_text(render.notebook_to_html(report_notebook(results, fixed_provenance()), title=TITLE),
                    encoding="utf-8")
    written, requests = printer.print_page(page, footer=TITLE)
    assert written == tmp_path / job.PDF_FILE
    assert requests == [page.resolve().as_uri()]  # nothing but the file itself: no remote resource
    pages = pdf_pages(written)
    assert len(pages) > 1
    text = flat(" ".join(pages))
    vwl = results["categories"][report.VWL]
    assert "12 plannen" in text and report.share_with_ci(vwl["share"], vwl["ci95"]) in text
    for number, page_text in enumerate(pages, start=1):
        assert TITLE in page_text and f"pagina {number} van {len(pages)}" in flat(page_text)
    width, height = (float(x) for x in PdfReader(str(written)).pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in mm
    assert "https://example.org/plan?a=1&b=\"2\"" in text.replace(" ", "")  # link target printed


@pytest.mark.browser
@pytest.mark.slow
def test_a_page_asking_for_remote_resources_is_refused_them_and_the_log_shows_it(printer, tmp_path):
    page = tmp_path / "vreemd.html"
    page.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" href="https://example.org/x.css"></head>'
                    '<body><p>tekst</p><img src="http://127.0.0.1:9/x.png" alt="x"></body></html>', encoding="utf-8")
    written, requests = printer.print_page(page, footer="test")
    assert requests[0] == page.resolve().as_uri()
    assert set(requests[1:]) == {"https://example.org/x.css", "http://127.0.0.1:9/x.png"}
    assert "tekst" in pdf_pages(written)[0]


@pytest.mark.browser
@pytest.mark.slow
def test_jobs_in_worker_threads_share_the_one_browser(printer, tmp_path):
    pages = []
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        pages.append(tmp_path / name / job.REPORT_FILE)
        pages[-1].write_text(f"<!DOCTYPE html><html><body><h1>Rapport {name}</h1></body></html>", encoding="utf-8")
    errors = []

    def work(page):
        try:
            printer.print_page(page, footer=page.parent.name)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    browser = printer._browser
    for page in pages:
        assert f"Rapport {page.parent.name}" in pdf_pages(pdf.pdf_path(page))[0]
    printer.print_page(pages[0], footer="nog een keer")
    assert printer._browser is browser  # started once, reused


# ---------------------------------------------------------------- in the pipeline

@pytest.mark.browser
@pytest.mark.slow
def test_run_with_pdf_prints_every_report_and_caches_it_with_the_job(tmp_path):
    ensure_chromium()
    data = write_input(tmp_path / "raw")
    args = {"cohorts": ["nationaal", "G4"], "peiljaren": ["2020"], "jobs": 1}
    out, processed = tmp_path / "reports", tmp_path / "processed"
    folders = [out / "2020" / c for c in ("nationaal", "G4")]
    run_stages(data, processed, out, **args)
    assert all((f / job.REPORT_FILE).is_file() and not (f / job.PDF_FILE).exists() for f in folders)
    results, lines = run_stages(data, processed, out, pdf=True, **args)
    assert all(r.ok and not r.cached for r in results), lines
    assert any("PDF-optie (--pdf) gewijzigd" in line for line in lines), lines  # the option is in the cache key
    for folder in folders:
        pages = pdf_pages(folder / job.PDF_FILE)
        assert len(pages) > 1
        assert job.report_title("2020", folder.name) in pages[0]
    pdf_before = (folders[0] / job.PDF_FILE).read_bytes()
    results, lines = run_stages(data, processed, out, pdf=True, **args)
    assert all(r.cached for r in results), lines
    assert (folders[0] / job.PDF_FILE).read_bytes() == pdf_before


@pytest.mark.slow
def test_pdf_without_chromium_writes_the_html_says_so_once_and_exits_0(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "geen-chromium"
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(missing))
    data = write_input(tmp_path / "raw")
    out = tmp_path / "reports"
    code = main(["run", "--pdf", "--cohort", "nationaal", "G4", "--peiljaar", "2020", "--data", str(data),
                 "--processed", str(tmp_path / "processed"), "--out", str(out), "--jobs", "1"])
    stdout = capsys.readouterr().out
    assert code == 0, stdout
    assert stdout.count(pdf.missing_message(missing)) == 1, stdout
    for cohort in ("nationaal", "G4"):
        assert (out / "2020" / cohort / job.REPORT_FILE).is_file()
        assert not (out / "2020" / cohort / job.PDF_FILE).exists()
