"""The sidebar's sign-in for editors, reviewers and admins (viewers never need it).

Local accounts (argon2 hashes in the store, `python -m geo user add`) always work; Streamlit's
`st.login` (OIDC) is offered only when `[auth]` is configured in .streamlit/secrets.toml, and maps the
provider's e-mail address to the store account of that name. Failed sign-ins wait longer and longer,
per account (in the store) and per browser session (here).
"""

from __future__ import annotations

import time

import streamlit as st

from geo.accounts import wait_remaining
from geo.i18n import _
from geo.store.review import SignInRefused, account, sign_in
from geo.ui.data import get_store
from geo.ui.session import sign_out, signed_in, start_session

SESSION_FAILURES = "_crossings_signin_failures"
SESSION_LAST_FAILURE = "_crossings_signin_last_failure"


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_account():
    user = getattr(st, "user", None)
    if user is None or not getattr(user, "is_logged_in", False):
        return None
    store = get_store()
    email = str(user.get("email") or "")
    return account(store, email) if store is not None and email else None


def _try_sign_in(name: str, password: str) -> str | None:
    """None when signed in; else the message to show."""
    state = st.session_state
    failures = int(state.get(SESSION_FAILURES, 0))
    wait = wait_remaining(failures, state.get(SESSION_LAST_FAILURE), time.time())
    if wait > 0:
        return f"Too many failed sign-ins in this session: try again in {wait:.0f} s."
    store = get_store()
    if store is None:
        return "Signing in needs the data store (this app shows a data directory)."
    try:
        start_session(sign_in(store, name, password))
    except SignInRefused as refused:
        if refused.wait == 0:
            state[SESSION_FAILURES] = failures + 1
            state[SESSION_LAST_FAILURE] = time.time()
        return str(refused).capitalize() + "."
    state[SESSION_FAILURES] = 0
    return None


def confirm_account() -> None:
    """Sign the session out when its account was disabled, removed or changed role in the store."""
    current = signed_in()
    store = get_store()
    if current is not None and (store is None or account(store, current.name) != current):
        sign_out()


def render_sign_in() -> None:
    """The sidebar block: who is signed in and a sign-out button, or the sign-in form."""
    current = signed_in()
    if current is None and _oidc_configured():
        found = _oidc_account()
        if found is not None:
            start_session(found)
            current = found
    with st.sidebar.expander(
        _("Editors: sign in") if current is None else _("Signed in: {name}", name=current.name), icon=":material/lock:"
    ):
        if current is not None:
            st.caption(_("Role: {role}. Sessions end after 30 minutes idle or 8 hours.", role=current.role))
            if st.button(_("Sign out"), key="sign-out"):
                sign_out()
                if _oidc_configured() and getattr(getattr(st, "user", None), "is_logged_in", False):
                    st.logout()
                st.rerun()
            return
        st.caption(_("Viewers never need an account. Editors, reviewers and admins sign in here."))
        with st.form("sign-in", clear_on_submit=True, border=False):  # the password leaves session state
            name = st.text_input(_("Account"), key="sign-in-name", autocomplete="username")
            password = st.text_input(
                _("Password"), type="password", key="sign-in-password", autocomplete="current-password"
            )
            submitted = st.form_submit_button(_("Sign in"))
        if submitted:
            message = _try_sign_in(name, password)
            if message is None:
                st.rerun()
            st.error(message)
        if _oidc_configured() and st.button(_("Sign in with your organisation"), key="sign-in-oidc"):
            st.login()
