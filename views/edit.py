"""Edit: propose a change or a new record as a draft. Signed-in editors only (checked here and by the store)."""

import streamlit as st

from geo.i18n import _
from geo.ui.data import get_store
from geo.ui.edit_form import render_edit_form
from geo.ui.session import signed_in

st.title(_("Propose a change"))
editor = signed_in()
store = get_store()
if editor is None or not editor.may("propose") or store is None:
    st.error(_("This page is for signed-in editors. Sign in from the sidebar."))
    st.stop()
st.caption(
    _(
        "Your change becomes a draft: the public sees nothing of it until a reviewer approves it. "
        "Making a record less visible takes effect at once."
    )
)
render_edit_form(store, editor)
