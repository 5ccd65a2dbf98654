"""Tests of the lexicon coder (ivp.coding.lexicon): the decision rules of codebook.md and the themes' core
terms; and of the text it reads (ivp.coding.text)."""

from __future__ import annotations

import pytest

from ivp.coding.lexicon import lexicon, lexicon_code, parse_lexicon
from ivp.coding.text import normalise_text
from ivp.reference.municipalities import theme_codes


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
