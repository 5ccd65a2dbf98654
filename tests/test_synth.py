"""ivp synth: synthetic scale-test input that is valid, seeded and marked as synthetic."""

from pathlib import Path

from ivp.inputs.clean import clean
from ivp.inputs.read import read_input
from ivp.inputs.synthetic import SYNTHETIC, write_synthetic

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def test_synthetic_input_is_valid_pipeline_input_marked_synthetic(tmp_path):
    n_plans, n_priorities = write_synthetic(tmp_path / "syn", 200, seed=3, sample=RAW)
    cleaned = clean(read_input(tmp_path / "syn"))
    assert len(cleaned.plans) == n_plans == 200
    assert len(cleaned.speerpunten) == n_priorities
    assert set(cleaned.plans["bron_type"]) == {SYNTHETIC}
    assert "NIET voor rapportage" in (tmp_path / "syn" / "README.md").read_text(encoding="utf-8")


def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path):
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        write_synthetic(tmp_path / name, 50, seed=seed, sample=RAW)
    read = lambda n: (tmp_path / n / "speerpunten.csv").read_bytes()  # noqa: E731
    assert read("a") == read("b")
    assert read("a") != read("c")


def test_synthetic_sample_has_joint_plans_and_every_theme(tmp_path):
    write_synthetic(tmp_path / "syn", 500, seed=1, sample=RAW)
    cleaned = clean(read_input(tmp_path / "syn"))
    joint = cleaned.plans["gezamenlijk"].mean()
    assert 0.05 < joint < 0.30  # the real sample has 14 of 108 plans naming several municipalities
    assert set(cleaned.speerpunten["thema"]) == set(clean(read_input(RAW)).speerpunten["thema"])
    assert (cleaned.plans["n_gemeenten"] >= 2).sum() == cleaned.plans["gezamenlijk"].sum()
