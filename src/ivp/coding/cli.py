"""The command ``ivp codeer``: code the empty themes of an input, or (``--evalueer``) measure the
agreement of every coder with its hand codes."""

from __future__ import annotations

from pathlib import Path

from ivp.coding.coded_input import code_input, default_training_path, hand_coded
from ivp.coding.evaluate import evaluate, format_evaluation, format_figure, write_evaluation
from ivp.coding.propose import DEFAULT_METHOD, METHODS
from ivp.errors import InputProblem, InvalidInput


def _codeer(args) -> int:
    training = None if args.training is None else (False if args.training == "geen" else Path(args.training))
    if args.evalueer:
        coded = hand_coded(Path(args.input))
        extra = None
        if training is not False:
            path = default_training_path() if training is None else training
            extra = hand_coded(path) if path and Path(path).resolve() != Path(args.input).resolve() else None
        try:
            result = evaluate(coded, METHODS, extra_training=extra)
        except ValueError as exc:  # too few plans or themes to cross-validate: a property of the input
            raise InvalidInput([InputProblem(Path(args.input).name, None, "thema", f"{len(coded)} handcodes in "
                                             f"{coded['plan_id'].nunique()} plan(nen)", str(exc))]) from None
        print(format_evaluation(result))
        out = Path(args.out or "reports/codeer-evaluatie")
        paths = write_evaluation(result, out)
        print(f"\nGeschreven: {', '.join(str(p) for p in paths)}")
        return 0
    if not args.out:
        raise InvalidInput([InputProblem("--out", None, None, "ontbreekt",
                                         "een uitvoermap: ivp codeer INVOER --out MAP")])
    summary = code_input(Path(args.input), Path(args.out), method=args.methode,
                         training_path=False if training is False else training, measure=not args.niet_meten)
    earlier = summary["n_auto"] - summary["n_nu_gecodeerd"]
    print(f"{args.out}: {summary['n_speerpunten']} speerpunten, waarvan {summary['n_nu_gecodeerd']} automatisch "
          f"gecodeerd ({summary['methode']})" + (f", {earlier} eerder automatisch gecodeerd" if earlier else "")
          + f" en {summary['n_hand']} met een gegeven code (ongewijzigd).")
    agreement_ = summary["overeenstemming"]
    if agreement_:
        print(f"Gemeten overeenstemming met handcodering (kruisvalidatie per plan, {agreement_['n']} speerpunten): "
              f"accuracy {format_figure(agreement_['accuracy'])}, kappa {format_figure(agreement_['kappa'])}, "
              f"alpha {format_figure(agreement_['alpha'])}.")
    if summary["n_nu_gecodeerd"]:
        print(f"Beoordeel de twijfelgevallen eerst: {Path(args.out) / 'te_beoordelen.csv'} (minst zeker bovenaan).")
    return 0


def add_codeer_parser(sub) -> None:
    """Register ``ivp codeer`` on the subparsers of the main command line."""
    p = sub.add_parser("codeer", help="stel themacodes voor bij speerpunten zonder thema, of meet de overeenstemming")
    p.add_argument("input", help="map met plans.csv en speerpunten.csv, of een .xlsx-bestand")
    p.add_argument("--out", help="uitvoermap (bij --evalueer standaard reports/codeer-evaluatie)")
    p.add_argument("--evalueer", action="store_true",
                   help="kruisvalidatie per plan op de handcodes van INPUT: accuracy, kappa, alpha, per thema, "
                        "verwarring")
    p.add_argument("--methode", choices=METHODS, default=DEFAULT_METHOD,
                   help=f"codeermethode (standaard {DEFAULT_METHOD})")
    p.add_argument("--training", default=None,
                   help="extra handgecodeerde steekproef om van te leren (standaard de meegeleverde data/raw; "
                        "'geen' = alleen INPUT)")
    p.add_argument("--niet-meten", action="store_true", help="sla de kruisvalidatie over bij het coderen")
    p.set_defaults(func=_codeer)
