"""Login with Streamlit's own OIDC support (st.login / st.user, Authlib) and what a role may do.

With no `[auth]` table in the secrets, Promocast runs as it always did: one machine, no login, every workspace.
With one, app.py calls ``gate()`` before any page: the login page, or the user's {workspace: role} from the access
file (dashboard/store/access.py). Pages call ``require_access()`` (through ``get_store``) as well, because a deep link
opened first on a fresh server runs the page without app.py; a session without a verified login stops there.
"""
from __future__ import annotations

import logging

import streamlit as st

from dashboard.store import access, workspaces

LOG = logging.getLogger("promocast")


def login_configured() -> bool:
    """A login is required when the secrets (.streamlit/secrets.toml, or a file named by `secrets.files`) hold [auth]."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _user_roles() -> dict[str, str]:
    """{workspace: role} for the logged-in user, read afresh (a grant removed takes effect on the next click)."""
    claims = st.user.to_dict()
    try:
        return access.roles_for(claims, access.load(), [w["name"] for w in workspaces.listing()])
    except access.AccessError as e:
        LOG.error("access file: %s", e)
        return {}


def gate() -> dict[str, str] | None:
    """With a login configured: the user's {workspace: role}, or the login / no-access page and a stop.
    Without one: None (the local default: every workspace, no roles)."""
    st.session_state.pop("roles", None)  # never trust what an earlier run (before a logout) left
    if not login_configured():
        return None
    if not st.user.is_logged_in:
        st.title("Promocast")
        st.write("Log in to open your workspaces.")
        st.button("Log in", on_click=st.login, type="primary", key="login")
        st.stop()
    roles = _user_roles()
    if not roles:
        st.title("Promocast")
        who = st.user.get("email") or "This account"
        st.error(f"{who} has no workspace here. Ask an administrator for access.")
        st.button("Log out", on_click=st.logout, key="logout_noaccess")
        st.stop()
    st.session_state["roles"] = roles
    st.sidebar.caption(f"Logged in as {st.user.get('email') or st.user.get('sub')}")
    st.sidebar.button("Log out", on_click=st.logout, key="logout")
    return roles


def require_access() -> dict[str, str] | None:
    """Inside a page: None without a login configured; else the roles app.py's gate found, or a stop."""
    if not login_configured():
        return None
    roles = st.session_state.get("roles") if st.user.is_logged_in else None
    if not roles:
        st.warning("Log in first.")
        st.markdown("[Go to the login page](/)")
        st.stop()
    return roles


def allowed_workspaces(names: list[str]) -> list[str]:
    """The workspaces of ``names`` this session may open (all of them without a login)."""
    roles = require_access()
    return names if roles is None else [n for n in names if n in roles]


def may(action: str) -> bool:
    """Whether this session may do ``action`` ("train", "scenarios", "workspaces", "delete") in its workspace."""
    roles = require_access()
    if roles is None:
        return True
    return access.can(roles.get(st.session_state.get("workspace", workspaces.DEFAULT)), action)
