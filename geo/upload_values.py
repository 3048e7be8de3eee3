"""An upload's cells turned into contract values: text, counts, decimals, dates and id lists.

Each coercion returns (value, None) or (None, why): a cell is rejected with its reason, never repaired.
Pure (no streamlit).
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from geo.i18n import _
from geo.schema import COUNT_LIMIT, DateError, as_id_list, parse_partial_date
from geo.text import MONTHS
from geo.upload_read import _CONTROL, _MAX_DECIMAL_DIGITS, MAX_TEXT_CHARS, NonFinite, _json_type, _show


def spaces_problem(name: str, value: object) -> str | None:
    """The one trimming rule, for every field whose value is checked (numbers, dates, enumerations, ids):
    nothing is trimmed. A value with spaces, tabs or non-breaking spaces around it is rejected; a value of
    only spaces is empty. Free text (names, notes, a source) is kept exactly as written."""
    if isinstance(value, str) and value.strip() != "" and value != value.strip():
        return _("{name} {value} has spaces around it: nothing is trimmed, remove them", name=name, value=_show(value))
    return None


def _nested_problem(name: str, value: object) -> str | None:
    if isinstance(value, dict):
        return _("{name} is a JSON object (nested properties); expected a single value", name=name)
    if isinstance(value, list):
        return _("{name} is an array; expected a single value", name=name)
    if isinstance(value, NonFinite):
        return _("{name} is {text}: NaN and Infinity are not values (and not valid JSON)", name=name, text=value.text)
    if isinstance(value, bytes):
        return _("{name} is binary data; expected text", name=name)
    return None


def text_value(name: str, value: object) -> tuple[str | None, str | None]:
    """Text stays text, exactly: "" stays "", "NA" stays "NA", "007" stays "007"."""
    if value is None:
        return None, None
    problem = _nested_problem(name, value)
    if problem:
        return None, problem
    if isinstance(value, bool):
        return None, _("{name} is true/false; expected text", name=name)
    if isinstance(value, int) and name == "id":
        return str(value), None  # an integer id (a GeoPackage key) reads the same as text
    if isinstance(value, int | float):
        return None, _("{name} is a number ({value!r}); expected text: put it in quotes", name=name, value=value)
    if not isinstance(value, str):
        return None, _("{name} has an unsupported type {type}", name=name, type=type(value).__name__)
    if len(value) > MAX_TEXT_CHARS:
        return None, _(
            "{name} is {count:,} characters long; the limit is {max_text_chars:,}",
            name=name,
            count=len(value),
            max_text_chars=MAX_TEXT_CHARS,
        )
    if _CONTROL.search(value):
        return None, _(
            "{name} contains a control character (U+{code:04X})", name=name, code=ord(_CONTROL.search(value).group())
        )
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
        return True, _("{name} is true/false; expected {expected}", name=name, expected=expected)
    if isinstance(value, str):
        if not from_text:
            return True, _("{name} is text ({value}); numbers must not be in quotes", name=name, value=_show(value))
        if value.strip() == "":
            return True, None
        problem = spaces_problem(name, value)
        if problem:
            return True, problem
    return False, None


def count_value(name: str, value: object, from_text: bool) -> tuple[int | None, str | None]:
    """A whole number or empty. In CSV, digits; elsewhere a JSON/SQL number (text is refused)."""
    settled, problem = _number_prelude(name, value, from_text, _("a whole number"))
    if settled:
        return None, problem
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lower() in _NAN_WORDS:
            return None, _(
                "{name} is {value}, not a number; leave the cell empty when the count is unknown",
                name=name,
                value=_show(value),
            )
        if not _WHOLE.match(stripped):
            return None, (
                _(
                    "{name} {value} is not a whole number (digits only); leave the cell empty when "
                    "the count is unknown",
                    name=name,
                    value=_show(value),
                )
            )
        if len(stripped) > 1 and stripped.startswith("0"):
            return None, _(
                "{name} {value} has a leading zero; write the number without it", name=name, value=_show(value)
            )
        if len(stripped) > len(str(COUNT_LIMIT)):  # never int() thousands of digits
            return None, _(
                "{name} must be below {count_limit:,}, got a number of {count:,} digits",
                name=name,
                count_limit=COUNT_LIMIT,
                count=len(stripped),
            )
        return int(stripped), None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, _("{name} is {value}, not a number", name=name, value=value)
        if not value.is_integer():
            return None, _("{name} must be a whole number, got {value}", name=name, value=value)
        if abs(value) >= COUNT_LIMIT:
            return None, _(
                "{name} must be below {count_limit:,}, got {value:.3g}", name=name, count_limit=COUNT_LIMIT, value=value
            )
        return int(value), None
    if isinstance(value, int):
        if abs(value) >= COUNT_LIMIT:
            return None, _(
                "{name} must be below {count_limit:,}, got a number of {count:,} digits",
                name=name,
                count_limit=COUNT_LIMIT,
                count=len(str(abs(value))),
            )
        return value, None
    return None, _("{name} has an unsupported type {type}", name=name, type=type(value).__name__)


def decimal_value(name: str, value: object, from_text: bool) -> tuple[int | float | None, str | None]:
    """A decimal number or empty; in CSV with a point as the decimal separator."""
    settled, problem = _number_prelude(name, value, from_text, _("a number"))
    if settled:
        return None, problem
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lower() in _NAN_WORDS:
            return None, _("{name} is {value}: NaN and Infinity are not numbers", name=name, value=_show(value))
        if not _DECIMAL.match(stripped):
            if re.match(r"^[+-]?[0-9]+,[0-9]+$", stripped):
                return None, _(
                    "{name} {value} is not a decimal number (use a point as the decimal separator)",
                    name=name,
                    value=_show(value),
                )
            return None, _("{name} {value} is not a decimal number", name=name, value=_show(value))
        if len(stripped.lstrip("+-").split(".")[0].lstrip("0")) > _MAX_DECIMAL_DIGITS:
            return None, _too_large(name)
        return (int(stripped) if re.match(r"^[+-]?[0-9]+$", stripped) else float(stripped)), None
    if isinstance(value, int):
        if abs(value) >= 10**_MAX_DECIMAL_DIGITS:
            return None, _too_large(name)
        return value, None  # an integer stays an integer
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, _("{name} is {value}, not a finite number", name=name, value=value)
        if abs(value) >= 10**_MAX_DECIMAL_DIGITS:
            return None, _too_large(name)
        return value, None
    return None, _("{name} has an unsupported type {type}", name=name, type=type(value).__name__)


def _too_large(name: str) -> str:
    return _(
        "{name} is too large (more than {max_decimal_digits} digits before the decimal point)",
        name=name,
        max_decimal_digits=_MAX_DECIMAL_DIGITS,
    )


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ISO_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUMERIC_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_NUMERIC_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")


def _write_as_iso(name: str, value: object, year: str, month: int, day: int) -> str:
    return _(
        "{name} {value} is not an ISO 8601 date: write it as {year}-{month:02d}-{day:02d}",
        name=name,
        value=_show(value),
        year=year,
        month=month,
        day=day,
    )


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
        return (
            None,
            None,
            _('{name} is a number ({value!r}); write dates as text such as "2023-10-09"', name=name, value=value),
        )
    if not isinstance(value, str):
        return None, None, _("{name} has an unsupported type {type}", name=name, type=type(value).__name__)
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
            return None, None, _("{name}: impossible date {error}", name=name, error=error)
        return text, precision, None
    match = _ISO_DATETIME.match(text)
    if match:
        day = match.group(1)
        try:
            parse_partial_date(day, "day")
        except DateError as error:
            return None, None, _("{name}: impossible date {error}", name=name, error=error)
        try:
            datetime.fromisoformat(text.replace(",", "."))
        except ValueError:
            return None, None, _("{name} {value} has an impossible time of day", name=name, value=_show(value))
        return day, "day", None
    match = _NUMERIC_DMY.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
        if len(year) == 2:
            return (
                None,
                None,
                _(
                    "{name} {value} has a two-digit year; write it as YYYY-MM-DD (ISO 8601)",
                    name=name,
                    value=_show(value),
                ),
            )
        if first <= 12 and second <= 12 and first != second:
            return (
                None,
                None,
                (
                    _(
                        "{name} {value} is ambiguous: {first} {month} or {second} {month2}? Write "
                        "dates as YYYY-MM-DD (ISO 8601)",
                        name=name,
                        value=_show(value),
                        first=first,
                        month=_month(second),
                        second=second,
                        month2=_month(first),
                    )
                ),
            )
        day, month = (first, second) if first > 12 else (second, first)
        return None, None, _write_as_iso(name, value, year, month, day)
    match = _NUMERIC_YMD.match(text)
    if match:
        year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
        return None, None, _write_as_iso(name, value, year, month, day)
    return (
        None,
        None,
        _("{name} {value} is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)", name=name, value=_show(value)),
    )


def _month(number: int) -> str:
    return _(MONTHS[number - 1])  # "Mar" is a message of the site's words too: 3월 in Korean


def id_list_value(name: str, value: object) -> tuple[list[str] | None, str | None]:
    """Source ids: a JSON array of text, or text with ids separated by ';'."""
    if value is None:
        return [], None
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                return None, _("{name} holds {type}; expected source ids as text", name=name, type=_json_type(item))
        return as_id_list(value), None
    problem = _nested_problem(name, value)
    if problem:
        return None, problem
    if not isinstance(value, str):
        return None, _(
            "{name} is {type}; expected source ids as text separated by ';'", name=name, type=_json_type(value)
        )
    return as_id_list(value), None
