"""CSV cells that a spreadsheet cannot run: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is a formula to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``,
``=cmd|...``), so it is written with a leading ``'``. Numeric and boolean columns are left as they are (a
negative number stays a number). A carriage return inside a cell becomes a line feed: pandas' writer does
not quote a lone CR, which spreadsheets read as the end of the row (the rest of the cell would start a new
row, and could start a formula); a cell holding a line feed is quoted. Parquet files keep the text
unchanged: they are data, not formulas.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with a ``'`` in front when it is text a spreadsheet would read as a formula, and its
    carriage returns turned into line feeds."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) went through :func:`safe_cell`."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            out[column] = series.map(safe_cell).astype(object)
    out.columns = [safe_cell(c) for c in out.columns]
    return out
