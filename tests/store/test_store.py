"""The store, against both backends (see conftest.py): reads equal the published files, revisions
are append-only with reasons and sources, stale and invalid writes are refused and change nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from geo.__main__ import validation_report
from geo.io import load_dataset
from geo.manifest import write_manifest
from geo.schema import LAYERS
from geo.store import RevisionRefused, StaleRevision, Store, open_store

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


@pytest.fixture(scope="module")
def published() -> object:
    return load_dataset(DATA_DIR)


def a_counted_feature(dataset) -> tuple[str, int]:
    """A crossing with a single-source count (whatever data/ holds today: a conflicting count must
    span its estimates, so it cannot move alone) and its high count."""
    crossings = dataset.layers["crossings"]
    row = crossings[crossings["count_high"].notna() & (crossings["count_confidence"] == "single-source")].iloc[0]
    return row["id"], int(row["count_high"])


def assert_same_dataset(actual, expected) -> None:
    for name in LAYERS:
        assert_geodataframe_equal(actual.layers[name], expected.layers[name])
    pd.testing.assert_frame_equal(actual.sources, expected.sources)


def test_a_seeded_store_reads_exactly_what_data_holds(store: Store, published):
    dataset = store.read_dataset()
    assert_same_dataset(dataset, published)
    assert dataset.revision == 1
    assert dataset.version == published.version  # an unedited store is the release itself
    assert dataset.manifest == published.manifest  # licences and hashes of every file, basemap included
    assert len(dataset.rejected) == 0
    fid = published.layers["events"]["id"].iloc[0]
    revision, changed_at = dataset.row_revisions[fid]
    assert revision == 1 and UTC_STAMP.match(changed_at)


def test_seeding_the_same_release_again_changes_nothing(store: Store):
    assert store.seed() is None
    assert store.revision() == 1


def test_a_revision_is_recorded_with_author_reason_sources_and_old_and_new_values(store: Store, published):
    fid, high = a_counted_feature(published)
    number = store.revise(
        fid, {"count_high": high + 50}, author="Researcher A", reason="new TJWG report", source_ids=["S5"], base=1
    )
    assert number == 2 and store.revision() == 2
    history = store.history(fid)
    assert [h.revision for h in history] == [1, 2]
    assert history[0].action == "create" and history[0].changes["id"] == {"old": None, "new": fid}
    latest = history[-1]
    assert (latest.author, latest.reason, latest.source_ids) == ("Researcher A", "new TJWG report", ["S5"])
    assert latest.changes == {"count_high": {"old": high, "new": high + 50}}
    assert UTC_STAMP.match(latest.time)
    dataset = store.read_dataset()
    row = dataset.layers["crossings"].set_index("id").loc[fid]
    assert row["count_high"] == high + 50
    assert dataset.row_revisions[fid][0] == 2
    assert dataset.version == f"{published.version}-r2"


def test_a_count_date_or_location_change_without_a_source_is_refused(store: Store, published):
    fid, high = a_counted_feature(published)
    for changes in ({"count_high": high + 1}, {"date_start": "2023-10-08"}, {"geometry": Point(129.8, 42.9)}):
        with pytest.raises(RevisionRefused, match="must cite a source"):
            store.revise(fid, changes, author="A", reason="typo")
    with pytest.raises(RevisionRefused, match="'S-nowhere' is not in the sources table"):
        store.revise(fid, {"count_high": high + 1}, author="A", reason="r", source_ids=["S-nowhere"])
    with pytest.raises(RevisionRefused, match="a reason is required"):
        store.revise(fid, {"notes": "x"}, author="A", reason="  ")
    assert store.revision() == 1
    assert len(store.history(fid)) == 1


def test_a_text_change_needs_no_source(store: Store, published):
    fid = published.layers["events"]["id"].iloc[0]
    assert store.revise(fid, {"notes": "Checked against the original."}, author="A", reason="note") == 2
    assert store.history(fid)[-1].source_ids == []


def test_a_stale_write_is_refused_naming_what_changed_meanwhile(store: Store, published):
    fid, high = a_counted_feature(published)
    store.revise(fid, {"count_high": high + 10}, author="First", reason="first report", source_ids=["S5"], base=1)
    with pytest.raises(StaleRevision) as refused:
        store.revise(fid, {"notes": "mine"}, author="Second", reason="late", base=1)
    message = str(refused.value)
    assert "changed after revision 1" in message
    assert "revision 2" in message and "First: first report" in message and "count_high" in message
    assert store.revision() == 2
    assert "notes" not in store.history(fid)[-1].changes
    # Based on the record's revision (or on a later dataset revision), the same write goes through.
    assert store.revise(fid, {"notes": "mine"}, author="Second", reason="late", base=2) == 3


def test_another_record_changing_does_not_make_a_write_stale(store: Store, published):
    events = list(published.layers["events"]["id"])
    store.revise(events[0], {"notes": "a"}, author="A", reason="r", base=1)
    assert store.revise(events[1], {"notes": "b"}, author="B", reason="r", base=1) == 3


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"count_low": 10_000_000}, "count_low 10000000 is greater than count_high"),
        ({"count_low": -5}, "count_low must not be negative"),
        ({"date_start": "2023-02-30"}, "day 30 does not exist"),
        ({"geometry": Point(41.9, 126.4)}, "look swapped"),
        ({"confidence": "certain"}, "unknown confidence 'certain'"),
    ],
)
def test_a_revision_that_makes_the_row_invalid_is_refused_with_validations_reason(store, published, changes, reason):
    fid, _ = a_counted_feature(published)
    with pytest.raises(RevisionRefused, match=re.escape(reason)):
        store.revise(fid, changes, author="A", reason="r", source_ids=["S5"])
    assert store.revision() == 1
    assert_same_dataset(store.read_dataset(), published)


def test_a_new_field_needs_no_migration(store: Store, published):
    fid, _ = a_counted_feature(published)
    field = "count_confidence_test"
    store.revise(fid, {field: "single-source"}, author="A", reason="new contract field", source_ids=["S5"])
    crossings = store.read_dataset().layers["crossings"].set_index("id")
    assert crossings.loc[fid, field] == "single-source"


def test_a_retraction_leaves_public_reads_but_stays_in_history(store: Store, published):
    fid = published.layers["events"]["id"].iloc[0]
    number = store.revise(fid, {}, author="A", reason="the source withdrew the claim", retract=True, base=1)
    assert fid not in set(store.read_dataset().layers["events"]["id"])
    assert fid in set(store.read_dataset(at=1).layers["events"]["id"])
    last = store.history(fid)[-1]
    assert (last.revision, last.action, last.reason) == (number, "retract", "the source withdrew the claim")
    assert store.diff(1, number) == {fid: {"retracted": {"old": False, "new": True}}}
    with pytest.raises(RevisionRefused, match="already retracted"):
        store.revise(fid, {}, author="A", reason="again", retract=True)


def test_retracting_a_place_a_route_leg_starts_from_is_refused(store: Store, published):
    leg = published.layers["routes"].iloc[0]
    with pytest.raises(RevisionRefused, match=re.escape(f"{leg['id']}") + ".*still refer to"):
        store.revise(leg["from_id"], {}, author="A", reason="r", retract=True)
    assert store.revision() == 1


def test_reading_an_earlier_revision_gives_that_state(store: Store, published):
    fid, high = a_counted_feature(published)
    store.revise(fid, {"count_high": high + 1}, author="A", reason="r", source_ids=["S5"])
    store.revise(fid, {"count_high": high + 2}, author="A", reason="r", source_ids=["S5"])
    assert_same_dataset(store.read_dataset(at=1), published)
    at_two = store.read_dataset(at=2).layers["crossings"].set_index("id")
    assert at_two.loc[fid, "count_high"] == high + 1
    assert store.diff(1, 3) == {fid: {"count_high": {"old": high, "new": high + 2}}}
    assert store.diff(2, 3) == {fid: {"count_high": {"old": high + 1, "new": high + 2}}}


def test_a_failed_write_leaves_the_store_as_it_was(store: Store, published, monkeypatch):
    fid, high = a_counted_feature(published)

    def broken_update(self):
        raise RuntimeError("disk full while updating the current record")

    monkeypatch.setattr(Store, "_record_update", broken_update)
    with pytest.raises(RuntimeError, match="disk full"):
        store.revise(fid, {"count_high": high + 1}, author="A", reason="r", source_ids=["S5"])
    monkeypatch.undo()
    assert store.revision() == 1
    assert [h.revision for h in store.history(fid)] == [1]
    assert_same_dataset(store.read_dataset(), published)


def test_publish_writes_data_format_that_validates_and_reads_back_equal(store: Store, published, tmp_path):
    fid, high = a_counted_feature(published)
    store.revise(fid, {"count_high": high + 7}, author="A", reason="r", source_ids=["S5"])
    retracted = published.layers["events"]["id"].iloc[0]
    store.revise(retracted, {}, author="A", reason="withdrawn", retract=True)
    out = store.publish(tmp_path / "release")
    report = validation_report(out)
    assert report["ok"], report
    assert_same_dataset(load_dataset(out), store.read_dataset())
    assert retracted not in set(load_dataset(out).layers["events"]["id"])


def test_importing_a_new_release_records_what_changed_and_retracts_what_it_dropped(store: Store, published, tmp_path):
    release = tmp_path / "data"
    shutil.copytree(DATA_DIR, release)
    events = json.loads((release / "events.geojson").read_text(encoding="utf-8"))
    dropped = events["features"].pop(0)["id"]
    events["features"][0]["properties"]["notes"] = "Corrected in the new release."
    changed = events["features"][0]["id"]
    (release / "events.geojson").write_text(json.dumps(events, ensure_ascii=False), encoding="utf-8")
    write_manifest(release)
    assert store.seed(release) == 2
    assert_same_dataset(store.read_dataset(), load_dataset(release))
    assert store.history(dropped)[-1].action == "retract"
    assert store.history(changed)[-1].changes["notes"]["new"] == "Corrected in the new release."
    assert store.read_dataset().version == load_dataset(release).version


def test_postgis_keeps_geometries_in_4326_with_a_gist_index(postgres_url):
    from geo.store import open_store

    opened = open_store(postgres_url)
    opened.init()
    opened.seed()
    with opened.engine.connect() as conn:
        srids = set(
            conn.exec_driver_sql("SELECT DISTINCT ST_SRID(geometry) FROM records WHERE geometry IS NOT NULL").scalars()
        )
        index = conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'records' AND indexname = 'records_geometry_gist'"
        ).scalar()
        column_type = conn.execute(
            sa.text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'records'::regclass AND attname = 'geometry'"
            )
        ).scalar()
    opened.close()
    assert srids == {4326}
    assert index is not None and "USING gist" in index
    assert column_type == "geometry(Geometry,4326)"


KILLED_MID_WRITE = """
import os, sys
from geo.store import open_store
from geo.store.store import Store

def die(self):
    os._exit(9)  # as if killed: no rollback, no cleanup, between two statements of the write

Store._record_update = die
open_store(sys.argv[1]).revise(sys.argv[2], {"notes": "half-written"}, author="A", reason="killed")
"""


def test_a_process_killed_mid_write_loses_nothing_committed_and_leaves_no_lock(store: Store, store_url, published):
    fid = published.layers["events"]["id"].iloc[0]
    committed = store.revise(fid, {"notes": "committed before"}, author="A", reason="r")
    store.close()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_WRITE, store_url, fid], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == 9, killed.stderr
    reopened = open_store(store_url)
    try:
        assert reopened.revision() == committed
        assert [h.revision for h in reopened.history(fid)] == [1, committed]
        assert reopened.record(fid).properties["notes"] == "committed before"
        assert reopened.revise(fid, {"notes": "after"}, author="A", reason="r") == committed + 1
    finally:
        reopened.close()


def test_the_loaders_layer_rules_apply_to_a_revision_too(store: Store, published):
    crossings = published.layers["crossings"]
    conflicting = crossings[crossings["count_confidence"] == "conflicting"].iloc[0]
    with pytest.raises(RevisionRefused, match="is not the span of its estimates"):
        store.revise(
            conflicting["id"],
            {"count_high": int(conflicting["count_high"]) + 1},
            author="A",
            reason="r",
            source_ids=["S5"],
        )
    assert store.revision() == 1


def test_a_source_change_that_breaks_the_sources_table_or_the_rows_citing_it_is_refused(store: Store, published):
    sid = published.sources["id"].iloc[0]
    with pytest.raises(RevisionRefused, match="primary must be true or false"):
        store.revise(sid, {"primary": "maybe"}, author="A", reason="r")
    assert store.revise(sid, {"notes": "Checked again."}, author="A", reason="r") == 2
    assert store.read_dataset().sources.set_index("id").loc[sid, "notes"] == "Checked again."
