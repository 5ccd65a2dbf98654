"""Published figures beside ours (``ivp.reference.published``, ``data/gepubliceerd.yaml``).

Expected figures come from docs/reference-facts.md; the ``results`` dicts are built by hand in the shape of
a job's results.json, plus one real job on the tiny test input so the measure paths follow results.py."""

from __future__ import annotations

from importlib import resources

import pytest
from conftest import write_input

from ivp.analysis.measures import select_scope
from ivp.analysis.municipalities import municipality_figures
from ivp.analysis.results import cooperation_part, themes_part
from ivp.errors import InvalidInput
from ivp.inputs.clean import clean_input
from ivp.reference.published import load_published, lookup, matching_peiljaar, published_beside_ours

VWL = "Veilige woon- en leefomgeving"
SURVEY = "een enquête onder ambtenaren"


def by_id():
    return {e["id"]: e for e in load_published()}


# --- the shipped file ---------------------------------------------------------------------------

@pytest.mark.parametrize("published, base, unit", [
    (381, "speerpunten", "aantal"), (0.42, "speerpunten", "aandeel"), (0.28, "speerpunten", "aandeel"),
    (0.25, "plannen", "aandeel"), (0.96, "enquete_respondenten", "aandeel"),
    (0.54, "enquete_respondenten", "aandeel"), (0.97, "enquete_respondenten", "aandeel"),
    (0.77, "enquete_respondenten", "aandeel"), (0.5, "enquete_respondenten", "aandeel"),
    (0.89, "gemeenten", "aandeel"),
])
def test_every_known_published_figure_is_in_the_file_with_its_base(published, base, unit):
    matches = [e for e in load_published() if e["published"] == published]
    assert len(matches) == 1
    assert (matches[0]["base"], matches[0]["unit"]) == (base, unit)


def test_the_figures_carry_their_sources():
    figures = by_id()
    assert figures["ccv2020_veilige_woon_en_leefomgeving"]["ours_measure"] == f"categories.{VWL}.share"
    assert figures["ccv2020_veilige_woon_en_leefomgeving"]["year"] == 2020
    assert "raadsledenenveiligheid.nl" in figures["vng_gezamenlijke_plannen"]["url"]
    assert "hetccv.nl/steeds-meer-samenwerking" in figures["ccv_enquete_samen_opgesteld"]["url"]
    assert "beveiliging.nl" in figures["ccv_enquete_2018_samen_opgesteld"]["url"]
    assert "349" in figures["ccv_deskstudie_gemeenten_met_ivp"]["note"]


def test_almost_half_is_kept_in_its_own_words():
    figure = by_id()["ccv_enquete_2018_samen_opgesteld"]
    assert figure["published"] == 0.5 and figure["published_text"] == "bijna de helft"
    assert "'bijna de helft'" in figure["note"]
    assert figure["peiljaar"] == 2020  # the plans drawn up at the end of 2018 are those of 2019 onwards


def test_every_survey_figure_says_out_loud_that_it_is_no_count_of_plans():
    surveys = [e for e in load_published() if e["base"] == "enquete_respondenten"]
    assert len(surveys) == 5
    for entry in surveys:
        assert SURVEY in entry["note"].lower() and "geen telling van plannen" in entry["note"], entry["id"]


def test_figures_ivp_cannot_estimate_have_no_measure_and_say_why():
    for key in ("ccv_enquete_werkt_met_ivp", "ccv_deskstudie_gemeenten_met_ivp"):
        entry = by_id()[key]
        assert entry["ours_measure"] is None
        assert "kan niet schatten" in entry["note"]


@pytest.fixture(scope="module")
def real_job(tmp_path_factory):
    """A job's results (themes and cooperation parts, municipality figures under ``municipalities``) on the
    tiny test input of conftest, at peiljaar 2020 nationally."""
    folder = tmp_path_factory.mktemp("published")
    data = clean_input(write_input(folder / "raw"))
    scope = select_scope(data, "nationaal", 2020)
    results = {**themes_part(scope, seed=1, n_bootstrap=2000), **cooperation_part(scope, seed=1, n_bootstrap=2000)}
    codes = sorted(scope.gemeenten["code"].unique())
    results["municipalities"] = municipality_figures(scope.plans, scope.gemeenten, scope.speerpunten, codes,
                                                     seed=1, n_resamples=2000)
    return results


def test_every_measure_path_resolves_to_a_number_in_a_real_job(real_job):
    for entry in load_published():
        if entry["ours_measure"] is None:
            continue
        value, parent = lookup(real_job, entry["ours_measure"])
        assert isinstance(value, (int, float)) and not isinstance(value, bool), entry["id"]
        interval = lookup(real_job, entry["ours_ci95"])[0] if entry["ours_ci95"] else parent.get("ci95")
        if entry["unit"] == "aandeel":
            assert isinstance(interval, list) and len(interval) == 2, entry["id"]


# --- beside ours --------------------------------------------------------------------------------

def results_2020():
    return {"n_priorities": 400,
            "categories": {VWL: {"share": 0.418, "ci95": [0.36, 0.47]},
                           "Ondermijning": {"share": 0.20, "ci95": [0.15, 0.25]}},
            "joint_plans": {"share": 0.18, "ci95_wilson": [0.11, 0.27], "ci95": [0.0, 0.05]}}


def results_2024():
    return {"municipalities": {"joint_share": {"share_with": 0.40, "ci95": [0.30, 0.50]},
                               "themes": {"OND": {"share_with": 0.96, "ci95": [0.90, 0.99]}}}}


def rows_by_id(results_by_job):
    return {r["id"]: r for r in published_beside_ours(load_published(), results_by_job)}


def test_each_figure_is_set_beside_the_job_of_its_generation():
    rows = rows_by_id({"2020/nationaal": results_2020(), "2024/nationaal": results_2024(),
                       "2024/G4": {"municipalities": {"joint_share": {"share_with": 0.99, "ci95": [0.98, 1.0]}}}})
    vwl = rows["ccv2020_veilige_woon_en_leefomgeving"]
    assert (vwl["peiljaar"], vwl["ours"], vwl["ci95"], vwl["inside"]) == (2020, 0.418, [0.36, 0.47], True)
    ond = rows["ccv2020_ondermijning"]
    assert (ond["ours"], ond["inside"]) == (0.20, False)  # 0.28 above 0.25
    joint = rows["vng_gezamenlijke_plannen"]  # its interval is ours_ci95 (Wilson), not the ci95 beside it
    assert (joint["ci95"], joint["inside"]) == ([0.11, 0.27], True)
    count = rows["ccv2020_aantal_speerpunten"]
    assert (count["ours"], count["ci95"], count["inside"]) == (400, None, None)
    survey = rows["ccv_enquete_samen_opgesteld"]  # year 2023: the 2023-2026 generation, the national job
    assert (survey["peiljaar"], survey["ours"], survey["inside"]) == (2024, 0.40, False)
    assert (rows["ccv_enquete_ondermijning"]["ours"], rows["ccv_enquete_ondermijning"]["inside"]) == (0.96, True)
    old = rows["ccv_enquete_2018_samen_opgesteld"]  # named peiljaar 2020, whose job lacks the key
    assert (old["peiljaar"], old["ours"], old["ci95"], old["inside"]) == (2020, None, None, None)
    assert rows["ccv_enquete_cybercrime"]["ours"] is None  # key missing in the 2024 job
    assert rows["ccv_deskstudie_gemeenten_met_ivp"]["ours"] is None  # no measure at all


def test_rows_have_the_fields_of_the_comparison():
    row = rows_by_id({"2020/nationaal": results_2020()})["vng_gezamenlijke_plannen"]
    assert {"id", "source", "url", "year", "base", "published", "ours_measure", "ours", "ci95", "inside",
            "note"} <= set(row)
    assert row["note"] == by_id()["vng_gezamenlijke_plannen"]["note"]


def test_without_the_job_of_its_generation_a_figure_has_no_ours():
    rows = rows_by_id({"2020/nationaal": results_2020()})
    assert rows["ccv_enquete_samen_opgesteld"]["peiljaar"] is None
    assert rows["ccv_enquete_samen_opgesteld"]["ours"] is None
    assert rows["ccv2020_ondermijning"]["ours"] == 0.20


def test_the_closest_peiljaar_of_the_generation_is_used():
    entry = {"year": 2020, "peiljaar": None}
    assert matching_peiljaar(entry, ["2019", "2022", "alle"]) == 2019
    assert matching_peiljaar(entry, ["2021", "2019"]) == 2019  # a tie goes to the earlier one
    assert matching_peiljaar(entry, ["2022", "2024"]) == 2022
    assert matching_peiljaar(entry, ["2024", "alle"]) is None
    assert matching_peiljaar({"year": 2030, "peiljaar": None}, ["2024"]) is None  # no generation
    assert matching_peiljaar({"year": 2018, "peiljaar": 2024}, ["2020", "2024"]) == 2024


def test_lookup_finds_keys_with_dots_and_says_none_for_missing_ones():
    results = {"categories": {"Overig. proces": {"share": 0.1}}, "n": 3}
    assert lookup(results, "categories.Overig. proces.share") == (0.1, {"share": 0.1})
    assert lookup(results, "categories.Overig.share") == (None, None)
    assert lookup(results, "n.share") == (None, None)


# --- the data file ------------------------------------------------------------------------------

def shipped_text() -> str:
    return (resources.files("ivp") / "data" / "gepubliceerd.yaml").read_text(encoding="utf-8")


NEW_FIGURE = """
  - id: nieuw_cijfer
    source: "Een nieuwe bron"
    url: "https://example.org/nieuw"
    year: 2024
    base: plannen
    published: 0.3
    ours_measure: joint_plans.share
    ours_ci95: joint_plans.ci95_wilson
    note: "Een aandeel van de plannen, zoals het onze."
"""


def test_adding_a_figure_is_an_edit_to_the_data_file(tmp_path):
    path = tmp_path / "gepubliceerd.yaml"
    path.write_text(shipped_text() + NEW_FIGURE, encoding="utf-8")
    entries = load_published(path)
    assert [e["id"] for e in entries] == [e["id"] for e in load_published()] + ["nieuw_cijfer"]
    row = published_beside_ours(entries, {"2024/nationaal": {"joint_plans": {"share": 0.2,
                                                                             "ci95_wilson": [0.1, 0.35]}}})[-1]
    assert (row["id"], row["peiljaar"], row["ours"], row["ci95"], row["inside"]) == (
        "nieuw_cijfer", 2024, 0.2, [0.1, 0.35], True)


def problems(path) -> str:
    with pytest.raises(InvalidInput) as info:
        load_published(path)
    for problem in info.value.problems:
        assert problem.column in str(info.value)
    return "\n".join(str(p) for p in info.value.problems)


def write(tmp_path, text: str):
    path = tmp_path / "gepubliceerd.yaml"
    path.write_text("figures:" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, column, value, expected", [
    ("base: plannen", "base: raadsleden", "base", "raadsleden", "een van speerpunten, plannen, gemeenten, "
                                                                 "enquete_respondenten"),
    ("published: 0.3", "published: 30%", "published", "30%", "een aandeel tussen 0 en 1"),
    ("published: 0.3", "published: 30", "published", "30", "een aandeel tussen 0 en 1"),
    ("published: 0.3", "published: true", "published", "True", "een aandeel tussen 0 en 1"),
    ('url: "https://example.org/nieuw"', 'url: "ftp://example.org/nieuw"', "url", "ftp://example.org/nieuw",
     "een http(s)-adres"),
    ("year: 2024", "year: twintig", "year", "twintig", "een jaartal zoals 2020"),
    ("    ours_measure: joint_plans.share\n    ours_ci95: joint_plans.ci95_wilson\n", "", "ours_measure", "",
     "een pad in results.json, of null als ivp niets vergelijkbaars heeft"),
    ("ours_measure: joint_plans.share", "ours_measure: null", "ours_ci95", "joint_plans.ci95_wilson",
     "een pad zoals joint_plans.ci95_wilson, alleen naast ours_measure"),
    ("ours_measure: joint_plans.share", "ours_measure: joint_plans..share", "ours_measure", "joint_plans..share",
     "een pad zoals joint_plans.share"),
    ("base: plannen", "base: plannen\n    unit: procent", "unit", "procent", "een van aandeel, aantal"),
    ('    note: "Een aandeel van de plannen, zoals het onze."\n', "", "note", "", "een verplicht veld"),
])
def test_a_bad_entry_is_named_with_its_field(tmp_path, old, new, column, value, expected):
    assert old in NEW_FIGURE
    message = problems(write(tmp_path, NEW_FIGURE.replace("nieuw_cijfer", "eerste") + NEW_FIGURE.replace(old, new)))
    assert message == (f"gepubliceerd.yaml, rij 2, kolom 'nieuw_cijfer.{column}': waarde {value!r}; "
                       f"verwacht: {expected}")


def test_every_bad_entry_is_listed_at_once(tmp_path):
    message = problems(write(tmp_path, NEW_FIGURE.replace("base: plannen", "base: x")
                             + NEW_FIGURE.replace("nieuw_cijfer", "tweede").replace("year: 2024", "year: 24")))
    assert "rij 1, kolom 'nieuw_cijfer.base'" in message and "rij 2, kolom 'tweede.year'" in message


def test_a_duplicate_id_is_refused(tmp_path):
    message = problems(write(tmp_path, NEW_FIGURE + NEW_FIGURE))
    assert message == ("gepubliceerd.yaml, rij 2, kolom 'nieuw_cijfer.id': waarde 'nieuw_cijfer'; "
                       "verwacht: een id dat geen andere vermelding heeft")


def test_an_entry_that_is_not_a_mapping_is_named_by_position(tmp_path):
    message = problems(write(tmp_path, NEW_FIGURE + "\n  - zomaar tekst\n"))
    assert message.startswith("gepubliceerd.yaml, rij 2, kolom '(vermelding)': waarde 'zomaar tekst'")
