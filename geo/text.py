"""Display text: escaping for HTML, JavaScript and Markdown, and the formatting of counts and dates.

The same formatting is used on the map, in the details panel and in exports, so a number reads
the same everywhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from geo.schema import CONFIDENCE_LABELS, LOCATION_PRECISION_LABELS, as_text, is_blank, is_missing, parse_partial_date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def escape_markdown(value: object) -> str:
    """Text for st.markdown: no link, image, HTML, LaTeX or emphasis can come from data."""
    text = as_text(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>!$~|:&#.])")


def escape_markdown_inline(value: object) -> str:
    """Data inside one line of st.markdown (a sentence, a bold run): no link, image, HTML, LaTeX,
    emphasis, directive or autolink can come from it, and an ordinary name (letters, digits, spaces,
    parentheses, dashes) is left exactly as it is."""
    text = as_text(value)
    return re.sub(r"\s*\n\s*", " ", _MARKDOWN_INLINE.sub(r"\\\1", text))


def safe_url(value: object) -> str | None:
    """An http(s) URL safe to put in a Markdown link target, or None."""
    if is_blank(value):
        return None
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe=":/?#@!&'*+,;=%~-._")


def short_name(name: object) -> str:
    """A name without its parenthetical remarks: "Hyesan (Ryanggang) security organs" -> "Hyesan security
    organs". A bracket glued to a word stays: "centre(s)"."""
    return re.sub(r"\s+\([^)]*\)", "", as_text(name)).strip()


def format_number(value: int) -> str:
    return f"{int(value):,}"


def format_count(low: object, high: object) -> str:
    """A reported number as a range, a bound, or 'unknown'. Never 0 for a missing count."""
    low_missing, high_missing = is_missing(low), is_missing(high)
    if low_missing and high_missing:
        return "unknown"
    if high_missing:
        return f"at least {format_number(low)}"
    if low_missing:
        return f"up to {format_number(high)}"
    if int(low) == int(high):
        return f"about {format_number(low)}"
    return f"{format_number(low)}–{format_number(high)}"


def _format_partial(text: str, precision: str) -> str:
    first, _ = parse_partial_date(text, precision)
    if len(text) == 4:
        return str(first.year)
    if len(text) == 7:
        return f"{MONTHS[first.month - 1]} {first.year}"
    return f"{first.day} {MONTHS[first.month - 1]} {first.year}"


def format_dates(start: object, end: object, precision: object) -> str:
    """'9 Oct 2023', 'Oct 2023 – Jan 2024', '2003–2016'; 'undated' when no date is known."""
    if is_blank(start):
        return "undated"
    prec = str(precision)
    first = _format_partial(str(start), prec)
    last = first if is_blank(end) or str(end) == str(start) else _format_partial(str(end), prec)
    text = first if last == first else (f"{first}–{last}" if len(str(start)) == 4 else f"{first} – {last}")
    if prec == "approximate":
        text = f"about {text}"
    return text


def precision_phrase(precision: object) -> str:
    return {"day": "to the day", "month": "to the month", "year": "to the year", "approximate": "approximate"}.get(
        str(precision), "unknown"
    )


def confidence_label(value: object) -> str:
    return CONFIDENCE_LABELS.get(str(value), "Unknown")


def location_label(precision: object, radius_m: object) -> str:
    label = LOCATION_PRECISION_LABELS.get(str(precision), "unknown")
    if not is_missing(radius_m) and str(precision) in ("town", "city", "region"):
        return f"{label}, within about {float(radius_m) / 1000:g} km"
    return label


def format_source_date(value: str) -> str:
    """'2023-10-12' → '12 Oct 2023'; free text such as 'n.d. (≈Dec 2023)' is kept as it is."""
    for precision in ("day", "month", "year"):
        try:
            return _format_partial(value, precision)
        except (ValueError, IndexError):
            continue
    return value
