"""The people reported returned over time: the cumulative series, with the project's first rule.

Pure: no Streamlit, no charts (geo.charts draws the series).

Rules kept here:
- only sourced counts are counted: a number without `count_source_ids` is left out and listed;
- a range stays a range: the low and high bounds are summed separately, and once one high bound is
  missing the top of the band is unknown from then on (it is not guessed);
- claims about a total ("returned_claim"), named people and people held are never summed;
- every step carries the ids of its sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

from geo.i18n import N_, _
from geo.io import source_outlets
from geo.schema import as_id_list, as_text
from geo.text import format_count, format_dates
from geo.timeline import _day, _int_or_none, cite

# Counts that are never summed into the series, and why.
# (Each reason is the whole sentence "not summed: …", so a language can order it its own way.)
NOT_SUMMED: dict[str, str] = {
    "returned_claim": N_("not summed: a statement about a total, not a separate return"),
    "named_person": N_("not summed: one named person, part of a counted repatriation"),
    "held": N_("not summed: people held, not people returned"),
    "arrested": N_("not summed: people arrested, not people returned"),
    "deaths": N_("not summed: deaths, not people returned"),
    "voluntary_returnees": N_("not summed: voluntary returnees, not a forced repatriation"),
}
NOT_A_COUNT_OF_RETURNS = N_("not summed: not a count of returns")


@dataclass(frozen=True)
class Step:
    """One sourced count added to the running total. Bounds are None where nobody reported one."""

    event_id: str
    name: str
    day: date  # the last day of the event's span: by then the people had been returned
    dates: str
    added_low: int | None
    added_high: int | None
    total_low: int  # the sum of the reported lower bounds: a lower bound itself
    total_high: int | None  # None once any step's upper bound is unknown
    source_ids: tuple[str, ...]

    @property
    def added_label(self) -> str:
        return format_count(_na(self.added_low), _na(self.added_high))

    @property
    def total_label(self) -> str:
        return format_count(self.total_low, _na(self.total_high))


@dataclass(frozen=True)
class Checkpoint:
    """A cumulative total stated by a source (such as HRW's 'since 2020'), drawn as a reference."""

    event_id: str
    name: str
    day: date
    since: date
    low: int | None
    high: int | None
    note: str
    source_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        return format_count(_na(self.low), _na(self.high))


@dataclass(frozen=True)
class Exclusion:
    event_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class CumulativeSeries:
    steps: tuple[Step, ...]
    checkpoints: tuple[Checkpoint, ...]
    excluded: tuple[Exclusion, ...] = field(default=())

    @property
    def high_unknown_from(self) -> Step | None:
        """The first step from which the top of the band is unknown."""
        return next((s for s in self.steps if s.total_high is None), None)


def _na(value: int | None) -> object:
    return pd.NA if value is None else value


def cumulative_returned(events: gpd.GeoDataFrame) -> CumulativeSeries:
    """People reported returned over time, from the sourced counts of forced repatriations only."""
    candidates = []
    checkpoints = []
    excluded = []
    for record in events.to_dict("records"):
        fid, name = as_text(record.get("id")), as_text(record.get("name_en"))
        kind, count_of = as_text(record.get("kind")), as_text(record.get("count_of"))
        low, high = _int_or_none(record.get("count_low")), _int_or_none(record.get("count_high"))
        count_ids = tuple(as_id_list(record.get("count_source_ids")))
        last = _day(record.get("span_end"))
        has_count = low is not None or high is not None
        if count_of.startswith("returned_total_since_") and count_of != "returned_total_since_2020":
            if has_count:
                base = count_of.removeprefix("returned_total_since_")
                reason = _("a stated total since {base}: another base than this chart's (2020), not drawn", base=base)
                excluded.append(Exclusion(fid, name, reason))
            continue
        if count_of == "returned_total_since_2020":
            if not has_count:
                continue
            if not count_ids:
                excluded.append(Exclusion(fid, name, _("a total without a source is not shown")))
            elif last is None:
                excluded.append(Exclusion(fid, name, _("an undated total cannot be placed on the axis")))
            else:
                note = as_text(record.get("count_note"))
                checkpoints.append(Checkpoint(fid, name, last, date(2020, 1, 1), low, high, note, count_ids))
            continue
        if kind != "repatriation" and count_of not in ("returned", "returned_claim"):
            continue
        if not has_count:
            excluded.append(Exclusion(fid, name, _("no number reported")))
        elif count_of != "returned":
            excluded.append(Exclusion(fid, name, _(NOT_SUMMED.get(count_of, NOT_A_COUNT_OF_RETURNS))))
        elif kind != "repatriation":
            excluded.append(Exclusion(fid, name, _("not summed: not a forced repatriation event")))
        elif not count_ids:
            excluded.append(Exclusion(fid, name, _("not counted: the number has no source")))
        elif last is None:
            excluded.append(Exclusion(fid, name, _("not counted: undated")))
        else:
            candidates.append((last, fid, name, record, low, high, count_ids))

    steps = []
    total_low, total_high = 0, 0
    high_known = True
    for last, fid, name, record, low, high, count_ids in sorted(candidates, key=lambda c: (c[0], c[1])):
        total_low += low or 0
        if high is None:
            high_known = False
        else:
            total_high += high
        dates = format_dates(record.get("date_start"), record.get("date_end"), record.get("date_precision"))
        steps.append(Step(fid, name, last, dates, low, high, total_low, total_high if high_known else None, count_ids))
    return CumulativeSeries(tuple(steps), tuple(sorted(checkpoints, key=lambda c: c.day)), tuple(excluded))


def cumulative_table(series: CumulativeSeries, sources: pd.DataFrame) -> pd.DataFrame:
    outlets = source_outlets(sources)
    rows = [
        {
            "Date": step.dates,
            "Event": step.name,
            "Added": step.added_label,
            "Running total (low–high)": step.total_label
            if step.total_high is not None
            else _("{total} (top unknown)", total=step.total_label),
            "Sources of the number": cite(step.source_ids, outlets),
        }
        for step in series.steps
    ]
    return pd.DataFrame(rows, columns=["Date", "Event", "Added", "Running total (low–high)", "Sources of the number"])
