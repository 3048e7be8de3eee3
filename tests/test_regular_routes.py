"""NKDB's regular repatriation routes: an undated context layer that is never a leg of 9 October 2023."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from geo.details import feature_details
from geo.export import build_export, caveat
from geo.figure import view_for_spec
from geo.filters import FilterSpec, apply_filters, count_features, describe_view
from geo.io import load_dataset
from geo.mapview import build_feature_groups
from geo.payload import feature_properties, serialise_map
from geo.profile import crossing_profile, legs_of
from geo.replay import monthly_stages, replay_stages
from geo.scenes import KnownIds, parse_scene
from geo.schema import LAYERS, validate
from geo.table import feature_table
from geo.vocab import DEFAULT_GROUP_IDS, GROUP_IDS, KIND_LABELS, REGULAR_ROUTES_TITLE, split_groups

ROOT = Path(__file__).resolve().parent.parent
CHONGJIN = (129.77583, 41.79556)  # GeoNames 2044757
# facts.md §7: Chinese side, North Korean side, onward (per NKDB).
NKDB_ROUTES = {
    ("Dandong", "Sinuiju", ""),
    ("Tonghua", "Manpo", ""),
    ("Changbai", "Hyesan", ""),
    ("Helong", "Musan", "Chongjin"),
    ("Longjing", "Hoeryong", "Chongjin"),
    ("Tumen", "Onsong", "Chongjin"),
}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def regular(dataset):
    return dataset.layers["regular_routes"]


def test_the_layer_holds_nkdbs_six_routes_undated_single_source_and_schematic(dataset, regular):
    assert list(dataset.layers) == list(LAYERS)
    assert dataset.rejected[dataset.rejected["layer"] == "regular_routes"].empty
    got = {(r["side_cn_en"], r["side_kp_en"], r["onward_en"]) for r in regular.to_dict("records")}
    assert got == NKDB_ROUTES
    assert set(regular["kind"]) == {"regular_route"}
    assert set(regular["confidence"]) == {"single-source"}
    assert all(ids == ["NKDB-ATLAS"] for ids in regular["source_ids"])
    assert all(value is True for value in regular["schematic"])
    assert regular["span_start"].isna().all() and regular["span_end"].isna().all()
    assert set(regular["location_precision"]) <= {"town", "city"}
    for row in regular.to_dict("records"):
        assert "not a record of 9 October 2023" in row["reported"]
        ends_in_chongjin = tuple(row["geometry"].coords[-1]) == CHONGJIN
        assert ends_in_chongjin == (row["onward_en"] == "Chongjin"), row["id"]


def _geonames_points() -> dict[str, tuple[float, float]]:
    document = json.loads((ROOT / "geodata" / "places_geonames.geojson").read_text("utf-8"))
    return {str(f["properties"]["geonameid"]): tuple(f["geometry"]["coordinates"]) for f in document["features"]}


def test_every_vertex_is_a_point_the_dataset_or_geonames_already_sources(dataset, regular):
    """No invented coordinate: each vertex is a bundled feature's point (facts.md coordinates) or a GeoNames town."""
    sourced = {
        tuple(geom.coords[0])
        for name in ("detention_centres", "receiving_facilities", "crossings")
        for geom in dataset.layers[name].geometry
    }
    geonames = _geonames_points()
    for geonameid in (
        "2034414",
        "2042893",
        "2042738",
        "2044091",
        "2044757",
    ):  # Tonghua, Manpo, Musan, Hoeryong, Chongjin
        sourced.add(geonames[geonameid])
    for row in regular.to_dict("records"):
        for vertex in row["geometry"].coords:
            assert tuple(vertex) in sourced, (row["id"], vertex)
        assert row["coord_source_ids"], row["id"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"date_start": "2023-10-09", "date_end": "2023-10-09", "date_precision": "day"}, "date_start"),
        ({"schematic": False}, "schematic"),
        ({"geometry": Point(129.85, 42.967)}, "geometry"),
        ({"kind": "route_leg"}, "kind"),
        ({"side_kp_en": ""}, "side_kp_en"),
    ],
)
def test_validation_rejects_a_dated_unschematic_or_malformed_regular_route(
    make_feature, to_gdf, source_ids, override, field
):
    result = validate(to_gdf([make_feature("regular_routes", **override)]), "regular_routes", source_ids)
    assert result.valid.empty
    assert field in set(result.rejected["field"])


def test_the_factory_regular_route_is_valid(make_feature, to_gdf, source_ids):
    result = validate(to_gdf([make_feature("regular_routes")]), "regular_routes", source_ids)
    assert len(result.valid) == 1 and result.rejected.empty


def test_dates_never_select_them_and_the_sentence_says_they_are_not_dated(dataset):
    total = dataset.total_features()
    for spec in (FilterSpec(), FilterSpec(date(2023, 10, 9), date(2023, 10, 9)), FilterSpec(date(1990, 1, 1))):
        shown = apply_filters(dataset.layers, spec)
        assert len(shown["regular_routes"]) == 6
        without = {name: gdf for name, gdf in shown.items() if name != "regular_routes"}
        assert count_features(shown) == count_features(without)  # not counted as features of the range
        sentence = describe_view(spec, count_features(shown), dataset.layers)
        assert sentence.startswith(f"Showing {count_features(without)} of {total} features: ")
        assert "not dated, so not counted or filtered by date: 6 regular routes (NKDB), not 9 October" in sentence


def test_a_chosen_crossing_or_a_stricter_filter_hides_them_and_the_sentence_drops_the_clause(dataset):
    for spec in (
        FilterSpec(crossings=("x-tumen-namyang",)),
        FilterSpec(min_confidence="confirmed"),
        FilterSpec(kinds=("route_leg",)),
    ):
        shown = apply_filters(dataset.layers, spec)
        assert shown["regular_routes"].empty
        assert "regular route" not in describe_view(spec, count_features(shown), dataset.layers)
    only = apply_filters(dataset.layers, FilterSpec(kinds=("regular_route",)))
    assert len(only["regular_routes"]) == 6 and count_features(only) == 0


def test_they_are_never_a_leg_of_9_october(dataset, regular):
    ids = set(regular["id"])
    for crossing_id in dataset.layers["crossings"]["id"]:
        assert not ids & set(legs_of(dataset, crossing_id)["id"])
        profile = crossing_profile(dataset, crossing_id)
        assert profile is not None and ids.isdisjoint(str(profile))
    for stages in (replay_stages(dataset), monthly_stages(dataset)):
        drawn = {fid for stage in stages for fid in stage["drawn_ids"]}
        assert drawn and not ids & drawn
    assert not ids & set(dataset.layers["routes"]["id"])
    legs = split_groups(apply_filters(dataset.layers, FilterSpec(date(2023, 10, 9), date(2023, 10, 9))))["routes"]
    assert not ids & set(legs["id"])


def test_the_map_draws_them_as_their_own_group_off_by_default(dataset):
    assert GROUP_IDS[0] == "regular_routes" and "regular_routes" not in DEFAULT_GROUP_IDS
    layers = serialise_map(dataset.layers)
    assert layers.counts["regular_routes"] == 6
    drawn = json.loads(layers.payloads["regular_routes"])["features"]
    assert {f["geometry"]["type"] for f in drawn} == {"LineString"}
    groups = {g.layer_name: g.show for g in build_feature_groups(layers.payloads, layers.counts, layers.modes)}
    assert groups == {name: not name.startswith(REGULAR_ROUTES_TITLE) for name in groups}
    assert f"{REGULAR_ROUTES_TITLE} (6)" in groups
    props = feature_properties("regular_routes", dataset.layers["regular_routes"].iloc[0].to_dict())
    assert "not 9 October" in props["kind_label"] and props["date_label"].startswith("Not dated")
    assert "evidence" not in props  # the map's 9 Oct leg styles key on evidence


def test_details_table_and_export_say_not_dated_and_not_9_october(dataset):
    details = feature_details(dataset, "rr-tumen-onsong")
    assert details is not None and details.layer_title == REGULAR_ROUTES_TITLE
    facts = dict(details.facts)
    assert facts["Onward (provincial State Security holding centre)"] == "Chongjin"
    assert facts["Dates"].startswith("not dated") and details.count is None
    table = feature_table(dataset.layers, dataset.sources)
    rows = table[table["Layer"] == REGULAR_ROUTES_TITLE]
    assert len(rows) == 6 and set(rows["Dates"]) == {"not dated (a usual route, per NKDB)"}
    assert set(rows["People"]) == {"—"} and set(rows["Kind"]) == {KIND_LABELS["regular_route"]}
    row = dataset.layers["regular_routes"].iloc[0].to_dict()
    assert caveat("regular_routes", row, row["geometry"]).startswith(
        "regular route per NKDB, not a 9 Oct 2023 movement; not dated; schematic line"
    )


def test_export_rows_carry_the_caveat(dataset):
    export = build_export(dataset, apply_filters(dataset.layers, FilterSpec()), FilterSpec(), "csv")
    text = export.data.decode("utf-8-sig")
    assert "6 regular routes (NKDB), not 9 October" in export.citation["filter"]
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["kind"] == "regular_route"]
    assert len(rows) == 6
    for exported in rows:
        assert "regular route per NKDB, not a 9 Oct 2023 movement" in exported["caveat"]
        assert "schematic line" in exported["caveat"]
        assert exported["date_start"] == "" and exported["schematic"] == "true"


def test_scenes_and_figures_know_the_group(dataset):
    known = KnownIds.of(dataset)
    raw = {
        "id": "routes-context",
        "title": "Regular routes",
        "caption": "NKDB's usual routes.",
        "date_from": "2023-10-09",
        "date_to": "2023-10-09",
        "crossings": [],
        "layers": ["regular_routes", "crossings"],
        "center": [41.7, 127.2],
        "zoom": 6,
        "source_ids": ["NKDB-ATLAS"],
    }
    scene, problems = parse_scene(raw, known)
    assert problems == [] and scene is not None and scene.layers == ("regular_routes", "crossings")
    default = view_for_spec(dataset, FilterSpec(), "Default")
    assert "regular_routes" not in default.groups
    chosen = view_for_spec(dataset, FilterSpec(), "With routes", groups=("regular_routes", "crossings"))
    assert len(chosen.groups["regular_routes"]) == 6
    assert all(isinstance(g, LineString) for g in chosen.groups["regular_routes"].geometry)
