"""Static figures of a scene or a filter view, for slides, print and articles.

Drawn with geopandas and matplotlib (the object API on the Agg canvas: no pyplot, no global
state, safe in Streamlit's threads) from the same layers as the map: the offline basemap in
data/basemap and the filtered data groups, with the map's symbols (squares detention centres,
diamonds crossings, triangles receiving facilities, circles events, solid reported and dashed
inferred legs, dashed areas for town- or city-level places) and the Okabe–Ito colours of
static/crossings/map.js. Each figure has a legend, a scale bar, a north arrow, a title, the date
range and a source line with the dataset version.

The map is drawn in a Lambert conformal conic projection centred on the view, so the scale bar
is true at the centre and north is up there. Korean and Chinese names need a CJK font (Debian's
fonts-noto-cjk); without one an English figure uses English names only, and a Korean figure is refused
with a message saying what to install. The figure is in the active language (`python -m geo figure --lang ko`):
its title, caption lines, legend, labels (Korean names where the data has them) and source line.
"""

from __future__ import annotations

import argparse
import functools
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from pyproj import CRS as ProjCRS
from pyproj import Transformer
from shapely.geometry import box

from geo import i18n
from geo.atomic import refuse_data_dir, write_output
from geo.filters import FilterSpec, apply_filters
from geo.i18n import N_, _, use_language
from geo.io import DATA_DIR, Dataset
from geo.payload import crossing_label_side, view_for
from geo.scenes import Scene, scene_groups
from geo.schema import DEFAULT_UNCERTAINTY_M, REGION_BBOX, as_id_list, as_text, is_blank
from geo.text import confidence_label, format_count, publisher_names, short_name
from geo.vocab import DEFAULT_GROUP_IDS, GROUP_IDS, REGULAR_ROUTES_TITLE, split_groups

# ---------------------------------------------------------------- formats and sizes


@dataclass(frozen=True)
class FigureFormat:
    key: str
    label: str
    mime: str


FIGURE_FORMATS: dict[str, FigureFormat] = {
    "png": FigureFormat("png", "PNG", "image/png"),
    "svg": FigureFormat("svg", "SVG", "image/svg+xml"),
    "pdf": FigureFormat("pdf", "PDF", "application/pdf"),
}
FIGURE_SIZE_PX = (1920, 1080)  # 16:9, a full slide
FIGURE_DPI = 200
# The map area the scenes' zooms were chosen for (the Presenter page at 1280×720 less bar and legend).
VIEW_PX = (1000, 540)

# ---------------------------------------------------------------- styles (as in static/crossings/map.js)

STYLE: dict[str, dict[str, object]] = {
    "detention_centres": {"color": "#D55E00", "marker": "s", "size": 8.5, "label": N_("Detention centre (China)")},
    "crossings": {"color": "#0072B2", "marker": "D", "size": 10.0, "label": N_("Crossing used on 9 Oct 2023")},
    "other_crossings": {
        "color": "#6b6b6b",
        "marker": "D",
        "size": 7.5,
        "label": N_("Other crossing (not linked to 9 Oct)"),
    },
    "receiving_facilities": {
        "color": "#9E2A7B",
        "marker": "^",
        "size": 9.0,
        "label": N_("Receiving facility (North Korea)"),
    },
    "events": {"color": "#B07A00", "marker": "o", "size": 6.5, "label": N_("Dated event with a place")},
}
ROUTE_REPORTED = {"color": "#1d1d1d", "linewidth": 1.7, "linestyle": "-"}
ROUTE_INFERRED = {"color": "#555555", "linewidth": 1.4, "linestyle": (0, (5, 4))}
REGULAR_ROUTE = {"color": "#8a8a8a", "linewidth": 0.9, "linestyle": (0, (1, 3))}  # context: thin grey dots
LINE_GROUPS = ("routes", "regular_routes")
BASE = {
    "sea": "#b7d2ea",
    "landCN": "#faf7f0",
    "landKP": "#e2dac5",
    "country_edge": "#a79f8f",
    "province": "#b9b3a6",
    "border": "#7a2e2e",
    "river": "#5b8fc7",
    "lake": "#b9d3ec",
    "veil": "#e9ebee",
}
COUNTRY_LABELS = (
    (N_("CHINA"), "中国", (43.2, 124.2)),
    (N_("NORTH KOREA"), "조선", (40.35, 127.0)),
    (N_("SOUTH KOREA"), "한국", (38.25, 128.3)),
    (N_("RUSSIA"), "Россия", (43.6, 131.1)),
)
BASEMAP_CREDIT = N_("Basemap: Natural Earth (public domain); GSHHG/WDBII (LGPL-3.0); GeoNames (CC BY 4.0)")
LATIN_FONT = "DejaVu Sans"
CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC")
# Where Debian (fonts-noto-cjk), Fedora and Homebrew put Noto Sans CJK; one font file holds every CJK script.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKkr-Regular.otf",
    "/opt/homebrew/share/fonts/NotoSansCJK-Regular.ttc",
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
MAX_LISTED_SOURCES = 14
# The smallest text in a figure, in points at its print size (a usual newspaper minimum).
MIN_PRINT_PT = 7.0
DIAGONALS = ("below-right", "above-right", "below-left", "above-left")


class FigureFontError(RuntimeError):
    """A figure in a language whose script no installed font can draw."""


def _cjk_font_files() -> list[Path]:
    """Noto Sans CJK files: the known paths first, then whatever matplotlib found by that file name."""
    found = [Path(p) for p in CJK_FONT_FILES if Path(p).is_file()]
    for entry in font_manager.fontManager.ttflist:
        path = Path(entry.fname)
        if path.name.startswith("NotoSansCJK") and "Regular" in path.name and path not in found:
            found.append(path)
    return found


@functools.cache
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None.

    Chosen by file: a .ttc collection is registered under one of its names only (often "Noto Sans CJK JP",
    whose Hangul is the same), so asking for "Noto Sans CJK KR" by name alone can miss an installed font."""
    for path in _cjk_font_files():
        try:
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def font_family(lang: str | None = None) -> list[str]:
    """The fonts of a figure: DejaVu Sans with a CJK fallback. A Korean figure needs the CJK font."""
    cjk = cjk_font()
    if cjk is None and (lang or i18n.language()) == "ko":
        raise FigureFontError(
            "A Korean figure needs a CJK font and none was found (looked for Noto Sans CJK in "
            + ", ".join(CJK_FONT_FILES[:2])
            + "). Install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)."
        )
    return [LATIN_FONT, cjk] if cjk else [LATIN_FONT]


def _korean() -> bool:
    return i18n.language() == "ko"


def figure_name(row: Mapping[str, object]) -> str:
    """A feature's short name on a figure: in Korean its name_ko where the data has one, else its English name."""
    if _korean() and not is_blank(row.get("name_ko")):
        return short_name(row.get("name_ko"))
    return short_name(row.get("name_en"))


# ---------------------------------------------------------------- what a figure shows


@dataclass(frozen=True)
class FigureView:
    title: str
    date_from: date | None
    date_to: date | None
    groups: Mapping[str, gpd.GeoDataFrame]  # map group id -> features, in EPSG:4326
    center: tuple[float, float]  # lat, lon
    zoom: float
    source_ids: tuple[str, ...]
    source_names: Mapping[str, str] = field(default_factory=dict)  # id -> outlet, for the source line


def view_for_scene(dataset: Dataset, scene: Scene) -> FigureView:
    return FigureView(
        title=scene.title_in(i18n.language()),
        date_from=scene.date_from,
        date_to=scene.date_to,
        groups=scene_groups(dataset, scene),
        center=scene.center,
        zoom=scene.zoom,
        source_ids=scene.source_ids,
        source_names=publisher_names(dataset.sources),
    )


def view_for_spec(
    dataset: Dataset, spec: FilterSpec, title: str, groups: Sequence[str] = DEFAULT_GROUP_IDS
) -> FigureView:
    """A filter view: every group (or the chosen ones), framed like the map frames it, citing every
    source of the features shown."""
    shown = split_groups(apply_filters(dataset.layers, spec))
    chosen = {g: shown[g] for g in GROUP_IDS if g in groups}
    center, zoom = view_for(chosen, *VIEW_PX)
    cited: set[str] = set()
    for gdf in chosen.values():
        for value in gdf["source_ids"]:
            cited.update(as_id_list(value))
    return FigureView(
        title=title,
        date_from=spec.date_from,
        date_to=spec.date_to,
        groups=chosen,
        center=center,
        zoom=zoom,
        source_ids=tuple(sorted(cited, key=_source_sort_key)),
        source_names=publisher_names(dataset.sources),
    )


def _source_sort_key(sid: str) -> tuple:
    digits = "".join(c for c in sid if c.isdigit())
    return (not sid.startswith("S"), int(digits) if digits else 0, sid)


def dates_line(view: FigureView) -> str:
    from geo.presenter import range_label  # not at import: geo.presenter loads the map-drawing code

    return range_label(view.date_from, view.date_to)


def source_line(view: FigureView, version: str) -> str:
    ids = list(view.source_ids)
    listed = ", ".join(
        f"{sid} {view.source_names[sid]}" if view.source_names.get(sid) else sid for sid in ids[:MAX_LISTED_SOURCES]
    )
    if len(ids) > MAX_LISTED_SOURCES:
        listed = _("{listed} and {n} more", listed=listed, n=len(ids) - MAX_LISTED_SOURCES)
    return _(
        "Sources: {sources} (data/sources.csv) · Crossings dataset version {version} · {credit}",
        sources=listed,
        version=version,
        credit=_(BASEMAP_CREDIT),
    )


# ---------------------------------------------------------------- projection and extent


def projection_for(center: tuple[float, float]) -> ProjCRS:
    lat, lon = center
    return ProjCRS.from_proj4(
        f"+proj=lcc +lat_1={lat - 1.5:.4f} +lat_2={lat + 1.5:.4f} +lat_0={lat:.4f} +lon_0={lon:.4f} "
        "+datum=WGS84 +units=m +no_defs"
    )


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Web Mercator ground resolution, as the interactive map shows the same zoom."""
    return 156543.03392 * math.cos(math.radians(lat)) / 2**zoom


def nice_length(target_m: float) -> float:
    """The largest 1, 2, 2.5 or 5 × 10^n metres not above the target."""
    if target_m <= 0:
        raise ValueError("scale bar length must be positive")
    exponent = math.floor(math.log10(target_m))
    for step in (5, 2.5, 2, 1):
        value = step * 10**exponent
        if value <= target_m:
            return value
    return 10**exponent


def format_km(metres: float) -> str:
    km = metres / 1000
    return f"{km:g}" if km >= 1 else f"{metres:g} m"


# ---------------------------------------------------------------- basemap


@functools.cache
def _basemap(basemap_dir: str) -> dict[str, gpd.GeoDataFrame]:
    from geo.basemap import load_basemap

    return load_basemap(Path(basemap_dir))


def load_figure_basemap(basemap_dir: Path = DATA_DIR / "basemap") -> dict[str, gpd.GeoDataFrame]:
    return _basemap(str(Path(basemap_dir).resolve()))


def _draw_basemap(ax: Axes, basemap: Mapping[str, gpd.GeoDataFrame], crs: ProjCRS, extent: Bbox) -> None:
    ax.set_facecolor(BASE["sea"])
    countries = basemap["countries"].to_crs(crs)
    fills = [BASE["landKP"] if code == "PRK" else BASE["landCN"] for code in countries["iso_a3"]]
    countries.plot(ax=ax, color=fills, edgecolor=BASE["country_edge"], linewidth=0.4, zorder=1)
    basemap["provinces"].to_crs(crs).boundary.plot(
        ax=ax, color=BASE["province"], linewidth=0.4, linestyle=(0, (2, 2)), zorder=2
    )
    basemap["lakes"].to_crs(crs).plot(ax=ax, color=BASE["lake"], linewidth=0, zorder=2)
    basemap["rivers_other"].to_crs(crs).plot(ax=ax, color=BASE["river"], linewidth=0.5, alpha=0.55, zorder=2)
    rivers = basemap["rivers"].to_crs(crs)
    major = rivers["name_en"].isin(["Yalu", "Tumen"])
    if major.any():
        rivers[major].plot(ax=ax, color=BASE["river"], linewidth=1.2, alpha=0.95, zorder=3)
    if (~major).any():
        rivers[~major].plot(ax=ax, color=BASE["river"], linewidth=0.5, alpha=0.6, zorder=3)
    border = basemap["border"].to_crs(crs)
    main = border["pair"] == "CHN-PRK"
    if main.any():
        border[main].plot(ax=ax, color=BASE["border"], linewidth=1.4, linestyle=(0, (7, 2.5, 1.5, 2.5)), zorder=4)
    if (~main).any():
        border[~main].plot(ax=ax, color=BASE["border"], linewidth=0.9, linestyle=(0, (4, 3)), zorder=4)
    # Outside the region the basemap covers: a flat veil, not a fake coastline.
    region = _region(crs)
    frame = box(extent.x0, extent.y0, extent.x1, extent.y1).buffer(max(extent.width, extent.height))
    veil = frame.difference(region)
    if not veil.is_empty:
        gpd.GeoSeries([veil], crs=crs).plot(ax=ax, color=BASE["veil"], linewidth=0, zorder=5)


def _draw_place_names(
    ax: Axes, basemap: Mapping[str, gpd.GeoDataFrame], crs: ProjCRS, zoom: float, family: list[str]
) -> list[tuple[float, float, str]]:
    """Country names; the towns are returned, to be drawn after the data labels where there is room."""
    with_cjk = cjk_font() is not None
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    for name, local, (lat, lon) in COUNTRY_LABELS:
        x, y = to_map.transform(lon, lat)
        if _korean():  # the Korean name, and the country's own where it is in another script
            text = _(name) if _HANGUL.search(local) else f"{_(name)}\n{local}"
        else:
            text = f"{name}\n{local}" if with_cjk or local.isascii() else name
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="#8a8172",
            fontweight="bold",
            family=family,
            zorder=6,
            clip_on=True,
            linespacing=1.2,
        )
    max_rank = 3 if zoom >= 10 else 2 if zoom >= 8 else 1
    names: list[tuple[float, float, str]] = []
    towns = basemap["towns"]
    towns = towns[towns["rank"].astype("Int64") <= max_rank].to_crs(crs)
    for _index, town in towns.iterrows():
        label = town["name_reported"] if not is_blank(town["name_reported"]) else town["name_en"]
        local = town["name_ko"] if town["country_code"] in ("KP", "KR") else town["name_zh"]
        if _korean():
            label = town["name_ko"] if not is_blank(town["name_ko"]) else label
        elif with_cjk and not is_blank(local):
            label = f"{label} {local}"
        names.append((town.geometry.x, town.geometry.y, str(label)))
    return names


# ---------------------------------------------------------------- data layers


def _face(color: str, confidence: object) -> tuple[object, float, str]:
    """Face colour, face alpha and edge line style by confidence, as map.js fills its symbols."""
    if confidence == "confirmed":
        return color, 0.95, "solid"
    if confidence == "single-source":
        return color, 0.45, "solid"
    return "#ffffff", 1.0, "dashed"


def _radius_m(row: Mapping[str, object]) -> float:
    precision = as_text(row.get("location_precision"))
    if precision not in ("town", "city", "region"):
        return 0.0
    radius = row.get("uncertainty_m")
    return float(radius) if not is_blank(radius) else float(DEFAULT_UNCERTAINTY_M.get(precision, 0))


def _draw_regular_routes(ax: Axes, routes: gpd.GeoDataFrame, crs: ProjCRS) -> None:
    """NKDB's regular routes: thin grey dotted context lines under everything else, no arrows."""
    projected = routes.to_crs(crs) if len(routes) else routes
    for geom in projected.geometry:
        if geom is not None and not geom.is_empty:
            xs, ys = geom.xy
            ax.plot(xs, ys, zorder=7, solid_capstyle="round", gid="regular-route", **REGULAR_ROUTE)


def _draw_routes(ax: Axes, routes: gpd.GeoDataFrame, crs: ProjCRS) -> None:
    if not len(routes):
        return
    projected = routes.to_crs(crs)
    for (_index, row), geom in zip(projected.iterrows(), projected.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        style = ROUTE_INFERRED if row.get("evidence") == "inferred" else ROUTE_REPORTED
        xs, ys = geom.xy
        ax.plot(xs, ys, zorder=8, solid_capstyle="round", **style)
        (x0, y0), (x1, y1) = geom.coords[0], geom.coords[-1]
        if math.hypot(x1 - x0, y1 - y0) < 15_000:  # a leg this short would hide its own end symbols
            continue
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        dx, dy = (x1 - x0) * 0.04, (y1 - y0) * 0.04
        ax.annotate(
            "",
            xy=(mx + dx, my + dy),
            xytext=(mx - dx, my - dy),
            arrowprops={"arrowstyle": "-|>", "color": style["color"], "lw": 0, "mutation_scale": 9},
            zorder=8,
        )


def _draw_points(ax: Axes, group_id: str, gdf: gpd.GeoDataFrame, crs: ProjCRS) -> None:
    if not len(gdf):
        return
    style = STYLE[group_id]
    color = str(style["color"])
    projected = gdf.to_crs(crs)
    for (_index, row), geom in zip(projected.iterrows(), projected.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        radius = _radius_m(row)
        if radius:
            area = gpd.GeoSeries([geom.buffer(radius, 48)], crs=crs)
            area.plot(ax=ax, color=color, alpha=0.07, linewidth=0, zorder=7)
            area.boundary.plot(ax=ax, color=color, linewidth=0.7, linestyle=(0, (3, 3)), alpha=0.9, zorder=7)
        face, alpha, edge_style = _face(color, row.get("confidence"))
        size = float(style["size"])
        ax.scatter(
            [geom.x],
            [geom.y],
            marker=str(style["marker"]),
            s=size**2,
            facecolors=[_rgba(face, alpha)],
            edgecolors=[color],
            linewidths=1.3,
            linestyles=edge_style,
            zorder=10,
        )


def _rgba(color: object, alpha: float) -> tuple[float, float, float, float]:
    return to_rgba(color, alpha)


def _count_text(row: Mapping[str, object]) -> str:
    return _("9 Oct: {count}", count=format_count(row.get("count_low"), row.get("count_high")))


def _draw_labels(
    ax: Axes,
    fig: Figure,
    groups: Mapping[str, gpd.GeoDataFrame],
    crs: ProjCRS,
    family: list[str],
    towns: Sequence[tuple[float, float, str]] = (),
) -> None:
    """Crossings used on 9 Oct get a boxed name and count (as on the map); other symbols a short name,
    placed right, left, below or above where it overlaps nothing already drawn, else left out. Town
    names come last and give way to everything else."""
    renderer = fig.canvas.get_renderer()
    taken: list[Bbox] = []
    axes_box = ax.get_window_extent(renderer)

    def fits(candidate: Bbox) -> bool:
        inside = axes_box.x0 + 2 <= candidate.x0 and candidate.x1 <= axes_box.x1 - 2
        inside = inside and axes_box.y0 + 2 <= candidate.y0 and candidate.y1 <= axes_box.y1 - 2
        return inside and not any(candidate.overlaps(other) for other in taken)

    def symbol_box(x: float, y: float, half_px: float) -> Bbox:
        px, py = ax.transData.transform((x, y))
        return Bbox.from_extents(px - half_px, py - half_px, px + half_px, py + half_px)

    points: list[tuple[str, float, float, Mapping[str, object]]] = []
    for group_id, gdf in groups.items():
        if group_id in LINE_GROUPS or not len(gdf):
            continue
        projected = gdf.to_crs(crs)
        for (_index, row), geom in zip(projected.iterrows(), projected.geometry, strict=True):
            if geom is not None and not geom.is_empty:
                points.append((group_id, geom.x, geom.y, row))
                taken.append(symbol_box(geom.x, geom.y, 9))

    pt = fig.dpi / 72
    order = {"crossings": 0, "receiving_facilities": 1, "detention_centres": 2, "other_crossings": 3}
    crossings = groups.get("crossings")
    sides = crossing_label_side(crossings) if crossings is not None and len(crossings) else {}
    for group_id, x, y, row in sorted(points, key=lambda p: order.get(p[0], 9)):
        if group_id == "events":
            continue  # events are explained by the caption, not named on the figure
        boxed = group_id == "crossings"
        text = figure_name(row)
        if boxed:
            text = f"{text}\n{_count_text(row)}"
        preferred = sides.get(str(row.get("id")), "right") if boxed else "right"
        placements = [preferred, "left" if preferred == "right" else "right", "below", "above", *DIAGONALS]
        offsets = {
            "right": (9, 0, "left", "center"),
            "left": (-9, 0, "right", "center"),
            "below": (0, -9, "center", "top"),
            "above": (0, 9, "center", "bottom"),
            "top": (0, 9, "center", "bottom"),
            "below-right": (5, -8, "left", "top"),
            "above-right": (5, 8, "left", "bottom"),
            "below-left": (-5, -8, "right", "top"),
            "above-left": (-5, 8, "right", "bottom"),
        }
        for side in placements:
            dx, dy, ha, va = offsets[side]
            artist = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=MIN_PRINT_PT + 0.6 if boxed else MIN_PRINT_PT,
                fontweight="bold",
                family=family,
                color="#111111",
                zorder=12,
                linespacing=1.15,
                bbox={
                    "boxstyle": "round,pad=0.25",
                    "facecolor": "white",
                    "alpha": 0.92,
                    "edgecolor": STYLE[group_id]["color"],
                    "linewidth": 0.9 if boxed else 0.5,
                },
            )
            extent = artist.get_window_extent(renderer)
            patch = artist.get_bbox_patch()
            if patch is not None:
                artist.update_bbox_position_size(renderer)
                extent = Bbox.union([extent, patch.get_window_extent(renderer)])
            if fits(extent.padded(1.5 * pt)):
                taken.append(extent)
                break
            artist.remove()
    # A town is drawn (dot and name) only where its name fits: a dot without a name says nothing.
    for x, y, text in towns:
        dot = symbol_box(x, y, 2.5)
        if not fits(dot):
            continue
        for dx, ha in ((3, "left"), (-3, "right")):
            artist = ax.annotate(
                text,
                (x, y),
                xytext=(dx, 0),
                textcoords="offset points",
                ha=ha,
                va="center",
                fontsize=MIN_PRINT_PT,
                color="#3a352d",
                family=family,
                zorder=6,
                annotation_clip=True,
            )
            extent = Bbox.union([artist.get_window_extent(renderer), dot])
            if fits(extent):
                taken.append(extent)
                ax.plot(x, y, "o", color="#5c564c", markersize=2.2, zorder=6, clip_on=True)
                break
            artist.remove()


# ---------------------------------------------------------------- furniture: legend, scale, north


def _legend(fig: Figure, groups: Mapping[str, gpd.GeoDataFrame], family: list[str], anchor: Axes) -> None:
    handles: list[object] = []
    labels: list[str] = []

    def marker(group_id: str, confidence: str = "confirmed") -> Line2D:
        style = STYLE[group_id]
        face, alpha, _style = _face(str(style["color"]), confidence)
        return Line2D(
            [],
            [],
            linestyle="none",
            marker=str(style["marker"]),
            markersize=float(style["size"]) * 0.8,
            markerfacecolor=_rgba(face, alpha),
            markeredgecolor=str(style["color"]),
            markeredgewidth=1.2,
        )

    for group_id in ("crossings", "other_crossings", "detention_centres", "receiving_facilities", "events"):
        if group_id in groups and len(groups[group_id]):
            handles.append(marker(group_id))
            labels.append(_(str(STYLE[group_id]["label"])))
    points = [g for g in groups if g not in LINE_GROUPS and len(groups[g])]
    if points:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=10,
                markerfacecolor=_rgba("#D55E00", 0.08),
                markeredgecolor="#D55E00",
                markeredgewidth=0.7,
            )
        )
        labels.append(_("Known only to the town or city: area"))
    routes = groups.get("routes")
    if routes is not None and len(routes):
        handles.append(Line2D([], [], **ROUTE_REPORTED))
        labels.append(_("Leg reported by a source (schematic)"))
        handles.append(Line2D([], [], **ROUTE_INFERRED))
        labels.append(_("Leg inferred: no source states it"))
    regular = groups.get("regular_routes")
    if regular is not None and len(regular):
        handles.append(Line2D([], [], **REGULAR_ROUTE))
        labels.append(_(REGULAR_ROUTES_TITLE))  # the note under the map says they are not dated
    if points:
        for confidence, text in (
            ("confirmed", confidence_label("confirmed")),
            ("single-source", _("Single source (light fill)")),
            ("inferred", _("Inferred or unknown (hollow)")),
        ):
            face, alpha, _style = _face("#444444", confidence)
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="s",
                    markersize=6.5,
                    markerfacecolor=_rgba(face, alpha),
                    markeredgecolor="#444444",
                    markeredgewidth=1.1,
                )
            )
            labels.append(text)
    handles.append(Line2D([], [], color=BASE["border"], linewidth=1.4, linestyle=(0, (7, 2.5, 1.5, 2.5))))
    labels.append(_("China–North Korea border (de facto)"))
    box_ = anchor.get_position()
    fig.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(box_.x1 + 0.008, box_.y1),
        frameon=False,
        prop={"family": family, "size": MIN_PRINT_PT},
        title=_("Legend"),
        title_fontproperties={"family": family, "size": 7.5, "weight": "bold"},
        alignment="left",
        handlelength=2.4,
        borderaxespad=0,
        labelspacing=0.75,
    )


def _scale_bar(ax: Axes, family: list[str]) -> float:
    """A bar about a fifth of the map wide in round kilometres, at the lower left; returns its length in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    length = nice_length(width / 5)
    left = x0 + width * 0.03
    bottom = y0 + (y1 - y0) * 0.05
    height = (y1 - y0) * 0.012
    ax.add_patch(
        Rectangle(
            (left - width * 0.012, bottom - height * 2.2),
            length + width * 0.045,
            height * 6.4,
            facecolor="white",
            alpha=0.85,
            edgecolor="none",
            zorder=13,
        )
    )
    for index in range(4):
        ax.add_patch(
            Rectangle(
                (left + index * length / 4, bottom),
                length / 4,
                height,
                facecolor="#111111" if index % 2 == 0 else "white",
                edgecolor="#111111",
                linewidth=0.6,
                zorder=14,
            )
        )
    for position, value in ((0, 0), (length / 2, length / 2), (length, length)):
        ax.text(
            left + position,
            bottom + height * 1.6,
            format_km(value) if value else "0",
            ha="center",
            va="bottom",
            fontsize=MIN_PRINT_PT,
            family=family,
            zorder=14,
        )
    ax.text(
        left + length + width * 0.006,
        bottom + height / 2,
        "km",
        ha="left",
        va="center",
        fontsize=MIN_PRINT_PT,
        family=family,
        zorder=14,
    )
    return length


def north_angle(crs: ProjCRS, center: tuple[float, float]) -> float:
    """Degrees from the map's up direction to true north at the centre (0 with this projection)."""
    lat, lon = center
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, y0 = to_map.transform(lon, lat)
    x1, y1 = to_map.transform(lon, lat + 0.1)
    return math.degrees(math.atan2(x1 - x0, y1 - y0))


def _north_arrow(ax: Axes, angle: float, family: list[str]) -> None:
    cx, cy, length = 0.965, 0.86, 0.085
    rad = math.radians(angle)
    dx, dy = math.sin(rad) * length / 2, math.cos(rad) * length / 2
    ax.annotate(
        "",
        xy=(cx + dx, cy + dy),
        xytext=(cx - dx, cy - dy),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>,head_length=0.8,head_width=0.4", "color": "#111111", "lw": 1.4},
        zorder=14,
    )
    ax.text(
        cx + dx * 1.35,
        cy + dy * 1.35,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=8,
        fontweight="bold",
        family=family,
        zorder=14,
    )


# ---------------------------------------------------------------- the figure


def _region(crs: ProjCRS):
    return gpd.GeoSeries([box(*REGION_BBOX).segmentize(0.1)], crs="EPSG:4326").to_crs(crs).iloc[0]


def inside_region(crs: ProjCRS, extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The extent moved, and if need be narrowed, until nothing unmapped is inside the frame: a figure
    shows no "not mapped" veil (the basemap covers REGION_BBOX only)."""
    region = _region(crs)
    x0, y0, x1, y1 = extent
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    for _step in range(200):
        frame = box(cx - hw, cy - hh, cx + hw, cy + hh)
        outside = frame.difference(region)
        if outside.area <= frame.area * 1e-5:
            break
        away = outside.centroid
        moved = (cx + 0.08 * (cx - away.x), cy + 0.08 * (cy - away.y))
        trial = box(moved[0] - hw, moved[1] - hh, moved[0] + hw, moved[1] + hh)
        if trial.difference(region).area < outside.area * 0.97:
            cx, cy = moved
        else:
            hw, hh = hw * 0.97, hh * 0.97
    return cx - hw, cy - hh, cx + hw, cy + hh


def build_figure(
    view: FigureView,
    basemap: Mapping[str, gpd.GeoDataFrame],
    version: str,
    size_px: tuple[int, int] = FIGURE_SIZE_PX,
    dpi: int = FIGURE_DPI,
) -> Figure:
    """The figure of a view: map, labels, legend, scale bar, north arrow, title, dates and source line."""
    family = font_family()
    fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.012, 0.10, 0.735, 0.775))
    crs = projection_for(view.center)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    cx, cy = to_map.transform(view.center[1], view.center[0])
    mpp = metres_per_pixel(view.center[0], view.zoom)
    half_w, half_h = VIEW_PX[0] / 2 * mpp, VIEW_PX[1] / 2 * mpp
    # Widen one side so the extent has the axes' shape: the whole view fits, at one scale.
    box_ = ax.get_position()
    aspect = (box_.width * size_px[0]) / (box_.height * size_px[1])
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    x0, y0, x1, y1 = inside_region(crs, (cx - half_w, cy - half_h, cx + half_w, cy + half_h))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    extent = Bbox.from_extents(x0, y0, x1, y1)
    _draw_basemap(ax, basemap, crs, extent)
    town_names = _draw_place_names(ax, basemap, crs, view.zoom, family)
    if "regular_routes" in view.groups:
        _draw_regular_routes(ax, view.groups["regular_routes"], crs)
    if "routes" in view.groups:
        _draw_routes(ax, view.groups["routes"], crs)
    for group_id in GROUP_IDS:
        if group_id not in LINE_GROUPS and group_id in view.groups:
            _draw_points(ax, group_id, view.groups[group_id], crs)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor("#666666")
        spine.set_linewidth(0.6)
    _draw_labels(ax, fig, view.groups, crs, family, town_names)
    _scale_bar(ax, family)
    _north_arrow(ax, north_angle(crs, view.center), family)
    _legend(fig, view.groups, family, ax)
    fig.text(
        0.012,
        0.965,
        view.title,
        ha="left",
        va="top",
        fontsize=14,
        fontweight="bold",
        family=family,
        color="#10222f",
        gid="figure-title",
    )
    fig.text(
        0.012,
        0.905,
        dates_line(view),
        ha="left",
        va="center",
        fontsize=8.5,
        family=family,
        color="#333333",
        gid="figure-dates",
    )
    fig.text(
        0.012,
        0.03,
        source_line(view, version),
        ha="left",
        va="bottom",
        fontsize=MIN_PRINT_PT,
        family=family,
        color="#333333",
        gid="figure-source",
        wrap=True,
    )
    notes = [_("Places known only to the town or city are drawn with their uncertainty area.")]
    if "routes" in view.groups and len(view.groups["routes"]):
        notes.insert(0, _("Legs are schematic straight lines, not the roads taken."))
    if "regular_routes" in view.groups and len(view.groups["regular_routes"]):
        notes.insert(0, _("Grey dotted lines: NKDB's usual routes over the years, not dated and not 9 October 2023."))
    note = " ".join(notes)
    fig.text(
        0.012,
        0.012,
        note,
        ha="left",
        va="center",
        fontsize=MIN_PRINT_PT,
        family=family,
        color="#555555",
        gid="figure-note",
    )
    return fig


def render_figure(fig: Figure, fmt: str) -> bytes:
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; one of {', '.join(FIGURE_FORMATS)}")
    buffer = io.BytesIO()
    metadata = {"png": {"Software": "Crossings"}, "svg": {"Creator": "Crossings"}, "pdf": {"Creator": "Crossings"}}
    # Text a graphics desk can edit: TrueType fonts embedded in the PDF, text left as text in the SVG.
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=fig.dpi, facecolor="white", metadata=metadata[fmt])
    return buffer.getvalue()


def figure_bytes_for_scene(dataset: Dataset, scene: Scene, fmt: str, basemap_dir: Path = DATA_DIR / "basemap") -> bytes:
    fig = build_figure(view_for_scene(dataset, scene), load_figure_basemap(basemap_dir), dataset.version)
    return render_figure(fig, fmt)


# ---------------------------------------------------------------- command line


def add_figure_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("figure", help="draw a scene as a static figure (.png, .svg or .pdf)")
    parser.add_argument("--scene", required=True, help="a scene id from data/scenes.json")
    parser.add_argument("--out", type=Path, required=True, help="the file to write; its extension sets the format")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--lang", choices=list(i18n.LANGUAGES), default=i18n.DEFAULT_LANGUAGE, help="its language")


def run_figure_command(args: argparse.Namespace) -> int:
    from geo.io import load_dataset
    from geo.scenes import load_scenes
    from geo.visibility import public_view

    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        print(f"{args.out}: the extension must be one of .{', .'.join(FIGURE_FORMATS)}")
        return 2
    refuse_data_dir(args.out, DATA_DIR, args.data)  # before any work: OutputRefused is reported by main
    dataset = public_view(load_dataset(args.data))  # a file that travels: the public view only
    scenes = load_scenes(dataset, args.data)
    scene = scenes.get(args.scene)
    if scene is None:
        print(f"unknown scene {args.scene!r}; scenes: {', '.join(scenes.ids())}")
        return 2
    lang = getattr(args, "lang", i18n.DEFAULT_LANGUAGE)
    try:
        with use_language(lang):
            data = figure_bytes_for_scene(dataset, scene, fmt, args.data / "basemap")
    except FigureFontError as error:
        print(error)
        return 1
    write_output(args.out, data, DATA_DIR, args.data)
    print(f"wrote {args.out} ({len(data) // 1024} KiB)")
    return 0
