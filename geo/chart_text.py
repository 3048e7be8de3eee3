"""What each chart shows, in words: the text alternative a screen reader reads for the whole chart.

The chart is drawn on a canvas, whose accessible name is the description, given as Streamlit's `alt=`: an SVG
would expose every mark, and the brush, as an image without a name (Vega-Lite has no way to name the
brush). The numbers and the events themselves are in the tables next to each chart.
"""

from __future__ import annotations

from datetime import date

from geo.filters import format_range
from geo.i18n import _, ngettext

CANVAS = {"embedOptions": {"renderer": "canvas"}}


def canvas_spec(spec: dict) -> dict:
    """A Vega-Lite document drawn on a canvas with no ARIA of its own marks.

    Its accessible name is Streamlit's `alt=` (which also names the chart's toolbar buttons). A
    `description` in the spec as well would make Streamlit log a warning and a stack trace at every
    render of the chart, so there is none."""
    config = {
        **spec.get("config", {}),
        "aria": False,
        "mark": {**spec.get("config", {}).get("mark", {}), "aria": False},
    }
    return {**spec, "config": config, "usermeta": CANVAS}


def events_chart_text(in_range: int, domain: tuple[date, date], current: tuple) -> str:
    return ngettext(
        "Timeline chart of the dated events from {first} to {last}, one row per kind: a dot for an event known to "
        "the day, a bar over the month or year when only that is known. The shaded band is the selected range, "
        "{range}, with {n} event in it, listed in the table below; drag across the chart to choose another range.",
        "Timeline chart of the dated events from {first} to {last}, one row per kind: a dot for an event known to "
        "the day, a bar over the month or year when only that is known. The shaded band is the selected range, "
        "{range}, with {n} events in it, listed in the table below; drag across the chart to choose another range.",
        in_range,
        first=domain[0].year,
        last=domain[1].year,
        range=format_range(*current),
    )


def cumulative_chart_text(totals: list[tuple[str, int, int | None]], checkpoints: int) -> str:
    """`totals`: (dates, total low, total high or None) of each step of the running total."""
    if not totals:
        return _("Step chart of the people reported returned over time: no sourced count in the data.")
    last_dates, low, high = totals[-1]
    top = f"{high:,}" if high is not None else _("unknown (a step has no upper bound)")
    reference = ngettext(
        "{n} total stated by a source drawn as reference points.",
        "{n} totals stated by a source drawn as reference points.",
        checkpoints,
    )
    text = _(
        "Step chart of the people reported returned over time: a running total of {steps} sourced counts, low and "
        "high bounds drawn as a band, from {first} to {last}. At the end the total is at least {low}; its upper "
        "bound is {top}.",
        steps=len(totals),
        first=totals[0][0],
        last=last_dates,
        low=format(low, ","),
        top=top,
    )
    parts = [text, reference] if checkpoints else [text]
    return " ".join([*parts, _("The steps are listed in the table below the chart.")])


def strip_chart_text(count: int, in_range: int, domain: tuple[date, date], current: tuple) -> str:
    return _(
        "Strip of {count} dated events from {first} to {last}, one tick each; the shaded band is the selected range, "
        "{range}, with {in_range} of them in it. The Timeline page lists them.",
        count=count,
        first=domain[0].year,
        last=domain[1].year,
        range=format_range(*current),
        in_range=in_range,
    )
