"""Boundaries of 2020 and region membership of the 355 municipalities (reference data).

The boundaries are the generalised CBS area divisions of 1 January 2020 as published through PDOK
(``ivp/data/geo``, see its README: source, licence, checksums), in RD New metres. From them
``scripts/derive_regio_2020.py`` derives ``ivp/data/regio_2020.csv``: for every municipality the
veiligheidsregio, police unit (regionale eenheid) and province that holds its area. The rule is
"which region holds the largest share of the municipality's area", measured by sampling a regular
grid of points inside the municipality polygon (``derive_membership``); the borders are generalised,
so a municipality's points never lie 100% in its region, but the winner is never close (the script
reports the smallest winning share).

Police districts and basisteams (the unit the CCV mentions for joint plans) are smaller than a
regionale eenheid and are not in the shipped boundaries: nothing here can place a plan in one.

No shapely or geopandas: rings are numpy arrays and point-in-polygon is
``matplotlib.path.Path.contains_points`` (vectorised), with holes and multipolygons handled here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from matplotlib.path import Path

from ivp.stats import share, wilson_interval

# layer name -> file in ivp/data/geo
LAYERS = {
    "gemeente": "gemeente_2020.geojson",
    "veiligheidsregio": "veiligheidsregio_2020.geojson",
    "regionale_eenheid": "regionale_eenheid_2020.geojson",
    "provincie": "provincie_2020.geojson",
}
# Region layers placed per municipality, in the column order of regio_2020.csv.
REGION_LAYERS = ("veiligheidsregio", "regionale_eenheid", "provincie")
REGIO_FILE = "regio_2020.csv"
COLUMNS = ["gemeentecode", "veiligheidsregio_code", "veiligheidsregio", "regionale_eenheid_code",
           "regionale_eenheid", "provincie_code", "provincie"]
# Names as the boundary files spell them -> the official spelling used in the rest of the package:
# the police unit is "Den Haag" (eenheid Den Haag), and the province is "Fryslân" in gemeenten_2020.csv.
NAME_FIXES = {"DenHaag": "Den Haag", "Friesland": "Fryslân"}
# Target number of grid points in a municipality's bounding box (see ``sample_points``).
GRID_POINTS = 4000
MIN_INSIDE = 400
BASISTEAM_NOTE = (
    "Politiedistricten en basisteams (kleiner dan een regionale eenheid) zitten niet in de gebruikte "
    "grenzen van CBS/PDOK; of een gezamenlijk plan binnen één basisteam blijft, is hier dus niet na te gaan."
)


@dataclass(frozen=True)
class Area:
    """One feature of a boundary layer.

    ``polygons`` is a tuple of polygons; each polygon is a tuple of rings (float arrays of shape
    ``(m, 2)``, RD metres, closed: last point equals the first): the exterior ring first, then its holes.
    Rings are oriented exterior counter-clockwise, holes clockwise, so the non-zero fill rule of
    matplotlib and SVG draws holes as holes.
    """

    code: str
    name: str
    polygons: tuple[tuple[np.ndarray, ...], ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the exterior rings."""
        points = np.vstack([polygon[0] for polygon in self.polygons])
        return (*points.min(axis=0), *points.max(axis=0))


def _data_file(name: str):
    return resources.files("ivp") / "data" / name


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def _oriented(ring, *, counter_clockwise: bool) -> np.ndarray:
    ring = np.asarray(ring, dtype=float)
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return ring if (_signed_area(ring) > 0) == counter_clockwise else ring[::-1].copy()


def parse_geometry(geometry: dict) -> tuple[tuple[np.ndarray, ...], ...]:
    """The polygons of a GeoJSON ``Polygon`` or ``MultiPolygon`` geometry (see ``Area.polygons``)."""
    if geometry["type"] == "Polygon":
        raw = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        raw = geometry["coordinates"]
    else:
        raise ValueError(f"geometry type {geometry['type']!r} is not a (Multi)Polygon")
    return tuple(tuple(_oriented(ring, counter_clockwise=(i == 0)) for i, ring in enumerate(polygon))
                 for polygon in raw if polygon)


def areas_from_geojson(collection: dict) -> tuple[Area, ...]:
    """The features of a GeoJSON FeatureCollection (properties ``statcode``, ``statnaam``) as Areas,
    sorted by code; names go through ``NAME_FIXES``."""
    areas = [Area(str(f["properties"]["statcode"]),
                  NAME_FIXES.get(f["properties"]["statnaam"], str(f["properties"]["statnaam"])),
                  parse_geometry(f["geometry"]))
             for f in collection["features"]]
    return tuple(sorted(areas, key=lambda a: a.code))


@cache
def boundaries(layer: str) -> tuple[Area, ...]:
    """The shipped 2020 boundaries of ``layer`` (one of ``LAYERS``), sorted by code."""
    if layer not in LAYERS:
        raise ValueError(f"layer {layer!r} is unknown; expected one of {', '.join(LAYERS)}")
    with _data_file(f"geo/{LAYERS[layer]}").open("r", encoding="utf-8") as f:
        return areas_from_geojson(json.load(f))


def contains(area: Area, points: np.ndarray) -> np.ndarray:
    """Boolean array: which ``points`` (shape ``(n, 2)``) lie inside ``area`` (inside an exterior ring
    and not inside one of its holes, in any of its polygons)."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    inside = np.zeros(len(points), dtype=bool)
    for polygon in area.polygons:
        exterior = polygon[0]
        low, high = exterior.min(axis=0), exterior.max(axis=0)
        near = np.flatnonzero(((points >= low) & (points <= high)).all(axis=1) & ~inside)
        if not len(near):
            continue
        hit = Path(exterior).contains_points(points[near])
        for hole in polygon[1:]:
            hit &= ~Path(hole).contains_points(points[near])
        inside[near[hit]] = True
    return inside


def sample_points(area: Area, *, target: int = GRID_POINTS, min_inside: int = MIN_INSIDE) -> np.ndarray:
    """Centres of a regular square grid over ``area``'s bounding box that lie inside it.

    The grid has about ``target`` points in the bounding box; for a thin or sparse shape with fewer
    than ``min_inside`` points inside, the spacing is halved until it has (deterministic: no random
    points). Returns an array ``(n, 2)`` of RD coordinates; every point stands for the same area.
    """
    xmin, ymin, xmax, ymax = area.bbox
    spacing = max(np.sqrt((xmax - xmin) * (ymax - ymin) / target), 1.0)
    while True:
        xs = np.arange(xmin + spacing / 2, xmax, spacing)
        ys = np.arange(ymin + spacing / 2, ymax, spacing)
        grid = np.column_stack([np.repeat(xs, len(ys)), np.tile(ys, len(xs))])
        inside = grid[contains(area, grid)]
        if len(inside) >= min_inside or spacing <= 1.0:
            return inside
        spacing /= 2


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def derive_membership(municipalities=None, layers: dict | None = None, *,
                      target: int = GRID_POINTS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which region of each layer holds the largest share of each municipality's area.

    Args:
        municipalities: Areas to place (default: ``boundaries("gemeente")``).
        layers: layer name -> Areas (default: the shipped ``REGION_LAYERS``).
        target: grid points per municipality bounding box (see ``sample_points``).
    Returns:
        ``(membership, shares)``: ``membership`` has one row per municipality (sorted by code) with
        ``gemeentecode`` and, per layer L, ``L_code`` and ``L`` (name of the winning region);
        ``shares`` has ``gemeentecode``, ``laag``, ``code`` (winner), ``aandeel`` (share of the
        municipality's sample points in the winner), ``tweede_code``/``tweede_aandeel`` (runner-up, or
        empty/0), ``n_punten`` (sample points).
    Raises:
        ValueError when a municipality has no sample point in any region of a layer (it would get
        no region) or the winning share is tied (it would not get exactly one).
    """
    municipalities = boundaries("gemeente") if municipalities is None else municipalities
    layers = {name: boundaries(name) for name in REGION_LAYERS} if layers is None else layers
    rows, shares = [], []
    for municipality in municipalities:
        points = sample_points(municipality, target=target)
        row = {"gemeentecode": municipality.code}
        for layer, regions in layers.items():
            box = municipality.bbox
            candidates = [r for r in regions if _overlaps(box, r.bbox)]
            counts = np.array([contains(r, points).sum() for r in candidates], dtype=int)
            if not len(counts) or counts.max() == 0:
                raise ValueError(f"{municipality.code} ({municipality.name}): no sample point in any {layer}")
            order = np.argsort(-counts, kind="stable")
            best = order[0]
            second = order[1] if len(order) > 1 else None
            if second is not None and counts[second] == counts[best]:
                raise ValueError(f"{municipality.code} ({municipality.name}): tie between "
                                 f"{candidates[best].code} and {candidates[second].code} in {layer}")
            row[f"{layer}_code"] = candidates[best].code
            row[layer] = candidates[best].name
            shares.append({"gemeentecode": municipality.code, "laag": layer, "code": candidates[best].code,
                           "aandeel": counts[best] / len(points),
                           "tweede_code": candidates[second].code if second is not None and counts[second] else "",
                           "tweede_aandeel": counts[second] / len(points) if second is not None else 0.0,
                           "n_punten": len(points)})
        rows.append(row)
    columns = ["gemeentecode"] + [c for layer in layers for c in (f"{layer}_code", layer)]
    return pd.DataFrame(rows, columns=columns), pd.DataFrame(shares)


@lru_cache(maxsize=1)
def _membership() -> pd.DataFrame:
    with _data_file(REGIO_FILE).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def region_membership() -> pd.DataFrame:
    """Region of every 2020 municipality (``ivp/data/regio_2020.csv``, read once).

    Returns:
        one row per municipality (355, sorted by code) with text columns ``gemeentecode`` (GM0363),
        ``veiligheidsregio_code`` (VR13), ``veiligheidsregio`` (Amsterdam-Amstelland),
        ``regionale_eenheid_code`` (RE05), ``regionale_eenheid`` (Amsterdam), ``provincie_code`` (PV27),
        ``provincie`` (Noord-Holland). A copy: changing it does not change later calls.
    """
    return _membership().copy()


# --- joint plans and regions --------------------------------------------------------------------

REGION_LEVELS = ("veiligheidsregio", "regionale_eenheid", "provincie")


def joint_plan_regions(plans: pd.DataFrame, links: pd.DataFrame, *,
                       regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where each joint plan lies: in one veiligheidsregio, police unit and province, or across borders.

    Args:
        plans: the plans in scope, columns ``plan_id``, ``gezamenlijk`` (bool: ``ja`` or two or more
            distinct municipalities, as the cleaning stage derives it), optional ``titel``; only joint
            plans are placed.
        links: plan -> municipality rows, columns ``plan_id``, ``code`` (2020 CBS code).
        regions: as ``region_membership()`` (the default): ``gemeentecode`` and per level L in
            ``REGION_LEVELS`` the column L (region name).
    Returns:
        one row per joint plan (sorted by ``plan_id``): ``plan_id``, ``titel`` (empty when not given),
        ``n_gemeenten`` (distinct 2020 municipalities), ``beoordeelbaar`` (bool: at least two of them, so
        a border can be crossed; a plan joint per its source that names one municipality is not), and per
        level L: ``L`` (the regions' names, sorted, ``"; "``-joined), ``n_L`` (number of regions) and
        ``binnen_L`` (bool, one region; NA when not ``beoordeelbaar``).
    """
    regions = region_membership() if regions is None else regions
    joint = plans.loc[plans["gezamenlijk"].fillna(False).astype(bool)]
    joint = joint.sort_values("plan_id", kind="stable")
    titles = joint["titel"].fillna("").astype(str) if "titel" in joint.columns else pd.Series("", index=joint.index)
    linked = links.loc[links["plan_id"].isin(joint["plan_id"]) & links["code"].notna(), ["plan_id", "code"]]
    linked = linked.drop_duplicates().merge(regions.rename(columns={"gemeentecode": "code"}), on="code", how="left")
    unknown = linked.loc[linked[list(REGION_LEVELS)].isna().any(axis=1), "code"]
    if len(unknown):
        raise ValueError(f"municipalities without a region: {', '.join(sorted(set(unknown))[:10])}")
    grouped = linked.groupby("plan_id", sort=True)
    out = pd.DataFrame({"plan_id": joint["plan_id"].to_numpy(), "titel": titles.to_numpy()})
    out["n_gemeenten"] = out["plan_id"].map(grouped["code"].nunique()).fillna(0).astype(int)
    out["beoordeelbaar"] = out["n_gemeenten"] >= 2
    for level in REGION_LEVELS:
        names = grouped[level].agg(lambda v: "; ".join(sorted(set(v))))
        count = grouped[level].nunique()
        out[level] = out["plan_id"].map(names).fillna("")
        out[f"n_{level}"] = out["plan_id"].map(count).fillna(0).astype(int)
        out[f"binnen_{level}"] = pd.array(np.where(out["beoordeelbaar"], out[f"n_{level}"] == 1, pd.NA),
                                          dtype="boolean")
    return out.reset_index(drop=True)


def joint_plan_region_summary(table: pd.DataFrame) -> dict:
    """Counts of ``joint_plan_regions``: how many joint plans stay within one region per level.

    Args:
        table: as from ``joint_plan_regions``.
    Returns:
        keys ``n_joint`` (joint plans), ``n_assessable`` (with at least two known municipalities),
        ``n_partners_unknown``, ``partners_unknown`` (their plan_ids), and per level L in
        ``REGION_LEVELS``: ``{"within": n, "across": n, "share_within": within / n_assessable,
        "ci95_wilson": [low, high] (plans as independent units), "crossing": [{"plan_id", "titel",
        "regions": [names]}]}``; ``basisteam`` (Dutch note: police districts and basisteams are not
        available).
    """
    assessable = table[table["beoordeelbaar"].astype(bool)]
    out = {"n_joint": len(table), "n_assessable": len(assessable),
           "n_partners_unknown": int((~table["beoordeelbaar"].astype(bool)).sum()),
           "partners_unknown": table.loc[~table["beoordeelbaar"].astype(bool), "plan_id"].tolist()}
    for level in REGION_LEVELS:
        within = assessable[f"binnen_{level}"].astype(bool)
        crossing = assessable[~within]
        low, high = wilson_interval(int(within.sum()), len(assessable))
        out[level] = {
            "within": int(within.sum()), "across": len(crossing),
            "share_within": share(int(within.sum()), len(assessable)),
            "ci95_wilson": [float(low), float(high)],
            "crossing": [{"plan_id": r.plan_id, "titel": r.titel, "regions": getattr(r, level).split("; ")}
                         for r in crossing.itertuples()],
        }
    out["basisteam"] = BASISTEAM_NOTE
    return out
