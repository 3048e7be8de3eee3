"""AppTest for the Timeline page and the shared date filter its brush sets, and the strip under the map.

AppTest cannot drag across a Vega-Lite chart. `brush()` sends the chart's selection the way the
browser does: a widget state (JSON string) for the chart's widget id on the next run, so the
chart's own on_select callback runs, exactly as in the app. It uses AppTest's `_run`, the
documented `run()` minus the widget-state collection, because AppTest has no chart widget to set.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.charts import BRUSH
from geo.filters import FilterSpec, apply_filters, context_note, count_features
from geo.io import load_dataset
from geo.ui.timeline_strip import CHART_KEY

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"
PAGE = "views/timeline.py"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def run_app(query: dict | None = None, state: dict | None = None, page: str | None = PAGE) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def sentence(at: AppTest) -> str:
    texts = [m.value for m in at.markdown if m.value.startswith("**Showing ")]
    assert len(texts) == 1, [m.value for m in at.markdown]
    return texts[0].strip("*")


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def _ms(day: date) -> float:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC).timestamp() * 1000


def brush(at: AppTest, first: date, last: date) -> AppTest:
    """Brush [first, last] on the events chart, as the browser reports it (UTC milliseconds)."""
    chart = next(e for e in at.main if type(getattr(e, "proto", None)).__name__ == "VegaLiteChart")
    assert chart.proto.id.endswith(CHART_KEY) and list(chart.proto.selection_mode) == [BRUSH]
    states = at._tree.get_widget_states()
    widget = states.widgets.add()
    widget.id = chart.proto.id
    widget.string_value = json.dumps({"selection": {BRUSH: {"start": [_ms(first), _ms(last)]}}})
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_timeline_page_shows_chart_table_series_and_replay(dataset):
    at = run_app()
    headings = [m.value for m in at.markdown]
    for heading in ("## Timeline", "#### Events in the current range", "### People reported returned over time"):
        assert heading in headings
    assert "### Replay on the map" in headings
    total = dataset.total_features()
    assert sentence(at).startswith(f"Showing {total} of {total} features:")
    n_events = len(dataset.layers["events"])
    assert f"{n_events} of {n_events} events match the filters." in captions(at)
    assert "Not on the axis: 1 dated event outside 2020–2025 and 0 undated" in captions(at)
    assert "From 26 Apr 2024 the top of the band is unknown" in captions(at)
    events_table, steps_table = at.dataframe[0].value, at.dataframe[1].value
    assert len(events_table) == n_events
    assert list(steps_table["Running total (low–high)"]) == [
        "about 50",
        "about 130",
        "about 170",
        "670–770",
        "at least 720 (top unknown)",
    ]
    assert at.expander[0].label == "Counts not summed (7), and why"
    assert at.segmented_control(key="replay-set").value == "oct9"


# The filter sentence's clause while NKDB's six undated regular routes pass the filters.
ROUTES_NOTE = context_note(6)


def test_brushing_sets_the_shared_date_filter(dataset):
    at = brush(run_app(), date(2023, 10, 1), date(2023, 10, 31))
    assert at.session_state["dates"] == (date(2023, 10, 1), date(2023, 10, 31))
    expected = count_features(apply_filters(dataset.layers, FilterSpec(date(2023, 10, 1), date(2023, 10, 31))))
    assert sentence(at) == f"Showing {expected} of {dataset.total_features()} features: 1–31 Oct 2023{ROUTES_NOTE}"
    # AppTest does not write bound widgets to its query_params: the browser test checks the URL.
    in_october = apply_filters(dataset.layers, FilterSpec(date(2023, 10, 1), date(2023, 10, 31)))["events"]
    assert len(at.dataframe[0].value) == len(in_october)


def test_the_map_page_follows_the_brush(dataset):
    at = brush(run_app(), date(2023, 8, 1), date(2023, 12, 31))
    at.switch_page("views/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = count_features(apply_filters(dataset.layers, FilterSpec(date(2023, 8, 1), date(2023, 12, 31))))
    total = dataset.total_features()
    assert sentence(at) == f"Showing {expected} of {total} features: 1 Aug – 31 Dec 2023{ROUTES_NOTE}"
    assert "Timeline: 1 Aug – 31 Dec 2023 covers 24 of 42 dated events." in captions(at)


def test_a_brush_beyond_the_widget_limits_is_clamped():
    at = brush(run_app(), date(1975, 1, 1), date(1990, 6, 30))
    assert at.session_state["dates"] == (date(1980, 1, 1), date(1990, 6, 30))


def test_an_emptied_brush_keeps_the_range():
    at = run_app(query={"dates": ["2023-10-09", "2023-10-09"]})
    chart = next(e for e in at.main if type(getattr(e, "proto", None)).__name__ == "VegaLiteChart")
    states = at._tree.get_widget_states()
    widget = states.widgets.add()
    widget.id = chart.proto.id
    widget.string_value = json.dumps({"selection": {BRUSH: {}}})
    at._run(states)
    assert not at.exception
    assert sentence(at).endswith(f": 9 Oct 2023{ROUTES_NOTE}")


def test_the_other_filters_apply_to_the_timeline(dataset):
    at = run_app(query={"crossing": "Tumen–Namyang (Onsong County)"})
    spec = FilterSpec(date(1986, 1, 1), date.today(), crossings=("x-tumen-namyang",))
    shown = apply_filters(dataset.layers, spec)["events"]
    assert f"{len(shown)} of {len(dataset.layers['events'])} events match the filters." in captions(at)
    assert len(at.dataframe[0].value) == len(shown)


def test_switching_to_the_monthly_playback():
    at = run_app()
    at.segmented_control(key="replay-set").set_value("months").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="replay-set").value == "months"


def test_map_page_has_the_timeline_strip():
    at = run_app(page=None)
    text = captions(at)
    assert "Timeline: 1 Jan 1986 – " in text
    assert "covers 42 of 42 dated events. The range reaches beyond the strip (2020–2025)." in text


CHART_NAMES = {
    "views/map.py": ["Strip of 42 dated events from 2020 to 2025"],
    PAGE: ["Timeline chart of the dated events from 2020 to 2025", "Step chart of the people reported returned"],
}


@pytest.mark.parametrize("page", sorted(CHART_NAMES))
def test_every_chart_is_named_by_its_text_alternative_alone(page: str) -> None:
    # The text alternative is Streamlit's alt= (it names the chart and its toolbar buttons); a description
    # in the spec too makes Streamlit log a warning with a stack trace at every render.
    at = run_app(page=page)
    charts = [e.proto for e in at.main if type(getattr(e, "proto", None)).__name__ == "VegaLiteChart"]
    assert [chart.alt[: len(name)] for chart, name in zip(charts, CHART_NAMES[page], strict=True)] == CHART_NAMES[page]
    assert [json.loads(chart.spec).get("description") for chart in charts] == [None] * len(charts)
