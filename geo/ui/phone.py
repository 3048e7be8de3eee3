"""What the app does for phones that Python cannot decide: it does not know the screen.

- The filter panel (Streamlit's sidebar) starts closed on every load of a narrow screen: a small script in
  the app's page (static/crossings/sidebar.js, inlined) keeps Streamlit from remembering it open there.
- Hints for a pointer and for a finger: both texts are sent, CSS shows the one that fits the screen
  (`(hover: none) and (pointer: coarse)`, the same test as the map's 44-px touch targets).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import streamlit as st

SIDEBAR_JS = Path(__file__).resolve().parents[2] / "static" / "crossings" / "sidebar.js"
TOUCH = "(hover: none) and (pointer: coarse)"
NOT_TOUCH = "(hover: hover), (pointer: fine), (pointer: none)"  # TOUCH's complement, in Level 3 syntax

# Constant CSS: the support block takes no room; a touch hint shows only on a touch screen, a pointer hint
# only elsewhere. (The wrapper Streamlit puts around a keyed container is hidden with it, so no gap is left.)
PHONE_CSS = (
    "<style>.st-key-phone-support,div:has(>.st-key-phone-support){display:none}"
    f"@media {NOT_TOUCH}{{"
    '[class*="st-key-hint-touch-"],div:has(>[class*="st-key-hint-touch-"]){display:none}}'
    f"@media {TOUCH}{{"
    '[class*="st-key-hint-pointer-"],div:has(>[class*="st-key-hint-pointer-"]){display:none}}</style>'
)


SANITISER_DROPS = re.compile(r"<[/\w!]")  # st.html's DOMPurify removes a script whose text matches this


@cache
def _sidebar_script() -> str:
    # The project's own file, inlined so it runs with the first elements of the page (a src= would load later).
    code = SIDEBAR_JS.read_text(encoding="utf-8")
    if SANITISER_DROPS.search(code):
        raise ValueError(f"{SIDEBAR_JS.name}: a '<' before a letter, '/' or '!' would make st.html drop it")
    return f"<script>{code}</script>"


def render_phone_support() -> None:
    """Once per run, at the top of the page: the sidebar script and the hints' CSS (neither takes room)."""
    st.html(PHONE_CSS)
    with st.container(key="phone-support"):
        st.html(_sidebar_script(), unsafe_allow_javascript=True)


def pointer_or_touch(name: str, pointer: str, touch: str, show: Callable[[str], object] = st.markdown) -> None:
    """`pointer` for a mouse and keyboard, `touch` on a touch screen (both translated by the caller)."""
    with st.container(key=f"hint-pointer-{name}"):
        show(pointer)
    with st.container(key=f"hint-touch-{name}"):
        show(touch)
