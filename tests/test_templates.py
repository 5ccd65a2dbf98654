"""The report's Jinja templates: every section template, fed hostile text in every data field, shows that
text only in escaped form and never evaluates it; the report and the index share one page template."""

from __future__ import annotations

import jinja2
import pytest
from bs4 import BeautifulSoup
from test_comparison import data  # noqa: F401  (the fixture of the comparison templates' data)
from test_render import fixed_provenance, hostile_priorities, report_notebook, tiny_results

from ivp.analysis.compare_run import comparison_results
from ivp.report import comparison as comparison_report
from ivp.report import render, templating
from ivp.report import text as report

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
EXPRESSION = "{{7*7}}"
ENTITY = "&amp;"
HOSTILE = SCRIPT + ATTRIBUTE + EXPRESSION + ENTITY  # all in lower case: survives the templates' | lower
STRUCTURAL = {"ident"}  # names a section (a key of TITELS), never text from the data


def hostile(value, key=None):
    """``value`` with every string in it (at any depth) replaced by ``HOSTILE``; numbers, booleans and
    None stay, so every branch of a template still renders."""
    if isinstance(value, str) and key not in STRUCTURAL:
        return HOSTILE
    if isinstance(value, dict):
        return {k: hostile(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [hostile(v) for v in value]
    return value


CODERING = {"n_auto": 2, "n_hand": 18, "bron": "autocode", "methode": "lexicon", "auto_per_plan": {"p1": 2},
            "overeenstemming": {"n": 30, "n_plannen": 4, "accuracy": 0.81, "kappa": 0.7, "alpha": 0.69}}


def section_data(results: dict) -> dict:
    """The data of every template in ``templates/secties`` as the report builds it from ``results``."""
    prov = {**fixed_provenance(), "codering": CODERING}
    return {
        "titel": report.title_data(results),
        "kernbevindingen": report.kernbevindingen_data(results),
        "kernbevindingen_leeg": {"cohort": results["cohort"], "peiljaar": results["peiljaar"]},
        "grootste_categorie": {"grootste": report.largest_category(results)},
        "steekproef": report.steekproef_data(results, hostile_priorities()),
        "themas": report.themas_data(results),
        "samenwerking": report.samenwerking_data(results),
        "landelijk": report.landelijk_data(results),
        "vergelijking": report.vergelijking_data(results),
        "methode": report.methode_data(results, prov),
        "codering": {"codering": report.coding_data(results, CODERING)},
        "verantwoording": report.verantwoording_data(prov),
        "geen_plannen": {"ident": "themas"},
    }


def full_results() -> dict:
    """tiny_results with every optional part present, so every branch of every template has data."""
    results = tiny_results(sample={"cohort_size": 40, "coverage": 0.275, "n_out_of_period": 3,
                                   "n_plans_without_priorities": 1, "zekerheid": {"hoog": 5, "midden": 7},
                                   "bron_type": {"synthetisch": 3, "gemeente": 9}},
                           niveau={"lokaal": {"n": 15, "share": 0.75, "ci95_wilson": [0.5, 0.9]}},
                           labels={"OND": "Ondermijning", "CYB": "Cybercrime"})
    results["joint_plans"]["n_partners_unknown"] = 1
    results["national_priorities"].update(by_theme={"OND": 6}, by_niveau={
        "lokaal": {"n": 4, "share": 0.27, "n_priorities": 15}, "onbekend": {"n": 2, "share": 0.4, "n_priorities": 5}})
    results["ccv2020"]["joint_plan_share"] = {"published": 0.25, "ours": 0.25, "ci95": [0.089, 0.532], "inside": True,
                                              "interval": "wilson", "label": "aandeel gezamenlijke plannen"}
    return results


def assert_only_escaped(html: str, *, shown: bool = True) -> None:
    """``html`` holds HOSTILE only as text (and does show it, when ``shown``): no element or attribute
    came from it, and every place it appears reads back (text or attribute value) as the whole string,
    so nothing was evaluated."""
    assert "<script" not in html.lower()
    assert "<img src=x" not in html and '"><img' not in html
    if shown:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&amp;amp;" in html  # the data's "&amp;" is shown as the five characters it is
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("script") == []
    handlers = [(tag.name, attr) for tag in soup.find_all(True) for attr in tag.attrs if attr.lower().startswith("on")]
    assert handlers == []
    read_back = [soup.get_text()] + [str(v) for tag in soup.find_all(True) for v in tag.attrs.values()]
    for text in read_back:
        # each alert(1) and {{7*7}} belongs to an intact HOSTILE: not evaluated, not half parsed
        assert text.count("alert(1)") == 2 * text.count(HOSTILE), text
        assert text.count(EXPRESSION) == text.count(HOSTILE), text


def test_every_section_template_is_covered_here():
    templates = {p.name.removesuffix(".html.j2") for p in (templating.TEMPLATES / "secties").glob("*.html.j2")}
    assert {t for t in templates if not t.startswith("_")} == set(section_data(full_results()))


@pytest.mark.parametrize("template", sorted(section_data(full_results())))
def test_hostile_text_in_every_data_field_of_a_section_is_shown_escaped(template):
    section = hostile(section_data(full_results())[template])
    html = templating.render(f"secties/{template}.html.j2", **section)
    assert HOSTILE not in html
    assert_only_escaped(html, shown=HOSTILE in repr(section))  # geen_plannen has no data text


COMPARISON_TEMPLATES = sorted(p.name.removesuffix(".html.j2")
                              for p in (templating.TEMPLATES / "vergelijking").glob("*.html.j2")
                              if not p.name.startswith("_"))


def comparison_section_data(results: dict) -> dict:
    """The data of every template in ``templates/vergelijking`` as the comparison report builds it."""
    return {name: getattr(comparison_report, f"{name}_data")(results) for name in COMPARISON_TEMPLATES}


@pytest.fixture(scope="module")
def comparison(data):  # noqa: F811
    return comparison_results(data, ["2020", "2024"], ["nationaal", "G4", "G40", "P10", "overig"], seed=1,
                              n_bootstrap=2000, results_by_job={"2020/nationaal": full_results()})


def test_every_comparison_template_is_covered_here():
    assert set(COMPARISON_TEMPLATES) == set(comparison_report.SECTIONS)


@pytest.mark.parametrize("template", COMPARISON_TEMPLATES)
def test_hostile_text_in_every_data_field_of_a_comparison_section_is_shown_escaped(template, comparison):
    section = hostile(comparison_section_data(comparison)[template])
    html = templating.render(f"vergelijking/{template}.html.j2", **section)
    assert HOSTILE not in html
    assert_only_escaped(html, shown=HOSTILE in repr(section))


def test_hostile_text_in_every_field_of_the_index_page_is_shown_escaped():
    rows = [{"peiljaar": "2020", "cohort": "G40", "results": full_results(), "href": "2020/G40/rapport.html",
             "fout": None},
            {"peiljaar": "2020", "cohort": "P10", "results": None, "href": None, "fout": "fout"},
            {"peiljaar": "2024", "cohort": "G4", "results": tiny_results(), "href": "x", "fout": "fout"}]
    html = templating.render("overzicht.html.j2", rijen=hostile(render.index_data(rows)),
                             vergelijking=hostile("vergelijking/rapport.html"),
                             stylesheet=templating.stylesheet(), VWL=report.VWL, OND=report.OND)
    assert_only_escaped(html)


def test_a_missing_template_variable_is_an_error_not_an_empty_string():
    section = section_data(full_results())["samenwerking"]
    del section["n_plans"]
    with pytest.raises(jinja2.UndefinedError, match="n_plans"):
        templating.render("secties/samenwerking.html.j2", **section)


def test_numbers_are_formatted_by_the_dutch_filters():
    env = templating.environment()
    text = env.from_string("{{ a | pct }} ({{ ci | interval }}); {{ a | share_with_ci(ci) }}; {{ x | number }}; "
                           "{{ n | count('plan', 'plannen') }}").render(a=0.4213, ci=[0.35, 0.5], x=1234.56, n=3)
    assert text == "42,1% (35,0–50,0%); 42,1% (95%-BI 35,0–50,0%); 1.234,6; 3 plannen"


def test_report_and_index_share_one_page_head(tmp_path):
    report_page = BeautifulSoup(render.notebook_to_html(report_notebook(tiny_results(), fixed_provenance()),
                                                        title="x"), "html.parser")
    index_page = BeautifulSoup(render.index_html([]), "html.parser")

    def head(soup):
        return [(tag.name, tag.attrs, tag.string if tag.name == "style" else None)
                for tag in soup.head.find_all(True) if tag.name != "title"]

    assert head(report_page) == head(index_page)
    assert report_page.html["lang"] == index_page.html["lang"] == "nl"
    assert report_page.body.main is not None and index_page.body.main is not None
