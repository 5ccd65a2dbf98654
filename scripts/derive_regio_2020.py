"""Derive src/ivp/data/regio_2020.csv from the packaged 2020 boundaries (ivp/data/geo).

For each of the 355 municipalities of 1 January 2020: the veiligheidsregio, police unit (regionale
eenheid) and province that holds the largest share of its area, measured on a regular grid of points
inside the municipality polygon (``ivp.reference.regions.derive_membership``). Prints the smallest winning share
per layer (the borders are generalised, so no municipality lies 100% inside its region) and the
municipalities where it is lowest.

Usage (from the repository root, with ivp installed):

    .venv/bin/python scripts/derive_regio_2020.py            # writes src/ivp/data/regio_2020.csv
    .venv/bin/python scripts/derive_regio_2020.py --out x.csv
    .venv/bin/python scripts/derive_regio_2020.py --check    # exit 1 when the CSV differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ivp.reference.municipalities import municipalities
from ivp.reference.regions import COLUMNS, REGION_LAYERS, derive_membership

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "ivp" / "data" / "regio_2020.csv"


def csv_text(membership) -> str:
    """The CSV as written: ``COLUMNS``, one row per municipality sorted by code, LF line ends."""
    return membership[COLUMNS].sort_values("gemeentecode").to_csv(index=False, lineterminator="\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV to write (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 when --out differs")
    args = parser.parse_args(argv)

    membership, shares = derive_membership()
    expected = set(municipalities()["code"])
    found = set(membership["gemeentecode"])
    if found != expected or len(membership) != len(expected):
        print(f"boundaries and reference table disagree: missing {sorted(expected - found)}, "
              f"extra {sorted(found - expected)}", file=sys.stderr)
        return 2
    names = dict(zip(municipalities()["code"], municipalities()["naam"]))
    for layer in REGION_LAYERS:
        part = shares[shares["laag"] == layer].sort_values(["aandeel", "gemeentecode"])
        low = part.iloc[0]
        print(f"{layer}: {membership[layer + '_code'].nunique()} regions; smallest winning share "
              f"{low['aandeel']:.3f} ({low['gemeentecode']} {names[low['gemeentecode']]}, "
              f"{low['n_punten']} points); lowest five:")
        for _, r in part.head(5).iterrows():
            runner_up = f", runner-up {r['tweede_code']} {r['tweede_aandeel']:.3f}" if r["tweede_code"] else ""
            print(f"  {r['gemeentecode']} {names[r['gemeentecode']]}: {r['code']} {r['aandeel']:.3f}{runner_up}")
    text = csv_text(membership)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from the boundaries'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(membership)} municipalities)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
