"""The browser-held document's pure parts (geo.clientdata): what it codes, which groups it holds, and how."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import geo.clientdata as clientdata
import geo.payload as payload_module
from bench.synthetic import edge_case_events
from geo.clientdata import client_document, client_modes, id_list_codes, view_modes
from geo.io import load_dataset
from geo.schema import as_id_list


def factorised(values: list) -> tuple[list[int], list[list[str]]]:
    """What id_list_codes must give: pd.factorize of each value's as_id_list (the earlier, row-by-row code)."""
    codes, uniques = pd.factorize(pd.Series([tuple(as_id_list(v)) for v in values], dtype=object))
    return codes.tolist(), [list(u) for u in uniques]


def test_id_list_codes_are_those_of_each_rows_id_list() -> None:
    values = [
        ["x-a"],
        None,
        ["x-a", "x-b"],
        "x-a; x-b",  # a flat file's joined ids: the same list as the row before
        [" x-a "],  # spaces stripped: the first row's list
        [1],
        [True],  # equal to [1] as a Python key, not as ids ("True" and "1")
        [1.0],
        float("nan"),
        [],
        "",
        ["x-b", "x-a"],  # order kept: another list
        ("x-a",),  # a tuple of ids: the first row's list
        ["x-a"],
        [None, "x-c"],
    ]
    codes, uniques = id_list_codes(values)
    assert (codes.tolist(), uniques) == factorised(values)
    assert uniques[codes[6]] == ["True"] and uniques[codes[5]] == ["1"]


def test_id_list_codes_on_many_rows_match_row_by_row_factorisation() -> None:
    rng = np.random.default_rng(7)
    pool = [["x-a"], ["x-b"], ["x-a", "x-b"], [], None, "x-c", ["x-c"], [2], [math.nan]]
    values = [pool[k] for k in rng.integers(0, len(pool), 5000)]
    codes, uniques = id_list_codes(values)
    assert (codes.tolist(), uniques) == factorised(values)


def test_events_are_sent_without_id_columns_map_js_never_reads() -> None:
    layers = dict(load_dataset().layers)
    layers["events"] = edge_case_events(1500)
    doc = json.loads(client_document(layers).text)
    assert not {"id", "crossing_id", "from_id", "to_id"} & set(doc["layers"]["events"])
    assert {"crossing_id", "from_id", "to_id"} <= set(doc["layers"]["routes"])
    for name in ("crossings", "detention_centres", "receiving_facilities"):
        assert doc["layers"][name]["id"] == [str(v) for v in layers[name]["id"]], name


def test_a_group_above_the_grid_limit_is_held_as_points_up_to_the_browser_limit(monkeypatch) -> None:
    layers = dict(load_dataset().layers)
    layers["events"] = edge_case_events(1500)
    monkeypatch.setattr(payload_module, "AGGREGATE_ABOVE", 1200)  # the server would draw these as a grid
    modes = client_modes(layers)
    assert modes is not None and modes["events"] == "columns"
    document = client_document(layers)
    grid = json.loads(document.text)["groups"]["events"]["payload"]["grid"]
    assert grid["limit"] == 1200 and grid["noun"] == "events" and grid["step"] == 10_000
    monkeypatch.setattr(clientdata, "BROWSER_POINTS_LIMIT", 1000)
    assert client_modes(layers) is None and client_document(layers) is None  # too many for the browser


@pytest.mark.parametrize(("count", "expected"), [(100_000, "columns"), (100_001, "grid")])
def test_view_modes_draw_a_columns_group_as_a_grid_above_the_limit(count: int, expected: str) -> None:
    modes = {"events": "columns", "crossings": "features"}
    assert view_modes(modes, {"events": count, "crossings": 200_000}) == {"events": expected, "crossings": "features"}
