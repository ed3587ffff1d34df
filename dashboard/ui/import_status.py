"""An import running in its own process (data/import_job.py), seen from every page: the sidebar says it runs, and
whichever page reruns first once the process has prepared the dataset stores it (the app is the store's one
writer) and picks it in the sidebar. The Data page shows the details (ui/upload.py)."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import streamlit as st

from dashboard.data import import_job
from dashboard.store import Store

KEY = "import_job"


def current_job(store: Store) -> Path | None:
    """This session's import in this workspace (one started in another waits there until the planner is back)."""
    job = st.session_state.get(KEY)
    if job and not (Path(job) / "state.json").exists():  # swept long after it was said (import_job.sweep)
        st.session_state.pop(KEY, None)
        return None
    if job and Path(job).parent.parent.resolve() == Path(store.workspace).resolve():
        return Path(job)
    return None


def seconds_running(state: dict) -> float:
    started = state.get("started_at")
    return time.time() - datetime.fromisoformat(started).timestamp() if started else 0.0


def settle(store: Store) -> dict | None:
    """Store this session's import if its process has prepared it; the stored state (with its message), else None."""
    job = current_job(store)
    if job is None or import_job.poll(job)["status"] != "prepared":
        return None
    with st.spinner("Storing the imported dataset..."):
        return _store_prepared(store, job)


@st.fragment(run_every="2s")
def watch(job: Path) -> None:
    """In the sidebar while the import runs; the whole page reruns once it has an outcome."""
    state = import_job.poll(job)
    if state["status"] != "running":
        st.rerun()
    st.caption(f"Importing {Path(import_job.spec(job)['sales']).name} in the background: "
               f"{seconds_running(state):.0f} s so far.")


def _store_prepared(store: Store, job: Path) -> dict:
    """A new dataset, or the next version of the one the upload was for."""
    prepared = import_job.load(job)
    base = import_job.spec(job).get("version_of")
    if base:  # a refresh: the upload's rows replace the stored version's same weeks (dashboard/planning/refresh.py)
        from dashboard.planning.refresh import store_version, summary

        result = store_version(store, base, prepared)
        ds_id, created = result["dataset"], result["created"]
        prepared.notes[:0] = summary(result)
    else:
        ds_id, created = store.save_dataset(prepared, events=prepared.events if len(prepared.events) else None)
    info = prepared.info
    message = (f"Imported {info.source_rows:,} rows as dataset {ds_id}: {info.series:,} series, {info.first_week} to "
               f"{info.last_week}." if created else f"This exact data is already stored as {ds_id}; nothing changed.")
    return import_job.stored(job, ds_id, created, message, list(prepared.notes))
