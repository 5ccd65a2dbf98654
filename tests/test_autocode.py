"""Tests of automatic theme coding (ivp.autocode, ``ivp codeer``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from ivp import autocode
from ivp.autocode import (
    StatisticalCoder,
    agreement,
    agreement_by_certainty,
    code_input,
    evaluate,
    grouped_folds,
    lexicon,
    lexicon_code,
    normalise_text,
    parse_lexicon,
    propose,
)
from ivp.clean import clean
from ivp.cli import main
from ivp.errors import InvalidInput
from ivp.inputs import read_input
from ivp.reference import theme_codes

REPO = Path(__file__).resolve().parents[1]
PLANS_HEADER = "plan_id,titel,gemeenten,gezamenlijk,periode_start,periode_eind,burgerparticipatie\n"
SP_HEADER = "plan_id,volgnummer,speerpunt,niveau,thema,thema_2\n"


def write_input(folder: Path, speerpunten: str, plans: str | None = None) -> Path:
    """A tiny input folder: three plans (Utrecht, Almere, Zwolle) and the given speerpunten rows."""
    folder.mkdir(parents=True, exist_ok=True)
    plans = plans or ("p1,Plan een,Utrecht,nee,2019,2022,onbekend\n"
                      "p2,Plan twee,Almere,nee,2019,2022,onbekend\n"
                      "p3,Plan drie,Zwolle,nee,2020,2023,onbekend\n")
    (folder / "plans.csv").write_text(PLANS_HEADER + plans, encoding="utf-8")
    (folder / "speerpunten.csv").write_text(SP_HEADER + speerpunten, encoding="utf-8")
    return folder


MIXED = ("p1,1,Drugsoverlast,lokaal,OND,\n"          # given code that the lexicon would code VWL
         "p1,2,Aanpak van ondermijning,lokaal,,\n"
         "p1,3,Verkeersveiligheid,lokaal,,\n"
         "p2,1,Jeugdoverlast,lokaal,JEU,VWL\n"
         "p2,2,Cybercrime,lokaal,,\n"
         "p2,3,Een veilige Almere,lokaal,,\n"       # no lexicon term: least certain
         "p3,1,Zorg en veiligheid,lokaal,ZOR,\n"
         "p3,2,Radicalisering en polarisatie,lokaal,,\n")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------------
# Lexicon: decision rules of codebook.md and the themes' core terms
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("title, thema, thema_2", [
    ("Drugsoverlast", "VWL", ""),                                       # drugs*overlast* -> VWL
    ("Aanpak van drugsoverlast in de wijk", "VWL", ""),
    ("Drugshandel", "OND", ""),                                         # drugs*handel* -> OND
    ("Drugsproductie", "OND", ""),                                      # drugs*productie* -> OND
    ("Drugscriminaliteit", "OND", ""),                                  # drugs*criminaliteit* -> OND
    ("Jonge aanwas in de drugscriminaliteit", "JEU", "OND"),            # -> JEU with thema_2 OND
    ("Voorkomen van jonge aanwas", "JEU", "OND"),
    ("Veilig uitgaan", "BED", ""),                                      # veilig uitgaan -> BED
    ("Mensenhandel", "OND", ""),                                        # mensenhandel -> OND
    ("Aanpak mensenhandel en uitbuiting", "OND", ""),
    ("Radicalisering", "INT", ""),                                      # radicalisering -> INT
])
def test_decision_rules_of_the_codebook_code_their_examples(title, thema, thema_2):
    coded = lexicon_code(title)
    assert (coded["thema"], coded["thema_2"]) == (thema, thema_2)
    assert "beslisregel" in coded["grond"]


@pytest.mark.parametrize("title, thema", [
    ("Woninginbraak en overvallen", "VWL"),
    ("Leefbaarheid en veiligheidsgevoel in de buurt", "VWL"),
    ("Witwassen en vastgoedcriminaliteit", "OND"),
    ("Hennepteelt in het buitengebied", "OND"),
    ("Personen met verward gedrag", "ZOR"),
    ("Huiselijk geweld en kindermishandeling", "ZOR"),
    ("Jeugdgroepen", "JEU"),
    ("Alcohol en drugs bij jongeren", "JEU"),
    ("Veilig ondernemen op bedrijventerreinen", "BED"),
    ("Veilige evenementen en toerisme", "BED"),
    ("Brandveiligheid en crisisbeheersing", "FYS"),
    ("Externe veiligheid: gevaarlijke stoffen", "FYS"),
    ("Polarisatie en extremisme", "INT"),
    ("Veilige publieke taak", "INT"),
    ("Online fraude en oplichting", "CYB"),
    ("Digitale weerbaarheid van inwoners en ondernemers", "CYB"),
    ("Informatiepositie en samenwerking", "OVR"),
])
def test_lexicon_codes_the_codebook_covers_terms_to_their_theme(title, thema):
    assert lexicon_code(title)["thema"] == thema


def test_modifier_of_a_compound_decides_the_theme():
    assert lexicon_code("Jeugdoverlast")["thema"] == "JEU"
    assert lexicon_code("Verkeersoverlast")["thema"] == "FYS"
    assert lexicon_code("Woonoverlast")["thema"] == "VWL"
    assert lexicon_code("Uitgaansgeweld")["thema"] == "BED"


def test_title_without_any_term_gets_the_default_with_minimal_certainty():
    coded = lexicon_code("Een mooie toekomst")
    assert coded["thema"] == lexicon().default == "VWL"
    assert coded["zekerheid"] == pytest.approx(1 / len(theme_codes()))
    assert coded["grond"] == "lexicon: geen term gevonden; standaard VWL"


def test_lexicon_certainty_is_the_smoothed_share_of_the_winning_theme():
    # 'ondermijn*' (OND, 2) and 'criminaliteit' (VWL, 0.5): p(OND) = (2 + 1/9) / (2.5 + 1)
    coded = lexicon_code("Ondermijnende criminaliteit")
    assert coded["thema"] == "OND"
    assert coded["zekerheid"] == pytest.approx((2 + 1 / 9) / 3.5, abs=1e-6)
    assert coded["scores"]["OND"] == 2 and coded["scores"]["VWL"] == 0.5


def test_tie_goes_to_the_theme_named_first():
    assert lexicon_code("Evenementen en verkeer")["thema"] == "BED"
    assert lexicon_code("Verkeer en evenementen")["thema"] == "FYS"


def test_text_normalisation_removes_case_accents_and_punctuation():
    assert normalise_text("Zorg- & Veiligheidshuis (Cuijk)") == "zorg en veiligheidshuis cuijk"
    assert normalise_text("Beëindigen") == "beeindigen"


def test_every_codebook_theme_has_lexicon_terms():
    themes = {t.thema for t in lexicon().terms}
    assert themes == set(theme_codes())


def test_lexicon_with_unknown_theme_or_bad_pattern_is_refused_with_the_entry_named():
    data = {"termen": {"XYZ": ["foo"], "VWL": ["Overlast!"]}, "standaard": "VWL"}
    with pytest.raises(ValueError) as exc:
        parse_lexicon(data, theme_codes())
    assert "thema 'XYZ' is geen code uit het codeboek" in str(exc.value)
    assert "patroon 'Overlast!'" in str(exc.value)


# ------------------------------------------------------------------------------------------------
# Statistical coder and methods
# ------------------------------------------------------------------------------------------------

TRAIN = pd.DataFrame({
    "plan_id": ["a", "a", "b", "b", "c", "c"],
    "speerpunt": ["Jeugdoverlast", "Jeugdgroepen in de wijk", "Brandweerzorg", "Brandpreventie",
                  "Jeugdcriminaliteit", "Brandveiligheid"],
    "thema": ["JEU", "JEU", "FYS", "FYS", "JEU", "FYS"],
})


def test_statistical_coder_learns_from_hand_codes_and_names_its_features():
    coder = StatisticalCoder.fit(TRAIN["speerpunt"], TRAIN["thema"])
    p = coder.proba(["Jeugd", "Brandveiligheid stallen"])
    assert list(p.columns) == theme_codes()
    assert p.loc[0].idxmax() == "JEU" and p.loc[1].idxmax() == "FYS"
    assert p["VWL"].eq(0).all()  # a theme absent from training gets probability 0
    assert coder.reasons("Jeugd", "JEU").startswith("model: ")
    assert "jeug" in coder.reasons("Jeugd", "JEU")


def test_statistical_coder_needs_two_themes():
    with pytest.raises(ValueError, match="minstens twee thema's"):
        StatisticalCoder.fit(["a", "b"], ["JEU", "JEU"])


@pytest.mark.parametrize("method", autocode.METHODS)
def test_every_method_returns_codes_certainty_and_reason_per_title(method):
    got = propose(pd.Series(["Jeugdoverlast", "Brandveiligheid"]), method, TRAIN)
    assert list(got["thema"]) == ["JEU", "FYS"]
    assert got["zekerheid_codering"].between(0, 1).all()
    assert got["grond"].str.len().gt(0).all()
    assert (got[[f"p_{c}" for c in theme_codes()]].sum(axis=1) - 1).abs().lt(1e-4).all()


def test_methods_that_learn_refuse_to_run_without_training_data():
    with pytest.raises(ValueError, match="handgecodeerde speerpunten nodig"):
        propose(pd.Series(["Jeugd"]), "statistisch", None)
    with pytest.raises(ValueError, match="onbekende methode 'magie'"):
        propose(pd.Series(["Jeugd"]), "magie", TRAIN)


# ------------------------------------------------------------------------------------------------
# Agreement measures
# ------------------------------------------------------------------------------------------------

def test_agreement_on_a_small_fixture_matches_hand_computed_figures():
    hand = ["VWL", "VWL", "OND", "OND", "ZOR"]
    auto = ["VWL", "OND", "OND", "OND", "ZOR"]
    got = agreement(hand, auto, ["VWL", "OND", "ZOR"])
    assert got["n"] == 5
    assert got["accuracy"] == pytest.approx(0.8)
    # Cohen: po = 0.8, pe = (2*1 + 2*3 + 1*1) / 25 = 0.36 -> (0.8 - 0.36) / 0.64
    assert got["kappa"] == pytest.approx(0.44 / 0.64)
    # Krippendorff (nominal): Do = 2/10, De = (100 - (9 + 25 + 4)) / 90 -> alpha = 1 - 9/31 = 22/31
    assert got["alpha"] == pytest.approx(22 / 31)
    assert got["verwarring"] == {"VWL": {"VWL": 1, "OND": 1, "ZOR": 0},
                                 "OND": {"VWL": 0, "OND": 2, "ZOR": 0},
                                 "ZOR": {"VWL": 0, "OND": 0, "ZOR": 1}}
    assert got["verwarringen"] == [{"hand": "VWL", "auto": "OND", "n": 1}]
    assert got["per_thema"]["VWL"] == {"n_hand": 2, "n_auto": 1, "precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3)}
    assert got["per_thema"]["OND"]["precision"] == pytest.approx(2 / 3)
    assert got["per_thema"]["OND"]["recall"] == 1.0


def test_agreement_with_one_code_only_has_no_alpha():
    got = agreement(["VWL", "VWL"], ["VWL", "VWL"])
    assert got["accuracy"] == 1.0 and got["alpha"] is None


def test_agreement_of_unequal_lists_is_refused():
    with pytest.raises(ValueError, match="even lang"):
        agreement(["VWL"], ["VWL", "OND"])


def test_agreement_by_certainty_counts_right_codes_per_band():
    bands = agreement_by_certainty(["A", "A", "B", "B"], ["A", "B", "B", "B"], [0.1, 0.3, 0.5, 0.95],
                                   bands=(0.0, 0.4, 0.8, 1.0))
    assert bands == [{"van": 0.0, "tot": 0.4, "n": 2, "accuracy": 0.5},
                     {"van": 0.4, "tot": 0.8, "n": 1, "accuracy": 1.0},
                     {"van": 0.8, "tot": 1.0, "n": 1, "accuracy": 1.0}]


def test_grouped_folds_never_put_a_plan_in_training_and_test():
    groups = pd.Series(["a", "a", "b", "c", "c", "c", "d", "e"])
    folds = grouped_folds(groups, n_splits=3)
    assert len(folds) == 3
    tested = []
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        tested += list(test)
    assert sorted(tested) == list(range(len(groups)))
    assert [list(t) for _, t in folds] == [list(t) for _, t in grouped_folds(groups, n_splits=3)]


def test_grouped_folds_need_two_plans():
    with pytest.raises(ValueError, match="minstens twee plannen"):
        grouped_folds(pd.Series(["a", "a"]))


def test_evaluation_of_the_lexicon_on_a_fixture_gives_the_known_confusion_matrix():
    sp = pd.DataFrame({
        "plan_id": ["p1", "p1", "p2", "p2", "p3"],
        "volgnummer": [1, 2, 1, 2, 1],
        "speerpunt": ["Drugsoverlast", "Cybercrime", "Verkeersveiligheid", "Ondermijning", "Jeugdoverlast"],
        # hand coder put drugsoverlast under OND (against the decision rule) and jeugdoverlast under VWL
        "thema": ["OND", "CYB", "FYS", "OND", "VWL"],
        "thema_2": ["", "", "", "", ""],
    })
    result = evaluate(sp, ("lexicon",), n_splits=3)
    m = result["methoden"]["lexicon"]
    assert (result["n"], result["n_plannen"], result["folds"]) == (5, 3, 3)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["verwarring"]["OND"]["VWL"] == 1 and m["verwarring"]["OND"]["OND"] == 1
    assert m["verwarring"]["VWL"]["JEU"] == 1
    assert m["verwarringen"] == [{"hand": "VWL", "auto": "JEU", "n": 1}, {"hand": "OND", "auto": "VWL", "n": 1}]
    assert list(result["voorspellingen"]["lexicon"]) == ["VWL", "CYB", "FYS", "OND", "JEU"]


def test_default_coder_reaches_the_target_kappa_in_grouped_cross_validation_on_the_shipped_sample():
    from ivp.autocode import hand_coded

    sp = hand_coded(REPO / "data" / "raw")
    result = evaluate(sp, (autocode.DEFAULT_METHOD,))
    assert result["n"] == 439 and result["n_plannen"] == 108
    assert result["methoden"][autocode.DEFAULT_METHOD]["kappa"] >= 0.75


# Hand-coded priorities of plans that are not in the shipped sample, coded with the codebook before
# the coder was run on them; sources: helmond.nl masterplan 2023-2026; beatfm.nl (IMV Noord-Holland
# 2019-2022); opennieuwsbank.nl and destadamersfoort.nl (Amersfoort 2011-2014, 2015-2018); CVDR699462
# (Amersfoort 2019-2022); eemskrant.nl (Midden-Groningen jaarplan 2019); financien.hengelo.nl (2017-2021);
# begroting2016.groningen.nl (2015-2018); kaderbrief.leiden.nl (2019-2022); blikopnieuws.nl (Woudenberg
# 2006); 5dok.net (Neder-Betuwe jaarplan 2021). The lexicon was not changed after this test was written.
OUTSIDE_SAMPLE = [
    ("helmond", "Ondermijning", "OND"), ("helmond", "Risicojongeren", "JEU"),
    ("helmond", "Digitale criminaliteit", "CYB"),
    ("nh", "Aanpak van criminaliteit met een ondermijnend effect op de samenleving", "OND"),
    ("nh", "Versterken ketensamenwerking tussen zorg- en veiligheidsdomein", "ZOR"),
    ("nh", "Contraterrorisme, radicalisering en extremisme", "INT"), ("nh", "Aanpak van cybercrime", "CYB"),
    ("amf11", "Aanpak van overlast en verloedering", "VWL"),
    ("amf11", "Veelvoorkomende criminaliteit (vandalisme, fietsendiefstal, auto-inbraken)", "VWL"),
    ("amf11", "Woninginbraken", "VWL"), ("amf11", "Bestuurlijke aanpak van georganiseerde criminaliteit", "OND"),
    ("amf11", "Aandachtsbuurten", "VWL"), ("amf15", "Persoonsgerichte aanpak", "ZOR"),
    ("amf15", "High impact crimes", "VWL"), ("amf15", "Ernstige overlast en criminaliteit in de woonomgeving", "VWL"),
    ("amf15", "Vergroten heterdaadkracht met hulp van inwoners", "VWL"), ("amf19", "Aanpak van ondermijning", "OND"),
    ("amf19", "Digitale veiligheid", "CYB"), ("amf19", "Samenwerking tussen zorg en veiligheid", "ZOR"),
    ("gr19", "Ondermijnende criminaliteit", "OND"), ("gr19", "Gebiedsgericht werken", "VWL"),
    ("gr19", "Verbinding veiligheid en zorg", "ZOR"),
    ("mg19", "Aanpak problematiek rond de komst van windmolenpark N33", "INT"),
    ("mg19", "Aanpak cybercrime/gedigitaliseerde criminaliteit", "CYB"),
    ("mg19", "Geweld: aanpak huiselijk geweld en kindermishandeling", "ZOR"),
    ("mg19", "Veilige woon- en leefomgeving: sociale (woon)overlast/burenruzies en verwarde personen", "VWL"),
    ("mg19", "Jeugd en veiligheid: problematische jeugd en jeugdgroepen", "JEU"),
    ("mg19", "Ondermijnende en georganiseerde criminaliteit: bestuurlijke aanpak georganiseerde criminaliteit "
             "en aanpak drugscriminaliteit", "OND"),
    ("hen17", "Jeugd en middelengebruik", "JEU"), ("hen17", "Radicalisering en polarisatie", "INT"),
    ("hen17", "Ondermijning", "OND"), ("gr15", "Woninginbraken", "VWL"), ("gr15", "Geweldsdelicten", "VWL"),
    ("gr15", "Georganiseerde criminaliteit", "OND"), ("gr15", "Overlast", "VWL"), ("gr15", "Jeugd en veiligheid", "JEU"),
    ("lei19", "Drugsgerelateerde criminaliteit (drugspanden, drugslaboratoria, coffeeshops)", "OND"),
    ("lei19", "Ondermijnende criminaliteit (fraude, witwassen, vermenging onder- en bovenwereld)", "OND"),
    ("lei19", "Aanpak van cybercrime", "CYB"), ("lei19", "Preventie en bestrijding van polarisering en radicalisering", "INT"),
    ("lei19", "Voorkomen van sociaal-maatschappelijke onrust", "INT"),
    ("lei19", "Zorg en opvang voor personen die verward gedrag vertonen", "ZOR"),
    ("wou06", "Overlast door jongeren", "JEU"), ("wou06", "Aanpak van de verkeersonveiligheid", "FYS"),
    ("wou06", "Opleiden en oefenen van het crisisbeheersingsplan", "FYS"),
    ("wou06", "Veiligheid in en om het Henschotermeer", "BED"), ("wou06", "Aanpak van het huiselijk geweld", "ZOR"),
    ("wou06", "Overdracht van niet-kerntaken van de politie aan de gemeente", "OVR"),
    ("nb21", "Woninginbraken", "VWL"), ("nb21", "Burgernet", "VWL"), ("nb21", "Vandalisme offensief", "VWL"),
    ("nb21", "Project buurtbemiddeling", "VWL"), ("nb21", "Keurmerk Veilig Ondernemen", "BED"),
    ("nb21", "Aanpak hinderlijke/overlastgevende jeugd", "JEU"), ("nb21", "Aanpak risicojongeren zorgkant", "JEU"),
    ("nb21", "Aanpak alcohol", "JEU"), ("nb21", "Aanpak ondermijning", "OND"), ("nb21", "Aanpak recreatieparken", "OND"),
    ("nb21", "Polarisatie en radicalisering", "INT"), ("nb21", "Project Oud en Nieuw", "VWL"),
    ("nb21", "Veiligheidshuis", "ZOR"),
]


def test_lexicon_generalises_to_hand_coded_priorities_of_plans_outside_the_shipped_sample():
    titles = pd.Series([t for _, t, _ in OUTSIDE_SAMPLE])
    hand = [c for _, _, c in OUTSIDE_SAMPLE]
    got = agreement(hand, propose(titles, "lexicon")["thema"])
    assert got["n"] == 61
    assert got["kappa"] >= 0.85  # measured 0.900 when this test was written


# ------------------------------------------------------------------------------------------------
# ivp codeer: output files
# ------------------------------------------------------------------------------------------------

def run_codeer(tmp_path: Path, speerpunten: str = MIXED, **kwargs) -> tuple[Path, Path, dict]:
    source = write_input(tmp_path / "in", speerpunten)
    out = tmp_path / "out"
    kwargs.setdefault("training_path", False)
    kwargs.setdefault("measure", False)
    return source, out, code_input(source, out, **kwargs)


def read_out(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_given_codes_are_never_overwritten(tmp_path):
    _, out, summary = run_codeer(tmp_path)
    sp = read_out(out, "speerpunten.csv")
    hand = sp[sp["thema_bron"] == "hand"]
    assert list(hand["speerpunt"]) == ["Drugsoverlast", "Jeugdoverlast", "Zorg en veiligheid"]
    assert list(hand["thema"]) == ["OND", "JEU", "ZOR"]      # OND kept although the lexicon says VWL
    assert list(hand["thema_2"]) == ["", "VWL", ""]
    assert hand["zekerheid_codering"].eq("").all()
    assert (summary["n_hand"], summary["n_auto"], summary["n_speerpunten"]) == (3, 5, 8)


def test_every_empty_theme_is_filled_with_a_codebook_code_and_its_reason(tmp_path):
    _, out, _ = run_codeer(tmp_path)
    sp = read_out(out, "speerpunten.csv")
    auto = sp[sp["thema_bron"] == "auto"].set_index("speerpunt")
    assert auto["thema"].to_dict() == {"Aanpak van ondermijning": "OND", "Verkeersveiligheid": "FYS",
                                       "Cybercrime": "CYB", "Een veilige Almere": "VWL",
                                       "Radicalisering en polarisatie": "INT"}
    assert auto["zekerheid_codering"].astype(float).between(0, 1).all()
    assert "'verkeer*' -> FYS" in auto.loc["Verkeersveiligheid", "grond"]
    assert list(sp.columns) == ["plan_id", "volgnummer", "speerpunt", "niveau", "thema", "thema_2",
                                "thema_bron", "zekerheid_codering", "grond"]


def test_review_file_lists_only_automatic_codes_least_certain_first(tmp_path):
    _, out, _ = run_codeer(tmp_path)
    review = read_out(out, "te_beoordelen.csv")
    assert len(review) == 5
    certainty = review["zekerheid_codering"].astype(float)
    assert certainty.is_monotonic_increasing
    assert review.loc[0, "speerpunt"] == "Een veilige Almere"
    assert review.loc[0, "alternatief"] == ""
    assert list(review["bron_rij"].astype(int).sort_values()) == [3, 4, 6, 7, 9]


def test_output_folder_is_valid_pipeline_input_with_unchanged_data(tmp_path):
    source, out, _ = run_codeer(tmp_path)
    before = clean(read_input(source), require_thema=False)
    after = clean(read_input(out))  # themes now required: must pass
    pd.testing.assert_frame_equal(before.plans, after.plans)
    pd.testing.assert_frame_equal(before.plan_gemeenten, after.plan_gemeenten)
    columns = ["plan_id", "volgnummer", "speerpunt", "niveau", "bron_rij"]
    pd.testing.assert_frame_equal(before.speerpunten[columns], after.speerpunten[columns])
    given = before.speerpunten["thema"] != ""
    pd.testing.assert_series_equal(before.speerpunten.loc[given, "thema"], after.speerpunten.loc[given, "thema"])
    assert after.speerpunten["thema"].isin(theme_codes()).all()
    assert (out / "plans.csv").read_bytes() == (source / "plans.csv").read_bytes()


def test_coding_is_deterministic(tmp_path):
    source = write_input(tmp_path / "in", MIXED)
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        code_input(source, out, method="combinatie", training_path=False)
    for name in autocode.OUTPUT_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_input_is_never_modified(tmp_path):
    source = write_input(tmp_path / "in", MIXED)
    before = {p.name: sha(p) for p in source.iterdir()}
    code_input(source, tmp_path / "out", training_path=False)
    assert {p.name: sha(p) for p in source.iterdir()} == before


def test_output_into_the_input_folder_is_refused(tmp_path):
    source = write_input(tmp_path / "in", MIXED)
    before = {p.name: sha(p) for p in source.iterdir()}
    with pytest.raises(InvalidInput) as exc:
        code_input(source, source)
    assert "een andere map dan die van de invoer" in str(exc.value)
    assert {p.name: sha(p) for p in source.iterdir()} == before


def test_invalid_input_is_reported_and_nothing_written(tmp_path):
    bad = "p1,1,Ondermijning,lokaal,XYZ,\np9,1,Jeugd,lokaal,,\n"
    source = write_input(tmp_path / "in", bad)
    with pytest.raises(InvalidInput) as exc:
        code_input(source, tmp_path / "out", training_path=False)
    found = {(p.file, p.row, p.column, p.value) for p in exc.value.problems}
    assert ("speerpunten.csv", 2, "thema", "XYZ") in found
    assert ("speerpunten.csv", 3, "plan_id", "p9") in found
    assert not (tmp_path / "out").exists()


def test_spreadsheet_formulas_are_neutralised_in_the_review_file_but_not_in_pipeline_data(tmp_path):
    rows = MIXED + 'p3,3,"=HYPERLINK(""http://x"",""klik"")",lokaal,,\n' + "p3,4,@SUM(A1) jeugd,lokaal,,\n"
    _, out, _ = run_codeer(tmp_path, rows)
    review = read_out(out, "te_beoordelen.csv").set_index("bron_rij")
    assert review.loc["10", "speerpunt"] == "'=HYPERLINK(\"http://x\",\"klik\")"
    assert review.loc["11", "speerpunt"] == "'@SUM(A1) jeugd"
    sp = read_out(out, "speerpunten.csv")
    assert '=HYPERLINK("http://x","klik")' in list(sp["speerpunt"])  # data for the pipeline unchanged
    assert clean(read_input(out)).speerpunten["speerpunt"].str.startswith("=").sum() == 1


def test_proposed_second_theme_fills_only_an_empty_thema_2(tmp_path):
    rows = ("p1,1,Voorkomen van jonge aanwas,lokaal,,\n"
            "p1,2,Jonge aanwas in de drugscriminaliteit,lokaal,,ZOR\n"
            "p2,1,Ondermijning,lokaal,OND,\n")
    _, out, _ = run_codeer(tmp_path, rows)
    sp = read_out(out, "speerpunten.csv").set_index("volgnummer")
    sp = sp[sp["plan_id"] == "p1"]
    assert sp.loc["1", "thema_2"] == "OND" and "thema_2 voorgesteld: OND" in sp.loc["1", "grond"]
    assert sp.loc["2", "thema_2"] == "ZOR"  # given, kept


def test_xlsx_input_gives_csv_output_that_is_valid_input(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    plans = book.active
    plans.title = "plans"
    for row in [PLANS_HEADER.strip().split(","), ["p1", "Plan", "Utrecht", "nee", 2019, 2022, "onbekend"]]:
        plans.append(row)
    sp = book.create_sheet("speerpunten")
    for row in [SP_HEADER.strip().split(","), ["p1", 1, "Verkeersveiligheid", "lokaal", None, None],
                ["p1", 2, "Ondermijning", "lokaal", "OND", None]]:
        sp.append(row)
    book.save(tmp_path / "ivp.xlsx")
    out = tmp_path / "out"
    summary = code_input(tmp_path / "ivp.xlsx", out, training_path=False, measure=False)
    assert summary["n_auto"] == 1
    cleaned = clean(read_input(out))
    assert list(cleaned.speerpunten["thema"]) == ["FYS", "OND"]
    assert list(cleaned.plans["periode_start"]) == [2019]


def test_training_sample_is_used_without_the_input_s_own_plans(tmp_path):
    source = write_input(tmp_path / "in", MIXED)
    training = write_input(tmp_path / "train", "p1,1,Iets anders,lokaal,VWL,\np9,1,Brandweer,lokaal,FYS,\n"
                                                "p9,2,Jeugd,lokaal,JEU,\n",
                           plans="p1,Plan een,Utrecht,nee,2019,2022,onbekend\np9,Plan negen,Almere,nee,2019,2022,onbekend\n")
    summary = code_input(source, tmp_path / "out", method="statistisch", training_path=training)
    assert summary["n_training"] == 3 + 2  # the input's 3 hand codes plus plan p9; p1 is the input's own
    assert summary["overeenstemming"]["methode"] == "statistisch"
    assert summary["overeenstemming"]["n"] == 5 and summary["overeenstemming"]["n_plannen"] == 4


def test_summary_is_written_with_the_measured_agreement(tmp_path):
    _, out, summary = run_codeer(tmp_path, measure=True)
    written = json.loads((out / "codeer_verslag.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(summary))
    assert written["overeenstemming"]["n"] == 3  # the three hand-coded speerpunten of the input
    assert written["overeenstemming"]["accuracy"] == pytest.approx(2 / 3, abs=1e-3)  # Drugsoverlast: OND vs VWL


# ------------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------------

def test_cli_codeer_writes_the_folder_and_reports_counts(tmp_path, capsys):
    source = write_input(tmp_path / "in", MIXED)
    code = main(["codeer", str(source), "--out", str(tmp_path / "out"), "--training", "geen"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "8 speerpunten, waarvan 5 automatisch gecodeerd (lexicon) en 3 met een gegeven code" in printed
    assert "kappa" in printed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(autocode.OUTPUT_FILES)


def test_cli_codeer_without_out_exits_2_with_a_message(tmp_path, capsys):
    source = write_input(tmp_path / "in", MIXED)
    assert main(["codeer", str(source)]) == 2
    assert "--out" in capsys.readouterr().err


def test_cli_codeer_on_invalid_input_exits_2_naming_the_cell(tmp_path, capsys):
    source = write_input(tmp_path / "in", "p1,1,Ondermijning,lokaal,XYZ,\n")
    assert main(["codeer", str(source), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "speerpunten.csv" in err and "thema" in err and "XYZ" in err
    assert not (tmp_path / "out").exists()


def test_cli_evalueer_prints_and_writes_every_method(tmp_path, capsys):
    rows = ("p1,1,Jeugdoverlast,lokaal,JEU,\np1,2,Brandveiligheid,lokaal,FYS,\n"
            "p2,1,Jeugdgroepen,lokaal,JEU,\np2,2,Verkeersveiligheid,lokaal,FYS,\n"
            "p3,1,Jeugdcriminaliteit,lokaal,JEU,\np3,2,Crisisbeheersing,lokaal,FYS,\n")
    source = write_input(tmp_path / "in", rows)
    out = tmp_path / "eval"
    assert main(["codeer", "--evalueer", str(source), "--out", str(out), "--training", "geen"]) == 0
    printed = capsys.readouterr().out
    for method in autocode.METHODS:
        assert f"== {method} ==" in printed
    assert "verwarringsmatrix" in printed and "meest voorkomende verwarringen" in printed
    figures = json.loads((out / "evaluatie.json").read_text(encoding="utf-8"))
    assert set(figures["methoden"]) == set(autocode.METHODS)
    assert figures["methoden"]["lexicon"]["accuracy"] == 1.0
    summary = read_out(out, "evaluatie_samenvatting.csv")
    assert list(summary["methode"]) == list(autocode.METHODS)
    assert (out / "evaluatie_verwarring.csv").exists() and (out / "evaluatie_per_thema.csv").exists()


def test_rerunning_on_its_own_output_changes_nothing(tmp_path):
    _, out, _ = run_codeer(tmp_path)
    again = tmp_path / "again"
    summary = code_input(out, again, training_path=False, measure=False)
    assert (summary["n_auto"], summary["n_nu_gecodeerd"], summary["n_hand"]) == (5, 0, 3)
    assert len(read_out(again, "te_beoordelen.csv")) == 0
    assert (again / "speerpunten.csv").read_bytes() == (out / "speerpunten.csv").read_bytes()


def test_cli_evalueer_with_one_plan_exits_2_saying_two_plans_are_needed(tmp_path, capsys):
    source = write_input(tmp_path / "in", "p1,1,Jeugdoverlast,lokaal,JEU,\np1,2,Brandveiligheid,lokaal,FYS,\n")
    assert main(["codeer", "--evalueer", str(source), "--out", str(tmp_path / "eval"), "--training", "geen"]) == 2
    assert "minstens twee plannen" in capsys.readouterr().err
    assert not (tmp_path / "eval").exists()
