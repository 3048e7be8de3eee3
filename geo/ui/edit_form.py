"""The edit form: propose a change to a record, or a new record, as a draft for review.

The form is built from the data contract (geo.schema): a select for every enumeration, text for
text, whole numbers for counts (blank = unknown, never 0), latitude/longitude with a precision class
for points, a source picker that can add a new source, a required reason and a preview of the diff.
Every field is validated as it is typed, with the reasons `geo validate` gives. The values live in
session state under keys of their own, so a refused submission (a conflict, a stale base) loses nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.accounts import Account
from geo.schema import (
    CONFIDENCE_LEVELS,
    DATE_PRECISIONS,
    DEFAULT_UNCERTAINTY_M,
    LAYERS,
    LOCATION_PRECISIONS,
    VISIBILITIES,
    is_blank,
)
from geo.store import RevisionRefused, StaleRevision, Store, StoreError
from geo.store.records import POINT_LAYERS, SOURCES_LAYER, Record, change_rows, diff_fields, record_problems
from geo.store.review import DraftConflict, propose, sources_frame
from geo.text import escape_markdown as md
from geo.ui.review_panel import draft_table
from geo.visibility import VISIBILITY_LABELS

EDITABLE_LAYERS = (*POINT_LAYERS, "events")
TEXT_FIELDS = ("name_en", "name_ko", "name_zh", "place_en", "province", "country", "count_of", "notes")
CHOICES = {
    "confidence": CONFIDENCE_LEVELS,
    "date_precision": ("", *DATE_PRECISIONS),
    "location_precision": ("", *LOCATION_PRECISIONS),
    "visibility": VISIBILITIES,
}
COUNT_FIELDS = ("count_low", "count_high")
NEW_SOURCES = "_edit_new_sources"
BASES = "_edit_bases"  # record id -> the revision the editor read


def _key(record_id: str, field: str) -> str:
    return f"edit-{record_id}-{field}"


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value)


def _seed_widgets(record_id: str, props: dict, geometry: BaseGeometry | None) -> None:
    """Put the record's values into the form once; afterwards the form keeps what was typed."""
    state = st.session_state
    initial = {field: _text(props.get(field)) for field in (*TEXT_FIELDS, "date_start", "date_end", "id")}
    initial |= {field: _text(props.get(field)) for field in COUNT_FIELDS}
    initial["uncertainty_m"] = _text(props.get("uncertainty_m"))
    initial["kind"] = _text(props.get("kind"))
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
    for field in (*TEXT_FIELDS, "date_start", "date_end", "kind", *CHOICES):
        value = state[_key(record_id, field)]
        value = value.strip() if isinstance(value, str) else value
        if field in old or value:
            props[field] = value
    for field in COUNT_FIELDS:
        props[field] = _whole_number(state[_key(record_id, field)], field, problems)
    for field in ("source_ids", "count_source_ids"):
        props[field] = list(state[_key(record_id, field)])
    geometry = old_geometry
    if layer != "routes":
        radius = _positive_number(state[_key(record_id, "uncertainty_m")], "uncertainty_m", problems)
        props["uncertainty_m"] = radius
        geometry = _point(record_id, problems)
        if geometry is None:
            props["location_precision"] = props.get("location_precision") or ""
    if old.get("visibility") is None and props.get("visibility") == "public":
        props.pop("visibility")  # missing already means public: no change to record
    return props, geometry, problems


def _source_picker(record_id: str, source_ids: list[str]) -> None:
    added = [s["id"] for s in st.session_state.get(NEW_SOURCES, [])]
    options = sorted(set(source_ids) | set(added))
    for field, label in (("source_ids", "Sources"), ("count_source_ids", "Sources of the count")):
        key = _key(record_id, field)
        chosen = [s for s in st.session_state.get(key, []) if s in options]
        st.session_state[key] = chosen
        st.multiselect(label, options, key=key, help="Every claim cites at least one source.")
    with st.expander("Add a new source", icon=":material/add:"), st.form("new-source", clear_on_submit=True):
        sid = st.text_input("Source id (e.g. S120)")
        outlet = st.text_input("Outlet")
        title = st.text_input("Title")
        url = st.text_input("URL")
        published = st.text_input("Published (YYYY-MM-DD)")
        mirror = st.checkbox("This is a mirror or a copy of another source")
        if st.form_submit_button("Add to this draft"):
            if not sid.strip() or sid.strip() in source_ids or sid.strip() in added:
                st.error("A new source needs an id that is not used yet.")
            elif not (outlet.strip() or title.strip()):
                st.error("A new source needs an outlet or a title.")
            else:
                row = {
                    "id": sid.strip(),
                    "outlet": outlet.strip(),
                    "title": title.strip(),
                    "url": url.strip(),
                    "published": published.strip(),
                    "date_precision": "day" if published.strip() else "",
                    "is_mirror": "true" if mirror else "false",
                }
                st.session_state[NEW_SOURCES] = [*st.session_state.get(NEW_SOURCES, []), row]
                st.rerun()
    if st.session_state.get(NEW_SOURCES):
        st.dataframe(pd.DataFrame(st.session_state[NEW_SOURCES], dtype=str), hide_index=True, width="stretch")


def _fields(record_id: str, layer: str) -> None:
    k = lambda field: _key(record_id, field)  # noqa: E731
    spec = LAYERS[layer]
    kinds = list(spec.kinds)
    if st.session_state.get(k("kind")) not in kinds:
        st.session_state[k("kind")] = kinds[0]
    left, right = st.columns(2)
    left.text_input("Name (English)", key=k("name_en"), help="The public headline: name no private place in it.")
    right.selectbox("Kind", kinds, key=k("kind"))
    left.text_input("Name (Korean)", key=k("name_ko"))
    right.text_input("Name (Chinese)", key=k("name_zh"))
    left.selectbox("Confidence", CHOICES["confidence"], key=k("confidence"))
    right.selectbox(
        "Visibility",
        CHOICES["visibility"],
        key=k("visibility"),
        format_func=lambda v: VISIBILITY_LABELS[v],
        help="Less visible takes effect at once; more visible waits for review.",
    )
    left.text_input("Date start (YYYY, YYYY-MM or YYYY-MM-DD)", key=k("date_start"))
    right.text_input("Date end", key=k("date_end"))
    left.selectbox("Date precision", CHOICES["date_precision"], key=k("date_precision"))
    right.text_input("Count of (e.g. returned)", key=k("count_of"))
    left.text_input("Count, low (empty = unknown)", key=k("count_low"))
    right.text_input("Count, high (empty = unknown)", key=k("count_high"))
    if layer != "routes":
        left.text_input("Latitude (decimal degrees)", key=k("lat"))
        right.text_input("Longitude (decimal degrees)", key=k("lon"))
        left.selectbox("Location precision", CHOICES["location_precision"], key=k("location_precision"))
        right.text_input("Uncertainty radius (metres)", key=k("uncertainty_m"), help=_radius_help())
    left.text_input("Place (English)", key=k("place_en"))
    right.text_input("Province", key=k("province"))
    left.text_input("Country", key=k("country"))
    st.text_area("Notes", key=k("notes"))


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
    _seed_widgets(record_id, old, old_geometry)
    _fields(record_id, layer)
    source_ids = [r.id for r in store.records() if r.layer == SOURCES_LAYER]
    _source_picker(record_id, source_ids)
    props, geometry, problems = candidate(record_id, layer, old, old_geometry)
    source_rows = [r.properties for r in store.records() if r.layer == SOURCES_LAYER]
    known = sources_frame(source_rows, st.session_state.get(NEW_SOURCES, []))
    places = {r.id for r in records if r.layer in POINT_LAYERS}
    crossings = {r.id for r in records if r.layer == "crossings"}
    problems += record_problems(layer, props, geometry, known, places, crossings)
    reason = st.text_area("Reason for this change (required; shown in the history)", key=f"edit-{record_id}-reason")
    diff = diff_fields(old, old_geometry, props, geometry)
    st.subheader("Preview of the change")
    if diff:
        st.dataframe(
            pd.DataFrame(change_rows(diff), columns=["field", "now", "proposed"], dtype=str),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Nothing changes yet.")
    for problem in problems:
        st.error(md(problem), icon=":material/error:")
    ready = diff and not problems and reason.strip()
    if not reason.strip():
        st.caption("A reason is required.")
    if st.button("Submit for review", type="primary", disabled=not ready, key="edit-submit"):
        _submit(store, editor, record, record_id, layer, old, old_geometry, props, geometry, reason)


def _submit(store, editor, record, record_id, layer, old, old_geometry, props, geometry, reason) -> None:
    changes = {
        f: v for f, v in props.items() if f != "id" and old.get(f) != v and not (f not in old and v in ("", None, []))
    }
    if layer != "routes" and diff_fields({}, old_geometry, {}, geometry):
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
