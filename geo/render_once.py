"""One render pass for the project's own map elements, without changing branca for anyone else.

branca's MacroElement.render wraps the text of every header/html/script macro in `Element(text)`, which
compiles it as a new jinja template and renders it a second time when the figure is rendered: some 30
compiles on every rerun of the map page (most of a rerun's render time, holding the GIL), and a second
pass that would run any template syntax that reached the text from data. The output is the same text.

`RenderOnce` is a mixin: `class Map(folium.Map, RenderOnce)` puts it directly before MacroElement in the
method resolution order, so folium's own set-up (links, includes, add-to-parent calls) still runs and then
hands over to the single pass. Only the classes that inherit it change; branca's MacroElement is untouched.
It reads branca's `_template.module` and `_children`, so tests/test_render_once.py compares the whole map
with branca's own rendering byte for byte: a branca upgrade that changes either fails there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from branca.element import Element, Figure, MacroElement

BRANCA_MACRO_RENDER = MacroElement.render


class RenderedText(Element):
    """Text a macro has already rendered, handed on as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class RenderOnce(MacroElement):
    """MacroElement.render without compiling each rendered macro as a new jinja template."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(RenderedText(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


_SINGLE_PASS = RenderOnce.render


@contextlib.contextmanager
def branca_own_render() -> Iterator[None]:
    """Inside the block the project's elements render with branca's MacroElement.render (tests' reference).

    It swaps the mixin's method, so it is not for use while another thread renders a map.
    """
    RenderOnce.render = BRANCA_MACRO_RENDER
    try:
        yield
    finally:
        RenderOnce.render = _SINGLE_PASS
