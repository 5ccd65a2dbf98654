"""Who is in the sample: covered municipalities against all municipalities, by cohort, province and
veiligheidsregio (reference data of 2020: ``ivp.reference.municipalities``, ``ivp.reference.regions``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ivp.analysis.municipalities import STRATA, cohort_strata
from ivp.reference.municipalities import municipalities
from ivp.reference.regions import region_membership

TOTAL = "totaal"
COLUMNS = ["n_gemeenten", "n_gedekt", "dekking", "aandeel_populatie", "aandeel_gedekt"]
SIZE_CLASS_NOTE = (
    "Grootteklassen naar inwonertal (CBS) ontbreken: het pakket bevat geen inwonertallen van 2020, en uit de "
    "gegevens die wel meekomen (namen, cohorten, grenzen) is het inwonertal niet eerlijk af te leiden. De "
    "cohorten G4 en G40 zijn bovendien lidmaatschapslijsten, geen grootteklassen."
)


def _groups(population: pd.Index) -> dict[str, pd.Series]:
    names = municipalities().set_index("code")
    regions = region_membership().set_index("gemeentecode")
    return {
        "cohort": cohort_strata().reindex(population).astype(object),
        "provincie": names["provincie"].reindex(population),
        "veiligheidsregio": regions["veiligheidsregio"].reindex(population),
    }


def coverage_table(groups: pd.Series, covered, *, order=None) -> pd.DataFrame:
    """Population and covered municipalities per group, with a total row.

    Args:
        groups: group label of every municipality of the population (index: code).
        covered: covered codes; those outside ``groups.index`` are not counted.
        order: row order (default: sorted labels).
    Returns:
        one row per group that has members, then ``totaal`` (index named ``groups.name``): ``n_gemeenten``,
        ``n_gedekt``, ``dekking`` (n_gedekt / n_gemeenten), ``aandeel_populatie`` (the group's share of the
        population), ``aandeel_gedekt`` (its share of the covered municipalities; NaN when none are).
    """
    is_covered = groups.index.isin(list(covered))
    frame = pd.DataFrame({"groep": groups.to_numpy(), "gedekt": is_covered})
    counts = frame.groupby("groep", sort=False)["gedekt"].agg(["size", "sum"])
    labels = [g for g in (order if order is not None else sorted(counts.index)) if g in counts.index]
    counts = counts.reindex(labels)
    n, k = counts["size"].to_numpy(dtype=int), counts["sum"].to_numpy(dtype=int)
    total_n, total_k = int(n.sum()), int(k.sum())
    n, k = np.append(n, total_n), np.append(k, total_k)
    table = pd.DataFrame({
        "n_gemeenten": n, "n_gedekt": k,
        "dekking": np.divide(k, n, out=np.full(len(n), np.nan), where=n > 0),
        "aandeel_populatie": n / total_n if total_n else np.full(len(n), np.nan),
        "aandeel_gedekt": k / total_k if total_k else np.full(len(n), np.nan),
    }, index=pd.Index([*labels, TOTAL], name=groups.name))
    return table


def representativeness(covered, *, population=None) -> dict:
    """Sample against population by cohort, province and veiligheidsregio.

    Args:
        covered: the covered municipalities (2020 CBS codes).
        population: the codes to compare with (default: all 355 of 2020; for a cohort job its members).
            Covered codes outside it are not counted.
    Returns:
        ``{"cohort": DataFrame, "provincie": DataFrame, "veiligheidsregio": DataFrame,
        "grootteklassen": SIZE_CLASS_NOTE}``; each table as ``coverage_table`` (rows G4, G40, P10, overig;
        provinces and regions sorted by name; only groups with members in the population; then ``totaal``).
        The CBS population size classes are left out (no population data ships): the value of
        ``grootteklassen`` says so in Dutch.
    """
    population = pd.Index(sorted(municipalities()["code"] if population is None else set(population)))
    unknown = population.difference(pd.Index(municipalities()["code"]))
    if len(unknown):
        raise ValueError(f"unknown municipality codes: {', '.join(map(str, unknown[:10]))}")
    tables = {}
    for name, groups in _groups(population).items():
        tables[name] = coverage_table(groups.rename(name), covered, order=list(STRATA) if name == "cohort" else None)
    tables["grootteklassen"] = SIZE_CLASS_NOTE
    return tables
