"""AppTest for every page: no exception, the right counts, the filter sentence, the details panel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.filters import FilterSpec, apply_filters, context_note, count_features, format_day
from geo.io import load_dataset

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def run_app(query: dict[str, str | list[str]] | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sentence(at: AppTest) -> str:
    texts = [m.value for m in at.markdown if m.value.startswith("**Showing ")]
    assert len(texts) == 1, [m.value for m in at.markdown]
    return texts[0].strip("*")


# The filter sentence's clause while NKDB's six undated regular routes pass the filters.
ROUTES_NOTE = context_note(6)


def test_map_page_default_shows_everything(dataset):
    at = run_app()
    total = dataset.total_features()
    assert sentence(at) == f"Showing {total} of {total} features: 1 Jan 1986 – {format_day(date.today())}{ROUTES_NOTE}"


def test_changing_the_date_range_changes_sentence_and_counts(dataset):
    at = run_app()
    at.date_input(key="dates").set_value((date(2023, 10, 9), date(2023, 10, 9))).run()
    assert not at.exception
    expected = count_features(apply_filters(dataset.layers, FilterSpec(date(2023, 10, 9), date(2023, 10, 9))))
    assert sentence(at) == f"Showing {expected} of {dataset.total_features()} features: 9 Oct 2023{ROUTES_NOTE}"


def test_preset_button_sets_the_range(dataset):
    at = run_app()
    next(b for b in at.button if b.label == "Aug–Dec 2023").click().run()
    assert not at.exception
    assert sentence(at).endswith(f": 1 Aug – 31 Dec 2023{ROUTES_NOTE}")


def test_choosing_a_crossing_changes_sentence_and_counts(dataset):
    at = run_app()
    at.multiselect(key="crossing").set_value(["x-tumen-namyang"]).run()
    assert not at.exception
    spec = FilterSpec(date(1986, 1, 1), date.today(), crossings=("x-tumen-namyang",))
    expected = count_features(apply_filters(dataset.layers, spec))
    assert sentence(at).startswith(f"Showing {expected} of {dataset.total_features()} features:")
    assert "crossing Tumen–Namyang (Onsong County)" in sentence(at)


def test_query_string_reproduces_a_filter(dataset):
    # Streamlit writes a bound multiselect's labels into the URL, so a link names the crossing.
    at = run_app(query={"crossing": "Dandong–Sinuiju", "dates": ["2023-10-01", "2023-10-31"]})
    assert sentence(at).endswith(": 1–31 Oct 2023, crossing Dandong–Sinuiju")
    spec = FilterSpec(date(2023, 10, 1), date(2023, 10, 31), crossings=("x-dandong-sinuiju",))
    expected = count_features(apply_filters(dataset.layers, spec))
    assert sentence(at).startswith(f"Showing {expected} of")


def test_selected_feature_shows_its_sources():
    at = run_app(state={"feature": "x-tumen-namyang"})
    text = "\n".join(m.value for m in at.markdown)
    assert "#### Tumen–Namyang" in text
    assert "**People:** about 300" in text
    assert "The Economist" in text  # S10, the source of the number
    assert "S10" in text


def test_selected_feature_from_the_url():
    at = run_app(query={"feature": "x-changbai-hyesan"})
    text = "\n".join(m.value for m in at.markdown)
    assert "Changbai–Hyesan" in text
    assert "**People:** unknown" in text


def test_unknown_selected_feature_is_a_clear_message_not_an_error():
    at = run_app(state={"feature": "no-such-feature"})
    assert any("No feature with id" in w.value for w in at.warning)


def test_footer_shows_the_dataset_version(dataset):
    at = run_app()
    footer = " ".join(c.value for c in at.caption)
    assert f"**Dataset version** `{dataset.version}`" in footer


@pytest.mark.parametrize(
    ("page", "heading"), [("views/sources.py", "## Sources"), ("views/about.py", "## About Crossings")]
)
def test_other_pages_load(page, heading):
    at = run_app()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == heading for m in at.markdown)


def test_sources_page_lists_every_source_and_the_validation_report(dataset):
    at = run_app()
    at.switch_page("views/sources.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert f"{len(dataset.sources)} of {len(dataset.sources)} sources" in captions
    assert any("none was rejected" in s.value for s in at.success)
