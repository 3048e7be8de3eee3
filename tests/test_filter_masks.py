"""What the map page counts from row masks equals what the filtered frames give.

geo/ui/data.py answers a filter change's counts and view from `select_rows` (a mask per layer) and
facts computed once per dataset (`group_rows`, `row_bounds`), without building the filtered frames;
these must be exactly what `apply_filters` and the functions on its frames give, for any filter.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest

from bench.synthetic import edge_case_events
from geo.clientdata import group_counts, group_rows, selected_group_counts
from geo.filters import FilterSpec, apply_filters, count_features, select_rows
from geo.io import load_dataset
from geo.payload import row_bounds, selected_bounds, view_for, view_for_bounds
from geo.schema import CONFIDENCE_LEVELS, CONTEXT_LAYERS


def random_spec(rng: random.Random, layers: dict) -> FilterSpec:
    crossing_ids = sorted(layers["crossings"]["id"])
    kinds = sorted({k for gdf in layers.values() for k in gdf["kind"].dropna().unique()})
    first = date(2000, 1, 1)

    def day() -> date:
        return first + timedelta(days=rng.randrange(9500))

    start = day() if rng.random() < 0.7 else None
    end = day() if rng.random() < 0.7 else None
    if start and end and end < start:
        start, end = end, start
    crossings = tuple(rng.sample(crossing_ids, rng.choice([0, 0, 1, 2])))
    chosen_kinds = tuple(rng.sample(kinds, rng.choice([0, 0, 1, 3])))
    return FilterSpec(start, end, crossings, chosen_kinds, rng.choice(CONFIDENCE_LEVELS))


def variants() -> dict[str, dict]:
    bundled = dict(load_dataset().layers)
    with_events = {**bundled, "events": edge_case_events(1500)}  # events without a place, empty geometries
    # A layer whose index is not in order: the rows a leg brings back are added (apply_filters sorts them in).
    reordered = {**bundled, "detention_centres": bundled["detention_centres"].iloc[::-1]}
    return {"bundled": bundled, "edge-case events": with_events, "index out of order": reordered}


VARIANTS = variants()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_counts_and_view_from_masks_equal_those_of_the_filtered_frames(variant: str) -> None:
    layers = VARIANTS[variant]
    rows, bounds = group_rows(layers), {name: row_bounds(gdf) for name, gdf in layers.items()}
    rng = random.Random(f"masks-{variant}")
    specs = [FilterSpec(), FilterSpec(date(2023, 10, 9), date(2023, 10, 9))]
    specs += [random_spec(rng, layers) for _ in range(80)]
    for spec in specs:
        shown = apply_filters(layers, spec)
        masks = select_rows(layers, spec)
        for name, gdf in layers.items():
            assert sorted(gdf[masks[name]].index) == sorted(shown[name].index), (spec, name)
        counted = sum(int(np.count_nonzero(m)) for name, m in masks.items() if name not in CONTEXT_LAYERS)
        assert counted == count_features(shown), spec
        assert selected_group_counts(rows, masks) == group_counts(shown), spec
        assert view_for_bounds(selected_bounds(bounds, masks)) == view_for(shown), spec


def test_an_empty_selection_gives_the_default_view() -> None:
    layers = VARIANTS["bundled"]
    bounds = {name: row_bounds(gdf) for name, gdf in layers.items()}
    nothing = {name: np.zeros(len(gdf), dtype=bool) for name, gdf in layers.items()}
    assert view_for_bounds(selected_bounds(bounds, nothing)) == view_for({n: g.iloc[0:0] for n, g in layers.items()})
