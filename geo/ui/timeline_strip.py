"""Timeline glue: the strip under the map, and the brush on the Timeline page that sets the shared
date filter (state.DATES, bound to the URL, so the map, its sentence and the URL follow)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo import i18n
from geo.chart_text import canvas_spec, strip_chart_text
from geo.charts import BRUSH, StripMarks, dates_from_brush, strip_chart, strip_marks, with_band
from geo.filters import FilterSpec, date_mask, format_range
from geo.i18n import _, use_language
from geo.io import Dataset
from geo.text import format_number
from geo.timeline import event_spans, timeline_domain
from geo.ui import state
from geo.ui.data import get_data_span, get_dataset
from geo.ui.timeline_data import vega_document

CHART_KEY = "timeline-chart"
# The date widget's own limits (geo/ui/widgets.py): a brushed range is clamped to them.
DATE_MIN = date(1980, 1, 1)


def date_limits(dataset: Dataset, today: date | None = None) -> tuple[date, date]:
    return DATE_MIN, max(get_data_span(dataset)[1], today or date.today())


def apply_brush() -> None:
    """Callback of the timeline chart: a brushed interval becomes the shared date range.

    Runs before the script (as a widget callback), so it may write the date widget's key. An
    emptied brush keeps the current range: the presets in the sidebar reset it.
    """
    event = st.session_state.get(CHART_KEY) or {}
    selection = (event.get("selection") or {}).get(BRUSH)
    dates = dates_from_brush(selection, date_limits(get_dataset()))
    if dates is not None:
        st.session_state[state.DATES] = dates


@st.cache_resource(show_spinner=False, max_entries=4)
def _strip_marks(version: str, lang: str, _dataset: Dataset) -> StripMarks:
    """The strip's marks for one dataset version and language (the same for every filter: only the band moves)."""
    with use_language(lang):
        return _build_strip_marks(_dataset)


def _build_strip_marks(_dataset: Dataset) -> StripMarks:
    events = _dataset.layers["events"]
    domain = timeline_domain(events)
    spans = event_spans(events, _dataset.sources)
    on_axis = spans[(spans["last_day"] >= domain[0]) & (spans["start_day"] <= domain[1])] if len(spans) else spans
    return strip_marks(on_axis)


@st.cache_resource(show_spinner=False, max_entries=4)
def _strip_document(version: str, lang: str, _dataset: Dataset) -> dict:
    """The strip's Vega-Lite document for one dataset version, its marks already Arrow.

    Shared, never modified: `_strip_spec` moves the band (all that a date range changes) in a copy.
    Streamlit would convert the marks' rows to Arrow on every rerun; given bytes, it sends them as they are.
    """
    domain = timeline_domain(_dataset.layers["events"])
    with use_language(lang):
        return vega_document(strip_chart(_strip_marks(version, lang, _dataset), domain, (None, None)))


def _strip_spec(version: str, current: tuple[date | None, date | None], _dataset: Dataset) -> dict:
    """The strip's document for one date range: the per-version document with its band moved."""
    return with_band(
        _strip_document(version, i18n.language(), _dataset), current, timeline_domain(_dataset.layers["events"])
    )


def render_timeline_strip(dataset: Dataset, spec: FilterSpec) -> None:
    """Where the current date range sits on 2020–2025: a tick per event, the range as a band."""
    events = dataset.layers["events"]
    domain = timeline_domain(events)
    marks = _strip_marks(dataset.version, i18n.language(), dataset)
    dated = events[events["span_start"].notna()]
    in_range = int(date_mask(dated, spec.date_from, spec.date_to).sum())
    with st.container(key="timeline-strip"):
        strip = _strip_spec(dataset.version, (spec.date_from, spec.date_to), dataset)
        text = strip_chart_text(len(dated), in_range, domain, (spec.date_from, spec.date_to))
        st.vega_lite_chart(spec=canvas_spec(strip), alt=text, width="stretch")
        sentences = [
            _(
                "Timeline: {range} covers {shown} of {total} dated events.",
                range=format_range(spec.date_from, spec.date_to),
                shown=format_number(in_range),
                total=format_number(len(dated)),
            )
        ]
        if (spec.date_from and spec.date_from < domain[0]) or (spec.date_to and spec.date_to > domain[1]):
            sentences.append(
                _("The range reaches beyond the strip ({first}–{last}).", first=domain[0].year, last=domain[1].year)
            )
        if marks.weekly:
            sentences.append(_("Bars: events per week by the day they start, stacked by kind."))
        sentences.append(_("Brush a period on the Timeline page to change it."))
        st.caption(" ".join(sentences))
        st.page_link("views/timeline.py", label=_("Open the timeline"), icon=":material/timeline:")
