"""Synthetic input for scale tests only (``ivp synth``): never report data.

Draws real municipality names, joint plans, periods and speerpunten (text with its theme) from a real
sample's distributions, vectorised and seeded, and marks every plan as synthetic (``bron_type``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ivp.inputs.clean import clean
from ivp.inputs.read import read_input
from ivp.reference.municipalities import municipalities
from ivp.running.atomic import staged_dir, write_text

SYNTHETIC = "synthetisch"
README = """# Synthetische invoer — NIET voor rapportage

Gemaakt met `ivp synth --plans {plans} --seed {seed}` uit de verdelingen van `{sample}`.
Alleen voor schaal- en snelheidstests. Elk plan heeft `bron_type = synthetisch`.
"""


def sample_distributions(sample: Path) -> dict:
    """What synth draws from: the cleaned real sample's plans and speerpunten.

    Returns keys ``speerpunten`` (columns ``speerpunt``, ``niveau``, ``thema``, ``thema_2``),
    ``per_plan`` (speerpunten per plan), ``sizes`` (municipalities per joint plan), ``joint_share``,
    ``periods`` (``periode_start``, ``periode_eind`` pairs, missing as -1), ``participation`` (column
    ``burgerparticipatie``, ``participatievormen``).
    """
    cleaned = clean(read_input(Path(sample)))
    plans, sp = cleaned.plans, cleaned.speerpunten
    return {
        "speerpunten": sp[["speerpunt", "niveau", "thema", "thema_2"]].reset_index(drop=True),
        "per_plan": sp.groupby("plan_id").size().to_numpy(),
        "sizes": plans.loc[plans["n_gemeenten"] >= 2, "n_gemeenten"].to_numpy(),
        "joint_share": float((plans["n_gemeenten"] >= 2).mean()),
        "periods": plans[["periode_start", "periode_eind"]].fillna(-1).astype(int).to_numpy(),
        "participation": plans[["burgerparticipatie", "participatievormen"]].reset_index(drop=True),
    }


def synthesise(n_plans: int, seed: int, dist: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n_plans`` synthetic plans and their speerpunten in the input format (all text columns)."""
    rng = np.random.default_rng(seed)
    names = municipalities()["naam"].to_numpy()
    plan_ids = np.char.add("synth-", np.char.zfill(np.arange(1, n_plans + 1).astype(str), 6))
    joint = rng.random(n_plans) < dist["joint_share"]
    sizes = np.where(joint, rng.choice(dist["sizes"], n_plans) if len(dist["sizes"]) else 2, 1)
    # distinct municipalities per plan: a random permutation slice per plan, vectorised via argsort
    order = np.argsort(rng.random((n_plans, len(names))), axis=1)[:, : int(sizes.max())]
    picked = names[order]
    mask = np.arange(picked.shape[1]) < sizes[:, None]
    gemeenten = [";".join(row[m]) for row, m in zip(picked, mask)]
    periods = dist["periods"][rng.integers(0, len(dist["periods"]), n_plans)]
    part = dist["participation"].iloc[rng.integers(0, len(dist["participation"]), n_plans)]
    plans = pd.DataFrame({
        "plan_id": plan_ids,
        "titel": np.char.add("Synthetisch veiligheidsplan ", np.arange(1, n_plans + 1).astype(str)),
        "gemeenten": gemeenten,
        "gezamenlijk": np.where(sizes >= 2, "ja", "nee"),
        "periode_start": [str(y) if y > 0 else "" for y in periods[:, 0]],
        "periode_eind": [str(y) if y > 0 else "" for y in periods[:, 1]],
        "burgerparticipatie": part["burgerparticipatie"].to_numpy(),
        "participatievormen": part["participatievormen"].to_numpy(),
        "bron_url": "",
        "bron_type": SYNTHETIC,
        "zekerheid": "laag",
    })
    counts = rng.choice(dist["per_plan"], n_plans)
    owner = np.repeat(plan_ids, counts)
    volgnummer = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    drawn = dist["speerpunten"].iloc[rng.integers(0, len(dist["speerpunten"]), counts.sum())]
    speerpunten = pd.DataFrame({"plan_id": owner, "volgnummer": volgnummer.astype(str)})
    speerpunten = pd.concat([speerpunten, drawn.reset_index(drop=True).fillna("")], axis=1)
    return plans, speerpunten


def write_synthetic(out: Path, n_plans: int, seed: int, sample: Path) -> tuple[int, int]:
    """Write a synthetic input folder (plans.csv, speerpunten.csv, README.md); returns the row counts."""
    plans, speerpunten = synthesise(n_plans, seed, sample_distributions(sample))
    with staged_dir(Path(out)) as tmp:
        plans.to_csv(tmp / "plans.csv", index=False)
        speerpunten.to_csv(tmp / "speerpunten.csv", index=False)
        write_text(tmp / "README.md", README.format(plans=n_plans, seed=seed, sample=sample))
    return len(plans), len(speerpunten)


def add_synth_parser(sub) -> None:
    p = sub.add_parser("synth", help="schrijf synthetische invoer voor schaaltests (nooit voor rapporten)")
    p.add_argument("--plans", type=int, required=True, help="aantal plannen")
    p.add_argument("--seed", type=int, default=1, help="seed (zelfde seed, zelfde bestanden)")
    p.add_argument("--out", required=True, help="uitvoermap (wordt in zijn geheel vervangen)")
    p.add_argument("--sample", default="data/raw", help="echte steekproef waaruit de verdelingen komen")
    p.set_defaults(func=_synth)


def _synth(args) -> int:
    if args.plans < 1:
        raise SystemExit("ivp synth: --plans moet minstens 1 zijn")
    n_plans, n_sp = write_synthetic(Path(args.out), args.plans, args.seed, Path(args.sample))
    print(f"{args.out}: {n_plans} synthetische plannen, {n_sp} speerpunten (alleen voor schaaltests).")
    return 0
