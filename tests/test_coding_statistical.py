"""Tests of the statistical coder (ivp.coding.statistical)."""

from __future__ import annotations

import pytest
from conftest import CODING_TRAIN

from ivp.coding.statistical import StatisticalCoder
from ivp.reference.municipalities import theme_codes


def test_statistical_coder_learns_from_hand_codes_and_names_its_features():
    coder = StatisticalCoder.fit(CODING_TRAIN["speerpunt"], CODING_TRAIN["thema"])
    p = coder.proba(["Jeugd", "Brandveiligheid stallen"])
    assert list(p.columns) == theme_codes()
    assert p.loc[0].idxmax() == "JEU" and p.loc[1].idxmax() == "FYS"
    assert p["VWL"].eq(0).all()  # a theme absent from training gets probability 0
    assert coder.reasons("Jeugd", "JEU").startswith("model: ")
    assert "jeug" in coder.reasons("Jeugd", "JEU")


def test_statistical_coder_needs_two_themes():
    with pytest.raises(ValueError, match="minstens twee thema's"):
        StatisticalCoder.fit(["a", "b"], ["JEU", "JEU"])
