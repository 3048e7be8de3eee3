"""Backups: `python -m geo db dump` and `db restore` give back the history exactly, on both backends."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from geo.__main__ import main
from geo.store import Store, StoreError, open_store
from geo.store.backup import dump, restore
from geo.store.cluster import as_store_url, create_database, drop_database


def _edit(store: Store) -> None:
    """A history worth restoring: a note, a geometry with a source, a field emptied, a retraction,
    text with Korean, Chinese, quotes and a newline."""
    crossings = [r for r in store.records() if r.layer == "crossings"]
    first, second = crossings[0], crossings[1]
    store.revise(first.id, {"notes": "checked against TJWG"}, author="A. Researcher", reason="TJWG update")
    store.revise(
        second.id,
        {"geometry": Point(129.80123456789, 42.9), "notes": '도문 · 图们 "quoted"\nsecond line'},
        author="B",
        reason="moved to the bridge",
        source_ids=["S5"],
    )
    store.revise(first.id, {"notes": None}, author="A. Researcher", reason="the note was not sourced")
    events = [r for r in store.records() if r.layer == "events"]
    store.revise(events[-1].id, {}, author="C", reason="source withdrawn", retract=True)


def _histories(store: Store) -> dict[str, list[dict]]:
    ids = [r.id for r in store.records(include_retracted=True)]
    return {rid: [entry.as_json() for entry in store.history(rid)] for rid in ids}


@pytest.fixture
def edited(store: Store) -> Store:
    _edit(store)
    return store


@pytest.mark.parametrize("target", ["sqlite", "postgis"])
def test_a_dump_restored_into_an_empty_store_gives_the_same_history_and_the_same_dump(
    edited: Store, target: str, tmp_path: Path, request: pytest.FixtureRequest
):
    first = tmp_path / "store.dump"
    assert dump(edited, first) == edited.revision() == 5
    if target == "sqlite":
        url = str(tmp_path / "restored.sqlite")
    else:  # a second, empty database in the session's cluster (the store's own may be PostGIS too)
        server = request.getfixturevalue("postgres_server")
        name = f"restore_target_{os.getpid()}_{tmp_path.name[-12:]}".replace("-", "_").lower()
        url = as_store_url(create_database(server, name))
        request.addfinalizer(lambda: drop_database(server, name))
    restored = open_store(url)
    try:
        assert restore(restored, first) == 5
        assert restored.revision() == 5
        assert _histories(restored) == _histories(edited)
        again = tmp_path / "again.dump"
        dump(restored, again)
        assert again.read_bytes() == first.read_bytes()  # byte-identical: nothing lost, nothing added
        a, b = edited.read_dataset(), restored.read_dataset()
        assert a.version == b.version and a.revised_at == b.revised_at
        for name, layer in a.layers.items():
            assert_geodataframe_equal(layer, b.layers[name])
        assert restored.read_dataset(2).version == edited.read_dataset(2).version
        # The restored store keeps working: the next revision is 6.
        assert restored.revise(edited.records()[0].id, {"notes": "after restore"}, author="D", reason="r") == 6
    finally:
        restored.close()


def test_restore_refuses_a_store_that_is_not_empty(edited: Store, tmp_path: Path):
    path = tmp_path / "store.dump"
    dump(edited, path)
    with pytest.raises(StoreError, match="not empty"):
        restore(edited, path)
    assert edited.revision() == 5


def test_a_truncated_or_foreign_dump_is_refused_and_the_store_stays_empty(edited: Store, tmp_path: Path):
    path = tmp_path / "store.dump"
    dump(edited, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    truncated = tmp_path / "truncated.dump"
    truncated.write_text("\n".join(lines[: len(lines) // 3]) + "\n", encoding="utf-8")
    foreign = tmp_path / "foreign.dump"
    foreign.write_text('{"hello": "world"}\n', encoding="utf-8")
    target = open_store(str(tmp_path / "target.sqlite"))
    try:
        with pytest.raises(StoreError, match="incomplete"):
            restore(target, truncated)
        with pytest.raises(StoreError, match="not a Crossings store dump"):
            restore(target, foreign)
        assert not target.is_initialised()  # refused before anything was written
    finally:
        target.close()


def test_the_commands_dump_and_restore(
    edited: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "backup.jsonl"
    assert main(["db", "dump", "--out", str(out), "--url", store_url]) == 0
    header = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert header["revision"] == 5
    copy = tmp_path / "copy.sqlite"
    assert main(["db", "restore", str(out), "--url", str(copy)]) == 0
    assert "revision 5" in capsys.readouterr().out
    assert main(["db", "restore", str(out), "--url", str(copy)]) == 2
    assert "not empty" in capsys.readouterr().err
