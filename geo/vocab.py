"""The words and groups every output shares: kinds in plain English, the map's data groups, the map's bounds.

Part of the data contract (with geo/schema.py), and free of folium: the table, search, exports, details
and scenes read these without loading the map-drawing code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import geopandas as gpd

from geo.i18n import N_, _
from geo.schema import EVENT_KINDS, as_text

MAP_CENTER = (41.7, 127.2)
MAP_ZOOM = 6
MIN_ZOOM, MAX_ZOOM = 6, 13
MAP_MAX_BOUNDS = ((37.0, 118.0), (45.5, 133.0))  # ((south, west), (north, east)): the view cannot leave it

KIND_LABELS: dict[str, str] = {
    "detention_centre": N_("Detention centre in China"),
    "crossing": N_("Border crossing"),
    "receiving_facility": N_("Receiving facility in North Korea"),
    # Not "…, 9 Oct 2023": a bundled leg says so itself, an uploaded one has its own date.
    "route_leg": N_("Transport leg"),
    "regular_route": N_("Regular route (NKDB), not 9 October"),
    "repatriation": N_("Forced repatriation"),
    "arrest": N_("Arrest"),
    "statement": N_("Statement"),
    "report": N_("Report"),
    "policy": N_("Border policy"),
    "context": N_("Context"),
}
assert set(EVENT_KINDS) <= set(KIND_LABELS)


def kind_label(kind: object) -> str:
    """A kind in plain words of the active language (an unknown kind as it is, a blank one as "")."""
    text = as_text(kind)
    return _(KIND_LABELS[text]) if text in KIND_LABELS else text


# NKDB's usual routes: undated context, drawn only while their map group is switched on (off by default).
REGULAR_ROUTES_TITLE = N_("Regular routes (NKDB), not 9 October")
HIDDEN_BY_DEFAULT: frozenset[str] = frozenset({"regular_routes"})


class DataGroup(NamedTuple):
    """One group of features the map draws (and the presenter and figures show or hide)."""

    id: str  # the id scenes and the presenter use
    layer: str  # the dataset layer its features come from
    title: str  # its name in the layer control (a message id: translated where shown)


# Later groups draw on top.
DATA_GROUPS: tuple[DataGroup, ...] = (
    DataGroup("regular_routes", "regular_routes", REGULAR_ROUTES_TITLE),
    DataGroup("routes", "routes", N_("9 Oct 2023 legs (schematic)")),
    DataGroup("events", "events", N_("Events with a place")),
    DataGroup("receiving_facilities", "receiving_facilities", N_("Receiving facilities, North Korea")),
    DataGroup("other_crossings", "crossings", N_("Other crossings (not linked to 9 Oct)")),
    DataGroup("detention_centres", "detention_centres", N_("Detention centres, China")),
    DataGroup("crossings", "crossings", N_("Crossings used on 9 Oct 2023")),
)
GROUP_IDS: tuple[str, ...] = tuple(group.id for group in DATA_GROUPS)
# The groups a map or figure shows unless told otherwise.
DEFAULT_GROUP_IDS: tuple[str, ...] = tuple(g for g in GROUP_IDS if g not in HIDDEN_BY_DEFAULT)
GROUP_LAYER: dict[str, str] = {group.id: group.layer for group in DATA_GROUPS}


def split_groups(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The features of each data group: crossings split by whether they were used on 9 Oct 2023,
    events only where they have a place."""
    crossings = layers["crossings"]
    used = crossings["used_2023_10_09"].map(lambda v: v is True) if len(crossings) else crossings["id"].astype(bool)
    return {
        "regular_routes": layers.get("regular_routes", layers["routes"].iloc[0:0]),
        "routes": layers["routes"],
        "events": layers["events"][layers["events"].geometry.notna()],
        "receiving_facilities": layers["receiving_facilities"],
        "other_crossings": crossings[~used],
        "detention_centres": layers["detention_centres"],
        "crossings": crossings[used],
    }
