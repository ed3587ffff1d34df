"""The What-if engine (a run's network and model frame) loaded in a background thread.

The What-if page's first visit shows the run's stored base (``promotions/stored_base.py``) and starts this load; the
first edit waits for it only as long as it has left. The database is read here, in the page's thread (DuckDB's
connection belongs to the store's owner): the thread reads files alone (``scenarios.build_engine``).
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

KEEP = 3  # engines held per server process (a network and a model frame each), as the cache held before


@st.cache_resource(show_spinner=False)
def _loads() -> tuple[ThreadPoolExecutor, dict[str, Future]]:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="promocast-engine"), {}


def start(run_id: str, store) -> Future:
    """The run's engine, loading or loaded (started now when it was not); ``store``: the session's, read here."""
    from dashboard.planning.scenarios import build_engine, engine_sources

    pool, loads = _loads()
    if run_id not in loads:
        loads[run_id] = pool.submit(build_engine, engine_sources(store, run_id))
        while len(loads) > KEEP:
            loads.pop(next(iter(loads)))
    return loads[run_id]


def engine(run_id: str, store):
    """The run's engine, waiting for its load to finish (a failed load raises here, in the page)."""
    future = start(run_id, store)
    if future.done():
        return future.result()
    with st.spinner("Loading the model..."):
        return future.result()
