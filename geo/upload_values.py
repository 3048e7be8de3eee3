"""An upload's cells turned into contract values: text, counts, decimals, dates and id lists.

Each coercion returns (value, None) or (None, why): a cell is rejected with its reason, never repaired.
Pure (no streamlit).
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from geo.schema import COUNT_LIMIT, DateError, as_id_list, parse_partial_date
from geo.text import MONTHS
from geo.upload_read import _CONTROL, _MAX_DECIMAL_DIGITS, MAX_TEXT_CHARS, NonFinite, _json_type, _show


def spaces_problem(name: str, value: object) -> str | None:
    """The one trimming rule, for every field whose value is checked (numbers, dates, enumerations, ids):
    nothing is trimmed. A value with spaces, tabs or non-breaking spaces around it is rejected; a value of
    only spaces is empty. Free text (names, notes, a source) is kept exactly as written."""
    if isinstance(value, str) and value.strip() != "" and value != value.strip():
        return f"{name} {_show(value)} has spaces around it: nothing is trimmed, remove them"
    return None


def _nested_problem(name: str, value: object) -> str | None:
    if isinstance(value, dict):
        return f"{name} is a JSON object (nested properties); expected a single value"
    if isinstance(value, list):
        return f"{name} is an array; expected a single value"
    if isinstance(value, NonFinite):
        return f"{name} is {value.text}: NaN and Infinity are not values (and not valid JSON)"
    if isinstance(value, bytes):
        return f"{name} is binary data; expected text"
    return None


def text_value(name: str, value: object) -> tuple[str | None, str | None]:
    """Text stays text, exactly: "" stays "", "NA" stays "NA", "007" stays "007"."""
    if value is None:
        return None, None
    problem = _nested_problem(name, value)
    if problem:
        return None, problem
    if isinstance(value, bool):
        return None, f"{name} is true/false; expected text"
    if isinstance(value, int) and name == "id":
        return str(value), None  # an integer id (a GeoPackage key) reads the same as text
    if isinstance(value, int | float):
        return None, f"{name} is a number ({value!r}); expected text: put it in quotes"
    if not isinstance(value, str):
        return None, f"{name} has an unsupported type {type(value).__name__}"
    if len(value) > MAX_TEXT_CHARS:
        return None, f"{name} is {len(value):,} characters long; the limit is {MAX_TEXT_CHARS:,}"
    if _CONTROL.search(value):
        return None, f"{name} contains a control character (U+{ord(_CONTROL.search(value).group()):04X})"
    return value, None


_WHOLE = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_NAN_WORDS = {"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _number_prelude(name: str, value: object, from_text: bool, expected: str) -> tuple[bool, str | None]:
    """(settled, problem) for what count_value and decimal_value treat alike: no value or an empty cell
    (settled, no problem), a nested value, true/false, a number in quotes outside a CSV, spaces around it."""
    if value is None:
        return True, None
    problem = _nested_problem(name, value)
    if problem:
        return True, problem
    if isinstance(value, bool):
        return True, f"{name} is true/false; expected {expected}"
    if isinstance(value, str):
        if not from_text:
            return True, f"{name} is text ({_show(value)}); numbers must not be in quotes"
        if value.strip() == "":
            return True, None
        problem = spaces_problem(name, value)
        if problem:
            return True, problem
    return False, None


def count_value(name: str, value: object, from_text: bool) -> tuple[int | None, str | None]:
    """A whole number or empty. In CSV, digits; elsewhere a JSON/SQL number (text is refused)."""
    settled, problem = _number_prelude(name, value, from_text, "a whole number")
    if settled:
        return None, problem
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lower() in _NAN_WORDS:
            return None, f"{name} is {_show(value)}, not a number; leave the cell empty when the count is unknown"
        if not _WHOLE.match(stripped):
            return None, (
                f"{name} {_show(value)} is not a whole number (digits only); leave the cell empty when the count "
                "is unknown"
            )
        if len(stripped) > 1 and stripped.startswith("0"):
            return None, f"{name} {_show(value)} has a leading zero; write the number without it"
        if len(stripped) > len(str(COUNT_LIMIT)):  # never int() thousands of digits
            return None, f"{name} must be below {COUNT_LIMIT:,}, got a number of {len(stripped):,} digits"
        return int(stripped), None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, f"{name} is {value}, not a number"
        if not value.is_integer():
            return None, f"{name} must be a whole number, got {value}"
        if abs(value) >= COUNT_LIMIT:
            return None, f"{name} must be below {COUNT_LIMIT:,}, got {value:.3g}"
        return int(value), None
    if isinstance(value, int):
        if abs(value) >= COUNT_LIMIT:
            return None, f"{name} must be below {COUNT_LIMIT:,}, got a number of {len(str(abs(value))):,} digits"
        return value, None
    return None, f"{name} has an unsupported type {type(value).__name__}"


def decimal_value(name: str, value: object, from_text: bool) -> tuple[int | float | None, str | None]:
    """A decimal number or empty; in CSV with a point as the decimal separator."""
    settled, problem = _number_prelude(name, value, from_text, "a number")
    if settled:
        return None, problem
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lower() in _NAN_WORDS:
            return None, f"{name} is {_show(value)}: NaN and Infinity are not numbers"
        if not _DECIMAL.match(stripped):
            hint = " (use a point as the decimal separator)" if re.match(r"^[+-]?[0-9]+,[0-9]+$", stripped) else ""
            return None, f"{name} {_show(value)} is not a decimal number{hint}"
        if len(stripped.lstrip("+-").split(".")[0].lstrip("0")) > _MAX_DECIMAL_DIGITS:
            return None, _too_large(name)
        return (int(stripped) if re.match(r"^[+-]?[0-9]+$", stripped) else float(stripped)), None
    if isinstance(value, int):
        if abs(value) >= 10**_MAX_DECIMAL_DIGITS:
            return None, _too_large(name)
        return value, None  # an integer stays an integer
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, f"{name} is {value}, not a finite number"
        if abs(value) >= 10**_MAX_DECIMAL_DIGITS:
            return None, _too_large(name)
        return value, None
    return None, f"{name} has an unsupported type {type(value).__name__}"


def _too_large(name: str) -> str:
    return f"{name} is too large (more than {_MAX_DECIMAL_DIGITS} digits before the decimal point)"


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ISO_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUMERIC_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_NUMERIC_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")


def date_value(name: str, value: object) -> tuple[str | None, str | None, str | None]:
    """(ISO partial date, its precision by form, problem).

    A date-time keeps the calendar day written in it: "2023-10-09T23:30:00+09:00" is 2023-10-09,
    never converted to UTC (which would be 2023-10-08 14:30).
    """
    if value is None:
        return None, None, None
    problem = _nested_problem(name, value)
    if problem:
        return None, None, problem
    if isinstance(value, bool | int | float):
        return None, None, f'{name} is a number ({value!r}); write dates as text such as "2023-10-09"'
    if not isinstance(value, str):
        return None, None, f"{name} has an unsupported type {type(value).__name__}"
    text = value.strip()
    if text == "":
        return value, None, None  # blank stays as given: no date
    if spaces_problem(name, value):
        return None, None, spaces_problem(name, value)
    match = _ISO_PARTIAL.match(text)
    if match:
        precision = "year" if match.group(2) is None else "month" if match.group(3) is None else "day"
        try:
            parse_partial_date(text, precision)
        except DateError as error:
            return None, None, f"{name}: impossible date {error}"
        return text, precision, None
    match = _ISO_DATETIME.match(text)
    if match:
        day = match.group(1)
        try:
            parse_partial_date(day, "day")
        except DateError as error:
            return None, None, f"{name}: impossible date {error}"
        try:
            datetime.fromisoformat(text.replace(",", "."))
        except ValueError:
            return None, None, f"{name} {_show(value)} has an impossible time of day"
        return day, "day", None
    match = _NUMERIC_DMY.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
        if len(year) == 2:
            return None, None, f"{name} {_show(value)} has a two-digit year; write it as YYYY-MM-DD (ISO 8601)"
        if first <= 12 and second <= 12 and first != second:
            return (
                None,
                None,
                (
                    f"{name} {_show(value)} is ambiguous: {first} {_month(second)} or {second} {_month(first)}? "
                    "Write dates as YYYY-MM-DD (ISO 8601)"
                ),
            )
        day, month = (first, second) if first > 12 else (second, first)
        return None, None, f"{name} {_show(value)} is not an ISO 8601 date: write it as {year}-{month:02d}-{day:02d}"
    match = _NUMERIC_YMD.match(text)
    if match:
        year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
        return None, None, f"{name} {_show(value)} is not an ISO 8601 date: write it as {year}-{month:02d}-{day:02d}"
    return None, None, f"{name} {_show(value)} is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)"


def _month(number: int) -> str:
    return MONTHS[number - 1]


def id_list_value(name: str, value: object) -> tuple[list[str] | None, str | None]:
    """Source ids: a JSON array of text, or text with ids separated by ';'."""
    if value is None:
        return [], None
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                return None, f"{name} holds {_json_type(item)}; expected source ids as text"
        return as_id_list(value), None
    problem = _nested_problem(name, value)
    if problem:
        return None, problem
    if not isinstance(value, str):
        return None, f"{name} is {_json_type(value)}; expected source ids as text separated by ';'"
    return as_id_list(value), None
