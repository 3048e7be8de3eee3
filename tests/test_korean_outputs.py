"""Exports and upload reasons in Korean: the words follow the language, the machine-readable parts do not."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from geo.export import build_export, citation_text
from geo.filters import FilterSpec, apply_filters
from geo.i18n import use_language
from geo.io import load_dataset
from geo.upload import import_upload

MOMENT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def _export(dataset, fmt: str, lang: str):
    spec = FilterSpec()
    with use_language(lang):
        return build_export(dataset, apply_filters(dataset.layers, spec), spec, fmt, exported_at=MOMENT)


def test_korean_export_has_korean_caveats_and_citation_and_the_same_columns(dataset):
    english, korean = _export(dataset, "csv", "en"), _export(dataset, "csv", "ko")
    en_rows = list(csv.DictReader(io.StringIO(english.data.decode("utf-8-sig"))))
    ko_rows = list(csv.DictReader(io.StringIO(korean.data.decode("utf-8-sig"))))
    assert list(en_rows[0]) == list(ko_rows[0])  # the same machine column names
    assert [r["id"] for r in en_rows] == [r["id"] for r in ko_rows]
    for column in ("layer", "kind", "confidence", "evidence", "location_precision", "count_low", "source_ids"):
        assert [r[column] for r in en_rows] == [r[column] for r in ko_rows], column
    inferred = next(r for r in ko_rows if r["layer"] == "routes" and r["evidence"] == "inferred")
    assert "추정 경로" in inferred["caveat"] and "개략선" in inferred["caveat"]
    assert "inferred route" in next(r for r in en_rows if r["id"] == inferred["id"])["caveat"]
    city = next(r for r in ko_rows if r["location_precision"] == "city" and r["layer"] == "detention_centres")
    assert city["caveat"].startswith("시 수준 위치")

    with use_language("ko"):  # the text file is written in the export's language (geo.ui.downloads, --lang)
        text = citation_text(korean.citation)
    assert "인용 표기:" in text and "읽는 법" in text and "라이선스" in text
    assert "Cite as" not in text and "How to read it" not in text
    assert korean.citation["caveats"].startswith("'caveat' 필드는")
    assert set(korean.citation) == set(english.citation)  # the manifest's keys stay the same
    assert korean.citation["dataset_version"] == english.citation["dataset_version"]
    assert korean.citation["sources"] == english.citation["sources"]  # source data as it is


def test_korean_geojson_keeps_property_names(dataset):
    english = json.loads(_export(dataset, "geojson", "en").data)
    korean = json.loads(_export(dataset, "geojson", "ko").data)
    assert [list(f["properties"]) for f in english["features"]] == [list(f["properties"]) for f in korean["features"]]
    assert set(korean["crossings_citation"]) == set(english["crossings_citation"])
    assert "데이터 버전" in korean["crossings_citation"]["cite_as"]


def test_a_malformed_upload_in_korean_gives_the_korean_reason_with_row_and_field(dataset):
    data = (
        b"name,latitude,longitude,kind,date,location_precision,confidence,count,source\n"
        b"A,42.9,129.8,arrest,2023-10-09,city,single-source,NA,S10\n"
        b"B,129.8,42.9,arrest,09/10/2023,city,single-source,,S10\n"
    )
    with use_language("ko"):
        result = import_upload("points.csv", data, dataset.sources)
    rows = {(r["where"], r["field"]): r["reason"] for r in result.rejected.to_dict("records")}
    assert (
        rows[("2행", "count_low")]
        == "count_low 'NA'은(는) 정수(숫자만)가 아닙니다. 인원수를 알 수 없으면 셀을 비워 두십시오"
    )
    assert "모호합니다" in rows[("3행", "date_start")]
    assert "뒤바뀐 것으로 보입니다" in rows[("3행", "geometry")]
    english = import_upload("points.csv", data, dataset.sources)
    en_rows = {(r["where"], r["field"]) for r in english.rejected.to_dict("records")}
    assert ("line 2", "count_low") in en_rows  # English stays as it was
