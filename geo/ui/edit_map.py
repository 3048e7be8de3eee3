"""st_folium glue for the edit form's small map: where the point is now, where the form puts it, and the
click that moves it. The map itself is constant (geo.mapview.build_edit_map: the offline basemap, the
project's own Leaflet); the two positions reach it through `feature_group_to_add`, the view through
`center`/`zoom`, and only `last_clicked` comes back (so panning and zooming never rerun the script)."""

from __future__ import annotations

from streamlit_folium import st_folium

from geo.mapview import Position, build_edit_map, edit_map_zoom, position_groups
from geo.ui.data import get_dataset, get_map_basemap
from geo.vocab import MAP_CENTER

EDIT_MAP_HEIGHT = 380


def edit_map_key(record_id: str) -> str:
    return f"edit-map-{record_id}"


def render_edit_map(
    record_id: str, now: Position | None, proposed: Position | None, precision: object
) -> dict[str, float] | None:
    """Draw the map; return the last click as {"lat": …, "lng": …} (the same one on every rerun until the
    next click: the caller remembers which it has applied)."""
    shown = proposed or now
    center = (shown.lat, shown.lon) if shown else MAP_CENTER
    result = st_folium(
        build_edit_map(get_map_basemap(get_dataset().version)),  # fresh each run: st_folium mutates it
        key=edit_map_key(record_id),
        height=EDIT_MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=position_groups(now, proposed),
        center=center,
        zoom=edit_map_zoom(precision) if shown else None,
        returned_objects=["last_clicked"],
    )
    clicked = (result or {}).get("last_clicked")
    if not isinstance(clicked, dict):
        return None
    lat, lng = clicked.get("lat"), clicked.get("lng")
    if not isinstance(lat, int | float) or not isinstance(lng, int | float):
        return None
    return {"lat": float(lat), "lng": float(lng)}
