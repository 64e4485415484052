"""The dashboards' downloads: exactly the rows behind a page, as CSV or Excel.

The rows are the engine's own (metrics.md "The output contract"), already filtered and already
suppressed for the viewer: a hidden row keeps ``suppressed`` = true and blank numbers, never the
symbol ``c`` in a numeric column (methods.md §3 rule 5), so a download can be re-read by the
same tools as ``arpkit metrics --out``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv(rows: pd.DataFrame) -> bytes:
    return rows.to_csv(index=False).encode("utf-8")


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def to_xlsx(rows: pd.DataFrame, about: Iterable[tuple[str, str]]) -> bytes:
    """A workbook with the rows on "Data" and what they are (filters, suppression) on
    "About"; blank cells where the engine has none."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(list(rows.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for record in rows.itertuples(index=False):
        ws.append([_cell(v) for v in record])
    ws.freeze_panes = "A2"
    info = wb.create_sheet("About")
    info.append(["Item", "Value"])
    for cell in info[1]:
        cell.font = Font(bold=True)
    for key, value in about:
        info.append([key, value])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
