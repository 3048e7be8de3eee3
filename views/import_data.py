"""Import: a researcher's own points or routes, checked like the bundled data, shown in this session only.

Every string from the file (its name, column names, values, the reasons that quote them) reaches the page
through escape_markdown or through st.dataframe / widget options, which render text, never HTML.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from geo import upload, upload_read
from geo.csvfile import csv_bytes_of
from geo.i18n import N_, _, language
from geo.text import escape_markdown as md
from geo.ui import uploaded
from geo.ui.data import get_dataset
from geo.ui.import_drafts import render_propose_drafts

FILE_KEY = "import-file"
EXAMPLE_KEY = "import-use-example"
RAW_KEY = "_import_raw"  # (token, (layer, language), RawTable | None, refusal | None): parsed once per file,
# session and language (the reasons found while reading are written in the page's language)
NOT_IN_FILE = N_("— not in the file —")
CHOOSE = N_("— choose —")
LOG = logging.getLogger(__name__)
AUTO_LABELS = {
    "date_precision": N_("from the date's form (2023 = year, 2023-10 = month, 2023-10-09 = day)"),
    "uncertainty_m": N_("the drawing convention for the location precision"),
}


def _use_example() -> None:
    st.session_state[EXAMPLE_KEY] = True


def chosen_file() -> tuple[str | None, bytes]:
    left, right = st.columns([0.62, 0.38], gap="medium")
    with left:
        file = st.file_uploader(
            _("Your file"),
            type=list(upload_read.SUPPORTED_EXTENSIONS),
            key=FILE_KEY,
            max_upload_size=upload_read.MAX_UPLOAD_MB,
            help=_("GeoJSON, CSV with latitude/longitude columns, GeoPackage, or a zip holding one of them."),
        )
    with right:
        st.markdown(_("**No file at hand?**"))
        st.button(_("Try the example file"), on_click=_use_example, key="import-example")
        st.download_button(
            _("Download the example CSV"),
            data=upload.example_csv(),
            file_name=upload.EXAMPLE_NAME,
            mime="text/csv",
            key="import-example-download",
        )
    if file is not None:
        st.session_state[EXAMPLE_KEY] = False
        return file.name, file.getvalue()
    if st.session_state.get(EXAMPLE_KEY):
        return upload.EXAMPLE_NAME, upload.example_csv().encode("utf-8")
    return None, b""


def _read(name: str, data: bytes, layer_choice: str | None) -> tuple[upload_read.RawTable | None, str | None]:
    try:
        return upload_read.read_upload(name, data, layer=layer_choice), None
    except upload_read.UploadError as error:
        return None, str(error)
    except Exception:  # a reader's bug must end in a refusal with a reason, never an error box
        LOG.exception("unexpected error while reading an upload")
        return None, _(upload_read.UNEXPECTED_REFUSAL)


def read_once(
    name: str, data: bytes, needed: set[str] | None = None
) -> tuple[str, upload_read.RawTable | None, str | None]:
    """The parsed file, read once per file and session. Between reruns the session keeps only the values of
    the mapped columns; a newly mapped column has the file read again (`needed`)."""
    token = upload_read.file_token(data)
    layer_choice = st.session_state.get(f"imp-{token}-layer")
    cached = st.session_state.get(RAW_KEY)
    stale = not cached or cached[0] != token or cached[1] != (layer_choice, language())
    if not stale and needed is not None and cached[2] is not None and cached[2].kept is not None:
        stale = not needed <= cached[2].kept
    if stale:
        cached = (token, (layer_choice, language()), *_read(name, data, layer_choice))
        st.session_state[RAW_KEY] = cached
    return token, cached[2], cached[3]


def keep_mapped_only(token: str, raw: upload_read.RawTable, mapping: upload.ColumnMapping) -> None:
    layer_choice = st.session_state.get(f"imp-{token}-layer")
    kept = upload_read.keep_columns(raw, mapping.columns.values())
    st.session_state[RAW_KEY] = (token, (layer_choice, language()), kept, None)


def mapping_widgets(raw: upload_read.RawTable, token: str) -> upload.ColumnMapping:
    guess = upload.guess_mapping(raw)
    fields = [
        (name, label)
        for name, label in upload.MAPPABLE_FIELDS
        if raw.format == "CSV" or name not in ("latitude", "longitude")
    ]
    chosen: dict[str, str] = {}
    constants: dict[str, object] = {}
    with st.expander(_("Column mapping (guessed from your column names: check it)"), expanded=True):
        grid = st.columns(3)
        for position, (field_name, label) in enumerate(fields):
            with grid[position % 3]:
                options = [None, *raw.columns]
                guessed = guess.columns.get(field_name)
                column = st.selectbox(
                    _(label),
                    options=options,
                    index=options.index(guessed) if guessed in options else 0,
                    format_func=lambda c: _(NOT_IN_FILE) if c is None else str(c),
                    key=f"imp-{token}-col-{field_name}",
                )
                if column is not None:
                    chosen[field_name] = column
                elif field_name in upload.CONSTANT_FIELDS:
                    value = _constant_widget(field_name, _(label), guess.constants.get(field_name), token)
                    if value is not None:
                        constants[field_name] = value
        count_from_row = st.checkbox(
            _("A count without its own source ids comes from the row's sources"),
            value=True,
            key=f"imp-{token}-count-sources",
            help=_("The data contract wants a source for every number. Untick to require a count_source_ids column."),
        )
    return upload.ColumnMapping(chosen, constants, count_from_row)


def _constant_widget(field_name: str, label: str, default: object, token: str) -> object:
    allowed = list(upload.CONSTANT_FIELDS[field_name])
    options = allowed if default in allowed else [None, *allowed]
    return st.selectbox(
        _("{label}: the same for every row", label=label),
        options=options,
        index=options.index(default) if default in options else 0,
        format_func=lambda v: (
            _(CHOOSE) if v is None else _(AUTO_LABELS.get(field_name, "")) if v == upload.AUTO else str(v)
        ),
        key=f"imp-{token}-const-{field_name}",
    )


def validation_report(result: upload.ImportResult) -> None:
    metrics = st.columns(3)
    metrics[0].metric(_("Rows read"), f"{result.total:,}")
    metrics[1].metric(_("Accepted"), f"{len(result.layer):,}")
    metrics[2].metric(_("Rejected rows"), f"{result.rejected_rows:,}")
    if not len(result.rejected):
        st.success(_("All {total:,} rows passed validation.", total=result.total))
        return
    st.warning(
        _(
            "{rejected_rows:,} of {total:,} rows were rejected ({count:,} problems). Each is listed "
            "below with where it is in your file, the field and what to change.",
            rejected_rows=result.rejected_rows,
            total=result.total,
            count=len(result.rejected),
        )
    )
    summary = upload.rejection_summary(result.rejected)
    lines = "\n".join(f"- {n} × {md(pattern)}" for pattern, n in summary)
    st.markdown("**" + _("Most frequent problems") + "**\n\n" + lines)
    report = result.rejected.rename(
        columns={"row": "Row", "where": "Where", "id": "Id", "field": "Field", "reason": "Reason"}
    )
    st.dataframe(
        upload.display_table(report),
        hide_index=True,
        width="stretch",
        column_config={
            "Row": _("Row"),
            "Where": _("Where"),
            "Id": _("Id"),
            "Field": _("Field"),
            "Reason": _("Reason"),
        },
    )
    st.download_button(
        _("Download the rejection report (CSV)"),
        data=csv_bytes_of(report),  # the one CSV writer: no cell runs as a formula, none splits a row
        file_name="rejected-rows.csv",
        mime="text/csv",
        key="import-report-download",
    )


def accepted_rows(result: upload.ImportResult, name: str, replacing: bool) -> None:
    st.markdown(_("### 3. Accepted rows"))
    preview = pd.DataFrame(result.layer.drop(columns=["geometry", "span_start", "span_end"]))
    for column in ("source_ids", "count_source_ids"):
        preview[column] = [", ".join(ids) for ids in preview[column]]
    st.dataframe(upload.display_table(preview.head(500)), hide_index=True, width="stretch")
    if len(result.sources):
        st.caption(
            _("{count} sources from your source column (ids U1, U2, …), this session only:", count=len(result.sources))
        )
        st.dataframe(result.sources[["id", "outlet", "url"]], hide_index=True, width="stretch")
    count = len(result.layer)
    if replacing:
        label = _("Replace the layer on the map ({count:,} features)", count=count)
    else:
        label = _("Show the accepted rows on the map ({count:,} features)", count=count)
    if st.button(label, type="primary", key="import-apply"):
        uploaded.set_layer(result, name)
        st.rerun()
    render_propose_drafts(result, name)  # signed-in editors only: the rows as drafts for review


def render_import() -> None:
    dataset = get_dataset()
    st.markdown(_("## Import your own data"))
    st.markdown(
        _(
            "Bring your own points or routes. They are checked with the same rules as the bundled "
            "data; rows that fail are listed with the place in your file, the field and the reason — "
            "nothing is fixed and nothing is dropped silently. Accepted rows appear on the map as an "
            "extra layer **in this browser session only**: they are never written to the server, and "
            "they are gone when you close the tab."
        )
    )
    st.caption(_("**Limits.** {limits_text}", limits_text=upload_read.limits_text()))
    name, data = chosen_file()

    active = uploaded.current_layer()
    if active is not None:
        st.success(
            _(
                "On the map now: {count} features from {value} (this session only).",
                count=len(active),
                value=md(uploaded.current_label()),
            )
        )
        columns = st.columns([0.3, 0.3, 0.4])
        columns[0].page_link("views/map.py", label=_("Open the map"), icon=":material/map:")
        columns[1].button(_("Remove from the map"), on_click=uploaded.clear_layer, key="import-clear")

    if name is None:
        st.session_state.pop(RAW_KEY, None)  # the file is gone from the uploader: so is its parsed copy
        st.info(_("Upload a file, or try the example, to see the column mapping and the validation report."))
        return
    token, raw, refusal = read_once(name, data)
    if raw is None:
        st.error(_("**The file was refused.** {value}", value=md(refusal)))
        return

    st.markdown(_("### 1. Your columns → the data contract"))
    if raw.has_geometry:
        described = _(
            "{format}, {rows:,} rows, {columns} columns, {vertices:,} vertices",
            format=raw.format,
            rows=len(raw.rows),
            columns=len(raw.columns),
            vertices=raw.vertices,
        )
    else:
        described = _(
            "{format}, {rows:,} rows, {columns} columns",
            format=raw.format,
            rows=len(raw.rows),
            columns=len(raw.columns),
        )
    st.caption(" ".join(md(part) for part in (f"{name}:", f"{described}.", *raw.notes)))
    if len(raw.layers) > 1:
        st.selectbox(_("GeoPackage layer"), options=list(raw.layers), key=f"imp-{token}-layer")
    summary = st.empty()  # filled once the rows are checked: the outcome before the long mapping form
    mapping = mapping_widgets(raw, token)
    _token, raw, refusal = read_once(name, data, needed=set(mapping.columns.values()))
    if raw is None:
        st.error(_("**The file was refused.** {value}", value=md(refusal)))
        return

    st.markdown(_("### 2. Validation report"))
    reserved_ids = {fid for gdf in dataset.layers.values() for fid in gdf["id"]}
    try:
        result = upload.build_layer(raw, mapping, dataset.sources, reserved_ids)
    except upload_read.UploadError as error:
        st.error(md(str(error)))
        return
    except Exception:  # as above: a reason, not an error box
        LOG.exception("unexpected error while checking an upload")
        st.error(_("**The file was refused.** {value}", value=md(_(upload_read.UNEXPECTED_REFUSAL))))
        return
    finally:
        keep_mapped_only(token, raw, mapping)
    rejected = result.rejected_rows
    outcome = _(
        "{count:,} of {total:,} rows accepted, {rejected:,} rejected",
        count=len(result.layer),
        total=result.total,
        rejected=rejected,
    )
    (summary.warning if rejected else summary.success)(
        _("{outcome}: the validation report is below the mapping.", outcome=outcome)
    )
    validation_report(result)
    if len(result.layer):
        accepted_rows(result, name, replacing=active is not None)


render_import()
