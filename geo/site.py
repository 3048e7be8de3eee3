"""The published site: a static folder (or zip) with the map, filters, timeline strip, details and sources.

`python -m geo site --out DIR [filters...]` writes index.html (the full map), embed.html (for an
<iframe>: no sidebar, an "open the full map" link), preview.png (the figure of the default view, for
Open Graph) and assets/ with content-hashed names (a CDN may cache them for ever). Every script and
style is a file of the folder and a Content-Security-Policy forbids anything else (no inline script,
no request to another host), so the folder works from file://, from any static host and behind a CDN.

The whole public dataset is in the folder; the filters given at build time are only the view it
opens with (a reader can widen them). The browser filters with static/crossings/site.js, which must
select exactly what geo.filters.apply_filters selects (tests/browser/test_site.py compares them).
Every output reads the dataset through public_dataset(), the one choke point for what readers may see.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from geo import i18n
from geo.atomic import is_inside, refuse_data_dir, write_bytes_atomic
from geo.basemap import BASEMAP_ATTRIBUTION
from geo.details import SourceEntry, feature_details, source_entries
from geo.filters import FilterSpec, allowed_confidence, apply_filters, count_features, describe_view
from geo.i18n import N_, _, use_language
from geo.io import DATA_DIR, STATIC_DIR, Dataset
from geo.payload import crossing_label_side, feature_properties, geometry_json, to_script_json
from geo.profile import local_name
from geo.schema import CONFIDENCE_LEVELS, CONTEXT_LAYERS, LAYERS, as_id_list, as_text, is_blank
from geo.text import format_source_date
from geo.vocab import (
    GROUP_IDS,
    GROUP_LAYER,
    KIND_LABELS,
    MAP_CENTER,
    MAP_MAX_BOUNDS,
    MAP_ZOOM,
    MAX_ZOOM,
    MIN_ZOOM,
    kind_label,
    split_groups,
)

LANGUAGES = tuple(i18n.LANGUAGES)  # every language with catalogs: the pages, <html lang> and site.js's words
TITLE = N_("Crossings: the forced repatriation of North Koreans from China")
LEAFLET_DIR = STATIC_DIR / "vendor" / "leaflet"
CROSSINGS_DIR = STATIC_DIR / "crossings"
PREVIEW_FILE = "preview.png"
PREVIEW_SIZE_PX = (1200, 675)  # 16:9 like the figures (same layout: 9.6 × 5.4 in at 125 dpi)
# Scripts in the order the pages load them; data.js and basemap.js are written per build.
SCRIPTS = ("leaflet.js", "map.js", "basemap.js", "data.js", "site.js")
STYLES = ("leaflet.css", "map.css", "site.css")
# Readers' browsers may load only files of the folder: no inline script, no other host.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; base-uri 'none'; form-action 'none'"
)
EMBED_HEIGHT_PX = 560
EMBED_TITLE = N_("Map: forced repatriation of North Koreans from China")


def public_dataset(dataset: Dataset) -> Dataset:
    """What readers of a published site may see: the one choke point every site output reads through.

    Per-record visibility is applied first by geo.visibility.public_view (restricted records dropped
    with what reveals them, generalised ones coarsened), so the site, its zip and its preview follow it,
    whoever builds them.

    The undated context layers (CONTEXT_LAYERS: NKDB's regular routes) are left out of the site for now:
    site.js filters every record by date, and a reader must never see a regular route as a dated movement.
    """
    from geo.visibility import public_view

    dataset = public_view(dataset)
    layers = {name: gdf for name, gdf in dataset.layers.items() if name not in CONTEXT_LAYERS}
    return replace(dataset, layers=layers)


# ---------------------------------------------------------------- the payload site.js reads


def _source_record(entry: SourceEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "outlet": entry.outlet,
        "title": entry.title,
        "url": entry.url,
        "date": format_source_date(entry.date),
        "mirror": entry.is_mirror,
    }


def _details_record(dataset: Dataset, fid: str) -> dict[str, object] | None:
    details = feature_details(dataset, fid)
    if details is None:
        return None
    record = asdict(details)
    for key in ("sources", "count_sources", "coord_sources"):
        record[key] = [entry.id for entry in getattr(details, key)]
    record["facts"] = [list(pair) for pair in details.facts]
    return record


def _optional(value: object) -> str | None:
    return None if is_blank(value) else as_text(value)


def _feature_records(dataset: Dataset) -> list[dict[str, object]]:
    """One record per feature: what the filters read (raw partial dates: site.js derives the spans as
    geo.io.add_date_spans does), its map group, and the feature map.js draws."""
    groups = split_groups(dataset.layers)
    group_of = {(GROUP_LAYER[g], fid): g for g in GROUP_IDS for fid in groups[g]["id"]}
    sides = crossing_label_side(dataset.layers["crossings"]) if len(dataset.layers["crossings"]) else {}
    records = []
    for layer, gdf in dataset.layers.items():
        columns = [c for c in gdf.columns if c != gdf.geometry.name]
        for values, geom in zip(zip(*(gdf[c].tolist() for c in columns), strict=True), gdf.geometry, strict=True):
            row = dict(zip(columns, values, strict=True))
            fid = as_text(row.get("id"))
            geometry = geometry_json(geom)
            record: dict[str, object] = {
                "id": fid,
                "layer": layer,
                "group": group_of.get((layer, fid)) if geometry is not None else None,
                "kind": as_text(row.get("kind")),
                "confidence": as_text(row.get("confidence")),
                "start": _optional(row.get("date_start")),
                "end": _optional(row.get("date_end")),
                "precision": _optional(row.get("date_precision")),
            }
            if layer == "routes":
                record.update(crossing=as_text(row.get("crossing_id")), **{"from": as_text(row.get("from_id"))})
                record["to"] = as_text(row.get("to_id"))
            if layer == "events":
                record["crossings"] = as_id_list(row.get("crossing_ids"))
            if geometry is not None:
                properties = feature_properties(layer, row, sides.get(fid))
                record["feature"] = {"type": "Feature", "geometry": geometry, "properties": properties}
            records.append(record)
    return records


def spec_fragment(spec: FilterSpec) -> dict[str, object]:
    return {
        "from": spec.date_from.isoformat() if spec.date_from else None,
        "to": spec.date_to.isoformat() if spec.date_to else None,
        "crossings": list(spec.crossings),
        "kinds": list(spec.kinds),
        "confidence": spec.min_confidence,
    }


def fragment_of(spec: FilterSpec) -> str:
    """The URL fragment site.js reads for a filter (#from=…&to=…&crossing=a,b&kind=…&confidence=…)."""
    parts = []
    if spec.date_from:
        parts.append(f"from={spec.date_from.isoformat()}")
    if spec.date_to:
        parts.append(f"to={spec.date_to.isoformat()}")
    if spec.crossings:
        parts.append("crossing=" + ",".join(spec.crossings))
    if spec.kinds:
        parts.append("kind=" + ",".join(spec.kinds))
    if spec.min_confidence != "unknown":
        parts.append(f"confidence={spec.min_confidence}")
    return "&".join(parts)


def cite_line(dataset: Dataset, sentence: str) -> str:
    return _(
        "{title}, dataset version {version}. View: {sentence}. Cite the original sources listed with each feature "
        "as well.",
        title=_(TITLE),
        version=dataset.version,
        sentence=sentence,
    )


def site_payload(dataset: Dataset, spec: FilterSpec, lang: str = "en") -> dict[str, object]:
    """Everything site.js needs: features, details, sources, the filter choices and the opening view."""
    dataset = public_dataset(dataset)
    crossings = dataset.layers["crossings"]
    kinds = sorted({as_text(k) for gdf in dataset.layers.values() for k in gdf["kind"]} - {""})
    used_sources = sorted(set(dataset.sources["id"]), key=_source_key)
    sources = {entry.id: _source_record(entry) for entry in source_entries(dataset.sources, used_sources)}
    events = dataset.layers["events"]
    ends = events["span_end"].dropna()
    last_year = max(2025, ends.max().year) if len(ends) else 2025
    return {
        "lang": lang,
        "title": _(TITLE),
        "messages": i18n.js_messages(lang),  # site.js's (and map.js's) words: t("…") looks them up
        "version": dataset.version,
        "default": spec_fragment(spec),
        "crossings": [
            {"id": fid, "name": local_name(name, name_ko), "used": used is True}
            for fid, name, name_ko, used in zip(
                crossings["id"],
                crossings["name_en"],
                crossings["name_ko"] if "name_ko" in crossings else [None] * len(crossings),
                crossings["used_2023_10_09"],
                strict=True,
            )
        ],
        "kinds": [{"id": k, "label": kind_label(k)} for k in kinds],
        "kind_labels": {k: kind_label(k) for k in KIND_LABELS},
        "confidence": list(CONFIDENCE_LEVELS),
        "allowed": {level: list(allowed_confidence(level)) for level in CONFIDENCE_LEVELS},
        "layer_titles": {name: _(spec_.title) for name, spec_ in LAYERS.items()},
        "groups": list(GROUP_IDS),
        "group_layers": dict(GROUP_LAYER),
        "timeline": {"from": "2020-01-01", "to": f"{last_year}-12-31"},
        "map": {
            "center": list(MAP_CENTER),
            "zoom": MAP_ZOOM,
            "minZoom": MIN_ZOOM,
            "maxZoom": MAX_ZOOM,
            "maxBounds": [list(corner) for corner in MAP_MAX_BOUNDS],
            "attribution": BASEMAP_ATTRIBUTION,
        },
        "records": _feature_records(dataset),
        "details": {
            fid: _details_record(dataset, fid) for gdf in dataset.layers.values() for fid in gdf["id"].map(as_text)
        },
        "sources": sources,
    }


def _source_key(sid: str) -> tuple:
    digits = "".join(c for c in sid if c.isdigit())
    return (not sid.startswith("S"), int(digits) if digits else 0, sid)


# ---------------------------------------------------------------- files

_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:)([^'")]+)\1\s*\)""")


def _asset_name(name: str, content: bytes) -> str:
    """'map.js' -> 'map.3f2a1b9c.js': a new build never reuses a cached file of an old one."""
    stem, _, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}.{ext}"


def _static_asset(name: str) -> bytes:
    from geo.briefing import inline_css_urls

    path = LEAFLET_DIR / name if name.startswith("leaflet") else CROSSINGS_DIR / name
    text = path.read_text(encoding="utf-8")
    if name.endswith(".css"):
        text = inline_css_urls(text, path.parent)  # Leaflet's images as data: URIs (img-src allows them)
    return text.encode("utf-8")


@dataclass(frozen=True)
class SitePage:
    file: str
    embed: bool


PAGES = (SitePage("index.html", False), SitePage("embed.html", True))

# The pages' own words (geo/templates/site.html), translated when a site is built; data is escaped by Jinja.
PAGE_WORDS = {
    "map_title": N_("Map: {title}"),
    "description": N_("{sentence}. Every symbol cites its sources. Dataset version {version}."),
    "og_description": N_("{sentence}. Every symbol cites its sources."),
    "image_alt": N_("Map of the view this page opens with: {sentence}"),
    "open_full": N_("Open the full map"),
    "map_label": N_("Map of the forced repatriation of North Koreans from China"),
    "embed_credit": N_(
        "Crossings, dataset version {version} · sources with every symbol (click one) · basemap: Natural Earth, "
        "GSHHG/WDBII, GeoNames"
    ),
    "needs_js": N_("This map needs JavaScript. {link} lists every source."),
    "full_page": N_("The full page"),
    "subtitle": N_(
        "A map of the forced repatriation of North Koreans from China: where people were held, where they "
        "crossed, where they were taken, and who says so."
    ),
    "panel_label": N_("Filters and details"),
    "needs_js_full": N_("The map and the filters need JavaScript; the sources are listed below."),
    "about_label": N_("About the data"),
    "how_to_cite": N_("How to cite"),
    "version_note": N_(
        "Dataset version {version} (the first 12 hex digits of the SHA-256 of the dataset's manifest). The address "
        "of this page is the view: copy it to share exactly what you see."
    ),
    "embed_heading": N_("Embed this map"),
    "embed_note": N_(
        "Paste this where the map should appear (change the address to where this folder is published). It fits "
        "any width from 320 px; the view it opens with is the one this site was built with."
    ),
    "sources_heading": N_("Sources ({n})"),
    "mirror": N_("mirror or repost"),
    "credit": N_(
        "Basemap: Natural Earth · GSHHG/WDBII (LGPL-3.0) · GeoNames (CC BY 4.0). Map drawn with Leaflet "
        "(BSD-2-Clause, assets/LEAFLET-LICENSE.txt). Nothing on this page is loaded from another site."
    ),
}


def page_words(sentence: str, version: str, sources: int) -> dict[str, Markup]:
    """PAGE_WORDS in the active language, placeholders filled with escaped values, markup where the page needs it."""
    values: dict[str, object] = {
        "sentence": sentence,
        "version": version,
        "title": _(TITLE),
        "n": sources,
        "link": Markup('<a href="index.html">{}</a>').format(_(PAGE_WORDS["full_page"])),
    }
    words = {key: escape(_(message)).format(**values) for key, message in PAGE_WORDS.items()}
    words["version_note"] = escape(_(PAGE_WORDS["version_note"])).format(
        version=Markup('<strong id="cx-version">{}</strong>').format(version)
    )
    return words


_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def embed_snippet(site_url: str = "https://example.org/crossings/", height: int = EMBED_HEIGHT_PX) -> str:
    """The <iframe> a newsroom pastes into its article (site_url: where the folder is published)."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    return (
        f'<iframe src="{base}embed.html" title="{html.escape(_(EMBED_TITLE))}" '
        f'width="100%" height="{height}" style="border:0;max-width:100%" loading="lazy" '
        'referrerpolicy="no-referrer"></iframe>'
    )


def build_site_files(
    dataset: Dataset,
    spec: FilterSpec,
    basemap_json: str,
    lang: str = "en",
    site_url: str | None = None,
    preview: bytes | None = None,
) -> dict[str, bytes]:
    """Every file of the site, by its path in the folder. `preview` is the PNG of the default view
    (render_preview), left out when None."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not available; available: {', '.join(LANGUAGES)}")
    with use_language(lang):
        return _build_site_files(dataset, spec, basemap_json, lang, site_url, preview)


def _build_site_files(
    dataset: Dataset, spec: FilterSpec, basemap_json: str, lang: str, site_url: str | None, preview: bytes | None
) -> dict[str, bytes]:
    dataset = public_dataset(dataset)
    payload = site_payload(dataset, spec, lang)
    contents = {name: _static_asset(name) for name in ("leaflet.js", "map.js", "site.js", *STYLES)}
    contents["data.js"] = f"window.CrossingsSiteData = {to_script_json(payload)};\n".encode()
    contents["basemap.js"] = f"window.CrossingsSiteBasemap = {basemap_json};\n".encode()
    names = {name: f"assets/{_asset_name(name, content)}" for name, content in contents.items()}
    files = {names[name]: content for name, content in contents.items()}
    files["assets/LEAFLET-LICENSE.txt"] = (LEAFLET_DIR / "LICENSE").read_bytes()
    shown = count_features(apply_filters(dataset.layers, spec))
    sentence = describe_view(spec, shown, dataset.layers)
    base = (site_url.rstrip("/") + "/") if site_url else ""
    sources = payload["sources"]
    assert isinstance(sources, Mapping)
    for page in PAGES:
        html = _TEMPLATES.get_template("site.html").render(
            lang=lang,
            title=_(TITLE),
            words=page_words(sentence, dataset.version, len(sources)),
            embed=page.embed,
            csp=CSP,
            version=dataset.version,
            sentence=sentence,
            cite=cite_line(dataset, sentence),
            fragment=fragment_of(spec),
            sources=list(sources.values()),
            scripts=[names[s] for s in SCRIPTS],
            styles=[names[s] for s in STYLES],
            preview=(base + PREVIEW_FILE) if preview is not None else None,
            page_url=(base + page.file) if base else None,
            snippet=embed_snippet(site_url) if site_url else embed_snippet(),
            embed_height=EMBED_HEIGHT_PX,
        )
        files[page.file] = html.encode("utf-8")
    if preview is not None:
        files[PREVIEW_FILE] = preview
    return dict(sorted(files.items()))


def render_preview(dataset: Dataset, spec: FilterSpec, basemap_dir: Path = DATA_DIR / "basemap") -> bytes:
    """The social preview: geo.figure's drawing of the default view, a 1200 × 675 PNG."""
    from geo.figure import build_figure, load_figure_basemap, render_figure, view_for_spec

    dataset = public_dataset(dataset)
    view = view_for_spec(dataset, spec, _(TITLE))
    fig = build_figure(view, load_figure_basemap(basemap_dir), dataset.version, size_px=PREVIEW_SIZE_PX, dpi=125)
    return render_figure(fig, "png")


def site_zip(files: Mapping[str, bytes], folder: str = "crossings-site") -> bytes:
    """The site as one zip (a folder inside, fixed timestamps: the same site gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if path.endswith(".png") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def write_site(files: Mapping[str, bytes], out_dir: Path, *data_dirs: Path) -> list[Path]:
    """Write the files under out_dir (never into a data directory); returns the paths written."""
    refuse_data_dir(out_dir, *data_dirs)
    written = []
    for relative, content in files.items():
        path = out_dir / relative
        if not is_inside(path, out_dir):
            raise ValueError(f"refusing to write outside {out_dir}: {relative}")
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(write_bytes_atomic(path, content))
    return written


def site_zip_name(dataset: Dataset) -> str:
    return f"crossings-site-{dataset.version}.zip"


# ---------------------------------------------------------------- command line


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def add_site_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "site",
        help="write the static site for readers (map, filters, timeline, sources; embed page)",
        description="Write a static folder any web server or CDN serves (or that opens from disk): index.html, "
        "embed.html, preview.png and assets/. The filters set the view it opens with; readers can change them.",
    )
    parser.add_argument("--out", type=Path, required=True, help="the folder to write (created if missing)")
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the pages")
    parser.add_argument("--from", dest="date_from", type=_iso_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=_iso_date, metavar="DATE", help="last day (YYYY-MM-DD)")
    parser.add_argument("--crossing", action="extend", nargs="+", default=[], metavar="ID", help="crossing id(s)")
    parser.add_argument("--kind", action="extend", nargs="+", default=[], metavar="KIND", help="feature kind(s)")
    parser.add_argument("--min-confidence", default="unknown", choices=list(reversed(CONFIDENCE_LEVELS)))
    parser.add_argument("--url", default=None, help="where the folder will be published (absolute Open Graph links)")
    parser.add_argument("--no-preview", action="store_true", help="skip the social preview image")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)


def run_site_command(args: argparse.Namespace) -> int:
    import sys

    from geo.basemap import basemap_json
    from geo.export import ExportError, resolve_crossings
    from geo.io import load_dataset

    refuse_data_dir(args.out, DATA_DIR, args.data)
    dataset = public_dataset(load_dataset(args.data))
    try:
        spec = FilterSpec(
            date_from=args.date_from,
            date_to=args.date_to,
            crossings=resolve_crossings(dataset, args.crossing),
            kinds=tuple(args.kind),
            min_confidence=args.min_confidence,
        )
    except (ExportError, ValueError) as error:
        print(f"site: {error}", file=sys.stderr)
        return 2
    unknown = sorted(set(spec.kinds) - {as_text(k) for gdf in dataset.layers.values() for k in gdf["kind"]})
    if unknown:
        print(f"site: unknown kind(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    with use_language(args.lang):
        preview = None if args.no_preview else render_preview(dataset, spec, args.data / "basemap")
    files = build_site_files(dataset, spec, basemap_json(args.data), args.lang, args.url, preview)
    write_site(files, args.out, DATA_DIR, args.data)
    total = sum(len(content) for content in files.values())
    print(f"wrote {len(files)} files to {args.out} ({total // 1024} KiB); open {args.out / 'index.html'}")
    return 0
