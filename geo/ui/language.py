"""The language of a session: `?lang=` in the URL (a shared link keeps it), else the browser's, else English;
and the switch that changes it."""

from __future__ import annotations

import streamlit as st

from geo import i18n
from geo.i18n import _

LANG = "lang"  # query parameter and session-state key of the language switch


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except (AttributeError, RuntimeError):  # no browser behind this run (AppTest)
        return None


def resolve_language() -> str:
    """Decide this run's language and activate it (before any word of the page is written).

    The URL wins; a session that has chosen with the switch keeps its choice in the URL. A link without
    `lang` follows this session's earlier choice (moving between pages), else the browser's language, and
    the URL then says it, so a copied link keeps it."""
    requested = st.query_params.get(LANG)
    lang = i18n.negotiate(requested or st.session_state.get(LANG), _browser_locale())
    if requested != lang and (requested is not None or lang != i18n.DEFAULT_LANGUAGE):
        st.query_params[LANG] = lang  # "?lang=xx" that we do not have becomes the language shown
    st.session_state[LANG] = lang
    i18n.activate(lang)
    return lang


def render_language_switch(key_suffix: str = "") -> None:
    """A two-way switch, each language named in itself (English / 한국어)."""
    key = f"{LANG}-switch{key_suffix}"
    st.session_state[key] = i18n.language()
    st.segmented_control(
        _("Language"),
        options=list(i18n.LANGUAGES),
        format_func=lambda code: i18n.LANGUAGES[code],
        key=key,
        on_change=_switch_language_from,
        args=(key,),
        label_visibility="collapsed",
    )


def _switch_language_from(key: str) -> None:
    chosen = st.session_state.get(key)
    if chosen in i18n.LANGUAGES:
        st.query_params[LANG] = chosen
        st.session_state[LANG] = chosen
