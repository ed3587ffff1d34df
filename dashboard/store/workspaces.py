"""Workspaces: one per client, each with its own DuckDB file, uploads, jobs and run folders.

The root is ``$PROMOCAST_ROOT``, else the default workspace's folder (``$PROMOCAST_WORKSPACE`` or ``workspace/``
beside the code). The workspace ``default`` is the root itself —
what Promocast always used, so ``./promocast app`` keeps working with no configuration; a client's workspace is
``clients/<name>/`` under the root. ``workspaces.json`` at the root lists them (name, created, archived).
Archiving hides a workspace from the list and refuses commands on it; its files stay where they are. Names are
checked before they come near a path: lower-case letters, digits and dashes only.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

DEFAULT = "default"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,38}[a-z0-9]")


def root() -> Path:
    """$PROMOCAST_ROOT, else the default workspace's folder ($PROMOCAST_WORKSPACE or workspace/ beside the code)."""
    env = os.environ.get("PROMOCAST_ROOT") or os.environ.get("PROMOCAST_WORKSPACE")
    r = Path(env) if env else Path(__file__).resolve().parents[2] / "workspace"
    r.mkdir(parents=True, exist_ok=True)
    return r


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"workspace name {str(name)[:50]!r}: use 2-40 lower-case letters, digits and dashes "
                         "(starting and ending with a letter or digit)")
    return name


@contextmanager
def _registry(write: bool = False):
    """The registry, under an exclusive lock while it may be changed (two admins creating at once)."""
    r = root()
    with open(r / ".workspaces.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        path = r / "workspaces.json"
        reg = json.loads(path.read_text()) if path.exists() else {}
        yield reg
        if write:
            tmp = path.with_suffix(".json.part")
            tmp.write_text(json.dumps(reg, indent=1, sort_keys=True))
            tmp.replace(path)


def path(name: str) -> Path:
    """The folder of a live workspace; KeyError for an unknown or archived one."""
    if name == DEFAULT:
        return root()
    check_name(name)
    with _registry() as reg:
        entry = reg.get(name)
    if entry is None:
        raise KeyError(f"no workspace {name!r} (python -m dashboard workspace list)")
    if entry.get("archived"):
        raise KeyError(f"workspace {name!r} is archived")
    return root() / "clients" / name


def db_path(name: str) -> Path:
    """The DuckDB file of a live workspace (the default one's honours $PROMOCAST_DB)."""
    from dashboard.schema import default_db_path

    return default_db_path() if name == DEFAULT else path(name) / "promocast.duckdb"


def create(name: str) -> Path:
    check_name(name)
    if name == DEFAULT:
        raise ValueError(f"{DEFAULT!r} always exists")
    with _registry(write=True) as reg:
        if name in reg:
            state = "archived" if reg[name].get("archived") else "exists"
            raise ValueError(f"workspace {name!r} already {state}")
        folder = root() / "clients" / name
        folder.mkdir(parents=True, exist_ok=True)
        reg[name] = {"created": _now(), "archived": False}
    return folder


def archive(name: str) -> None:
    check_name(name)
    with _registry(write=True) as reg:
        if name not in reg or reg[name].get("archived"):
            raise KeyError(f"no live workspace {name!r} to archive")
        reg[name].update(archived=True, archived_at=_now())


def listing(include_archived: bool = False) -> list[dict]:
    """Every workspace, ``default`` first: name, folder, created, archived."""
    with _registry() as reg:
        items = sorted(reg.items())
    out = [{"name": DEFAULT, "path": str(root()), "created": None, "archived": False}]
    out += [{"name": n, "path": str(root() / "clients" / n), "created": e.get("created"),
             "archived": bool(e.get("archived"))} for n, e in items if include_archived or not e.get("archived")]
    return out


def activate(name: str) -> Path:
    """Point this process (and the jobs it starts) at a workspace: the command line's ``--workspace``. The app
    never calls this: one server serves several workspaces at once."""
    folder = path(name)
    os.environ["PROMOCAST_ROOT"] = str(root())  # pinned before the workspace variable moves
    os.environ["PROMOCAST_WORKSPACE"] = str(folder)
    os.environ["PROMOCAST_DB"] = str(db_path(name))
    return folder


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
