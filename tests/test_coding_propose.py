"""Tests of proposing a theme with any method (ivp.coding.propose)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CODING_TRAIN

from ivp.coding.propose import METHODS, propose
from ivp.reference.municipalities import theme_codes


@pytest.mark.parametrize("method", METHODS)
def test_every_method_returns_codes_certainty_and_reason_per_title(method):
    got = propose(pd.Series(["Jeugdoverlast", "Brandveiligheid"]), method, CODING_TRAIN)
    assert list(got["thema"]) == ["JEU", "FYS"]
    assert got["zekerheid_codering"].between(0, 1).all()
    assert got["grond"].str.len().gt(0).all()
    assert (got[[f"p_{c}" for c in theme_codes()]].sum(axis=1) - 1).abs().lt(1e-4).all()


def test_methods_that_learn_refuse_to_run_without_training_data():
    with pytest.raises(ValueError, match="handgecodeerde speerpunten nodig"):
        propose(pd.Series(["Jeugd"]), "statistisch", None)
    with pytest.raises(ValueError, match="onbekende methode 'magie'"):
        propose(pd.Series(["Jeugd"]), "magie", CODING_TRAIN)
