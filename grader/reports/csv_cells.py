"""CSV cells that a spreadsheet cannot run: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is a formula to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``,
``=cmd|...``), so it is written with a leading ``'``. Numeric and boolean columns are left as they are (a
negative number stays a number). Parquet files keep the text unchanged: they are data, not formulas.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with a ``'`` in front when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) went through :func:`safe_cell`."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            out[column] = series.map(safe_cell).astype(object)
    out.columns = [safe_cell(c) for c in out.columns]
    return out
