"""The national agenda per generation (``ivp.reference.agenda``, ``data/agendas.yaml``).

Expected values come from docs/reference-facts.md and docs/codebook.md: the Veiligheidsagenda 2019-2022 is
Kamerstuk 28684 nr. 540 (14 November 2018), the 2023-2026 one nr. 717 (4 November 2022); in theme terms
OND and CYB address a national priority; maatschappelijke onrust falls under INT."""

from __future__ import annotations

import pytest

from ivp.errors import InvalidInput
from ivp.reference.agenda import agenda_for, load_agendas, no_agenda_text, priorities_source, theme_sets
from ivp.reference.municipalities import codebook

OLD, NEW = "nr. 540", "nr. 717"


@pytest.mark.parametrize("peiljaar, kamerstuk, label", [
    (2020, OLD, "Veiligheidsagenda 2019-2022"), ("2022", OLD, "Veiligheidsagenda 2019-2022"),
    (2023, NEW, "Veiligheidsagenda 2023-2026"), ("2024", NEW, "Veiligheidsagenda 2023-2026"),
    (2026, NEW, "Veiligheidsagenda 2023-2026"),
])
def test_the_agenda_in_force_is_chosen_by_the_peiljaar(peiljaar, kamerstuk, label):
    agenda = agenda_for(peiljaar)
    assert agenda["label"] == label
    assert f"Kamerstuk 28684 {kamerstuk}" in agenda["source"]
    assert priorities_source(peiljaar) == agenda["source"]


def test_the_sources_carry_the_dates_of_the_kamerstukken():
    assert "14 november 2018" in agenda_for(2020)["source"]
    assert "4 november 2022" in agenda_for(2024)["source"]


@pytest.mark.parametrize("peiljaar", [2018, 2027, 2030, "2030"])
def test_a_peiljaar_outside_every_period_has_no_agenda_and_says_so(peiljaar):
    assert agenda_for(peiljaar) is None
    text = no_agenda_text(peiljaar)
    assert f"peiljaar {int(peiljaar)} is geen Veiligheidsagenda" in text
    assert "Veiligheidsagenda 2019-2022: 2019-2022" in text and "Veiligheidsagenda 2023-2026: 2023-2026" in text
    assert "niet berekend" in text
    assert priorities_source(peiljaar) == text


def test_alle_has_no_agenda_and_says_why():
    assert agenda_for("alle") is None
    text = no_agenda_text("ALLE")
    assert "Zonder peiljaar ('alle')" in text and "niet één Veiligheidsagenda" in text
    assert priorities_source("alle") == text


def test_no_agenda_text_refuses_a_peiljaar_with_an_agenda():
    with pytest.raises(ValueError, match="Veiligheidsagenda 2019-2022"):
        no_agenda_text(2021)


def test_an_invalid_peiljaar_is_refused():
    with pytest.raises(ValueError, match="peiljaar '../x' is ongeldig"):
        agenda_for("../x")


def test_2019_2022_counts_the_themes_the_codebook_flags():
    flagged = [t["code"] for t in codebook()["themes"] if t["landelijke_prioriteit"]]
    agenda = agenda_for(2020)
    assert agenda["themes"] == flagged == ["OND", "CYB"]
    assert agenda["sensitivity"] == {}
    assert theme_sets(agenda) == {"hoofd": ["OND", "CYB"]}
    assert "executie" in agenda["priorities"]


def test_2023_2026_has_a_main_set_and_a_sensitivity_set_with_int():
    agenda = agenda_for(2024)
    assert agenda["themes"] == ["OND", "CYB"]
    assert "maatschappelijke onrust" in agenda["priorities"]
    with_int = agenda["sensitivity"]["met_int"]
    assert with_int["themes"] == ["OND", "CYB", "INT"] and with_int["added"] == ["INT"]
    assert "maatschappelijke onrust" in with_int["theme_notes"]["INT"].lower()
    assert theme_sets(agenda) == {"hoofd": ["OND", "CYB"], "met_int": ["OND", "CYB", "INT"]}


def test_every_counted_theme_has_a_dutch_note():
    for agenda in load_agendas():
        assert set(agenda["theme_notes"]) == set(agenda["themes"])
        assert all(len(note) > 20 for note in agenda["theme_notes"].values())


def test_the_default_agendas_cannot_be_changed_by_a_caller():
    agenda_for(2024)["themes"].append("VWL")
    agenda_for(2024)["sensitivity"]["met_int"]["themes"].clear()
    assert agenda_for(2024)["themes"] == ["OND", "CYB"]
    assert agenda_for(2024)["sensitivity"]["met_int"]["themes"] == ["OND", "CYB", "INT"]


# --- a bad file ---------------------------------------------------------------------------------

GOOD_A = """
  - id: agenda_a
    label: Agenda A
    period: {start: 2019, end: 2022}
    source: "Kamerstuk A"
    priorities: [ondermijning]
    themes:
      - {code: OND, note: "ondermijning telt"}
"""
GOOD_B = """
  - id: agenda_b
    label: Agenda B
    period: {start: 2023, end: 2026}
    source: "Kamerstuk B"
    url: "https://example.org/b"
    priorities: [cybercrime, maatschappelijke onrust]
    themes:
      - {code: CYB, note: "cybercrime telt"}
    sensitivity:
      met_int:
        label: met INT
        themes:
          - {code: INT, note: "maatschappelijke onrust"}
"""


def write(tmp_path, *entries: str):
    path = tmp_path / "agendas.yaml"
    path.write_text("agendas:" + "".join(entries), encoding="utf-8")
    return path


def problems(path) -> str:
    """Every problem of the InvalidInput that loading ``path`` raises, one line each (the table the user
    sees holds the same file, entry, field and value)."""
    with pytest.raises(InvalidInput) as info:
        load_agendas(path)
    for problem in info.value.problems:
        assert (problem.column or "") in str(info.value) and problem.file in str(info.value)
    return "\n".join(str(p) for p in info.value.problems)


def test_a_good_file_of_ones_own_loads(tmp_path):
    agendas = load_agendas(write(tmp_path, GOOD_A, GOOD_B))
    assert [a["id"] for a in agendas] == ["agenda_a", "agenda_b"]
    assert agenda_for(2025, agendas)["sensitivity"]["met_int"]["themes"] == ["CYB", "INT"]
    assert agenda_for(2020, agendas)["url"] is None


def test_overlapping_periods_name_both_entries(tmp_path):
    message = problems(write(tmp_path, GOOD_A, GOOD_B.replace("start: 2023", "start: 2022")))
    assert "agendas.yaml, rij 2, kolom 'agenda_b.period': waarde '2022-2026'" in message
    assert "niet overlapt met 'agenda_a' (2019-2022)" in message


def test_an_unknown_theme_names_the_entry_and_the_code(tmp_path):
    message = problems(write(tmp_path, GOOD_A.replace("code: OND", "code: DRUGS"), GOOD_B))
    assert "rij 1, kolom 'agenda_a.themes': waarde 'DRUGS'" in message
    assert "een themacode uit het codeboek (VWL, OND" in message


def test_a_sensitivity_theme_already_in_the_main_set_is_refused(tmp_path):
    message = problems(write(tmp_path, GOOD_A, GOOD_B.replace("code: INT", "code: CYB")))
    assert "kolom 'agenda_b.sensitivity.met_int.themes': waarde 'CYB'" in message
    assert "elk thema één keer" in message


def test_a_theme_without_note_a_bad_period_a_bad_url_and_a_missing_field_are_all_listed(tmp_path):
    bad_b = (GOOD_B.replace(', note: "cybercrime telt"', "").replace("end: 2026", "end: 2020")
             .replace("https://example.org/b", "javascript:alert(1)"))
    bad_a = GOOD_A.replace('    source: "Kamerstuk A"\n', "")
    message = problems(write(tmp_path, bad_a, bad_b))
    assert "rij 1, kolom 'agenda_a.source': waarde ''; verwacht: een verplicht veld" in message
    assert "rij 2, kolom 'agenda_b.themes.CYB.note'" in message
    assert "rij 2, kolom 'agenda_b.period'" in message and "start ≤ end" in message
    assert "rij 2, kolom 'agenda_b.url': waarde 'javascript:alert(1)'; verwacht: een http(s)-adres" in message


def test_a_duplicate_id_is_refused(tmp_path):
    message = problems(write(tmp_path, GOOD_A, GOOD_B.replace("agenda_b", "agenda_a")))
    assert "rij 2, kolom 'agenda_a.id': waarde 'agenda_a'" in message


def test_a_file_without_a_list_of_agendas_says_what_it_expects(tmp_path):
    path = tmp_path / "agendas.yaml"
    path.write_text("agenda: []\n", encoding="utf-8")
    assert "een lijst van vermeldingen onder 'agendas'" in problems(path)


def test_a_file_that_is_not_yaml_says_so(tmp_path):
    path = tmp_path / "agendas.yaml"
    path.write_text("agendas: [\n  - id: x\n", encoding="utf-8")
    message = problems(path)
    assert message.startswith("agendas.yaml: waarde ") and message.endswith("verwacht: geldige YAML")
