"""Maps of the report: who is covered, and a municipality-level property, on the 2020 boundaries.

matplotlib only (the boundaries ship in ``ivp/data/geo``, RD New metres): equal aspect, no axes, grey
levels and hatching so the map reads in black and white, a legend below it. Every map function returns
``(figure, alt, caption)``: the alt text begins with "Kaart:" and says what the map shows in numbers, the
caption names the source ("Bron: CBS, PDOK"); both are plain Dutch text (escape them when embedding in
HTML). ``ivp.report.figures.to_svg`` turns the figure into SVG that is byte-identical on every run; text is drawn
as outlines, so no text of the caller (title, legend label) appears as markup in the SVG.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from ivp.reference.municipalities import municipalities  # noqa: E402
from ivp.reference.regions import boundaries  # noqa: E402
from ivp.report.figures import EDGE, STYLE, WIDTH  # noqa: E402

SOURCE = "Grenzen van 1 januari 2020. Bron: CBS, PDOK."
# grey levels, darkest first; hatching tells the two middle classes apart without colour
DARK = "#404040"
MID = "#a6a6a6"
LIGHT = "#d9d9d9"
BACKGROUND = "#e0e0e0"
WHITE = "#ffffff"
JOINT_HATCH = "////"
WITHOUT_HATCH = "\\\\\\"  # back-diagonal lines: small in SVG (dots are not)
MAP_STYLE = {**STYLE, "hatch.linewidth": 0.7, "legend.fontsize": 11}  # 11 pt, as the charts: readable at 375 px
TOP_PROVINCES = 3


@cache
def _paths(layer: str) -> dict[str, Path]:
    """One compound Path per area of ``layer`` (all rings; holes oriented so non-zero fill leaves them open)."""
    out = {}
    for area in boundaries(layer):
        vertices, codes = [], []
        for polygon in area.polygons:
            for ring in polygon:
                kinds = np.full(len(ring), Path.LINETO, dtype=Path.code_type)
                kinds[0], kinds[-1] = Path.MOVETO, Path.CLOSEPOLY
                vertices.append(ring)
                codes.append(kinds)
        out[area.code] = Path(np.vstack(vertices), np.concatenate(codes))
    return out


@cache
def _segments(code: str) -> tuple[tuple, ...]:
    """Boundary segments of a municipality as orientation-free keys ``((x1, y1), (x2, y2))`` (sorted)."""
    (area,) = [a for a in boundaries("gemeente") if a.code == code]
    keys = []
    for polygon in area.polygons:
        for ring in polygon:
            for a, b in zip(map(tuple, ring[:-1]), map(tuple, ring[1:])):
                keys.append((a, b) if a <= b else (b, a))
    return tuple(keys)


def group_outline(codes) -> list:
    """Outline of a group of municipalities: the boundary segments that only one member has (the shared
    borders inside the group drop out; the generalised boundaries share their vertices). A list of
    ``((x1, y1), (x2, y2))`` segments in RD metres, sorted."""
    counts = Counter(key for code in sorted(set(codes)) for key in _segments(code))
    return sorted(key for key, n in counts.items() if n == 1)


def _check_codes(codes, what: str) -> list[str]:
    codes = sorted(set(codes))
    known = set(_paths("gemeente"))
    unknown = [c for c in codes if c not in known]
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:5])
        raise ValueError(f"{what}: {len(unknown)} unknown municipality code(s): {shown}")
    return codes


def _draw(ax, codes, *, face, edge="#7f7f7f", linewidth=0.25, hatch=None, zorder=1):
    """Fill the municipalities ``codes``; a hatch is drawn in the edge colour (rcParam hatch.color)."""
    if not codes:
        return
    paths = _paths("gemeente")
    ax.add_collection(PathCollection([paths[c] for c in codes], facecolors=face, edgecolors=edge,
                                     linewidths=linewidth, hatch=hatch, zorder=zorder))


def _frame(title: str | None, legend_rows: int):
    xmin, ymin, xmax, ymax = 10_000, 304_000, 281_000, 622_000  # the Netherlands in RD metres
    # map at full width, then room for the legend below and the title above (no empty band)
    height = WIDTH * (ymax - ymin) / (xmax - xmin) + 0.3 * legend_rows + 0.2 + (0.45 if title else 0)
    fig, ax = plt.subplots(figsize=(WIDTH, height), layout="constrained")
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    if title:
        ax.set_title(str(title), fontsize=11.5, loc="left", wrap=True)
    return fig, ax


def _provinces(ax):
    paths = list(_paths("provincie").values())
    ax.add_collection(PathCollection(paths, facecolors="none", edgecolors="#262626", linewidths=0.6, zorder=4))


def _member_edges(population) -> dict:
    """Uncovered members get a dark edge when other municipalities are shaded light around them."""
    return {} if population is None else {"edge": "#262626", "linewidth": 0.5}


def _legend(ax, handles):
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=1, frameon=False,
              handlelength=2.2, handleheight=1.3, borderaxespad=0.2)


def _population(population) -> list[str]:
    return sorted(municipalities()["code"]) if population is None else _check_codes(population, "population")


def _top_provinces(codes) -> str:
    """The provinces holding most of ``codes``, e.g. "Noord-Brabant (5), Gelderland (3) en Limburg (2)"."""
    names = municipalities().set_index("code")["provincie"]
    counts = pd.Series(names.reindex(list(codes)).to_numpy()).value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable").head(TOP_PROVINCES)
    return _join([f"{p} ({n})" for p, n in counts.items()])


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def _gemeenten(n: int) -> str:
    return f"{n} gemeente" if n == 1 else f"{n} gemeenten"


def coverage_map(covered, *, population=None, joint_groups=None, population_label: str = "Nederland",
                 scope_label: str = "", title: str | None = None):
    """The municipalities of a cohort shaded by whether a plan in scope covers them; joint plans as groups.

    Args:
        covered: 2020 codes covered by a plan in scope (codes outside ``population`` are not shaded).
        population: the cohort's municipalities (default: all 355).
        joint_groups: the joint plans in scope as a DataFrame with ``plan_id`` and ``code`` (one row per
            plan and municipality; e.g. the plan_gemeenten rows of plans with ``gezamenlijk``), or None.
            Each plan is outlined as one group; its population members are hatched.
        population_label: Dutch name of the population for the texts ("de G40", "alle gemeenten").
        scope_label: Dutch noun phrase for the scope, shown in brackets ("peiljaar 2020"); may be empty.
        title: optional title above the map (drawn as outlines, never as SVG markup).
    Returns:
        ``(fig, alt, caption)``: classes, darkest first: covered in a joint plan (mid grey, hatched),
        covered by own plans only (dark grey), not covered (white), outside the population (light, only
        when ``population`` is given); black outlines around each joint plan; province borders.
    """
    members = _population(population)
    member_set = set(members)
    covered = [c for c in _check_codes(covered, "covered") if c in member_set]
    groups: dict[str, list[str]] = {}
    if joint_groups is not None and len(joint_groups):
        links = joint_groups.loc[joint_groups["code"].notna(), ["plan_id", "code"]].drop_duplicates()
        _check_codes(links["code"], "joint_groups")
        groups = {str(p): sorted(g["code"]) for p, g in links.groupby("plan_id", sort=True)}
    in_joint = sorted({c for codes in groups.values() for c in codes} & set(covered))
    own = sorted(set(covered) - set(in_joint))
    uncovered = sorted(member_set - set(covered))
    outside = sorted(set(_paths("gemeente")) - member_set)
    with plt.rc_context(MAP_STYLE):
        fig, ax = _frame(title, 3 + (population is not None) + bool(groups))
        _draw(ax, outside, face=BACKGROUND, edge="#c8c8c8", linewidth=0.2)
        _draw(ax, uncovered, face=WHITE, **_member_edges(population))
        _draw(ax, own, face=DARK, edge="#262626")
        _draw(ax, in_joint, face=MID, edge="#262626", hatch=JOINT_HATCH)
        _provinces(ax)
        outlines = [segment for plan in groups for segment in group_outline(groups[plan])]
        if outlines:
            ax.add_collection(LineCollection(outlines, colors=EDGE, linewidths=1.6, zorder=5))
        handles = [
            Patch(facecolor=MID, edgecolor=EDGE, hatch=JOINT_HATCH,
                  label=f"gedekt, in een gezamenlijk plan ({len(in_joint)})"),
            Patch(facecolor=DARK, edgecolor=EDGE, label=f"gedekt, alleen eigen plan ({len(own)})"),
            Patch(facecolor=WHITE, edgecolor=EDGE, label=f"niet gedekt ({len(uncovered)})"),
        ]
        if population is not None:
            handles.append(Patch(facecolor=BACKGROUND, edgecolor="#c8c8c8", label="overige gemeenten"))
        if outlines:
            handles.append(Line2D([], [], color=EDGE, linewidth=1.6, label="grens van een gezamenlijk plan"))
        _legend(ax, handles)
    scope = f" ({scope_label})" if scope_label else ""
    alt = (f"Kaart: Nederland met de gemeenten van 1 januari 2020. Van de {_gemeenten(len(members))} van "
           f"{population_label} zijn er {len(covered)} gedekt door een plan in de steekproef{scope}: "
           f"{len(in_joint)} via een gezamenlijk plan (gearceerd, {len(groups)} "
           f"{'plan' if len(groups) == 1 else 'plannen'} omlijnd) en {len(own)} alleen met een eigen plan "
           f"(donkergrijs); {len(uncovered)} niet (wit).")
    if population is not None:
        alt += " De overige gemeenten van Nederland zijn lichtgrijs."
    if covered:
        alt += f" De meeste gedekte gemeenten liggen in {_top_provinces(covered)}."
    caption = (f"Dekking van {population_label} door plannen in de steekproef{scope}: {len(covered)} van "
               f"{len(members)} gemeenten gedekt, waarvan {len(in_joint)} via een gezamenlijk plan "
               f"(dikke lijn: de gemeenten van één gezamenlijk plan). {SOURCE}")
    return fig, alt, caption


def property_map(with_property, covered, *, property_label: str, population=None,
                 population_label: str = "Nederland", scope_label: str = "", title: str | None = None):
    """Covered municipalities with and without a property (e.g. a speerpunt on ondermijning).

    Args:
        with_property: covered codes that have the property (e.g. ``properties.index[properties["thema_OND"]]``
            from ``ivp.municipalities.municipality_properties``); each must be in ``covered``.
        covered: the covered codes of the population.
        property_label: Dutch phrase for the property, after "met"/"zonder" ("een speerpunt op ondermijning").
        population, population_label, scope_label, title: as in ``coverage_map``.
    Returns:
        ``(fig, alt, caption)``: with the property dark grey, without it light grey dotted, not covered
        white, outside the population (only when given) light; province borders. The same seven
        boundaries as ``coverage_map``.
    """
    members = _population(population)
    member_set = set(members)
    covered = [c for c in _check_codes(covered, "covered") if c in member_set]
    having = _check_codes(with_property, "with_property")
    stray = sorted(set(having) - set(covered))
    if stray:
        raise ValueError(f"with_property: {len(stray)} code(s) not among the covered municipalities")
    without = sorted(set(covered) - set(having))
    uncovered = sorted(member_set - set(covered))
    outside = sorted(set(_paths("gemeente")) - member_set)
    label = str(property_label)
    with plt.rc_context(MAP_STYLE):
        fig, ax = _frame(title, 3 + (population is not None))
        _draw(ax, outside, face=BACKGROUND, edge="#c8c8c8", linewidth=0.2)
        _draw(ax, uncovered, face=WHITE, **_member_edges(population))
        _draw(ax, having, face=DARK, edge="#262626")
        _draw(ax, without, face=LIGHT, edge="#262626", hatch=WITHOUT_HATCH)
        _provinces(ax)
        handles = [
            Patch(facecolor=DARK, edgecolor=EDGE, label=f"gedekt, met {label} ({len(having)})"),
            Patch(facecolor=LIGHT, edgecolor=EDGE, hatch=WITHOUT_HATCH, label=f"gedekt, zonder ({len(without)})"),
            Patch(facecolor=WHITE, edgecolor=EDGE, label=f"niet gedekt ({len(uncovered)})"),
        ]
        if population is not None:
            handles.append(Patch(facecolor=BACKGROUND, edgecolor="#c8c8c8", label="overige gemeenten"))
        _legend(ax, handles)
    scope = f" ({scope_label})" if scope_label else ""
    alt = (f"Kaart: Nederland met de gemeenten van 1 januari 2020. Van de {len(covered)} gedekte gemeenten van "
           f"{population_label}{scope} hebben er {len(having)} {label} (donkergrijs) en {len(without)} niet "
           f"(lichtgrijs, gearceerd); {len(uncovered)} gemeenten zijn niet gedekt (wit).")
    if without:
        alt += f" De gedekte gemeenten zonder liggen vooral in {_top_provinces(without)}."
    caption = (f"Gedekte gemeenten van {population_label} met en zonder {label}{scope}: {len(having)} van "
               f"{len(covered)}; een gemeente telt elk plan mee dat haar dekt. {SOURCE}")
    return fig, alt, caption
