"""The one CSV writer: every CSV the project writes (exports, the Import page's rejection report, the
example file) goes through `csv_text` / `csv_bytes_of`, so no cell can run as a spreadsheet formula and
no cell can split a row.

- A text cell that starts with a formula character (``= + - @``, tab, carriage return) gets a leading
  apostrophe, which spreadsheets show as text (OWASP's CSV-injection advice).
- The line terminator is CRLF and quoting is minimal, so any cell holding a comma, a quote, a CR or an LF
  is quoted: a value starting with a carriage return stays inside its row.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value: object) -> str:
    """Numbers as written (every digit), lists joined with ';', text neutralised; None and NaN empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return neutralise_formula(";".join(str(item) for item in value))
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return repr(value)
    return neutralise_formula(str(value))


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The header and rows as CSV text, every cell through csv_cell (header names too)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def csv_bytes_of(frame: pd.DataFrame, bom: bool = True) -> bytes:
    """A table as UTF-8 CSV (with a byte-order mark by default, so spreadsheets read Korean and Chinese)."""
    rows = (list(row) for row in frame.itertuples(index=False, name=None))
    return csv_text(list(frame.columns), rows).encode("utf-8-sig" if bom else "utf-8")
