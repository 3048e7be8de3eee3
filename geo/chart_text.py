"""What each chart shows, in words: the text alternative a screen reader reads for the whole chart.

The chart is drawn on a canvas, whose accessible name is the description (Streamlit's `alt=`): an SVG
would expose every mark, and the brush, as an image without a name (Vega-Lite has no way to name the
brush). The numbers and the events themselves are in the tables next to each chart.
"""

from __future__ import annotations

from datetime import date

from geo.filters import format_range

CANVAS = {"embedOptions": {"renderer": "canvas"}}


def spec_with_text_alternative(spec: dict, description: str) -> dict:
    """The same for a Vega-Lite document already turned into a dict."""
    config = {
        **spec.get("config", {}),
        "aria": False,
        "mark": {**spec.get("config", {}).get("mark", {}), "aria": False},
    }
    return {**spec, "description": description, "config": config, "usermeta": CANVAS}


def events_chart_text(in_range: int, domain: tuple[date, date], current: tuple) -> str:
    return (
        f"Timeline chart of the dated events from {domain[0].year} to {domain[1].year}, one row per kind: a dot "
        "for an event known to the day, a bar over the month or year when only that is known. The shaded band is "
        f"the selected range, {format_range(*current)}, with {in_range} event{'s' if in_range != 1 else ''} in it, "
        "listed in the table below; drag across the chart to choose another range."
    )


def cumulative_chart_text(totals: list[tuple[str, int, int | None]], checkpoints: int) -> str:
    """`totals`: (dates, total low, total high or None) of each step of the running total."""
    if not totals:
        return "Step chart of the people reported returned over time: no sourced count in the data."
    last_dates, low, high = totals[-1]
    top = f"{high:,}" if high is not None else "unknown (a step has no upper bound)"
    reference = f"{checkpoints} total{'s' if checkpoints != 1 else ''} stated by a source drawn as reference points. "
    return (
        f"Step chart of the people reported returned over time: a running total of {len(totals)} sourced counts, "
        f"low and high bounds drawn as a band, from {totals[0][0]} to {last_dates}. At the end the total is at "
        f"least {low:,}; its upper bound is {top}. "
        + (reference if checkpoints else "")
        + "The steps are listed in the table below the chart."
    )


def strip_chart_text(count: int, in_range: int, domain: tuple[date, date], current: tuple) -> str:
    return (
        f"Strip of {count} dated events from {domain[0].year} to {domain[1].year}, one tick each; the shaded band is "
        f"the selected range, {format_range(*current)}, with {in_range} of them in it. The Timeline page lists them."
    )
