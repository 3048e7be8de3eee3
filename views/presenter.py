"""Presenter: the map fills the screen and steps through the scenes of data/scenes.json by keyboard
(→ / ← and Page Down / Page Up, as clickers send) in the browser; below it, the scene picker (bound to
?scene=<id>), the standalone briefing HTML and the figures."""

from geo.ui.presenter import render_presenter

render_presenter()
