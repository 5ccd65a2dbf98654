"""Maps: render at the edges (no plan, everything covered), identical SVG bytes on rerun, no caller text as
SVG markup, Dutch alt text and caption."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from ivp.reference.municipalities import cohort_codes, municipalities
from ivp.report.figures import to_svg
from ivp.report.maps import _segments, coverage_map, group_outline, property_map

AMS, DIE, ZWO = "GM0363", "GM0384", "GM0193"
ALL = sorted(municipalities()["code"])
HOSTILE = '<script>alert("x")</script> --> ]]> &amp;'


def _check_texts(alt: str, caption: str):
    assert alt.startswith("Kaart:")
    assert len(alt) > 80
    assert "Bron: CBS, PDOK" in caption


def test_coverage_map_for_a_cohort_without_plans():
    fig, alt, caption = coverage_map([], population=cohort_codes("G4"), population_label="de G4")
    svg = to_svg(fig)
    ET.fromstring(svg)
    _check_texts(alt, caption)
    assert "Van de 4 gemeenten van de G4 zijn er 0 gedekt" in alt
    assert "0 van 4 gemeenten gedekt" in caption


def test_maps_with_every_municipality_covered():
    fig, alt, caption = coverage_map(ALL)
    ET.fromstring(to_svg(fig))
    _check_texts(alt, caption)
    assert "355 gedekt" in alt and "0 niet (wit)" in alt
    fig, alt, caption = property_map(ALL, ALL, property_label="een speerpunt op ondermijning")
    ET.fromstring(to_svg(fig))
    _check_texts(alt, caption)
    assert "hebben er 355 een speerpunt op ondermijning" in alt


def test_same_input_same_svg_bytes():
    joint = pd.DataFrame({"plan_id": ["j", "j"], "code": [AMS, DIE]})
    first = to_svg(coverage_map([AMS, DIE, ZWO], joint_groups=joint)[0])
    second = to_svg(coverage_map([AMS, DIE, ZWO], joint_groups=joint)[0])
    assert first == second
    assert first != to_svg(coverage_map([AMS, ZWO], joint_groups=joint)[0])  # the content is in the bytes
    one = to_svg(property_map([AMS], [AMS, ZWO], property_label="x")[0])
    assert one == to_svg(property_map([AMS], [AMS, ZWO], property_label="x")[0])


def test_hostile_text_never_reaches_the_svg_as_markup():
    joint = pd.DataFrame({"plan_id": [HOSTILE, HOSTILE], "code": [AMS, DIE]})
    fig, alt, caption = coverage_map([AMS, DIE], joint_groups=joint, title=HOSTILE, population_label=HOSTILE,
                                     scope_label=HOSTILE)
    svg = to_svg(fig)
    root = ET.fromstring(svg)  # still well-formed: nothing closed a comment or CDATA early
    assert "<script" not in svg.lower()
    assert not [e for e in root.iter() if e.tag.lower().endswith("script")]
    fig, _, _ = property_map([AMS], [AMS], property_label=HOSTILE, title=HOSTILE)
    svg = to_svg(fig)
    ET.fromstring(svg)
    assert "<script" not in svg.lower()


def test_unknown_codes_are_refused():
    with pytest.raises(ValueError, match="unknown municipality code"):
        coverage_map(["<script>"])
    with pytest.raises(ValueError, match="not among the covered"):
        property_map([AMS], [ZWO], property_label="x")


def test_counts_in_the_alt_text():
    joint = pd.DataFrame({"plan_id": ["j", "j"], "code": [AMS, DIE]})
    _, alt, caption = coverage_map([AMS, DIE, ZWO], joint_groups=joint, scope_label="peiljaar 2020")
    assert "Van de 355 gemeenten van Nederland zijn er 3 gedekt" in alt
    assert "2 via een gezamenlijk plan (gearceerd, 1 plan omlijnd) en 1 alleen met een eigen plan" in alt
    assert "352 niet (wit)" in alt
    assert "(peiljaar 2020)" in caption
    _, alt, _ = property_map([AMS], [AMS, DIE, ZWO], property_label="een speerpunt op ondermijning")
    assert "hebben er 1 een speerpunt op ondermijning (donkergrijs) en 2 niet" in alt
    assert "Noord-Holland (1) en Overijssel (1)" in alt


def test_group_outline_drops_the_shared_border():
    ams, die = set(_segments(AMS)), set(_segments(DIE))
    shared = ams & die
    assert shared  # neighbours share their border vertices in the generalised boundaries
    outline = group_outline([AMS, DIE])
    assert len(outline) == len(ams) + len(die) - 2 * len(shared)
    assert not set(outline) & shared
