"""The edit form: propose a change to a record, or a new record, as a draft for review.

The form is built from the data contract (geo.schema): a select for every enumeration, text for
text, whole numbers for counts (blank = unknown, never 0), latitude/longitude with a precision class
for points, a source picker that can add a new source, a required reason and a preview of the diff.
Every field is validated as it is typed, with the reasons `geo validate` gives. The values live in
session state under keys of their own, so a refused submission (a conflict, a stale base) loses nothing.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.accounts import Account
from geo.mapview import Position
from geo.schema import (
    CONFIDENCE_LEVELS,
    COUNT_OF,
    DATE_PRECISIONS,
    DEFAULT_UNCERTAINTY_M,
    LAYERS,
    LOCATION_PRECISION_LABELS,
    LOCATION_PRECISIONS,
    VISIBILITIES,
    DateError,
    is_blank,
    parse_partial_date,
)
from geo.store import RevisionRefused, StaleRevision, Store, StoreError
from geo.store.records import POINT_LAYERS, SOURCES_LAYER, Record, change_rows, diff_fields, record_problems
from geo.store.review import DraftConflict, propose, sources_frame
from geo.text import escape_markdown as md
from geo.text import safe_url
from geo.ui.edit_map import render_edit_map
from geo.ui.review_panel import draft_table, text_frame
from geo.visibility import VISIBILITY_LABELS

EDITABLE_LAYERS = (*POINT_LAYERS, "events")
TEXT_FIELDS = ("name_en", "name_ko", "name_zh", "place_en", "province", "country", "notes")
FORM_DATE_FIELDS = ("date_start", "date_end")
CHOICES = {
    "confidence": CONFIDENCE_LEVELS,
    "date_precision": ("", *DATE_PRECISIONS),
    "count_of": ("", *COUNT_OF),
    "location_precision": ("", *LOCATION_PRECISIONS),
    "visibility": VISIBILITIES,
}
COUNT_FIELDS = ("count_low", "count_high")
SOURCE_FIELDS = ("source_ids", "count_source_ids")
COORDINATES = ("lat", "lon")  # the point's geometry, as two fields
NEW_SOURCES = "_edit_new_sources"
BASES = "_edit_bases"  # record id -> the revision the editor read
# The English words of the form, one label per field (geo/i18n will take them over).
LABELS = {
    "name_en": "Name (English)",
    "name_ko": "Name (Korean)",
    "name_zh": "Name (Chinese)",
    "kind": "Kind",
    "confidence": "Confidence",
    "visibility": "Visibility",
    "date_start": "Date start (YYYY, YYYY-MM or YYYY-MM-DD)",
    "date_end": "Date end",
    "date_precision": "Date precision",
    "count_of": "Count of (what the count counts)",
    "count_low": "Count, low (empty = unknown)",
    "count_high": "Count, high (empty = unknown)",
    "lat": "Latitude (decimal degrees north)",
    "lon": "Longitude (decimal degrees east)",
    "location_precision": "Location precision",
    "uncertainty_m": "Uncertainty radius (metres; empty = the class's convention)",
    "place_en": "Place (English)",
    "province": "Province",
    "country": "Country",
    "notes": "Notes",
    "side_cn_en": "Chinese side (English)",
    "side_kp_en": "North Korean side (English)",
    "from_id": "From (record id)",
    "to_id": "To (record id)",
    "crossing_id": "Crossing (record id)",
    "source_ids": "Sources",
    "count_source_ids": "Sources of the count",
}
MAP_HELP = (
    "Click the map to put the proposed position there, or type the coordinates. Grey, dashed: where it is "
    "now, with its uncertainty circle; blue: the proposed position. The precision class says what the point "
    "stands for: a city-level place is drawn with its circle, never as an exact pin."
)
ROUTES_KEEP_GEOMETRY = (
    "Moving on the map is for points only: a leg's line keeps its geometry here "
    "(its ends follow the records named in From, To and Crossing)."
)


def layer_text_fields(layer: str) -> tuple[str, ...]:
    """Text the contract requires of this layer beyond the common fields (a crossing's two sides, a leg's ends)."""
    covered = {*TEXT_FIELDS, "id", "kind", *CHOICES}
    return tuple(f for f in LAYERS[layer].required_text if f not in covered)


def has_point(layer: str) -> bool:
    return "Point" in LAYERS[layer].geometry_types


def form_fields(layer: str) -> dict[str, str]:
    """Every field the form edits for a record of this layer, and how: "text", "date", "count", "radius",
    "coordinate", "choice" (kind and the enumerations) or "sources". Each has a widget keyed _key(id, field)."""
    fields = {f: "text" for f in (*TEXT_FIELDS, *layer_text_fields(layer))}
    fields |= {f: "date" for f in FORM_DATE_FIELDS}
    fields |= {f: "count" for f in COUNT_FIELDS}
    fields |= {"kind": "choice"} | {f: "choice" for f in CHOICES if f != "location_precision" or has_point(layer)}
    if has_point(layer):
        fields |= {f: "coordinate" for f in COORDINATES} | {"uncertainty_m": "radius"}
    fields |= {f: "sources" for f in SOURCE_FIELDS}
    return fields


def _key(record_id: str, field: str) -> str:
    return f"edit-{record_id}-{field}"


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value)


def _seed_widgets(record_id: str, layer: str, props: dict, geometry: BaseGeometry | None) -> None:
    """Put the record's values into the form once; afterwards the form keeps what was typed."""
    state = st.session_state
    texts = (*TEXT_FIELDS, *layer_text_fields(layer), *FORM_DATE_FIELDS, *COUNT_FIELDS, "uncertainty_m", "kind", "id")
    initial = {field: _text(props.get(field)) for field in texts}
    for field, options in CHOICES.items():
        value = _text(props.get(field)) or ("public" if field == "visibility" else "")
        initial[field] = value if value in options else options[0]
    initial["source_ids"] = [str(s) for s in props.get("source_ids") or []]
    initial["count_source_ids"] = [str(s) for s in props.get("count_source_ids") or []]
    point = geometry if isinstance(geometry, Point) else None
    initial["lat"] = "" if point is None else f"{point.y:.6f}"
    initial["lon"] = "" if point is None else f"{point.x:.6f}"
    for field, value in initial.items():
        state.setdefault(_key(record_id, field), value)


def _whole_number(text: str, field: str, problems: list[str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        problems.append(f"{field}: {text!r} is not a whole number (leave it empty when unknown)")
        return None


def _positive_number(text: str, field: str, problems: list[str]) -> float | int | None:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(f"{field}: {text!r} is not a number")
        return None
    return int(number) if number.is_integer() else number


def _point(record_id: str, problems: list[str]) -> Point | None:
    lat_text = st.session_state[_key(record_id, "lat")].strip()
    lon_text = st.session_state[_key(record_id, "lon")].strip()
    if not lat_text and not lon_text:
        return None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        problems.append("geometry: latitude and longitude must both be decimal degrees")
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        problems.append("geometry: latitude must be within ±90 and longitude within ±180")
        return None
    return Point(lon, lat)


def candidate(
    record_id: str, layer: str, old: dict, old_geometry: BaseGeometry | None
) -> tuple[dict, BaseGeometry | None, list[str]]:
    """The record as the form now describes it, and the problems reading the form found."""
    state = st.session_state
    problems: list[str] = []
    props = dict(old)
    props["id"] = record_id
    for field in (*TEXT_FIELDS, *layer_text_fields(layer), *FORM_DATE_FIELDS, "kind", *CHOICES):
        value = state[_key(record_id, field)]
        value = value.strip() if isinstance(value, str) else value
        if field in old or value:
            props[field] = value
    for field in COUNT_FIELDS:
        props[field] = _whole_number(state[_key(record_id, field)], field, problems)
    for field in SOURCE_FIELDS:
        props[field] = list(state[_key(record_id, field)])
    geometry = old_geometry
    if has_point(layer):
        radius = _positive_number(state[_key(record_id, "uncertainty_m")], "uncertainty_m", problems)
        if radius is None:  # empty: the contract's drawing convention for the class (shown in the preview)
            radius = DEFAULT_UNCERTAINTY_M.get(str(state[_key(record_id, "location_precision")]))
        props["uncertainty_m"] = radius
        geometry = _point(record_id, problems)
        if geometry is None:
            props["location_precision"] = props.get("location_precision") or ""
    if old.get("visibility") is None and props.get("visibility") == "public":
        props.pop("visibility")  # missing already means public: no change to record
    return props, geometry, problems


# The new-source form's fields: (field, label). Its values stay typed until the source is added.
NEW_SOURCE_FIELDS = (
    ("id", "Source id (e.g. S120)"),
    ("outlet", "Outlet"),
    ("title", "Title"),
    ("url", "URL"),
    ("published", "Published (YYYY-MM-DD)"),
)
NEW_SOURCE_MIRROR = "new-source-mirror"
_CLEAR_NEW_SOURCE = "_edit_clear_new_source"


def new_source_key(field: str) -> str:
    return f"new-source-{field}"


def new_source_problems(row: dict[str, str], taken: set[str]) -> list[str]:
    """Why a new source cannot be added to the draft ("field: reason"); nothing typed is cleared meanwhile."""
    problems = []
    if not row["id"] or row["id"] in taken:
        problems.append("id: a new source needs an id that is not used yet")
    if not (row["outlet"] or row["title"]):
        problems.append("outlet: a new source needs an outlet or a title")
    if row["url"] and safe_url(row["url"]) is None:
        problems.append("url: a source's URL starts with http:// or https://")
    if row["published"]:
        try:
            parse_partial_date(row["published"], "day")
        except DateError as error:
            problems.append(f"published: {error} (YYYY-MM-DD, or leave it empty)")
    return problems


def _source_picker(record_id: str, source_ids: list[str], slots: dict) -> None:
    added = [s["id"] for s in st.session_state.get(NEW_SOURCES, [])]
    options = sorted(set(source_ids) | set(added))
    for field in SOURCE_FIELDS:
        key = _key(record_id, field)
        chosen = [s for s in st.session_state.get(key, []) if s in options]
        st.session_state[key] = chosen
        st.multiselect(LABELS[field], options, key=key, help="Every claim cites at least one source.")
        slots[field] = st.empty()
    state = st.session_state
    if state.pop(_CLEAR_NEW_SOURCE, False):  # added: an empty form for the next one
        for field, _label in NEW_SOURCE_FIELDS:
            state[new_source_key(field)] = ""
        state[NEW_SOURCE_MIRROR] = False
    with st.expander("Add a new source", icon=":material/add:"), st.form("new-source"):
        for field, label in NEW_SOURCE_FIELDS:
            st.text_input(label, key=new_source_key(field))
        mirror = st.checkbox("This is a mirror or a copy of another source", key=NEW_SOURCE_MIRROR)
        if st.form_submit_button("Add to this draft"):
            row = {field: str(state.get(new_source_key(field)) or "").strip() for field, _label in NEW_SOURCE_FIELDS}
            problems = new_source_problems(row, {*source_ids, *added})
            for problem in problems:
                st.error(md(problem), icon=":material/error:")
            if not problems:
                row |= {"date_precision": "day" if row["published"] else "", "is_mirror": "true" if mirror else "false"}
                state[NEW_SOURCES] = [*state.get(NEW_SOURCES, []), row]
                state[_CLEAR_NEW_SOURCE] = True
                st.rerun()
    if state.get(NEW_SOURCES):
        st.dataframe(text_frame(pd.DataFrame(state[NEW_SOURCES], dtype=str)), hide_index=True, width="stretch")


def _fields(record_id: str, layer: str, slots: dict, now: Position | None, now_precision: object) -> None:
    """The record's fields, two to a row; `slots` gets a place under each for its reasons."""
    k = lambda field: _key(record_id, field)  # noqa: E731
    kinds = list(LAYERS[layer].kinds)
    if st.session_state.get(k("kind")) not in kinds:
        st.session_state[k("kind")] = kinds[0]
    helps = {
        "name_en": "The public headline: name no private place in it.",
        "visibility": "Less visible takes effect at once; more visible waits for review.",
    }

    def widget(column, field: str) -> None:
        label, key, help_text = LABELS.get(field, field), k(field), helps.get(field)
        if field == "kind":
            column.selectbox(label, kinds, key=key)
        elif field == "visibility":
            column.selectbox(label, CHOICES[field], key=key, format_func=VISIBILITY_LABELS.get, help=help_text)
        elif field in CHOICES:
            column.selectbox(label, CHOICES[field], key=key, help=help_text)
        elif field == "notes":
            column.text_area(label, key=key)
        else:
            column.text_input(label, key=key, help=help_text)
        slots[field] = column.empty()

    rows = [
        ("name_en", "kind"),
        ("name_ko", "name_zh"),
        ("confidence", "visibility"),
        ("date_start", "date_end"),
        ("date_precision", "count_of"),
        ("count_low", "count_high"),
    ]
    for left_field, right_field in rows:
        left, right = st.columns(2)
        widget(left, left_field)
        widget(right, right_field)
    if has_point(layer):
        _location(record_id, layer, slots, now, now_precision)
    else:
        st.caption(ROUTES_KEEP_GEOMETRY)
    rest = ["place_en", "province", "country", *layer_text_fields(layer)]
    for index in range(0, len(rest), 2):
        columns = st.columns(2)
        for column, field in zip(columns, rest[index : index + 2], strict=False):
            widget(column, field)
    widget(st.container(), "notes")


PICKED = "picked"  # _key(id, PICKED): a click on the edit map, waiting to become the latitude and longitude
CLICKED = "clicked"  # _key(id, CLICKED): the click last applied (st_folium returns it on every rerun)
CLICK_DECIMALS = 5  # about a metre: finer than a click can place; the precision class says what it means


def _lenient_number(text: object) -> float | None:
    try:
        number = float(str(text).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def radius_of(precision: object, radius: object) -> float | None:
    """The uncertainty circle drawn for a point: its own radius, else its precision class's convention."""
    own = _lenient_number(radius) if not is_blank(radius) else None
    if own is not None and own > 0:
        return own
    return DEFAULT_UNCERTAINTY_M.get(str(precision))


def _proposed_position(record_id: str) -> Position | None:
    state = st.session_state
    lat, lon = _lenient_number(state[_key(record_id, "lat")]), _lenient_number(state[_key(record_id, "lon")])
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    radius = radius_of(state[_key(record_id, "location_precision")], state[_key(record_id, "uncertainty_m")])
    return Position(lat, lon, radius)


def apply_picked(record_id: str) -> None:
    """A click on the map becomes the latitude and longitude fields (before they are drawn this run)."""
    picked = st.session_state.pop(_key(record_id, PICKED), None)
    if isinstance(picked, dict):
        st.session_state[_key(record_id, "lat")] = f"{picked['lat']:.{CLICK_DECIMALS}f}"
        st.session_state[_key(record_id, "lon")] = f"{picked['lng']:.{CLICK_DECIMALS}f}"


def _location(record_id: str, layer: str, slots: dict, now: Position | None, now_precision: object) -> None:
    """The map to place or move the point, beside the coordinates and the precision class it stands for."""
    k = lambda field: _key(record_id, field)  # noqa: E731
    state = st.session_state
    apply_picked(record_id)
    st.markdown("**Location**")
    map_column, fields_column = st.columns([3, 2])
    with map_column:
        precision = state[k("location_precision")] or now_precision
        clicked = render_edit_map(record_id, now, _proposed_position(record_id), precision)
        st.caption(MAP_HELP)
    if clicked is not None and clicked != state.get(k(CLICKED)):
        state[k(CLICKED)] = clicked
        state[k(PICKED)] = clicked
        st.rerun()
    with fields_column:
        for field in ("lat", "lon"):
            st.text_input(LABELS[field], key=k(field))
        slots["geometry"] = st.empty()
        st.selectbox(
            LABELS["location_precision"],
            CHOICES["location_precision"],
            key=k("location_precision"),
            format_func=lambda p: LOCATION_PRECISION_LABELS.get(p, "not given"),
        )
        slots["location_precision"] = st.empty()
        st.text_input(LABELS["uncertainty_m"], key=k("uncertainty_m"), help=_radius_help())
        slots["uncertainty_m"] = st.empty()
        if layer == "events":
            st.caption("An event may have no place: clear both coordinates to remove its point.")


def now_position(old: dict, old_geometry: BaseGeometry | None) -> Position | None:
    """Where the record is now, for the map's grey mark (None: it has no point)."""
    if not isinstance(old_geometry, Point):
        return None
    return Position(old_geometry.y, old_geometry.x, radius_of(old.get("location_precision"), old.get("uncertainty_m")))


def _radius_help() -> str:
    return "Drawing conventions: " + ", ".join(f"{p} {m:,} m" for p, m in DEFAULT_UNCERTAINTY_M.items())


def render_edit_form(store: Store, editor: Account) -> None:
    records = [r for r in store.records() if r.layer in EDITABLE_LAYERS or r.layer == "routes"]
    mode = st.radio(
        "What do you want to do?", ["Change a record", "Add a new record"], horizontal=True, key="edit-mode"
    )
    if mode == "Change a record":
        labels = {r.id: f"{r.properties.get('name_en', '')} ({r.id})" for r in records}
        record_id = st.selectbox(
            "Record", list(labels), format_func=lambda rid: labels[rid], index=None, key="edit-record"
        )
        if record_id is None:
            st.info("Choose the record to change.")
            return
        record: Record | None = next(r for r in records if r.id == record_id)
        layer = record.layer
        old, old_geometry = dict(record.properties), record.geometry
        bases = st.session_state.setdefault(BASES, {})
        bases.setdefault(record_id, record.revision)
    else:
        layer = st.selectbox(
            "Layer", EDITABLE_LAYERS, format_func=lambda name: LAYERS[name].title, key="edit-new-layer"
        )
        record_id = st.text_input("Id of the new record (stable; e.g. ev-2024-05-arrests)", key="edit-new-id").strip()
        if not record_id:
            st.info("Give the new record an id.")
            return
        if any(r.id == record_id for r in records) or store.record(record_id) is not None:
            st.error(f"The id “{md(record_id)}” is taken: ids are stable and unique.")
            return
        record, old, old_geometry = None, {}, None
    _seed_widgets(record_id, layer, old, old_geometry)
    slots: dict[str, object] = {}
    _fields(record_id, layer, slots, now_position(old, old_geometry), old.get("location_precision"))
    source_ids = [r.id for r in store.records() if r.layer == SOURCES_LAYER]
    _source_picker(record_id, source_ids, slots)
    props, geometry, problems = candidate(record_id, layer, old, old_geometry)
    source_rows = [r.properties for r in store.records() if r.layer == SOURCES_LAYER]
    known = sources_frame(source_rows, st.session_state.get(NEW_SOURCES, []))
    places = {r.id for r in records if r.layer in POINT_LAYERS}
    crossings = {r.id for r in records if r.layer == "crossings"}
    problems += date_field_problems(props) + record_problems(layer, props, geometry, known, places, crossings)
    problems = list(dict.fromkeys(problems))  # the same reason from the form and from `geo validate`: once
    reason = st.text_area("Reason for this change (required; shown in the history)", key=f"edit-{record_id}-reason")
    diff = diff_fields(old, old_geometry, props, geometry)
    st.subheader("Preview of the change")
    if diff:
        st.dataframe(
            text_frame(pd.DataFrame(change_rows(diff), columns=["field", "now", "proposed"], dtype=str)),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Nothing changes yet.")
    unplaced = show_in_place(problems, slots)
    if problems:
        st.caption(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} to fix before submitting"
            + (": the reasons are shown next to their fields." if not unplaced else ":")
        )
    for problem in unplaced:
        st.error(md(problem), icon=":material/error:")
    ready = diff and not problems and reason.strip()
    if not reason.strip():
        st.caption("A reason is required.")
    if st.button("Submit for review", type="primary", disabled=not ready, key="edit-submit"):
        _submit(store, editor, record, record_id, layer, old, old_geometry, props, geometry, reason)


def date_field_problems(props: dict) -> list[str]:
    """Each date field read on its own (`geo validate` stops at the first bad date), so that every date
    typed gets its reason next to it; the words are validate's."""
    precision = props.get("date_precision")
    if precision not in DATE_PRECISIONS:
        return []
    problems = []
    for field in FORM_DATE_FIELDS:
        value = props.get(field)
        if is_blank(value):
            continue
        try:
            parse_partial_date(str(value), str(precision))
        except DateError as error:
            problems.append(f"{field}: {error}")
    return problems


def problem_field(problem: str) -> str:
    """The field a "field: reason" line is about ("" when it names none)."""
    field, _, reason = problem.partition(":")
    return field.strip() if reason else ""


def show_in_place(problems: list[str], slots: dict) -> list[str]:
    """Each reason under the field it is about; returns those with no field in the form."""
    by_field: dict[str, list[str]] = {}
    unplaced = []
    for problem in problems:
        field = problem_field(problem)
        if field in slots:
            by_field.setdefault(field, []).append(problem)
        else:
            unplaced.append(problem)
    for field, lines in by_field.items():
        slots[field].error("  \n".join(md(line) for line in lines), icon=":material/error:")
    return unplaced


def _submit(store, editor, record, record_id, layer, old, old_geometry, props, geometry, reason) -> None:
    changes = {
        f: v for f, v in props.items() if f != "id" and old.get(f) != v and not (f not in old and v in ("", None, []))
    }
    if has_point(layer) and diff_fields({}, old_geometry, {}, geometry):
        changes["geometry"] = geometry
    bases = st.session_state.setdefault(BASES, {})
    base = bases.get(record_id, store.revision()) if record is not None else store.revision()
    cited = list(dict.fromkeys([*props.get("source_ids", []), *props.get("count_source_ids", [])]))
    new_sources = [s for s in st.session_state.get(NEW_SOURCES, []) if s["id"] in cited]
    try:
        made = propose(
            store,
            editor,
            record_id,
            changes,
            reason=reason,
            source_ids=cited,
            base=base,
            layer=None if record is not None else layer,
            new_sources=new_sources,
        )
    except DraftConflict as conflict:
        st.warning(
            f"{md(conflict.other.author)} has already proposed a change to this record (draft {conflict.other.id}, "
            f"{md(conflict.other.created_at[:16])}). Nothing you typed is lost: compare, then ask a reviewer to "
            "decide on theirs first.",
            icon=":material/sync_problem:",
        )
        draft_table(store, conflict.other)
        return
    except StaleRevision as stale:
        st.warning(" ".join(md(r) for r in stale.reasons) + ". Nothing you typed is lost.")
        if st.button("Base my change on the current revision", key="edit-rebase"):
            bases[record_id] = store.record(record_id).revision
            st.rerun()
        return
    except RevisionRefused as refused:
        for reason_text in refused.reasons:
            st.error(md(reason_text))
        return
    except StoreError as error:
        st.error(md(error))
        return
    st.session_state.pop(NEW_SOURCES, None)
    bases.pop(record_id, None)
    note = " Its stricter visibility took effect at once." if made.applied_at_once else ""
    st.success(f"Draft {made.id} is waiting for review. The public sees nothing of it until it is approved.{note}")
