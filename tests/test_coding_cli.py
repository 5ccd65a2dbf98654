"""Tests of the command ``ivp codeer`` (ivp.coding.cli)."""

from __future__ import annotations

import json

from conftest import CODING_MIXED, read_coded, write_coding_input

from ivp.cli import main
from ivp.coding.coded_input import OUTPUT_FILES
from ivp.coding.propose import METHODS


def test_cli_codeer_writes_the_folder_and_reports_counts(tmp_path, capsys):
    source = write_coding_input(tmp_path / "in", CODING_MIXED)
    code = main(["codeer", str(source), "--out", str(tmp_path / "out"), "--training", "geen"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "8 speerpunten, waarvan 5 automatisch gecodeerd (lexicon) en 3 met een gegeven code" in printed
    assert "kappa" in printed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(OUTPUT_FILES)


def test_cli_codeer_without_out_exits_2_with_a_message(tmp_path, capsys):
    source = write_coding_input(tmp_path / "in", CODING_MIXED)
    assert main(["codeer", str(source)]) == 2
    assert "--out" in capsys.readouterr().err


def test_cli_codeer_on_invalid_input_exits_2_naming_the_cell(tmp_path, capsys):
    source = write_coding_input(tmp_path / "in", "p1,1,Ondermijning,lokaal,XYZ,\n")
    assert main(["codeer", str(source), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "speerpunten.csv" in err and "thema" in err and "XYZ" in err
    assert not (tmp_path / "out").exists()


def test_cli_evalueer_prints_and_writes_every_method(tmp_path, capsys):
    rows = ("p1,1,Jeugdoverlast,lokaal,JEU,\np1,2,Brandveiligheid,lokaal,FYS,\n"
            "p2,1,Jeugdgroepen,lokaal,JEU,\np2,2,Verkeersveiligheid,lokaal,FYS,\n"
            "p3,1,Jeugdcriminaliteit,lokaal,JEU,\np3,2,Crisisbeheersing,lokaal,FYS,\n")
    source = write_coding_input(tmp_path / "in", rows)
    out = tmp_path / "eval"
    assert main(["codeer", "--evalueer", str(source), "--out", str(out), "--training", "geen"]) == 0
    printed = capsys.readouterr().out
    for method in METHODS:
        assert f"== {method} ==" in printed
    assert "verwarringsmatrix" in printed and "meest voorkomende verwarringen" in printed
    figures = json.loads((out / "evaluatie.json").read_text(encoding="utf-8"))
    assert set(figures["methoden"]) == set(METHODS)
    assert figures["methoden"]["lexicon"]["accuracy"] == 1.0
    summary = read_coded(out, "evaluatie_samenvatting.csv")
    assert list(summary["methode"]) == list(METHODS)
    assert (out / "evaluatie_verwarring.csv").exists() and (out / "evaluatie_per_thema.csv").exists()


def test_cli_evalueer_with_one_plan_exits_2_saying_two_plans_are_needed(tmp_path, capsys):
    source = write_coding_input(tmp_path / "in", "p1,1,Jeugdoverlast,lokaal,JEU,\np1,2,Brandveiligheid,lokaal,FYS,\n")
    assert main(["codeer", "--evalueer", str(source), "--out", str(tmp_path / "eval"), "--training", "geen"]) == 2
    assert "minstens twee plannen" in capsys.readouterr().err
    assert not (tmp_path / "eval").exists()
