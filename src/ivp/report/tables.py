"""The tables of a report as a workbook for analysts: ``tabellen.xlsx`` (issue 15, item 3).

Built from the job's ``results.json`` (every number) and ``provenance.json`` (commit and input sha256)
only, so the workbook says exactly what the report says. One sheet per table of the report, after a first
sheet "Toelichting" that names every sheet, defines the columns and gives the source and the provenance.

- Numbers stay numbers: counts are integers (format ``0``), shares and interval bounds are fractions shown
  as percentages (format ``0.0%``), every interval is two columns ``<naam>_laag`` / ``<naam>_hoog``, the
  ``indicatief`` flag (the report's badge, ``ivp.report.text.is_indicatief``) is a TRUE/FALSE column.
- Text from the data (titles, municipality names, URLs) is neutralised against formula injection with
  ``ivp.running.spreadsheet.neutralise_cell``, the rule of every file ivp writes for people to open.
- Deterministic: fixed document properties and zip entry times, so the same results and provenance give
  the same bytes. The run time of the provenance is left out for that reason (it is in the report).
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ivp.analysis.results import load_results
from ivp.report.text import is_indicatief
from ivp.running import job, provenance
from ivp.running.atomic import write_bytes
from ivp.running.spreadsheet import neutralise_cell

FIXED_TIME = _dt.datetime(2020, 5, 25)  # document created/modified: fixed, so the bytes depend on the data only
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
PERCENT, INTEGER, DECIMAL = "0.0%", "0", "0.0##"
_INTERVAL_ENDS = ("_laag", "_hoog")


@dataclass
class Sheet:
    """One sheet: ``name`` (at most 31 characters), what it holds (``description``, Dutch), its column names
    and rows (lists of Python values: int, float, bool, str or None)."""

    name: str
    description: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)


def is_share_column(name: str) -> bool:
    """Columns whose floats are fractions shown as a percentage: shares, coverage, weights, interval bounds."""
    return name.startswith("aandeel") or name.endswith(_INTERVAL_ENDS) or name in ("dekking", "ccv_2020",
                                                                                   "deze_analyse")


def number_format(column: str, value) -> str | None:
    """The Excel number format of ``value`` in ``column``: a float in a share column as a percentage, any
    other float with up to three decimals, an int as a whole number; None for text, booleans and blanks."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, float):
        return PERCENT if is_share_column(column) else DECIMAL
    return INTEGER


# ---------------------------------------------------------------- the sheets

def _get(data: dict | None, path: str):
    """``data["a"]["b"]`` for ``path`` ``"a.b"``; None as soon as a level is missing."""
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _ends(interval) -> list:
    """An interval ``[low, high]`` as two values (two blanks when there is none)."""
    return list(interval) if isinstance(interval, (list, tuple)) and len(interval) == 2 else [None, None]


def _interval_columns(*names: str) -> list[str]:
    return [f"{name}{end}" for name in names for end in _INTERVAL_ENDS]


MEASURE_COLUMNS = ["maat", "aantal", "aandeel", "ci95_laag", "ci95_hoog", "indicatief"]


def _first(entry, fields: str | None):
    """The value of the first of the ``|``-separated ``fields`` that ``entry`` has (a headline interval
    and, for results.json files of before issue 12, the one it replaced); None when none is there."""
    for name in (fields or "").split("|"):
        if name and (value := _get(entry, name)) is not None:
            return value
    return None


def _measures(results: dict, base: str, figure: str | None, rows) -> list[list]:
    """Rows of a measures sheet: ``rows`` are (label, count field, share field, interval field) below
    ``base`` (None for a field the measure lacks, ``a|b`` for the first present); measures without any
    value are left out."""
    entry = _get(results, base) if base else results
    flag = is_indicatief(results, figure)
    out = []
    for label, count, share, interval in rows:
        values = [_first(entry, count), _first(entry, share), *_ends(_first(entry, interval))]
        if any(v is not None for v in values):
            out.append([label, *values, flag])
    return out


def sample_sheet(results: dict) -> Sheet:
    sample = results.get("sample") or {}
    rows = _measures(results, "", "sample", [
        ("plannen in de steekproef", "n_plans", None, None),
        ("speerpunten", "n_priorities", None, None),
        ("gemeenten met een plan in de steekproef", "n_municipalities", None, None),
        ("gemeenten in het cohort; aandeel: dekking", "sample.cohort_size", "sample.coverage", None),
        ("plannen van het cohort (alle looptijden)", "sample.n_cohort_plans", None, None),
        ("plannen die in het peiljaar niet van kracht waren", "sample.n_out_of_period", None, None),
        ("plannen buiten beschouwing: looptijd onbekend", "n_excluded_no_period", None, None),
        ("plannen zonder speerpunten", "sample.n_plans_without_priorities", None, None),
    ])
    flag = is_indicatief(results, "sample")
    for kind, label in (("zekerheid", "zekerheid"), ("bron_type", "soort bron")):
        rows += [[f"{label}: {key}", n, None, None, None, flag] for key, n in sorted((sample.get(kind) or {}).items())]
    return Sheet("steekproef", "Omvang van de steekproef: plannen, speerpunten, gemeenten, dekking van het cohort, "
                 "zekerheid en soort bron van de plannen.", MEASURE_COLUMNS, rows)


PLAN_FIELDS = ("plan_id", "titel", "gemeenten", "gezamenlijk", "periode_start", "periode_eind", "zekerheid",
               "n_speerpunten", "bron_url")


def plans_sheet(results: dict) -> Sheet:
    return Sheet("plannen", "De plannen in de steekproef met hun bron (één regel per plan).", list(PLAN_FIELDS),
                 [[plan.get(name) for name in PLAN_FIELDS] for plan in results.get("plans") or []])


SHARE_COLUMNS = ["aandeel", *_interval_columns("ci95", "ci95_cluster", "ci95_wilson"), "ci95_methode"]


def _share_cells(entry: dict) -> list:
    return [entry.get("share"), *_ends(entry.get("ci95")), *_ends(entry.get("ci95_cluster")),
            *_ends(entry.get("ci95_wilson")), entry.get("ci95_methode")]


PLAN_SHARE_COLUMNS = ["plannen", "aandeel_plannen", *_interval_columns("plannen_ci95"), "plannen_ci95_methode",
                      *_interval_columns("plannen_ci95_wilson")]


def _plan_share_cells(entry: dict) -> list:
    return [entry.get("n_plans"), entry.get("plan_share"), *_ends(entry.get("plan_ci95")),
            entry.get("plan_ci95_methode"), *_ends(entry.get("plan_ci95_wilson"))]


def themes_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "themes")
    rows = [[code, entry.get("label"), entry.get("n"), *_share_cells(entry), entry.get("n_thema_2"),
             *_plan_share_cells(entry), flag]
            for code, entry in (results.get("themes") or {}).items()]
    return Sheet("themas", "Speerpunten per hoofdthema van het codeboek, met 95%-intervallen, en de plannen met "
                 "ten minste één speerpunt op het thema.",
                 ["code", "thema", "speerpunten", *SHARE_COLUMNS, "als_tweede_thema", *PLAN_SHARE_COLUMNS,
                  "indicatief"], rows)


def categories_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "categories")
    rows = [[label, entry.get("themes"), entry.get("n"), *_share_cells(entry), *_plan_share_cells(entry), flag]
            for label, entry in (results.get("categories") or {}).items()]
    return Sheet("categorieen", "Speerpunten per categorie van de CCV-analyse 2020 (standaardindeling), met "
                 "95%-intervallen.",
                 ["categorie", "themas", "speerpunten", *SHARE_COLUMNS, *PLAN_SHARE_COLUMNS, "indicatief"], rows)


def sensitivity_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "categories")
    labels = results.get("rollups") or {}
    rows = [[name, labels.get(name), category, share, name == results.get("default_rollup"), flag]
            for name, shares in (results.get("category_sensitivity") or {}).items()
            for category, share in shares.items()]
    return Sheet("gevoeligheid", "Aandeel speerpunten per categorie onder elke indeling van de thema's in "
                 "categorieën uit het codeboek (gevoeligheid voor de indeling).",
                 ["indeling", "omschrijving", "categorie", "aandeel", "standaard", "indicatief"], rows)


def level_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "niveau")
    rows = [[level, entry.get("n"), entry.get("share"), *_ends(entry.get("ci95")), entry.get("ci95_methode"),
             *_ends(entry.get("ci95_wilson")), flag]
            for level, entry in (results.get("niveau") or {}).items()]
    return Sheet("niveau", "Lokale en regionale speerpunten (niveau volgens de bron), met 95%-intervallen.",
                 ["niveau", "speerpunten", "aandeel", "ci95_laag", "ci95_hoog", "ci95_methode",
                  *_interval_columns("ci95_wilson"), "indicatief"], rows)


def joint_sheet(results: dict) -> Sheet:
    rows = _measures(results, "joint_plans", "joint_plans", [
        ("plannen", "n_plans", None, None),
        ("gezamenlijke plannen (twee of meer gemeenten)", "n", "share", "ci95|ci95_wilson"),
        ("gemeenten in de steekproef", "n_municipalities", None, None),
        ("gemeenten met een gezamenlijk plan", "municipalities_in_joint_plans", "municipalities_share", None),
        ("gezamenlijk volgens de bron, partners niet genoemd", "n_partners_unknown", None, None),
    ])
    rows += _measures(results, "joint_plans", "joint_plans.sizes", [
        ("gemeenten per gezamenlijk plan: gemiddelde", "size_mean", None, None),
        ("gemeenten per gezamenlijk plan: mediaan", "size_median", None, None),
        ("gemeenten per gezamenlijk plan: grootste", "size_max", None, None),
    ])
    return Sheet("gezamenlijk", "Gezamenlijke plannen: aantal, aandeel van de plannen (Wilson-interval) en de "
                 "gemeenten die eraan meedoen.", MEASURE_COLUMNS, rows)


def sizes_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "joint_plans.sizes")
    sizes = _get(results, "joint_plans.sizes") or {}
    rows = [[int(k), v, flag] for k, v in sorted(sizes.items(), key=lambda kv: int(kv[0]))]
    return Sheet("gezamenlijk_omvang", "Omvang van de gezamenlijke plannen: hoeveel plannen tellen hoeveel gemeenten.",
                 ["gemeenten_in_plan", "plannen", "indicatief"], rows)


REGION_KINDS = ("veiligheidsregio", "regionale_eenheid", "provincie")


def regions_sheet(results: dict) -> Sheet:
    regions = _get(results, "joint_plans.regions") or {}
    flag = is_indicatief(results, "joint_plans")
    rows = [[kind, entry.get("within"), entry.get("across"), entry.get("share_within"),
             *_ends(entry.get("ci95_wilson")), regions.get("n_assessable"), flag]
            for kind in REGION_KINDS if isinstance(entry := regions.get(kind), dict)]
    return Sheet("gezamenlijk_regios", "Gezamenlijke plannen die binnen één veiligheidsregio, regionale eenheid "
                 "van de politie of provincie blijven, van de plannen waarvan alle partners bekend zijn.",
                 ["indeling", "binnen_een_regio", "over_de_grens", "aandeel_binnen",
                  *_interval_columns("ci95_wilson"), "beoordeelbaar", "indicatief"], rows)


def crossing_sheet(results: dict) -> Sheet:
    regions = _get(results, "joint_plans.regions") or {}
    rows = [[kind, plan.get("plan_id"), plan.get("titel"), "; ".join(plan.get("regions") or [])]
            for kind in REGION_KINDS for plan in (regions.get(kind) or {}).get("crossing") or []]
    rows += [["partners onbekend", plan_id, None, None] for plan_id in regions.get("partners_unknown") or []]
    return Sheet("grensoverschrijdend", "Gezamenlijke plannen die over een regiogrens gaan (met de regio's), en "
                 "gezamenlijke plannen waarvan de partners onbekend zijn.", ["indeling", "plan_id", "titel", "regios"],
                 rows)


def participation_sheet(results: dict) -> Sheet:
    rows = _measures(results, "participation", "participation", [
        ("plannen", "n_plans", None, None),
        ("inbreng van inwoners vermeld (ondergrens over alle plannen)", "n_yes", "share_at_least",
         "ci95_at_least|ci95_wilson_at_least"),
        ("geen inbreng van inwoners", "n_no", None, None),
        ("onbekend", "n_unknown", None, None),
    ])
    rows += _measures(results, "participation", "participation.among_known", [
        ("alleen plannen waarvan het bekend is", "n_known", "share_among_known", None)])
    return Sheet("participatie", "Burgerparticipatie: plannen die inbreng van inwoners vermelden; een ondergrens, "
                 "omdat het meestal onbekend is.", MEASURE_COLUMNS, rows)


def forms_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "participation.forms")
    rows = [[form, n, flag] for form, n in (_get(results, "participation.forms") or {}).items()]
    return Sheet("participatievormen", "Vormen van burgerparticipatie (een plan kan meer vormen noemen).",
                 ["vorm", "plannen", "indicatief"], rows)


AGENDA_MEASURES = (
    ("speerpunten", "n_priorities", None, None),
    ("speerpunten die aansluiten", "n", "priority_share", "ci95"),
    ("idem, interval als speerpunten onafhankelijk waren (Wilson)", None, None, "ci95_wilson"),
    ("idem, clusterbootstrap", None, None, "ci95_cluster"),
    ("plannen", "n_plans", None, None),
    ("plannen met ten minste één zo'n speerpunt", "n_plans_with", "plan_share", "plan_ci95|plan_ci95_wilson"),
)


def agenda_sheet(results: dict) -> Sheet:
    nat = results.get("national_priorities") or {}
    rows = _measures(results, "national_priorities", "national_priorities", AGENDA_MEASURES)
    flag = is_indicatief(results, "national_priorities")
    rows += [[f"waarvan thema {code}", n, None, None, None, flag] for code, n in (nat.get("by_theme") or {}).items()]
    for name, extra in (nat.get("sensitivity") or {}).items():
        rows += _measures(results, f"national_priorities.sensitivity.{name}", "national_priorities", [
            (f"gevoeligheid {extra.get('label') or name}: {label}", *fields) for label, *fields in AGENDA_MEASURES
            if fields[0] != "n_priorities" and fields[0] != "n_plans"])
    agenda = nat.get("agenda_label") or ("geen Veiligheidsagenda van kracht" if "agenda" in nat else
                                         "de Veiligheidsagenda 2019-2022")
    return Sheet("landelijke_prioriteiten", f"Aansluiting bij de landelijke prioriteiten ({agenda}): speerpunten "
                 "met een hoofdthema dat bij een prioriteit hoort, met de gevoeligheid voor andere themasets.",
                 MEASURE_COLUMNS, rows)


def agenda_level_sheet(results: dict) -> Sheet:
    flag = is_indicatief(results, "national_priorities")
    rows = [[level, entry.get("n"), entry.get("n_priorities"), entry.get("share"), flag]
            for level, entry in (_get(results, "national_priorities.by_niveau") or {}).items()]
    return Sheet("landelijk_per_niveau", "Aansluiting bij de landelijke prioriteiten per niveau van het speerpunt.",
                 ["niveau", "aansluitend", "speerpunten", "aandeel", "indicatief"], rows)


CCV_FIGURES = {"Veilige woon- en leefomgeving": "categories", "Ondermijning": "categories",
               "joint_plan_share": "joint_plans"}


def ccv_sheet(results: dict) -> Sheet:
    rows = [[key, entry.get("label"), entry.get("published"), entry.get("ours"), *_ends(entry.get("ci95")),
             entry.get("interval"), entry.get("inside"), *_ends(entry.get("ci95_wilson")), entry.get("inside_wilson"),
             is_indicatief(results, CCV_FIGURES.get(key))]
            for key, entry in (results.get("ccv2020") or {}).items()]
    return Sheet("ccv2020", "De gepubliceerde cijfers van de CCV-analyse 2020 naast die van deze analyse, met ons "
                 "95%-interval en of het CCV-cijfer erbinnen valt.",
                 ["sleutel", "maat", "ccv_2020", "deze_analyse", "ci95_laag", "ci95_hoog", "interval", "binnen_bi",
                  *_interval_columns("ci95_wilson"), "binnen_bi_wilson", "indicatief"], rows)


MUNICIPALITY_GROUPS = (("thema", "themes"), ("categorie", "categories"), ("gezamenlijk plan", "joint_share"),
                       ("burgerparticipatie", "participation_at_least"))


def municipalities_sheet(results: dict) -> Sheet:
    level = results.get("municipalities") or {}
    weighted = level.get("weighted") or {}
    flag = is_indicatief(results, "municipalities")
    rows = []
    for kind, key in MUNICIPALITY_GROUPS:
        single = key in ("joint_share", "participation_at_least")  # one figure, not one per theme or category
        entries = ({"": level[key]} if level.get(key) else {}) if single else (level.get(key) or {})
        for name, entry in entries.items():
            other = (weighted.get(key) if single else (weighted.get(key) or {}).get(name)) or {}
            rows.append([kind, name or None, entry.get("n"), entry.get("n_with"), entry.get("share_with"),
                         *_ends(entry.get("ci95")), other.get("share_with"), *_ends(other.get("ci95")), flag])
    return Sheet("gemeenten", "Cijfers op gemeenteniveau: van de gemeenten met een plan in de steekproef, het aandeel "
                 "met een thema of categorie, een gezamenlijk plan of burgerparticipatie (clusterbootstrap over "
                 "groepen gemeenten); landelijk ook gewogen naar cohort (poststratificatie).",
                 ["soort", "sleutel", "gemeenten", "met", "aandeel", "ci95_laag", "ci95_hoog", "aandeel_gewogen",
                  *_interval_columns("gewogen_ci95"), "indicatief"], rows)


def weights_sheet(results: dict) -> Sheet:
    strata = _get(results, "municipalities.weighted.strata") or {}
    rows = [[cohort, entry.get("n_covered"), entry.get("n_population"), entry.get("weight"), entry.get("weight_used")]
            for cohort, entry in strata.items()]
    return Sheet("gemeenten_weging", "De weging van de landelijke cijfers op gemeenteniveau: per cohort de gedekte "
                 "gemeenten, alle gemeenten en het gewicht (aandeel in alle gemeenten); alleen landelijk.",
                 ["cohort", "gedekt", "gemeenten", "aandeel_populatie", "aandeel_gebruikt"], rows)


def representativeness_sheet(results: dict) -> Sheet:
    rep = results.get("representativeness") or {}
    rows = [[kind, group, entry.get("n_gemeenten"), entry.get("n_gedekt"), entry.get("dekking"),
             entry.get("aandeel_gedekt"), entry.get("aandeel_populatie")]
            for kind in ("cohort", "provincie", "veiligheidsregio")
            for group, entry in (rep.get(kind) or {}).items()]
    return Sheet("representativiteit", "Steekproef naast populatie: per cohort, provincie en veiligheidsregio de "
                 "gemeenten, de gedekte gemeenten, de dekking en het aandeel in steekproef en populatie.",
                 ["indeling", "groep", "gemeenten", "gedekt", "dekking", "aandeel_gedekt", "aandeel_populatie"], rows)


DATA_SHEETS = (sample_sheet, plans_sheet, themes_sheet, categories_sheet, sensitivity_sheet, level_sheet,
               joint_sheet, sizes_sheet, regions_sheet, crossing_sheet, participation_sheet, forms_sheet,
               agenda_sheet, agenda_level_sheet, ccv_sheet, municipalities_sheet, weights_sheet,
               representativeness_sheet)

COLUMN_DEFINITIONS = (
    ("aantal, speerpunten, plannen, gemeenten, met, gedekt", "aantallen (gehele getallen)"),
    ("aandeel, aandeel_*", "aandeel als fractie, getoond als percentage (0,421 = 42,1%)"),
    ("*_laag, *_hoog", "onder- en bovengrens van het 95%-betrouwbaarheidsinterval (BI) dat de naam ervoor noemt: "
     "ci95 is het interval dat het rapport toont (plannen_ci95 voor het aandeel plannen), ci95_wilson het "
     "Wilson-interval dat speerpunten als onafhankelijk behandelt, ci95_cluster een percentielinterval van een "
     "clusterbootstrap over plannen; de laatste twee ter vergelijking"),
    ("ci95_methode, plannen_ci95_methode, interval", "de methode van het interval ci95 (zie Methode hieronder)"),
    ("indicatief", "WAAR als het cijfer op minder dan 10 plannen rust: dan is het interval breed en de schatting "
     "onzeker (in het rapport gemarkeerd als 'indicatief')"),
    ("dekking", "gemeenten met een plan in de steekproef, als aandeel van alle gemeenten van de groep"),
)


def explanation_sheet(results: dict, prov: dict | None, sheets: list[Sheet]) -> Sheet:
    """The first sheet: what each sheet is, the column definitions, the sources and the provenance."""
    peiljaar, cohort = str(results.get("peiljaar", "")), str(results.get("cohort", ""))
    method = results.get("methode") or {}
    rows: list[list] = [
        [job.report_title(peiljaar, cohort), None],
        ["Bron", f"{job.RESULTS_FILE} van deze taak (ivp run); elk getal in deze tabellen komt daaruit en is hetzelfde "
                 f"als in {job.REPORT_FILE}"],
        ["Bron CCV-cijfers", method.get("ccv2020_source")],
        ["Bron landelijke prioriteiten", results.get("national_priorities_source")],
        [None, None], ["Blad", "Inhoud"],
    ]
    rows += [[sheet.name, sheet.description] for sheet in sheets]
    rows += [[None, None], ["Kolom", "Betekenis"], *[list(d) for d in COLUMN_DEFINITIONS]]
    rows += [[None, None], ["Methode", None]]
    notes = (("Steekproef en peiljaar", method.get("scope_rule")), ("Intervallen", method.get("intervals")),
             ("Gemeenteniveau", _get(results, "municipalities.methode_toelichting")),
             ("Weging", _get(results, "municipalities.weighted.methode_toelichting")),
             ("Beperking van de weging", _get(results, "municipalities.weighted.toelichting")),
             ("Basisteams", _get(results, "joint_plans.regions.basisteam")),
             ("Grootteklassen", _get(results, "representativeness.grootteklassen")),
             ("Landelijke prioriteiten", _get(results, "national_priorities.agenda_label")),
             ("Landelijke prioriteiten: opmerking", _get(results, "national_priorities.note")))
    rows += [[label, text] for label, text in notes if text]
    rows += [[f"methode {name}", text] for name, text in (method.get("interval_methods") or {}).items()]
    rows += [[None, None], ["Herkomst", None]]
    if prov is None:
        rows.append(["herkomst", f"onbekend: geen {job.PROVENANCE_FILE} (buiten ivp run gemaakt)"])
    else:
        git = prov.get("git") or {}
        rows += [["git-commit", git.get("commit") or "onbekend (geen git-checkout)"],
                 ["gewijzigd ten opzichte van de commit", {True: "ja", False: "nee"}.get(git.get("dirty"), "onbekend")],
                 ["ivp-versie", (prov.get("versies") or {}).get("ivp")]]
        rows += [[f"parameter {k}", v] for k, v in (prov.get("parameters") or {}).items()]
        rows += [[f"sha256 {kind} {name}", digest] for kind, files in (prov.get("bestanden") or {}).items()
                 for name, digest in files.items()]
    return Sheet("Toelichting", "", ["onderdeel", "toelichting"], rows)


def workbook_sheets(results: dict, prov: dict | None = None) -> list[Sheet]:
    """Every sheet of ``tabellen.xlsx`` in order, "Toelichting" first."""
    sheets = [build(results) for build in DATA_SHEETS]
    return [explanation_sheet(results, prov, sheets), *sheets]


# ---------------------------------------------------------------- writing

def _cell_value(value):
    """A value as the workbook stores it: text neutralised (``neutralise_cell``) and characters XML cannot hold
    replaced by U+FFFD; anything else as it is."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise_cell(value))
    return value


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """The xlsx file of ``sheets``: a bold, frozen header row, column widths from the content, fixed
    document properties and zip entry times (same sheets, same bytes)."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        ws.append([_cell_value(c) for c in sheet.columns])
        for cell in ws[1]:
            cell.font = bold
        for row in sheet.rows:
            ws.append([_cell_value(v) for v in row])
            for column, cell in zip(sheet.columns, ws[ws.max_row]):
                fmt = number_format(column, cell.value)
                if fmt:
                    cell.number_format = fmt
        ws.freeze_panes = "A2"
        for i, column in enumerate(sheet.columns, start=1):
            width = max([len(str(column)), *(len(str(r[i - 1])) for r in sheet.rows if r[i - 1] is not None)])
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 80)
    props = book.properties
    props.creator = props.lastModifiedBy = "ivp"
    props.title = sheets[0].rows[0][0] if sheets and sheets[0].rows else None
    props.created = props.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # not Workbook.save: that stamps "modified" with the clock
    return _fixed_zip_times(raw.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every entry dated ``_ZIP_TIME`` (zipfile dates entries with the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def write_tables(results: dict, prov: dict | None, path: Path) -> Path:
    """Write ``tabellen.xlsx`` for one job's ``results`` and provenance ``prov`` to ``path`` (atomically)."""
    write_bytes(Path(path), workbook_bytes(workbook_sheets(results, prov)))
    return Path(path)


def write_job_tables(folder: Path) -> Path:
    """``tabellen.xlsx`` of the job folder ``folder`` from its ``results.json`` and ``provenance.json``."""
    return write_tables(load_results(folder), provenance.load(folder), Path(folder) / job.TABLES_FILE)
