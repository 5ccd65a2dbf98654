"""Files for people: tables the tool writes for a researcher to open in Excel or LibreOffice
(``te_beoordelen.csv`` and the like) must not run formulas smuggled in through the data.

The OWASP rule against CSV injection (https://owasp.org/www-community/attacks/CSV_Injection): a text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single
quote, so the spreadsheet shows it as text. Use this only on copies written for people; data that the
analysis reads (``data/processed``, the pipeline input written by ``ivp codeer``) keeps its values.

The prefix is reversible: ``restore_formulas`` undoes ``neutralise_formulas`` exactly, so a reviewed file
can be read back without a stray quote. To make that exact, a text that already starts with quotes
followed by a formula character (``'=x``) gets one more quote as well.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ivp.running.atomic import write_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISE = re.compile(r"'*[=+\-@\t\r]")  # text a spreadsheet would run, with any quotes already before it
_RESTORE = re.compile(r"'+[=+\-@\t\r]")


def neutralise_cell(value):
    """``value`` with a leading ``'`` when it is text that starts (after any quotes) with a formula
    character; any other value (numbers, missing values, other text) unchanged."""
    if isinstance(value, str) and _NEUTRALISE.match(value):
        return "'" + value
    return value


def restore_cell(value):
    """The inverse of ``neutralise_cell``: drop the one quote it added; anything else unchanged."""
    if isinstance(value, str) and _RESTORE.match(value):
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, cell) -> pd.DataFrame:
    out = frame.copy()
    for position in range(out.shape[1]):  # by position: column names may repeat
        series = out.iloc[:, position]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out.isetitem(position, series.cat.rename_categories(cell))  # the mapping is one-to-one
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            # built cell by cell: Series.map would re-infer the dtype and turn None into NaN
            out.isetitem(position, pd.Series([cell(v) for v in series], index=series.index, dtype=series.dtype))
    out.columns = [cell(c) for c in out.columns]
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` that is safe to open in a spreadsheet (OWASP CSV-injection rule).

    Args:
        frame: any table; its text cells (object, string or categorical columns) and column names are
            looked at, numeric, boolean and date columns are left as they are.
    Returns:
        the same columns, index and dtypes; every text cell or column name starting with ``=``, ``+``,
        ``-``, ``@``, tab or carriage return (possibly after quotes) gets a leading ``'``. ``frame`` itself
        is not changed.
    """
    return _map_text(frame, neutralise_cell)


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The original values of a table written through ``neutralise_formulas`` (for reading it back).

    Args:
        frame: a table as ``neutralise_formulas`` returned it (or as read back from its file as text).
    Returns:
        the same columns, index and dtypes with the added quotes removed.
    """
    return _map_text(frame, restore_cell)


def write_csv(frame: pd.DataFrame, path: Path, *, sep: str = ",") -> Path:
    """Write ``frame`` for people to open in a spreadsheet: formulas neutralised, UTF-8 with a byte-order
    mark (so Excel reads accents correctly), ``\\n`` line ends, without the index, written atomically.
    The ivp input reader reads the file back (BOM and ``;`` are accepted)."""
    text = neutralise_formulas(frame).to_csv(index=False, sep=sep, lineterminator="\n")
    write_text(Path(path), "\ufeff" + text)
    return Path(path)
