"""Display text: escaping for HTML, JavaScript and Markdown, and the formatting of counts and dates.

The same formatting is used on the map, in the details panel and in exports, so a number reads
the same everywhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from babel.dates import format_date, format_skeleton

from geo.i18n import N_, _, language
from geo.schema import (
    CONFIDENCE_LABELS,
    COUNT_CONFIDENCE_LABELS,
    LOCATION_PRECISION_LABELS,
    as_id_list,
    as_text,
    is_blank,
    is_missing,
    parse_count_estimates,
    parse_partial_date,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Bidirectional controls (embeddings, overrides, isolates, marks) can make a name read as something else
# ("U+202E" turns "gpj.exe" around). In display they are shown as what they are, never applied.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Text in a map tooltip or label: longer text is cut here, and the details panel shows it whole.
SHORT_TEXT_CHARS = 160  # the longest bundled name is 114


def neutralise_bidi(text: str) -> str:
    return _BIDI_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)


def display_text(value: object, limit: int | None = None) -> str:
    """Data text for display: bidi controls shown, not applied; cut to `limit` characters with "…"."""
    text = neutralise_bidi("" if is_blank(value) else str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def escape_markdown(value: object) -> str:
    """Text for st.markdown: no link, image, HTML, LaTeX or emphasis can come from data."""
    text = display_text(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>!$~|:&#.])")


def escape_markdown_inline(value: object) -> str:
    """Data inside one line of st.markdown (a sentence, a bold run): no link, image, HTML, LaTeX,
    emphasis, directive or autolink can come from it, and an ordinary name (letters, digits, spaces,
    parentheses, dashes) is left exactly as it is."""
    text = display_text(value)
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
        return _("unknown")
    if high_missing:
        return _("at least {count}", count=format_number(low))
    if low_missing:
        return _("up to {count}", count=format_number(high))
    if int(low) == int(high):
        return _("about {count}", count=format_number(low))
    return f"{format_number(low)}–{format_number(high)}"


def _format_partial(text: str, precision: str) -> str:
    first, _last = parse_partial_date(text, precision)
    lang = language()
    if lang != "en":  # the locale's own forms: 2023년 / 2023년 10월 / 2023년 10월 9일
        if len(text) == 4:
            return format_skeleton("y", first, locale=lang)
        if len(text) == 7:
            return format_skeleton("yMMM", first, locale=lang)
        return format_date(first, "long", locale=lang)
    if len(text) == 4:
        return str(first.year)
    if len(text) == 7:
        return f"{MONTHS[first.month - 1]} {first.year}"
    return f"{first.day} {MONTHS[first.month - 1]} {first.year}"


def format_dates(start: object, end: object, precision: object) -> str:
    """'9 Oct 2023', 'Oct 2023 – Jan 2024', '2003–2016'; 'undated' when no date is known."""
    if is_blank(start):
        return _("undated")
    prec = str(precision)
    first = _format_partial(str(start), prec)
    last = first if is_blank(end) or str(end) == str(start) else _format_partial(str(end), prec)
    text = first if last == first else (f"{first}–{last}" if len(str(start)) == 4 else f"{first} – {last}")
    if prec == "approximate":
        text = _("about {dates}", dates=text)
    return text


PRECISION_PHRASES = {
    "day": N_("to the day"),
    "month": N_("to the month"),
    "year": N_("to the year"),
    "approximate": N_("approximate"),
}


def precision_phrase(precision: object) -> str:
    return _(PRECISION_PHRASES.get(str(precision), N_("unknown")))


def confidence_label(value: object) -> str:
    return _(CONFIDENCE_LABELS.get(str(value), N_("Unknown")))


def location_label(precision: object, radius_m: object) -> str:
    label = _(LOCATION_PRECISION_LABELS.get(str(precision), N_("unknown")))
    if not is_missing(radius_m) and str(precision) in ("town", "city", "region"):
        km = f"{float(radius_m) / 1000:g}"
        return _("{label}, within about {km} km", label=label, km=km)
    return label


def format_source_date(value: str) -> str:
    """'2023-10-12' → '12 Oct 2023'; free text such as 'n.d. (≈Dec 2023)' is kept as it is."""
    for precision in ("day", "month", "year"):
        try:
            return _format_partial(value, precision)
        except (ValueError, IndexError):
            continue
    return value


def publisher_names(sources: object) -> dict[str, str]:
    """Source id -> the outlet's short name (the `publisher` column, else `outlet`), for count phrases."""
    names: dict[str, str] = {}
    for record in sources.to_dict("records"):  # type: ignore[attr-defined]
        name = record.get("publisher") or record.get("outlet") or record.get("id")
        names[str(record.get("id"))] = str(name)
    return names


def _outlets(ids: object, names: dict[str, str]) -> str:
    seen: list[str] = []
    for sid in as_id_list(ids):
        name = names.get(sid, sid)
        if name not in seen:
            seen.append(name)
    return ", ".join(seen)


def count_confidence_phrase(row: object, names: dict[str, str]) -> str:
    """The count's own confidence and who gives it: "about 300: single source (The Economist)";
    a conflicting count lists each estimate with its outlet. Empty when the row has no count."""
    get = row.get  # type: ignore[attr-defined]
    count = format_count(get("count_low"), get("count_high"))
    level = get("count_confidence")
    if count == "unknown" or is_blank(level):
        return ""
    label = _(COUNT_CONFIDENCE_LABELS[str(level)]) if str(level) in COUNT_CONFIDENCE_LABELS else str(level)
    if level == "conflicting":
        try:
            estimates = parse_count_estimates(get("count_estimates"))
        except ValueError:
            estimates = []
        listed = "; ".join(
            f"{e.low:,}{'' if e.high == e.low else (f'–{e.high:,}' if e.high is not None else '+')} "
            f"({_outlets(e.source_ids, names)})"
            for e in estimates
        )
        return f"{count}: {label}" + (f": {listed}" if listed else "")
    outlets = _outlets(get("count_source_ids"), names)
    return f"{count}: {label}" + (f" ({outlets})" if outlets else "")
