"""The house's layers, in every direction: core (geo/) → glue (geo/ui/) → pages (views/, app.py).

- the core imports no Streamlit, no geo.ui and no page;
- the glue imports no page;
- pages load data through the glue's caches and draw maps through it (no folium, no direct loading);
- only geo.mapview imports folium (geo.render_once branca), and no core module outside the few that draw a
  map (MAP_DRAWING_MODULES) loads either at run time: the data contract and the pure payload encoding included.

Imports are read from the source with ast (lazy imports inside functions and importlib calls included).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GEO = ROOT / "geo"
UI = GEO / "ui"
VIEWS = ROOT / "views"


def imported_modules(source: str) -> list[str]:
    """Every absolute module a source imports, by import statement or by a dynamic import of a constant."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)  # `from geo import ui`
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
                found.append(str(node.args[0].value))
    return found


def imports_of(path: Path, *packages: str) -> list[str]:
    """Which of `packages` the module at `path` imports (itself or anything inside it)."""
    modules = imported_modules(path.read_text(encoding="utf-8"))
    return sorted({p for p in packages for m in modules if m == p or m.startswith(p + ".")})


def offenders(paths: list[Path], *packages: str) -> dict[str, list[str]]:
    return {str(p.relative_to(ROOT)): found for p in paths if (found := imports_of(p, *packages))}


CORE = [p for p in sorted(GEO.rglob("*.py")) if UI not in p.parents]
GLUE = sorted(UI.rglob("*.py"))
PAGES = [*sorted(VIEWS.glob("*.py")), ROOT / "app.py"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import streamlit as st", ["streamlit"]),
        ("from streamlit.runtime import caching", ["streamlit.runtime", "streamlit.runtime.caching"]),
        ("import os, streamlit_folium", ["os", "streamlit_folium"]),
        ("def f():\n    import streamlit\n", ["streamlit"]),
        ("import importlib\nimportlib.import_module('streamlit')", ["importlib", "streamlit"]),
        ("__import__('streamlit_folium')", ["streamlit_folium"]),
        ("from geo import ui", ["geo", "geo.ui"]),
        ("# import streamlit\ntext = 'import streamlit'", []),
        ("from . import streamlit", []),
    ],
)
def test_the_import_scanner_finds_imports(source, expected):
    assert imported_modules(source) == expected


def test_the_scanner_tells_a_package_from_a_prefix(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import streamlined\nimport geo.uitools\nfrom geo import ui\n", encoding="utf-8")
    assert imports_of(module, "streamlit", "geo.ui") == ["geo.ui"]


def test_the_layers_hold_files():
    assert GEO / "schema.py" in CORE and GEO / "mapview.py" in CORE
    assert UI / "data.py" in GLUE and not set(GLUE) & set(CORE)
    assert VIEWS / "map.py" in PAGES


def test_the_core_imports_no_streamlit_no_glue_and_no_page():
    assert offenders(CORE, "streamlit", "streamlit_folium", "geo.ui", "views", "app", "bench") == {}


def test_the_glue_imports_no_page():
    assert offenders(GLUE, "views", "app", "bench") == {}


# views/timeline.py still calls st_folium itself; issue 13's second phase moves it behind geo.ui.
PAGES_CALLING_ST_FOLIUM = {"views/timeline.py"}


def test_pages_load_and_draw_through_the_glue():
    """Pages take the dataset from geo.ui.data's cache and maps from geo.ui; they never build folium objects."""
    found = offenders(PAGES, "folium", "branca", "streamlit_folium", "geo.io", "geo.mapview", "geo.render_once")
    allowed = {page: ["streamlit_folium"] for page in PAGES_CALLING_ST_FOLIUM}
    assert found == allowed


def test_only_the_map_drawing_module_imports_folium():
    assert set(offenders(CORE + GLUE + PAGES, "folium")) == {"geo/mapview.py"}
    assert set(offenders(CORE + GLUE + PAGES, "branca")) == {"geo/render_once.py"}
    assert set(offenders(CORE, "altair")) == {"geo/charts.py"}


# The core modules that draw a folium map (and so load folium and branca when imported); every other
# core module, the data contract and the pure payload encoding included, loads none of it.
MAP_DRAWING_MODULES = {"geo.mapview", "geo.render_once", "geo.presenter", "geo.replay", "geo.briefing"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_the_map_drawing_modules_are_core_modules():
    assert {module_name(p) for p in CORE} >= MAP_DRAWING_MODULES


def test_the_core_loads_no_map_drawing_code_outside_the_map_drawing_modules():
    """A fresh interpreter importing every other core module (tables, search, exports, details, the map
    payloads, the figure, the timeline and its charts, the upload) loads no folium or branca."""
    names = sorted(module_name(p) for p in CORE if module_name(p) not in MAP_DRAWING_MODULES)
    assert {"geo.payload", "geo.figure", "geo.search", "geo.export", "geo.table", "geo.details"} <= set(names)
    code = (
        "import sys\n"
        f"for name in {names!r}:\n"
        "    __import__(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('folium', 'branca', 'streamlit')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
