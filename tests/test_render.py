"""Rendering without a kernel: report blocks, HTML export, index page, figures, provenance, run options.

The notebook here is built in memory with the outputs the report notebook would produce, so these tests
run in seconds; tests/test_pipeline.py runs the real notebooks."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ivp.errors import NotebookFailure
from ivp.report import figures, render
from ivp.report import text as report
from ivp.running import provenance
from ivp.running import runner as pipeline

HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'


def tiny_results(**changes) -> dict:
    """A results.json of one job with 12 plans and 20 speerpunten (numbers chosen by hand)."""
    results = {
        "cohort": "G40", "peiljaar": "2020", "n_plans": 12, "n_priorities": 20, "n_municipalities": 11,
        "n_excluded_no_period": 1,
        "sample": {"cohort_size": 40, "coverage": 0.275, "n_out_of_period": 3, "zekerheid": {"hoog": 5, "midden": 7}},
        "plans": [{"plan_id": "p1", "titel": HOSTILE, "gemeenten": f"Zwolle; {HOSTILE_IMG}", "periode_start": 2019,
                   "periode_eind": 2022, "zekerheid": "hoog", "bron_url": "javascript:alert(3)", "n_speerpunten": 2},
                  {"plan_id": "p2", "titel": "Veiligheidsplan \"Oost\" & West", "gemeenten": "Almere",
                   "periode_start": None, "periode_eind": 2023, "zekerheid": "midden",
                   "bron_url": "https://example.org/plan?a=1&b=\"2\"", "n_speerpunten": 1}],
        "themes": {"VWL": {"n": 8, "share": 0.4, "ci95_wilson": [0.219, 0.613], "ci95_cluster": [0.2, 0.6],
                           "n_plans": 7, "plan_share": 7 / 12, "label": "Veilige woon- en leefomgeving"},
                   "OND": {"n": 6, "share": 0.3, "ci95_wilson": [0.145, 0.519], "ci95_cluster": [0.15, 0.5],
                           "n_plans": 6, "plan_share": 0.5, "label": "Ondermijning"},
                   "ZOR": {"n": 6, "share": 0.3, "ci95_wilson": [0.145, 0.519], "ci95_cluster": [0.1, 0.5],
                           "n_plans": 4, "plan_share": 4 / 12, "label": "Zorg en veiligheid"}},
        "categories": {"Veilige woon- en leefomgeving": {"n": 14, "share": 0.7, "ci95_wilson": [0.481, 0.855],
                                                         "ci95_cluster": [0.5, 0.85], "themes": "VWL+ZOR"},
                       "Ondermijning": {"n": 6, "share": 0.3, "ci95_wilson": [0.145, 0.519],
                                        "ci95_cluster": [0.15, 0.5], "themes": "OND"}},
        "category_sensitivity": {"ccv2020": {"Veilige woon- en leefomgeving": 0.7, "Ondermijning": 0.3},
                                 "zor_apart": {"Veilige woon- en leefomgeving": 0.4, "Ondermijning": 0.3}},
        "default_rollup": "ccv2020",
        "rollups": {"ccv2020": "CCV 2020 (standaard)", "zor_apart": "Zorg en veiligheid apart"},
        "joint_plans": {"n": 3, "share": 0.25, "ci95_wilson": [0.089, 0.532], "municipalities_in_joint_plans": 5,
                        "n_municipalities": 11, "municipalities_share": 5 / 11, "sizes": {"2": 2, "3": 1},
                        "size_mean": 7 / 3, "size_median": 2.0, "size_max": 3},
        "participation": {"n_yes": 2, "n_no": 1, "n_unknown": 9, "share_at_least": 2 / 12,
                          "ci95_wilson_at_least": [0.047, 0.448], "n_known": 3, "share_among_known": 2 / 3,
                          "forms": {"enquete": 2, "wijkraad": 0}},
        "national_priorities": {"n": 6, "priority_share": 0.3, "ci95_cluster": [0.15, 0.5], "n_plans_with": 6,
                                "plan_share": 0.5, "plan_ci95_wilson": [0.254, 0.746], "themes": ["OND", "CYB"]},
        "ccv2020": {"n_priorities": {"published": 381, "ours": 20, "ci95": None, "inside": None,
                                     "label": "aantal speerpunten"},
                    "Veilige woon- en leefomgeving": {"published": 0.42, "ours": 0.7, "ci95": [0.5, 0.85],
                                                      "inside": False, "interval": "clusterbootstrap",
                                                      "label": "aandeel veilige woon- en leefomgeving"}},
        "methode": {"small_n": 10, "scope_rule": "Regel <b>cohort</b>.", "intervals": "Wilson en cluster."},
        "flags": ["indicatief:joint_plans.sizes"],
    }
    for entry in [*results["themes"].values(), *results["categories"].values(), results["national_priorities"]]:
        entry.update(ci95=entry["ci95_cluster"], ci95_methode="clusterbootstrap")  # 12 plans: the cluster interval
    results.update(changes)
    return results


def hostile_priorities() -> pd.DataFrame:
    return pd.DataFrame({"plan_id": ["p1", "p1", "p2"], "volgnummer": [1, 2, 1],
                         "speerpunt": [HOSTILE, "Drugs & <i>overlast</i>", "Woninginbraak"],
                         "thema": ["VWL", "VWL", "VWL"]})


def report_notebook(results: dict, prov: dict, priorities: pd.DataFrame | None = None) -> nbformat.NotebookNode:
    """An executed-looking report notebook: the parameters cell, a note, code cells whose outputs are
    the report blocks, and a stderr warning."""
    blocks = [report.title_block(results), report.kernbevindingen(results), report.steekproef(results, priorities),
              report.themas(results), report.samenwerking(results), report.landelijke_prioriteiten(results),
              report.vergelijking_ccv(results), report.methode(results), report.verantwoording(prov)]
    cells = [new_markdown_cell("Notitie voor onderzoekers: geheime_notitie", metadata={"tags": ["notitie"]}),
             new_code_cell("secret_parameter = 1", metadata={"tags": ["parameters"]}),
             new_code_cell("injected_value = 2", metadata={"tags": ["injected-parameters"]}),
             new_code_cell("import warnings; warnings.warn('stderr_waarschuwing')",
                           outputs=[new_output("stream", name="stderr", text="stderr_waarschuwing\n")])]
    for i, block in enumerate(blocks, start=3):
        cells.append(new_code_cell(f"report.block_{i}(results)", execution_count=i, outputs=[
            new_output("execute_result", data={"text/html": str(block), "text/plain": "<Html>"}, execution_count=i)]))
    return new_notebook(cells=cells)


def fixed_provenance() -> dict:
    return {"git": {"commit": "0" * 40, "dirty": False}, "versies": {"ivp": "0.1.0"},
            "bestanden": {"invoer": {"plans.csv": "a" * 64}}, "parameters": {"cohort": "G40", "peiljaar": "2020"},
            "uitgevoerd_op": "2026-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return render.notebook_to_html(report_notebook(tiny_results(), fixed_provenance(), hostile_priorities()),
                                   title=f"Rapport {HOSTILE}")


# ---------------------------------------------------------------- escaping and self-containment

def test_script_in_a_plan_title_is_rendered_as_text(hostile_html):
    assert HOSTILE not in hostile_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html


def test_html_in_municipality_names_and_speerpunten_is_escaped(hostile_html):
    assert "<img src=x" not in hostile_html
    assert '&lt;img src=x onerror="alert(2)"&gt;' in hostile_html  # text node: quotes need no escaping
    assert "<i>overlast</i>" not in hostile_html
    assert "Drugs &amp; &lt;i&gt;overlast&lt;/i&gt;" in hostile_html


def test_hostile_text_is_parsed_back_as_text_not_as_elements(hostile_html):
    soup = BeautifulSoup(hostile_html, "html.parser")
    assert soup.find("script") is None
    sources = [img.get("src", "")[:26] for img in soup.find_all("img")]
    assert sources == ["data:image/svg+xml;base64,"] * 4  # the coverage map and the three charts
    cells = [td.get_text() for td in soup.find_all("td")]
    assert HOSTILE in cells  # the plan title, shown as the reader typed it
    assert f"Zwolle; {HOSTILE_IMG}" in cells


def test_javascript_source_url_is_not_a_link_and_quotes_in_urls_stay_inside_the_attribute(hostile_html):
    soup = BeautifulSoup(hostile_html, "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a") if not a["href"].startswith("#")]
    assert hrefs == ['https://example.org/plan?a=1&b="2"']


def test_page_title_is_escaped(hostile_html):
    assert "<title>Rapport &lt;script&gt;alert(1)&lt;/script&gt;</title>" in hostile_html


def test_rendered_report_has_no_script_and_loads_nothing_from_outside(hostile_html):
    assert "<script" not in hostile_html.lower()
    assert "<link" not in hostile_html.lower()
    assert "@import" not in hostile_html
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", hostile_html)
    sources = re.findall(r'\ssrc="([^"]*)"', hostile_html)
    assert sources, "the report should embed its figures"
    assert all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert "mathjax" not in hostile_html.lower() and "require.js" not in hostile_html.lower()


def test_no_code_prompts_parameters_notes_or_warnings_in_the_report(hostile_html):
    for hidden in ("secret_parameter", "injected_value", "geheime_notitie", "stderr_waarschuwing",
                   "report.block_", "In&nbsp;[", "Out["):
        assert hidden not in hostile_html, hidden


def test_every_figure_has_alt_text_and_a_caption(hostile_html):
    images = re.findall(r"<img [^>]*>", hostile_html)
    assert len(images) == 4  # three charts and the coverage map
    assert all(re.search(r'alt="[^"]{30,}"', img) for img in images)
    assert hostile_html.count("<figcaption>") == 4
    assert sum('alt="Kaart: ' in img for img in images) == 1 and "Bron: CBS, PDOK" in hostile_html


def test_responsive_page_setup(hostile_html):
    soup = BeautifulSoup(hostile_html, "html.parser")
    assert soup.find("meta", attrs={"name": "viewport"})["content"] == "width=device-width, initial-scale=1"
    tables = soup.find_all("table")
    assert tables and all(t.parent.get("class") == ["tabel"] for t in tables)  # each scrolls on its own
    assert "max-width: 100%" in hostile_html and "overflow-x: auto" in hostile_html


def test_run_time_is_on_one_line_of_its_own(hostile_html):
    line = report.run_time_line(hostile_html)
    assert line == '<p class="looptijd">Uitgevoerd op: 2026-01-01T00:00:00Z</p>'


def test_same_notebook_renders_to_identical_html():
    nb = report_notebook(tiny_results(), fixed_provenance())
    assert render.notebook_to_html(nb, title="x") == render.notebook_to_html(nb, title="x")


# ---------------------------------------------------------------- report blocks

def test_dutch_number_formatting():
    assert report.pct(0.4213) == "42,1%"
    assert report.pct(0.4213, 0) == "42%"
    assert report.pct(None) == "–"
    assert report.number(1234.56) == "1.234,6"
    assert report.interval([0.35, 0.5]) == "35,0–50,0%"
    assert report.interval([None, 0.5]) == "–"
    assert report.share_with_ci(0.42, [0.35, 0.5]) == "42,0% (95%-BI 35,0–50,0%)"
    assert report.share_with_ci(0.42, None) == "42,0%"


def test_indicatief_below_ten_plans_and_for_flagged_figures():
    assert report.is_indicatief({"n_plans": 9, "flags": []})
    assert not report.is_indicatief({"n_plans": 10, "flags": []})
    assert report.is_indicatief({"n_plans": 50, "flags": ["indicatief:joint_plans.sizes"]}, "joint_plans.sizes")
    assert not report.is_indicatief({"n_plans": 50, "flags": ["indicatief:joint_plans.sizes"]}, "themes")
    assert "indicatief" in report.marker({"n_plans": 3})
    assert report.marker({"n_plans": 30, "flags": []}) == ""


def test_small_job_shows_the_indicatief_marker_next_to_every_headline():
    html = report.kernbevindingen(tiny_results(n_plans=4))
    assert html.count('class="indicatief"') == 6
    assert 'class="indicatief"' not in report.kernbevindingen(tiny_results())


def test_kernbevindingen_state_the_headline_numbers_with_intervals():
    html = report.kernbevindingen(tiny_results())
    assert "<strong>12 plannen</strong>" in html and "<strong>20 speerpunten</strong>" in html
    assert "70,0% (95%-BI 50,0–85,0%)" in html  # VWL category, cluster interval
    assert "30,0% (95%-BI 15,0–50,0%)" in html  # ondermijning
    assert "25,0% (95%-BI 8,9–53,2%)" in html  # joint plans, Wilson
    assert "Ten minste 17%" in html  # 2 of 12 plans, over all plans
    assert "28% van de 40 gemeenten" in html
    assert "De grootste categorie is veilige woon- en leefomgeving (14 speerpunten)." in html


def test_largest_category_is_named_from_the_data_and_ties_together():
    tied = tiny_results(categories={"Ondermijning": {"n": 5, "share": 0.5}, "Overig": {"n": 5, "share": 0.5}})
    expected = "De grootste categorie zijn ondermijning en overig (5 speerpunten elk)."
    assert report.largest_category_sentence(tied) == expected
    assert report.largest_category_sentence(tiny_results(categories={})) == ""


def test_participation_is_stated_as_a_lower_bound_over_all_plans():
    html = report.samenwerking(tiny_results())
    assert "ten minste 16,7% (95%-BI 4,7–44,8%)" in html
    assert "van alle 12 plannen" in html
    assert "Alleen over de 3 plannen waarvan het bekend is gerekend" in html


def test_flagged_joint_plan_sizes_carry_the_marker():
    html = report.samenwerking(tiny_results())
    sizes = html[html.index("gemiddeld"):html.index("Omvang van de gezamenlijke plannen")]
    assert 'class="indicatief"' in sizes


def test_ccv_comparison_lists_published_ours_interval_and_verdict():
    html = report.vergelijking_ccv(tiny_results())
    assert "<td>aandeel veilige woon- en leefomgeving</td><td class=\"num\">42%</td><td class=\"num\">70,0%</td>" \
           "<td>50,0–85,0% cluster</td><td>nee</td>" in html
    assert "<td class=\"num\">381</td><td class=\"num\">20</td><td>–</td><td>n.v.t.</td>" in html


def test_job_without_plans_says_so_instead_of_failing():
    empty = tiny_results(n_plans=0, n_priorities=0, plans=[], themes={}, categories={}, flags=["geen_plannen"])
    assert "geen plannen in de steekproef" in report.kernbevindingen(empty)
    for block in (report.themas, report.samenwerking, report.landelijke_prioriteiten):
        assert "Geen plannen in de steekproef" in block(empty)


def test_theme_frame_follows_codebook_order():
    frame = report.theme_frame(tiny_results())
    assert frame["code"].tolist() == ["VWL", "OND", "ZOR"]
    assert frame.loc[0, "ci_low"] == 0.2 and frame.loc[0, "wilson_high"] == 0.613


def test_link_allows_only_http_and_https():
    assert report.link("javascript:alert(1)", "bron") == "bron"
    assert report.link("data:text/html,x", "bron") == "bron"
    assert report.link("https://a.nl/x", "bron") == '<a href="https://a.nl/x" rel="noopener noreferrer">bron</a>'


# ---------------------------------------------------------------- figures

def test_svg_figures_are_byte_identical_and_undated():
    table = pd.DataFrame({"label": ["A", "B"], "share": [0.42, 0.28], "ci_low": [0.35, 0.2],
                          "ci_high": [0.5, 0.33], "n": [160, 107], "reference": [0.42, float("nan")]})
    first, second = figures.to_svg(figures.share_chart(table)), figures.to_svg(figures.share_chart(table))
    assert first == second
    assert "<dc:date>" not in first
    assert "<text" not in first  # text drawn as paths: no font needed


def test_share_chart_draws_one_bar_per_row_and_the_reference_marker():
    table = pd.DataFrame({"label": ["A", "B", "C"], "share": [0.5, 0.3, 0.2], "ci_low": [0.4, 0.2, 0.1],
                          "ci_high": [0.6, 0.4, 0.3], "reference": [0.42, float("nan"), float("nan")]})
    fig = figures.share_chart(table)
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C", "B", "A"]  # largest on top
    assert ax.get_legend() is not None
    figures.to_svg(fig)


# ---------------------------------------------------------------- index page

def test_index_links_reports_and_names_failed_jobs(tmp_path):
    ok = tmp_path / "2020" / "G40"
    ok.mkdir(parents=True)
    (ok / "results.json").write_text(json.dumps(tiny_results()), encoding="utf-8")
    (ok / "rapport.html").write_text("x", encoding="utf-8")
    kept = tmp_path / "2020" / "P10"
    kept.mkdir(parents=True)
    (kept / "results.json").write_text(json.dumps(tiny_results(cohort="P10")), encoding="utf-8")
    (kept / "rapport.html").write_text("x", encoding="utf-8")
    (tmp_path / "2020" / "not-a-cohort").mkdir()
    path = render.write_index(tmp_path, ["2020", "2024"], ["nationaal", "G40", "P10"],
                              {("2020", "P10"): f"03_samenwerking.ipynb, cel 3: ValueError: {HOSTILE}",
                               ("2024", "nationaal"): "02_themas.ipynb, cel 4: KeyError: 'x'"})
    html = path.read_text(encoding="utf-8")
    assert '<a href="2020/G40/rapport.html">G40</a>' in html
    assert '<a href="2020/P10/rapport.html">P10</a>' in html
    assert "laatste run mislukt: 03_samenwerking.ipynb, cel 3: ValueError: &lt;script&gt;" in html
    assert "(vorig rapport behouden)" in html
    assert "nationaal (geen rapport)" in html  # 2024/nationaal failed without an earlier report
    assert "not-a-cohort" not in html
    assert "70,0% (95%-BI 50,0–85,0%)" in html
    assert "<script" not in html


# ---------------------------------------------------------------- provenance

def test_sha256_of_a_file():
    assert provenance.sha256_file(Path(__file__)) == hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def test_git_state_reports_commit_and_dirty_tree(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    assert provenance.git_state(tmp_path) == {"commit": None, "dirty": None}
    git("init", "-q")
    (tmp_path / "a.txt").write_text("een\n")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "a")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / "untracked.txt").write_text("x")
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "a.txt").write_text("twee\n")
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": True}


def test_input_hashes_read_the_manifest_and_hash_processed_and_reference_files(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"bestanden": {"plans.csv": "f" * 64}}))
    (tmp_path / "plans.parquet").write_bytes(b"abc")
    (tmp_path / ".gitkeep").write_text("")
    hashes = provenance.input_hashes(tmp_path)
    assert hashes["invoer"] == {"plans.csv": "f" * 64}
    assert hashes["verwerkt"]["plans.parquet"] == hashlib.sha256(b"abc").hexdigest()
    assert ".gitkeep" not in hashes["verwerkt"]
    assert set(hashes["referentie"]) == set(provenance.REFERENCE_FILES)


def test_provenance_differs_only_in_run_time(tmp_path):
    a = provenance.collect(tmp_path, {"cohort": "G4"}, run_started="2026-01-01T00:00:00Z")
    b = provenance.collect(tmp_path, {"cohort": "G4"}, run_started="2026-01-02T00:00:00Z")
    assert {k: v for k, v in a.items() if k != "uitgevoerd_op"} == {k: v for k, v in b.items() if k != "uitgevoerd_op"}


# ---------------------------------------------------------------- run options and summary

def test_cli_refuses_a_peiljaar_that_could_become_a_path(capsys):
    from ivp.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run", "--peiljaar", "../../x"])
    assert info.value.code == 2
    assert "peiljaar '../../x' is ongeldig" in capsys.readouterr().err


def test_summary_table_names_cohort_notebook_cell_and_error():
    ok = pipeline.JobResult(pipeline.Job("2020", "G4"), 12.34, results={"n_plans": 2, "n_priorities": 5},
                            report=Path("reports/2020/G4/rapport.html"))
    failure = NotebookFailure("2020", "P10", "03_samenwerking.ipynb", 4, "1/0", "ZeroDivisionError",
                              "division by zero", "reports/2020/P10/mislukt/03_samenwerking.ipynb")
    bad = pipeline.JobResult(pipeline.Job("2020", "P10"), 3.0, failure=failure)
    text = pipeline.summary_table([ok, bad], Path("reports"))
    lines = text.splitlines()
    assert lines[0].split() == ["peiljaar", "cohort", "status", "plannen", "speerpunten", "duur", "uitvoer"]
    assert lines[1].split() == ["2020", "G4", "ok", "2", "5", "12.3", "s", "reports/2020/G4/rapport.html"]
    assert "2020      P10     MISLUKT" in lines[2]
    assert ("03_samenwerking.ipynb, cel 4: ZeroDivisionError: division by zero "
            "(notebook bewaard: reports/2020/P10/mislukt/03_samenwerking.ipynb)") in lines[2]
    assert lines[-1] == "1 taken gelukt, 1 mislukt"


def test_key_findings_use_the_singular_for_one_plan_speerpunt_and_municipality():
    html = report.kernbevindingen(tiny_results(n_plans=1, n_priorities=1, n_municipalities=1))
    assert "<strong>1 plan</strong>" in html and "<strong>1 speerpunt</strong>" in html
    assert "uit 1 gemeente" in html and "1 plannen" not in html
    assert report.count(2, "plan", "plannen") == "2 plannen" and report.count(0, "plan", "plannen") == "0 plannen"


def test_report_of_synthetic_plans_warns_at_the_top_that_it_is_not_for_publication():
    html = report.title_block(tiny_results(sample={"bron_type": {"synthetisch": 12}}))
    assert 'class="waarschuwing"' in html and "Synthetische gegevens, niet voor publicatie." in html
    assert "Alle 12 plannen in dit rapport zijn door" in html
    some = report.title_block(tiny_results(sample={"bron_type": {"synthetisch": 3, "gemeente": 9}}))
    assert "3 plannen van de 12 in dit rapport zijn door" in some
    one = report.title_block(tiny_results(sample={"bron_type": {"synthetisch": 1, "gemeente": 11}}))
    assert "1 plan van de 12 in dit rapport is door" in one
    only = report.title_block(tiny_results(n_plans=1, sample={"bron_type": {"synthetisch": 1}}))
    assert "Het enige plan in dit rapport is door" in only


def test_report_of_real_plans_has_no_synthetic_warning():
    assert "waarschuwing" not in report.title_block(tiny_results(sample={"bron_type": {"gemeente": 12}}))
    assert "waarschuwing" not in report.title_block(tiny_results())
