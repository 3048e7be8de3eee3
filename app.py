"""Crossings: entrypoint. Page config, shared filters, navigation and the provenance footer."""

from datetime import date

import streamlit as st

from geo.i18n import N_, _
from geo.ui import state
from geo.ui.data import StoreUnavailable, follow_revisions, get_data_span, get_dataset, store_outage
from geo.ui.language import render_language_switch, resolve_language
from geo.ui.session import signed_in
from geo.ui.signin import confirm_account, render_sign_in
from geo.ui.widgets import render_filters, render_footer, render_url_notices

STORE_DOWN = N_("The data store cannot be reached right now.")

resolve_language()  # before any word is written: ?lang=, else the browser's language, else English
st.set_page_config(
    page_title=_("Crossings — forced repatriation of North Koreans from China"), page_icon="🗺️", layout="wide"
)

# Constant CSS only (no data): tighter top margin so the map fits a 720-pixel-high screen; captions, inline
# code and code blocks' syntax colours dark enough for WCAG AA contrast (4.5:1); the date fields' day and
# month at least 24 px to click; the selected language's name dark enough on its tinted button.
st.html(
    "<style>.block-container{padding-top:3rem;padding-bottom:1rem}"
    '[data-testid="stCaptionContainer"]{color:#62615e;opacity:1}'
    '[data-testid="stCaptionContainer"] strong,[data-testid="stCaptionContainer"] em{color:inherit}'
    ".stMarkdown blockquote,.stMarkdown blockquote p{color:#4d4c49;opacity:1}"
    '.stMarkdown code,[data-testid="stCaptionContainer"] code{color:#1f5a4c}'
    "pre code .token{color:inherit!important}"
    '[data-testid="stDateInput"] [role="spinbutton"]{min-width:24px;min-height:24px;display:inline-flex;'
    "align-items:center;justify-content:center}"
    '[class*="st-key-lang-switch"] button[data-selected="true"],'
    '[class*="st-key-lang-switch"] button[data-selected="true"] *{color:#08456b}'
    # Phones (Streamlit stacks columns below 640 px): the map right after the title, the sentences about the
    # filters under it; every control the sidebar and the page add at least 44 px to tap.
    "@media (max-width:640px){.block-container{padding-top:3.5rem}"
    "div:has(>.st-key-map-title){order:-2}div:has(>.st-key-map-layout){order:-1}"
    ".st-key-map-title h3{font-size:1.25rem;padding:0}"
    '[data-testid="stExpandSidebarButton"],[data-testid="stSidebarCollapseButton"] button,'
    '[data-testid="stSidebarNavLink"],.stButton button,[data-testid="stBaseButton-segmented_control"],'
    '[data-testid="stBaseButton-segmented_controlActive"],[data-testid="stMainMenu"] button'
    "{min-height:44px;min-width:44px}}</style>"
)

confirm_account()  # before any data is read: a disabled account sees the public view at once
try:
    dataset = get_dataset()
except StoreUnavailable:  # the database is down and this process never read the data: say so, retry
    st.error(_(STORE_DOWN) + " " + _("There is nothing to show yet: this page loads by itself as soon as it is back."))
    follow_revisions(None, outage_shown=True)
    st.stop()
if dataset.revision is not None:  # read from the store: a new revision reaches this open page within seconds;
    # so does the store going away, and coming back.
    follow_revisions(dataset.revision, outage_shown=store_outage() is not None)
if store_outage() is not None:
    st.warning(
        _(STORE_DOWN)
        + " "
        + _(
            "Showing the data as of revision {revision}; this page updates by itself when it is back.",
            revision=dataset.revision,
        )
    )
span = get_data_span(dataset)
today = date.today()

account = signed_in()  # None for every viewer: nobody signs in to read
editing = []
if account is not None and account.may("propose"):
    editing.append(st.Page("views/edit.py", title=_("Propose a change"), icon=":material/edit:", url_path="edit"))
if account is not None and account.may("review"):
    editing.append(st.Page("views/review.py", title=_("Review"), icon=":material/fact_check:", url_path="review"))
pages = st.navigation(
    [
        st.Page("views/map.py", title=_("Map"), icon=":material/map:", default=True),
        st.Page("views/timeline.py", title=_("Timeline"), icon=":material/timeline:", url_path="timeline"),
        st.Page("views/data.py", title=_("Data"), icon=":material/table:", url_path="data"),
        st.Page("views/crossing.py", title=_("Crossing profiles"), icon=":material/swap_horiz:", url_path="crossing"),
        st.Page("views/sources.py", title=_("Sources"), icon=":material/menu_book:", url_path="sources"),
        st.Page("views/import_data.py", title=_("Import"), icon=":material/upload_file:", url_path="import"),
        st.Page("views/presenter.py", title=_("Presenter"), icon=":material/slideshow:", url_path="presenter"),
        st.Page("views/about.py", title=_("About"), icon=":material/info:", url_path="about"),
        *editing,  # registered only for signed-in roles; each page and the store check the role again
    ]
)
st.session_state[state.PAGE] = pages.url_path
with st.sidebar:
    render_language_switch()
render_filters(dataset, span, today)
render_url_notices()
render_sign_in()
pages.run()
render_footer(dataset)
