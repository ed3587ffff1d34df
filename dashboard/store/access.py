"""Who may open which workspace, once the app requires a login (`.streamlit/secrets.toml` names an identity provider).

The access file is ``$PROMOCAST_ACCESS``, else ``access.toml`` at the workspace root (dashboard/store/workspaces.py)::

    [[grant]]
    email = "ana@client-a.example"     # one user, by the e-mail claim (case does not matter) ...
    workspaces = ["client-a"]
    role = "planner"

    [[grant]]
    group = "agency-analysts"          # ... or everyone whose `groups` claim holds this value
    workspaces = ["*"]                 # every workspace, present and future
    role = "admin"

Roles: a planner reads, trains and saves scenarios; an admin also creates and archives workspaces and deletes.
A user with several grants gets the union, the higher role where two name the same workspace. A user with no
grant sees nothing but a "no access" page. No file means nobody gets in: a login without an access file is
an error to fix, not an open door. This module imports no streamlit (app.py asks it, the pages obey).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dashboard.store import workspaces

ROLES = {"planner": {"read", "train", "scenarios"},
         "admin": {"read", "train", "scenarios", "workspaces", "delete"}}
RANK = {"planner": 1, "admin": 2}


class AccessError(ValueError):
    """The access file is missing or wrong: the message names the file, the grant and the field."""


@dataclass(frozen=True)
class Grant:
    email: str | None
    group: str | None
    workspaces: tuple[str, ...]
    role: str


def access_path() -> Path:
    env = os.environ.get("PROMOCAST_ACCESS")
    return Path(env) if env else workspaces.root() / "access.toml"


def load(path: Path | None = None) -> list[Grant]:
    path = Path(path) if path else access_path()
    if not path.exists():
        raise AccessError(f"{path}: no access file. With a login configured, list who may open which workspace "
                          "there (see dashboard/store/access.py or docs/login.md).")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise AccessError(f"{path}: not valid TOML ({e})") from None
    grants = []
    for i, g in enumerate(data.get("grant", []), start=1):
        where = f"{path}, grant {i}"
        if not isinstance(g, dict):
            raise AccessError(f"{where}: expected a [[grant]] table")
        email, group = g.get("email"), g.get("group")
        if bool(email) == bool(group):
            raise AccessError(f"{where}: give exactly one of 'email' or 'group'")
        role = g.get("role", "planner")
        if role not in ROLES:
            raise AccessError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
        names = g.get("workspaces")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise AccessError(f"{where}: 'workspaces' must be a non-empty list of workspace names (or [\"*\"])")
        for n in names:
            if n not in ("*", workspaces.DEFAULT):
                try:
                    workspaces.check_name(n)
                except ValueError as e:
                    raise AccessError(f"{where}: {e}") from None
        grants.append(Grant(str(email).strip().lower() if email else None, str(group) if group else None,
                            tuple(names), role))
    return grants


def _groups(claims: dict) -> set[str]:
    g = claims.get("groups") or []
    return {g} if isinstance(g, str) else {str(x) for x in g}


def roles_for(claims: dict, grants: list[Grant], live: list[str]) -> dict[str, str]:
    """{workspace: role} for the logged-in user's claims, among the ``live`` workspaces. An e-mail the provider
    says is not verified matches no e-mail grant."""
    email = str(claims.get("email") or "").strip().lower()
    if claims.get("email_verified") is False:
        email = ""
    groups = _groups(claims)
    out: dict[str, str] = {}
    for g in grants:
        if not ((g.email and g.email == email) or (g.group and g.group in groups)):
            continue
        for name in (live if "*" in g.workspaces else [n for n in g.workspaces if n in live]):
            if RANK[g.role] > RANK.get(out.get(name, ""), 0):
                out[name] = g.role
    return out


def can(role: str | None, action: str) -> bool:
    return action in ROLES.get(role or "", set())
