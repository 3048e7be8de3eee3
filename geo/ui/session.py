"""Who is signed in to this browser session (nobody, for every viewer). Only the sign-in form
(geo.ui.signin) puts an account here; everything else reads it through signed_in()."""

from __future__ import annotations

import time

import streamlit as st

from geo.accounts import Account, session_expired

ACCOUNT = "_crossings_account"  # an Account; a leading underscore keeps it out of the URL and widgets
SIGNED_IN_AT = "_crossings_signed_in_at"
LAST_SEEN = "_crossings_last_seen"


def signed_in() -> Account | None:
    """The signed-in account, or None. An expired session is signed out here, on its next rerun."""
    state = st.session_state
    account = state.get(ACCOUNT)
    if not isinstance(account, Account):
        return None
    now = time.time()
    if session_expired(state.get(SIGNED_IN_AT, 0.0), state.get(LAST_SEEN, 0.0), now):
        sign_out()
        return None
    state[LAST_SEEN] = now
    return account


def start_session(account: Account) -> None:
    now = time.time()
    st.session_state[ACCOUNT] = account
    st.session_state[SIGNED_IN_AT] = now
    st.session_state[LAST_SEEN] = now


def sign_out() -> None:
    for key in (ACCOUNT, SIGNED_IN_AT, LAST_SEEN):
        st.session_state.pop(key, None)


def is_editor() -> bool:
    """True for a signed-in editor, reviewer or admin: they see restricted records and drafts."""
    return signed_in() is not None
