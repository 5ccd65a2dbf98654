"""Command line: ``ivp validate``, ``ivp clean`` and ``ivp run`` (see README)."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

# The subcommand modules are imported here, not in build_parser: main() always builds the whole parser, so
# `ivp validate` imports them either way (`python -X importtime -m ivp.cli validate data/raw`, sum of the
# top-level imports, median of 5: 798 ms with the imports in build_parser, 792 ms here). What they need
# only for their own command (papermill, nbconvert, the kernels, scikit-learn) they import late.
from ivp.coding.cli import add_codeer_parser
from ivp.errors import InvalidInput, PipelineFailed
from ivp.inputs import clean as cleaning  # looked up when called, so a test can replace clean()
from ivp.inputs.read import read_input
from ivp.inputs.synthetic import add_synth_parser
from ivp.running import job
from ivp.running.runner import add_run_parser

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _validate(args) -> int:
    cleaned = cleaning.clean(read_input(Path(args.path)), require_thema=not args.ongecodeerd)
    print(f"{args.path}: geldig — {len(cleaned.plans)} plannen, {len(cleaned.speerpunten)} speerpunten, "
          f"{len(cleaned.log)} regels in het schoonmaaklog.")
    return EXIT_OK


def _clean(args) -> int:
    cleaned = cleaning.clean_input(Path(args.path), Path(args.out))
    print(f"{args.out}: {len(cleaned.plans)} plannen, {len(cleaned.speerpunten)} speerpunten geschreven.")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ivp", description="Analyse van integrale veiligheidsplannen (IVP's).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="controleer invoer en meld elk probleem")
    p.add_argument("path", help="map met plans.csv en speerpunten.csv, of een .xlsx-bestand")
    p.add_argument("--ongecodeerd", action="store_true", help="sta speerpunten zonder thema toe (voor 'ivp codeer')")
    p.set_defaults(func=_validate)

    p = sub.add_parser("clean", help="schoon de invoer op en schrijf data/processed")
    p.add_argument("path", nargs="?", default=job.DATA)
    p.add_argument("--out", default=job.PROCESSED)
    p.set_defaults(func=_clean)

    add_run_parser(sub)
    add_synth_parser(sub)
    add_codeer_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InvalidInput as exc:
        print(f"Ongeldige invoer: {len(exc.problems)} probleem/problemen gevonden; er is niets overschreven.\n",
              file=sys.stderr)
        print(exc.table(), file=sys.stderr)
        return EXIT_INVALID
    except PipelineFailed as exc:
        print(f"\n{len(exc.failures)} taak/taken mislukt:", file=sys.stderr)
        for failure in exc.failures:
            print(f"  - {failure}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Afgebroken; eerdere uitvoer is niet overschreven.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - an internal error: short message, full trace on request
        if os.environ.get("IVP_DEBUG"):
            traceback.print_exc()
        print(f"Interne fout: {type(exc).__name__}: {exc} (zet IVP_DEBUG=1 voor details)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
