"""The replay: the stages of the 9 October 2023 repatriation and of the 2020–2025 monthly
playback, and the folium map that steps through them in the browser (static/crossings/replay.js,
which this module mirrors), so nothing here reruns a script per frame.

Pure: no Streamlit. Every caption line and every stage carries the ids of its sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

import geopandas as gpd

from geo import i18n
from geo.i18n import N_, _
from geo.io import Dataset, source_outlets
from geo.mapview import Map, ScriptCall, build_base_map
from geo.payload import STATIC, layer_collection, to_script_json
from geo.schema import as_id_list, as_text
from geo.text import count_confidence_phrase, format_count, format_dates, is_missing, location_label, publisher_names
from geo.timeline import TIMELINE_END, TIMELINE_START, _day, _union, bin_events, count_phrase, month_bins

REPLAY_JS = ("crossings_replay", f"{STATIC}/crossings/replay.js")
REPLAY_DAY = "2023-10-09"

# ---------------------------------------------------------------- replay of 9 October 2023

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()] if text else []


def first_sentence(text: str) -> str:
    parts = sentences(text)
    return parts[0] if parts else ""


def _without_drawing_notes(text: str) -> str:
    """Notes minus the drawing convention ('Schematic: …', stated once under the map) and minus a
    leading 'Inferred:' (the caption tags the line)."""
    kept = " ".join(s for s in sentences(text) if not s.startswith("Schematic:"))
    return re.sub(r"^Inferred:\s*", "", kept)


def _leg_text(leg: Mapping[str, object]) -> str:
    if leg.get("evidence") == "reported" and as_text(leg.get("reported")):
        return as_text(leg.get("reported"))
    return _without_drawing_notes(as_text(leg.get("notes")))


def _number_text(number: str, note: str) -> str:
    """A crossing's number with the first sentence of its note, without saying the number twice."""
    if not note:
        return f"{number}."
    if number == _("unknown") and note.lower().startswith("unknown:"):
        return f"{number} — {note[len('unknown:') :].strip()}"
    if note.lower().startswith(number.lower()):
        return note
    return f"{number}. {note}"


def _name(record: Mapping[str, object]) -> str:
    """A feature's name: its Korean name in Korean where the data has one, else its English name."""
    if i18n.language() == "ko" and as_text(record.get("name_ko")):
        return as_text(record.get("name_ko"))
    return as_text(record.get("name_en"))


def _line(text: str, evidence: str | None, source_ids: Iterable[str]) -> dict:
    return {"text": text, "evidence": evidence, "source_ids": list(source_ids)}


def _records(gdf: gpd.GeoDataFrame) -> dict[str, dict]:
    return {str(r["id"]): r for r in gdf.to_dict("records")}


def _stage(
    stage_id: str, title: str, time: str, lines: list[dict], current: list[str], drawn: list[str], **extra
) -> dict:
    return {
        "id": stage_id,
        "title": title,
        "time": time,
        "lines": lines,
        "feature_ids": list(current),
        "drawn_ids": list(drawn),
        "source_ids": _union(*(line["source_ids"] for line in lines)),
        **extra,
    }


def _repatriation_day_event(events: gpd.GeoDataFrame, day: str) -> dict | None:
    """The event of the day that names the crossings used (the largest number of them)."""
    same_day = [
        r
        for r in events.to_dict("records")
        if as_text(r.get("kind")) == "repatriation"
        and as_text(r.get("date_start")) == day
        and r.get("count_of") == "returned"
    ]
    if not same_day:
        return None
    return max(same_day, key=lambda r: (len(as_id_list(r.get("crossing_ids"))), as_text(r.get("id"))))


def replay_stages(dataset: Dataset, day: str = REPLAY_DAY) -> list[dict]:
    """The evening of 9 October 2023 in four stages, each built from the dataset's fields:
    detention centres → convoy legs → the five crossings → handover legs and receiving facilities.

    Each stage gives its title, the lines of its caption (text, 'reported' / 'inferred' /
    'not reported', the ids of the sources of that line), the ids drawn for the first time
    (`feature_ids`), every id drawn at that stage (`drawn_ids`, earlier stages included) and the
    union of its sources.
    """
    layers = dataset.layers
    routes = layers["routes"]
    on_day = routes[routes["date_start"] == day]
    origin_legs = on_day[on_day["leg"] == "origin"].sort_values("id").to_dict("records")
    handover_legs = on_day[on_day["leg"] == "handover"].sort_values("id").to_dict("records")
    centres = _records(layers["detention_centres"])
    crossings = _records(layers["crossings"])
    facilities = _records(layers["receiving_facilities"])
    names = publisher_names(dataset.sources)
    event = _repatriation_day_event(layers["events"], day)
    time = format_dates(day, None, "day")
    if event is not None:
        name = first_sentence(_name(event))
        time = f"{time}, {name.lower() if i18n.language() == i18n.SOURCE_LANGUAGE else name}"
    stages: list[dict] = []
    drawn: list[str] = []

    # 1. Where the detainees were held: the origin of each convoy leg.
    lines, current, places, roles = [], [], [], []
    for leg in origin_legs:
        centre = centres.get(as_text(leg["from_id"]))
        if centre is None or centre["id"] in current:
            continue
        current.append(centre["id"])
        role = _("named as an origin by a source") if leg["evidence"] == "reported" else _("origin inferred")
        places.append(location_label(centre.get("location_precision"), centre.get("uncertainty_m")))
        roles.append((_name(centre), role))
        lines.append(
            _line(
                _("{name}: {role}.", name=_name(centre), role=role),
                as_text(leg["evidence"]),
                _union(as_id_list(centre.get("source_ids")), as_id_list(leg.get("source_ids"))),
            )
        )
    if len(set(places)) == 1 and len(places) > 1:
        lines.append(_line(_("Location of all {n}: {place}.", n=len(places), place=places[0]), None, []))
    else:
        for line, place, role in zip(lines, places, roles, strict=True):
            line["text"] = _("{name}: {role}; location {place}.", name=role[0], role=role[1], place=place)
    drawn += current
    stages.append(_stage("detention-centres", _("Detention centres"), time, lines, current, drawn))

    # 2. The convoys: one line per origin leg, in the words of its report or its reasoning.
    lines, current = [], []
    if event is not None and as_text(event.get("reported")):
        lines.append(_line(first_sentence(as_text(event["reported"])), "reported", as_id_list(event.get("source_ids"))))
    for leg in origin_legs:
        current.append(leg["id"])
        text = _leg_text(leg)
        lines.append(
            _line(
                _("{name}: {text}", name=_name(leg), text=text), as_text(leg["evidence"]), as_id_list(leg["source_ids"])
            )
        )
    drawn += current
    stages.append(_stage("convoys", _("Convoys to the crossings"), time, lines, current, drawn))

    # 3. The crossings: the total and each crossing's own number, or "unknown".
    lines, current = [], []
    used_ids = as_id_list(event.get("crossing_ids")) if event is not None else []
    used_ids += [fid for fid, r in crossings.items() if r.get("used_2023_10_09") is True and fid not in used_ids]
    if event is not None:
        note = first_sentence(as_text(event.get("count_note")))
        total = format_count(event.get("count_low"), event.get("count_high"))
        said = i18n.ngettext(
            "In total: {total} people, through {n} crossing.",
            "In total: {total} people, through {n} crossings.",
            len(used_ids),
            total=total,
        )
        lines.append(
            _line(
                said + (f" {note}" if note else ""),
                "reported",
                as_id_list(event.get("count_source_ids")),
            )
        )
    for fid in used_ids:
        crossing = crossings.get(fid)
        if crossing is None:
            continue
        current.append(fid)
        number = format_count(crossing.get("count_low"), crossing.get("count_high"))
        note = first_sentence(as_text(crossing.get("count_note")))
        # The crossing's confidence and its number's own: "crossing used: confirmed · about 300: single source (…)".
        used = _("crossing used: {confidence}", confidence=_(as_text(crossing.get("confidence"))))
        phrase = count_confidence_phrase(crossing, names)
        said = (
            f"{used} · {phrase}." + (f" {note}" if note else "") if phrase else f"{used} · {_number_text(number, note)}"
        )
        lines.append(
            _line(
                _("{name}: {text}", name=_name(crossing), text=said),
                "reported",
                _union(as_id_list(crossing.get("source_ids")), as_id_list(crossing.get("count_source_ids"))),
            )
        )
    drawn += current
    stages.append(_stage("crossings", _("The crossings"), time, lines, current, drawn))

    # 4. After the crossing: handover legs and the facilities they reach; gaps said as gaps.
    lines, current = [], []
    handed = set()
    for leg in handover_legs:
        facility = facilities.get(as_text(leg["to_id"]))
        current.append(leg["id"])
        handed.add(as_text(leg["crossing_id"]))
        text = _leg_text(leg)
        ids = as_id_list(leg.get("source_ids"))
        if facility is not None:
            if facility["id"] not in current:
                current.append(facility["id"])
            ids = _union(ids, as_id_list(facility.get("source_ids")))
        lines.append(_line(_("{name}: {text}", name=_name(leg), text=text), as_text(leg["evidence"]), ids))
    for fid in used_ids:
        if fid in crossings and fid not in handed:
            lines.append(
                _line(
                    _(
                        "{name}: where the returnees were taken after the crossing is not reported in this dataset.",
                        name=_name(crossings[fid]),
                    ),
                    "not reported",
                    [],
                )
            )
    drawn += current
    stages.append(_stage("handover", _("Handover and receiving facilities"), time, lines, current, drawn))
    return [dict(stage, number=index + 1, of=len(stages)) for index, stage in enumerate(stages)]


# ---------------------------------------------------------------- playback over the years


def _crossing_number(crossing: Mapping[str, object], event: Mapping[str, object], n_crossings: int):
    """The number for one crossing in one repatriation: the crossing's own sourced count for that
    day, or the event's count when the event names this crossing alone; otherwise unknown."""
    own_ids = as_id_list(crossing.get("count_source_ids"))
    own_has = not (is_missing(crossing.get("count_low")) and is_missing(crossing.get("count_high")))
    if (
        own_has
        and own_ids
        and as_text(crossing.get("count_of")) == "returned"
        and as_text(crossing.get("date_start")) == as_text(event.get("date_start"))
    ):
        return format_count(crossing.get("count_low"), crossing.get("count_high")), own_ids
    event_ids = as_id_list(event.get("count_source_ids"))
    event_has = not (is_missing(event.get("count_low")) and is_missing(event.get("count_high")))
    if n_crossings == 1 and event_has and event_ids and as_text(event.get("count_of")) == "returned":
        return format_count(event.get("count_low"), event.get("count_high")), event_ids
    return "unknown", []


def monthly_stages(dataset: Dataset, start: date = TIMELINE_START, end: date = TIMELINE_END) -> list[dict]:
    """One stage per month: the crossings used by a forced repatriation that month light up with
    the number reported for them (or 'unknown'); events with a place that month are drawn; the
    caption lists the month's events with their numbers and sources. No number without a source.
    """
    layers = dataset.layers
    events = layers["events"]
    crossings = _records(layers["crossings"])
    crossing_order = list(crossings)
    bins = month_bins(start, end)
    binned = bin_events(events, bins)
    records = _records(events)
    located = {fid for fid, geom in zip(events["id"], events.geometry, strict=True) if geom is not None}
    stages = []
    for index, month in enumerate(bins):
        month_events = sorted(
            (records[fid] for fid in binned[month.key]),
            key=lambda r: (
                r.get("kind") != "repatriation",
                _day(r.get("span_start")),
                r.get("count_of") != "returned",
                as_text(r.get("id")),
            ),
        )
        lines: list[dict] = []
        lit: dict[str, tuple[str, list[str]]] = {}
        for record in month_events:
            has_count = not (is_missing(record.get("count_low")) and is_missing(record.get("count_high")))
            count_ids = as_id_list(record.get("count_source_ids"))
            people = count_phrase(record.get("count_low"), record.get("count_high"), record.get("count_of"))
            dates = format_dates(record.get("date_start"), record.get("date_end"), record.get("date_precision"))
            text = f"{dates} · {_name(record)}"
            if has_count and count_ids:
                text += f" — {people}"
            named = as_id_list(record.get("crossing_ids"))
            if record.get("kind") == "repatriation" and record.get("count_of") == "returned" and not named:
                text += " " + _("(crossing not given)")
            lines.append(_line(text, "reported", _union(as_id_list(record.get("source_ids")), count_ids)))
            if record.get("kind") != "repatriation":
                continue
            for cid in named:
                if cid not in crossings:
                    continue
                number, ids = _crossing_number(crossings[cid], record, len(named))
                if cid not in lit or (lit[cid][0] == "unknown" and number != "unknown"):
                    lit[cid] = (number, ids)
        for cid in crossing_order:
            if cid in lit:
                number, ids = lit[cid]
                lines.append(
                    _line(
                        _("{name}: {text}", name=_name(crossings[cid]), text=number if ids else _("number unknown")),
                        "reported" if ids else "not reported",
                        ids,
                    )
                )
        if not lines:
            lines.append(_line(_("No dated event in the dataset for this month."), None, []))
        drawn_events = [fid for fid in binned[month.key] if fid in located]
        props = {cid: {"count_label": ""} for cid in crossing_order if cid not in lit}
        props.update(
            {
                cid: {"count_label": f"{month.label}: {_('unknown') if number == 'unknown' else number}"}
                for cid, (number, _ids) in lit.items()
            }
        )
        stages.append(
            _stage(
                month.key,
                month.label,
                i18n.ngettext(
                    "{month} · {n} dated event", "{month} · {n} dated events", len(month_events), month=month.label
                ),
                lines,
                [*lit, *drawn_events],
                [*crossing_order, *drawn_events],
                props=props,
                number=index + 1,
                of=len(bins),
                has_events=bool(month_events),
            )
        )
    return stages


# ---------------------------------------------------------------- the replay map

REPLAY_SETS = {
    "oct9": N_("9 October 2023, stage by stage"),
    "months": N_("2020–2025, month by month"),
}


def replay_payload(dataset: Dataset, set_id: str) -> dict:
    """Everything replay.js needs: the stages, the features they draw (display strings already
    formatted, as on the main map) and the sources they cite (id and outlet)."""
    if set_id == "oct9":
        stages, interval_ms = replay_stages(dataset), 4500
    elif set_id == "months":
        stages, interval_ms = monthly_stages(dataset), 1100
    else:
        raise ValueError(f"unknown replay {set_id!r}")
    wanted = {fid for stage in stages for fid in stage["drawn_ids"]}
    features: dict[str, dict] = {}
    for layer in ("routes", "events", "receiving_facilities", "detention_centres", "crossings"):
        gdf = dataset.layers[layer]
        for feature in layer_collection(layer, gdf[gdf["id"].isin(wanted)])["features"]:
            features[feature["properties"]["id"]] = {"layer": layer, "feature": feature}
    cited = sorted({sid for stage in stages for sid in stage["source_ids"]})
    outlets = source_outlets(dataset.sources)
    lang = i18n.language()
    return {
        "lang": lang,
        "messages": i18n.js_messages(lang),
        "set": set_id,
        "title": _(REPLAY_SETS[set_id]),
        "interval_ms": interval_ms,
        "stages": stages,
        "features": features,
        "sources": {sid: outlets.get(sid, "") for sid in cited},
    }


def build_replay_map(basemap_json: str, payload: Mapping) -> Map:
    """The constant base map plus the replay control; the stages step in the browser."""
    fmap = build_base_map(basemap_json)
    # Leaflet fades a closed tooltip out for 200 ms; stepping faster than that would stack the
    # labels of earlier stages (invisible, but still in the page). Here they go at once.
    fmap.options["fade_animation"] = False
    fmap.default_js = [*fmap.default_js, REPLAY_JS]
    ScriptCall("ReplayControl", "CrossingsReplay.mount", to_script_json(payload)).add_to(fmap)
    return fmap
