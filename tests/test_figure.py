"""Static figures: size, title, date range, source line, legend, scale bar and north arrow, the
formats, the English-only fallback without a CJK font, and the command line."""

from __future__ import annotations

import re
import struct
from datetime import date

import pytest
from matplotlib.text import Text

from geo import figure as figure_module
from geo.__main__ import main
from geo.figure import (
    FIGURE_SIZE_PX,
    build_figure,
    format_km,
    load_figure_basemap,
    metres_per_pixel,
    nice_length,
    north_angle,
    projection_for,
    render_figure,
    source_line,
    view_for_scene,
    view_for_spec,
)
from geo.filters import FilterSpec
from geo.io import load_dataset
from geo.scenes import load_scenes

CJK = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def scenes(dataset):
    return load_scenes(dataset)


@pytest.fixture(scope="module")
def basemap():
    return load_figure_basemap()


@pytest.fixture(scope="module")
def convoys(dataset, scenes, basemap):
    view = view_for_scene(dataset, scenes.get("oct-9-convoys"))
    return view, build_figure(view, basemap, dataset.version)


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_has_the_expected_size(convoys):
    _, fig = convoys
    assert png_size(render_figure(fig, "png")) == FIGURE_SIZE_PX


def test_figure_has_title_dates_and_source_line(convoys, dataset):
    view, fig = convoys
    found = texts(fig)
    assert "9 October 2023: the convoys" in found
    assert "9 Oct 2023" in found
    source = next(t for t in found if t.startswith("Sources: "))
    assert source == source_line(view, dataset.version)
    assert (
        "S1 NBC News, S3 Radio Free Asia, S5 Korea JoongAng Daily, S8 Asia Economy, S16 Daily NK" in source
    )  # outlets, not bare ids
    assert f"Crossings dataset version {dataset.version}" in source
    assert any(t.startswith("Legs are schematic") for t in found)


def test_figure_has_legend_scale_bar_and_north_arrow(convoys):
    _, fig = convoys
    found = texts(fig)
    legend = fig.legends[0]
    entries = [t.get_text() for t in legend.get_texts()]
    for expected in (
        "Crossing used on 9 Oct 2023",
        "Detention centre (China)",
        "Receiving facility (North Korea)",
        "Leg reported by a source (schematic)",
        "Leg inferred: no source states it",
        "China–North Korea border (de facto)",
    ):
        assert expected in entries
    assert "Dated event with a place" not in entries  # nothing of that layer in the scene
    assert "N" in found and "km" in found and "0" in found


def test_figure_labels_the_crossings_with_their_counts(convoys):
    _, fig = convoys
    found = texts(fig)
    assert "Tumen–Namyang\n9 Oct: about 300" in found
    assert "Changbai–Hyesan\n9 Oct: unknown" in found


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_vector_formats(convoys, fmt, magic):
    _, fig = convoys
    data = render_figure(fig, fmt)
    assert data.startswith(magic)
    if fmt == "svg":
        assert b'width="691.2pt" height="388.8pt"' in data  # 1920×1080 px at 200 dpi


def test_unknown_format_is_refused(convoys):
    with pytest.raises(ValueError, match="unknown figure format"):
        render_figure(convoys[1], "gif")


def test_without_a_cjk_font_labels_are_english_only(dataset, scenes, basemap, monkeypatch):
    monkeypatch.setattr(figure_module, "cjk_font", lambda: None)
    fig = build_figure(view_for_scene(dataset, scenes.get("the-border")), basemap, dataset.version)
    found = texts(fig)
    assert "CHINA" in found and "NORTH KOREA" in found
    assert not [t for t in found if CJK.search(t)]
    assert png_size(render_figure(fig, "png")) == FIGURE_SIZE_PX


def test_with_a_cjk_font_country_names_are_bilingual(convoys):
    if figure_module.cjk_font() is None:
        pytest.fail("no CJK font: install Debian's fonts-noto-cjk (scripts/test does)", pytrace=False)
    assert "CHINA\n中国" in texts(convoys[1])


def test_a_filter_view_cites_the_sources_of_what_it_shows(dataset, basemap):
    spec = FilterSpec(date(2023, 10, 9), date(2023, 10, 9), ("x-tumen-namyang",))
    view = view_for_spec(dataset, spec, "Tumen on 9 October 2023")
    assert set(view.groups["crossings"]["id"]) == {"x-tumen-namyang"}
    assert "S10" in view.source_ids and "S16" in view.source_ids
    fig = build_figure(view, basemap, dataset.version, size_px=(1200, 800), dpi=100)
    assert png_size(render_figure(fig, "png")) == (1200, 800)
    assert "Tumen on 9 October 2023" in texts(fig)


@pytest.mark.parametrize(
    ("target", "expected"),
    [(123_000, 100_000), (260_000, 250_000), (49_000, 25_000), (21_000, 20_000), (7_000, 5_000), (999, 500)],
)
def test_nice_scale_bar_lengths(target, expected):
    assert nice_length(target) == expected


def test_scale_and_north():
    assert format_km(50_000) == "50" and format_km(2_500) == "2.5" and format_km(500) == "500 m"
    # Web Mercator at zoom 7 on 42°N: about 907 m a pixel.
    assert metres_per_pixel(42.0, 7) == pytest.approx(908.8, rel=1e-3)
    crs = projection_for((41.5, 127.3))
    assert north_angle(crs, (41.5, 127.3)) == pytest.approx(0.0, abs=1e-6)
    assert abs(north_angle(crs, (42.9, 130.3))) > 1  # away from the central meridian north turns


def test_scale_bar_is_true_at_the_centre(convoys):
    """The bar's kilometres are projected metres; at the centre of an LCC projection they are ground metres."""
    from pyproj import Geod, Transformer

    view, _ = convoys
    crs = projection_for(view.center)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_lonlat.transform(0, 0)
    lon1, lat1 = to_lonlat.transform(100_000, 0)
    _, _, metres = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)
    assert metres == pytest.approx(100_000, rel=2e-3)


def test_cli_writes_a_figure(tmp_path, capsys):
    out = tmp_path / "held.png"
    assert main(["figure", "--scene", "held", "--out", str(out)]) == 0
    assert png_size(out.read_bytes()) == FIGURE_SIZE_PX
    assert "wrote" in capsys.readouterr().out


def test_cli_refuses_unknown_scene_and_extension(tmp_path, capsys):
    assert main(["figure", "--scene", "nope", "--out", str(tmp_path / "x.png")]) == 2
    assert main(["figure", "--scene", "held", "--out", str(tmp_path / "x.gif")]) == 2
    out = capsys.readouterr().out
    assert "unknown scene 'nope'" in out and "the extension must be one of" in out
    assert not list(tmp_path.iterdir())
