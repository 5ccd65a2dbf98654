"""The reports as a reader sees them: Playwright driving the system Chromium (/usr/bin/chromium).

Every request the page makes is recorded; a self-contained report makes exactly one, for the file itself.
Screenshots at 375 px and 1280 px go to tests/_artifacts/. Chromium is Debian's package ``chromium``;
when it is missing the set-up installs it with apt-get (as root, as on CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_comparison import data  # noqa: F401  (the fixture of the comparison report)
from test_pipeline import PEILJAAR, shipped_run
from test_render import HOSTILE, fixed_provenance, hostile_priorities, report_notebook, tiny_results

from ivp.report import render
from ivp.report import text as report
from ivp.report.pdf import CHROMIUM, CHROMIUM_ARGS  # the executable and flags ivp run --pdf prints with
from ivp.running.job import COHORTS

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
WIDTHS = (375, 1280)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def ensure_chromium() -> Path:
    """Install Debian's chromium with apt-get when it is missing (root only); fail loudly otherwise."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"{CHROMIUM} ontbreekt; installeer het Debian-pakket 'chromium' (apt-get install chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} mislukt:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    assert CHROMIUM.exists(), "apt-get install chromium gaf geen /usr/bin/chromium"
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> dict:
    run = shipped_run(tmp_path_factory)
    assert run["code"] == 0, run["stdout"] + run["stderr"]
    return run


class Visit:
    """One page opened at one width, with every request, console message, page error and dialog."""

    def __init__(self, browser, path: Path, width: int):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


def check_page(browser, path: Path, name: str, expected_texts: list[str]) -> None:
    for width in WIDTHS:
        visit = Visit(browser, path, width)
        try:
            page = visit.page
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            assert visit.requests == [visit.url], f"{name} @ {width}px: requests beyond the file: {visit.requests}"
            assert visit.console_errors == [], f"{name} @ {width}px: {visit.console_errors}"
            assert visit.dialogs == []
            for text in expected_texts:
                assert page.get_by_text(text, exact=False).first.is_visible(), f"{name} @ {width}px: {text!r}"
            # readable at this width: the page itself never scrolls sideways (wide tables scroll inside)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            images = page.evaluate("Array.from(document.images).map(i => [i.naturalWidth, i.alt, i.clientWidth])")
            for natural, alt, shown in images:
                assert natural > 0 and len(alt) > 20 and 0 < shown <= width
        finally:
            visit.close()


def test_reports_load_nothing_but_themselves_and_show_their_headline_numbers(browser, shipped):
    for cohort in COHORTS:
        job = shipped["out"] / PEILJAAR / cohort
        results = json.loads((job / "results.json").read_text(encoding="utf-8"))
        expected = [f"{results['n_plans']} plannen", "Verantwoording"]
        if results["n_plans"]:
            vwl = results["categories"][report.VWL]
            expected.append(report.share_with_ci(vwl["share"], vwl["ci95"]))
        check_page(browser, job / "rapport.html", f"{PEILJAAR}-{cohort}", expected)


def test_index_page_loads_nothing_else_and_links_every_report(browser, shipped):
    check_page(browser, shipped["out"] / "index.html", "index", ["Rapporten per peiljaar en cohort"])
    visit = Visit(browser, shipped["out"] / "index.html", 1280)
    try:
        hrefs = visit.page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    finally:
        visit.close()
    # every job's report, then the comparison of the run (five cohorts: two or more groups)
    assert hrefs == [*(f"{PEILJAAR}/{c}/rapport.html" for c in COHORTS), "vergelijking/rapport.html"]


def test_hostile_title_shows_as_text_and_runs_nothing(browser, tmp_path):
    path = tmp_path / "rapport.html"
    path.write_text(render.notebook_to_html(report_notebook(tiny_results(), fixed_provenance(), hostile_priorities()),
                                            title="vijandige invoer"), encoding="utf-8")
    visit = Visit(browser, path, 1280)
    try:
        visit.page.get_by_text("Plannen in de steekproef, met hun speerpunten").click()
        cell = visit.page.get_by_role("cell", name=HOSTILE, exact=True)
        assert cell.is_visible()
        assert visit.page.evaluate("document.querySelectorAll('script').length") == 0
        assert visit.dialogs == [] and visit.console_errors == []
        assert visit.requests == [visit.url]
    finally:
        visit.close()


def comparison_notebook(results: dict, prov: dict):
    """An executed-looking comparison notebook: a note and one cell per report section (as notebook 06)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from ivp.report import comparison as comparison_report

    blocks = [getattr(comparison_report, name)(results) for name in comparison_report.SECTIONS]
    blocks.append(comparison_report.verantwoording(prov))
    cells = [new_markdown_cell("Notitie", metadata={"tags": ["notitie"]})]
    for i, block in enumerate(blocks, start=1):
        cells.append(new_code_cell(f"rapport.block_{i}(results)", execution_count=i, outputs=[
            new_output("execute_result", data={"text/html": str(block), "text/plain": "<Html>"}, execution_count=i)]))
    return new_notebook(cells=cells)


def test_comparison_report_loads_nothing_but_itself_and_shows_its_headline_numbers(
        browser, data, tmp_path):  # noqa: F811
    from ivp.analysis.compare_run import comparison_results
    from ivp.analysis.comparison import VERDICT_NL

    results = json.loads(json.dumps(comparison_results(data, ["2020", "2024"], list(COHORTS), seed=1,
                                                       n_bootstrap=2000), sort_keys=True))
    path = tmp_path / "rapport.html"
    path.write_text(render.notebook_to_html(comparison_notebook(results, fixed_provenance()), title="vergelijking"),
                    encoding="utf-8")
    vwl = results["groups"]["2020/nationaal"]["measures"][f"category_share:{report.VWL}"]
    claim = results["claims"][0]
    check_page(browser, path, "vergelijking", ["Kernbevindingen", VERDICT_NL[claim["verdict"]], "Verantwoording",
                                               report.share_with_ci(vwl["value"], vwl["ci95"])])
