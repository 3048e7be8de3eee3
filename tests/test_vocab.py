"""The shared vocabulary: kinds in plain English and the map's data groups."""

from __future__ import annotations

import math

from geo.io import load_dataset
from geo.schema import LAYERS
from geo.vocab import DATA_GROUPS, GROUP_IDS, GROUP_LAYER, KIND_LABELS, kind_label, split_groups


def test_kind_label_names_every_kind_of_every_layer():
    for spec in LAYERS.values():
        for kind in spec.kinds:
            assert kind in KIND_LABELS, kind
    assert kind_label("repatriation") == "Forced repatriation"
    assert kind_label("rumour") == "rumour"  # unknown: as it is, not invented
    assert kind_label(None) == kind_label(math.nan) == kind_label("  ") == ""


def test_each_group_has_a_unique_id_a_layer_and_a_title():
    assert len(set(GROUP_IDS)) == len(DATA_GROUPS)
    for group in DATA_GROUPS:
        assert group.layer in LAYERS and group.title and GROUP_LAYER[group.id] == group.layer


def test_split_groups_puts_every_drawn_feature_in_exactly_one_group():
    dataset = load_dataset()
    groups = split_groups(dataset.layers)
    assert list(groups) == list(GROUP_IDS)
    for layer, gdf in dataset.layers.items():
        drawn = set(gdf.loc[gdf.geometry.notna(), "id"])
        placed = [fid for gid, frame in groups.items() if GROUP_LAYER[gid] == layer for fid in frame["id"]]
        assert sorted(placed) == sorted(drawn), layer
    used = set(groups["crossings"]["id"])
    assert used and all(dataset.layers["crossings"].set_index("id").loc[list(used), "used_2023_10_09"])
