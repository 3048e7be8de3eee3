"""AppTest for the Import page: limits shown, the report, the session-only layer on the map and in the
details panel, refusals that say why and reveal nothing."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from geo import upload, upload_read
from geo.text import escape_markdown
from geo.ui import uploaded

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"
IMPORT_PAGE = "views/import_data.py"

GOOD = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "id": f"mine-{n}",
                "name": f"Place {n}",
                "name_ko": "연길",
                "kind": "arrest",
                "date": "2023-10-09T23:30:00+09:00",
                "confidence": "single-source",
                "location_precision": "city",
                "source": "Interview notes, Seoul, 2024",
            },
            "geometry": {"type": "Point", "coordinates": [129.5 + n / 100, 42.9]},
        }
        for n in range(3)
    ],
}


def run_import(state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    # The page's url_path ("import") differs from its file name, so AppTest can resolve it only after a
    # first run has registered the navigation.
    at.run()
    at.switch_page(IMPORT_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload_file(at: AppTest, name: str, data: bytes, mime: str = "application/octet-stream") -> AppTest:
    at.file_uploader(key="import-file").set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_states_its_limits_and_asks_for_a_file():
    at = run_import()
    assert any(m.value == "## Import your own data" for m in at.markdown)
    limits = " ".join(c.value for c in at.caption)
    assert f"At most {upload_read.MAX_UPLOAD_MB} MB, {upload_read.MAX_FEATURES:,} features" in limits
    assert any("Upload a file, or try the example" in i.value for i in at.info)
    assert at.file_uploader(key="import-file").allowed_type == [f".{e}" for e in upload_read.SUPPORTED_EXTENSIONS]


def test_the_example_shows_the_report_with_places_fields_and_reasons():
    at = run_import()
    at.button(key="import-example").click().run()
    assert not at.exception
    assert metrics(at) == {"Rows read": "3", "Accepted": "1", "Rejected rows": "2"}
    report = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert list(report.columns) == ["Row", "Where", "Id", "Field", "Reason"]
    assert set(report["Where"]) == {"line 3", "line 4"}
    assert "date_start '03/04/2023' is ambiguous" in " ".join(report["Reason"])


def test_an_upload_becomes_a_session_layer_on_the_map_and_in_the_details():
    at = upload_file(run_import(), "mine.geojson", json.dumps(GOOD).encode(), "application/geo+json")
    assert metrics(at) == {"Rows read": "3", "Accepted": "3", "Rejected rows": "0"}
    at.button(key="import-apply").click().run()
    assert not at.exception
    layer = at.session_state[uploaded.LAYER]
    assert isinstance(layer, gpd.GeoDataFrame) and len(layer) == 3
    assert list(layer.columns) == [*upload.UPLOAD_COLUMNS, "geometry", "span_start", "span_end"]
    assert list(layer["date_start"]) == ["2023-10-09"] * 3  # the local calendar day, not UTC
    assert list(at.session_state[uploaded.SOURCES]["id"]) == ["U1"]
    assert any("On the map now: 3 features" in s.value for s in at.success)

    # The map draws them (this session's cache of the extra layer) and the details panel shows one.
    at.session_state["feature"] = "mine-1"
    at.switch_page("views/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cached = at.session_state["_uploaded_map_cache"]
    assert cached[2] == 3 and '"id":"mine-1"' in cached[1]
    text = "\n".join(m.value for m in at.markdown)
    assert "#### Place 1" in text
    assert "Interview notes, Seoul, 2024" in text  # the generated source, U1


def test_a_new_session_does_not_see_another_sessions_upload():
    first = upload_file(run_import(), "mine.geojson", json.dumps(GOOD).encode())
    first.button(key="import-apply").click().run()
    assert uploaded.LAYER in first.session_state
    second = run_import()
    assert uploaded.LAYER not in second.session_state
    assert not second.success


def test_removing_the_layer_clears_it():
    at = upload_file(run_import(), "mine.geojson", json.dumps(GOOD).encode())
    at.button(key="import-apply").click().run()
    at.button(key="import-clear").click().run()
    assert not at.exception
    assert uploaded.LAYER not in at.session_state


def test_a_mapping_choice_changes_the_result():
    rows = "name,lat,lon,source_ids\nA,42.9,129.5,S1\nB,42.8,129.6,S1\n"
    at = upload_file(run_import(), "mine.csv", rows.encode(), "text/csv")
    assert metrics(at)["Accepted"] == "0"
    assert any("kind is missing: map a column or choose one value for every row" in r for r in _reasons(at))
    token = upload_read.file_token(rows.encode())
    at.selectbox(key=f"imp-{token}-const-kind").set_value("arrest").run()
    at.selectbox(key=f"imp-{token}-const-confidence").set_value("inferred").run()
    at.selectbox(key=f"imp-{token}-const-location_precision").set_value("town").run()
    assert not at.exception
    assert metrics(at) == {"Rows read": "2", "Accepted": "2", "Rejected rows": "0"}


def _reasons(at: AppTest) -> list[str]:
    report = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    return list(report["Reason"])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("points.geojson", b"<OGRVRTDataSource><SrcDataSource>/etc/passwd</SrcDataSource>", "virtual dataset"),
        ("points.geojson", b'{"type": "FeatureCollection", "features": [', "Invalid JSON at line 1, column"),
        ("points.csv", "name,lat\nSão,1\n".encode("latin-1"), "not UTF\\-8 text"),
        ("points.gpkg", b"not a database", "not a GeoPackage"),
    ],
)
def test_a_refused_file_says_why_and_quotes_nothing(name, data, message):
    at = upload_file(run_import(), name, data)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("**The file was refused.**"), errors
    assert message in errors[0]
    assert "passwd" not in errors[0]
    assert not at.metric  # no report for a refused file


def test_template_syntax_in_an_upload_is_text_and_the_map_still_draws():
    hostile = json.loads(json.dumps(GOOD))
    hostile["features"][0]["properties"]["name"] = "{% if %} {{ cycler.__init__.__globals__.os.getpid() }}"
    at = upload_file(run_import(), "mine.geojson", json.dumps(hostile).encode())
    at.button(key="import-apply").click().run()
    at.switch_page("views/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    payload = at.session_state["_uploaded_map_cache"][1]
    assert "\\u007b% if %} \\u007b{ cycler" in payload and "{%" not in payload


# --- issue 20: a reason where a crash was, and only mapped columns kept -----------------------------

HUGE = int("9" * 401)
RAW_KEY = "_import_raw"  # views/import_data.py: the parsed file kept between reruns


def hostile_numbers() -> bytes:
    document = json.loads(json.dumps(GOOD))
    features = document["features"]
    features[0]["geometry"]["coordinates"][0] = HUGE
    features[1]["properties"]["count_low"] = HUGE
    features[2]["properties"]["uncertainty_m"] = HUGE
    for value in (99999999999999999999999999999, 1e29, 1e308):
        extra = json.loads(json.dumps(features[2]))
        extra["properties"]["id"] = f"mine-{value}"
        extra["properties"]["uncertainty_m"] = value
        features.append(extra)
    return json.dumps(document).encode()


def test_numbers_beyond_the_contract_are_rejected_rows_not_an_error_box():
    at = upload_file(run_import(), "huge.geojson", hostile_numbers())
    assert not at.error, [e.value for e in at.error]
    assert metrics(at) == {"Rows read": "6", "Accepted": "0", "Rejected rows": "6"}
    report = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert set(report["Field"]) >= {"geometry", "count_low", "uncertainty_m"}


@pytest.mark.parametrize(("module", "step"), [(upload_read, "read_upload"), (upload, "build_layer")])
def test_an_unexpected_error_is_a_refusal_with_a_reason(monkeypatch, module, step):
    def broken(*args, **kwargs):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(module, step, broken)
    at = upload_file(run_import(), "mine.geojson", json.dumps(GOOD).encode())
    assert [e.value for e in at.error] == [
        f"**The file was refused.** {escape_markdown(upload_read.UNEXPECTED_REFUSAL)}"
    ]
    assert not at.exception and "int too large" not in at.error[0].value


def test_the_session_keeps_only_the_mapped_columns_and_forgets_a_removed_file():
    document = json.loads(json.dumps(GOOD))
    for feature in document["features"]:
        feature["properties"]["unmapped"] = "x" * 4000
    at = upload_file(run_import(), "mine.geojson", json.dumps(document).encode())
    raw = at.session_state[RAW_KEY][2]
    assert "unmapped" in raw.columns and all("unmapped" not in row for row in raw.rows)
    assert {"id", "name", "kind"} <= set(raw.rows[0])
    # Mapping the unmapped column reads the file again: its values reach the layer whole.
    token = at.session_state[RAW_KEY][0]
    at.selectbox(key=f"imp-{token}-col-notes").set_value("unmapped").run()
    assert not at.exception, [e.value for e in at.exception]
    preview = next(d.value for d in at.dataframe if "notes" in d.value.columns)
    assert list(preview["notes"]) == ["x" * 4000] * 3
    assert all(len(row) == len(at.session_state[RAW_KEY][2].kept) for row in at.session_state[RAW_KEY][2].rows)
    at.file_uploader(key="import-file").set_value(None).run()
    assert RAW_KEY not in at.session_state


def test_bidi_controls_are_shown_not_applied_in_the_import_tables():
    document = json.loads(json.dumps(GOOD))
    document["features"][0]["properties"]["name"] = "Yanji \u202egpj.exe"
    document["features"][1]["properties"]["id"] = "bad\u202eid"
    document["features"][1]["properties"]["kind"] = "nope"
    at = upload_file(run_import(), "mine.geojson", json.dumps(document).encode())
    texts = [str(v) for d in at.dataframe for column in d.value.columns for v in d.value[column]]
    assert "Yanji [U+202E]gpj.exe" in texts and "bad[U+202E]id" in texts
    assert not any("\u202e" in t for t in texts)
