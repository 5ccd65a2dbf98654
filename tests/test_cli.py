"""The command line: ``ivp validate`` and ``ivp clean``. Two tests run the installed ``ivp`` command in a
real process (exit code, stderr without traceback); the others call ``ivp.cli.main`` in-process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import plans, priorities, write_input

from ivp.cli import main

ROOT = Path(__file__).resolve().parents[1]
IVP = Path(sys.executable).parent / "ivp"  # the console script pip installed next to this Python


def ivp(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(IVP), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


def run_main(capsys, *args) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``ivp ARGS`` run in-process."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_console_script_is_installed():
    assert IVP.exists(), "run `make test` (pip install -e '.[test]') to install the `ivp` command"


def test_validate_shipped_data_exits_0_with_counts():
    result = ivp("validate", "data/raw")
    assert result.returncode == 0, result.stderr
    assert "data/raw: geldig — 108 plannen, 439 speerpunten" in result.stdout  # counts of data/raw/README.md
    assert result.stderr == ""


def test_validate_invalid_input_exits_2_with_a_table_of_every_problem_and_no_traceback(tmp_path):
    bad = write_input(tmp_path / "bad", plans((0, {"gemeenten": "Amsterdm"}), (2, {"periode_start": "19"})),
                      priorities((1, {"thema": "XYZ"})))
    result = ivp("validate", bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "Ongeldige invoer: 3 probleem/problemen gevonden; er is niets overschreven."
    table = lines[lines.index("") + 1:]
    assert table[0].split() == ["bestand", "rij", "kolom", "waarde", "verwacht"]
    assert [row.split()[:4] for row in table[1:]] == [
        ["plans.csv", "2", "gemeenten", "Amsterdm"],
        ["plans.csv", "4", "periode_start", "19"],
        ["speerpunten.csv", "3", "thema", "XYZ"],
    ]
    assert "bedoelt u: Amsterdam" in table[1]
    assert result.stdout == ""


def test_validate_missing_folder_exits_2(tmp_path, capsys):
    code, _, err = run_main(capsys, "validate", tmp_path / "bestaat-niet")
    assert code == 2
    assert "bestaande map of .xlsx-bestand" in err


def test_validate_uncoded_priorities_fails_unless_ongecodeerd(tmp_path, capsys):
    folder = write_input(tmp_path / "raw", None, priorities((0, {"thema": ""})))
    code, _, err = run_main(capsys, "validate", folder)
    assert code == 2 and "ivp codeer" in err
    code, out, err = run_main(capsys, "validate", folder, "--ongecodeerd")
    assert code == 0, err
    assert "geldig — 3 plannen, 5 speerpunten" in out


def test_clean_writes_the_processed_folder(tmp_path, capsys):
    code, out, err = run_main(capsys, "clean", write_input(tmp_path / "raw"), "--out", tmp_path / "processed")
    assert code == 0, err
    assert "3 plannen, 5 speerpunten geschreven" in out
    assert (tmp_path / "processed" / "plans.parquet").exists()


def test_clean_invalid_input_exits_2_and_leaves_the_processed_folder_untouched(tmp_path, capsys):
    out = tmp_path / "processed"
    assert run_main(capsys, "clean", write_input(tmp_path / "good"), "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_input(tmp_path / "bad", plans((1, {"gezamenlijk": "nee"})))
    code, _, err = run_main(capsys, "clean", bad, "--out", out)
    assert code == 2
    assert "plans.csv  3    gezamenlijk" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_usage_error_exits_2_with_argparse_message(capsys):
    code, _, err = run_main(capsys, "validate")
    assert code == 2
    assert "usage: ivp validate" in err


def test_internal_error_exits_1_with_a_short_message(tmp_path, capsys, monkeypatch):
    import ivp.inputs.clean

    def broken(*args, **kwargs):
        raise KeyError("kolom")

    monkeypatch.setattr(ivp.inputs.clean, "clean", broken)
    monkeypatch.delenv("IVP_DEBUG", raising=False)
    code, _, err = run_main(capsys, "validate", write_input(tmp_path / "raw"))
    assert code == 1
    assert err.strip() == "Interne fout: KeyError: 'kolom' (zet IVP_DEBUG=1 voor details)"
