"""The Plan page's plan under review, kept between reruns: assembling it joins the run's whole forecast with the
overrides and the history check (3.5 s for 74,800 store series), so it is redone only when something in it changed."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard.planning import plans
from dashboard.ui import cached_engine, cached_future, get_store


@st.cache_data(show_spinner=False)
def future_weeks(run_dir: str) -> list | None:
    """The weeks a run forecasts (not its 74,800 x 13 rows, unpickled on every rerun from the cache)."""
    fut = cached_future(run_dir)
    return None if fut is None else sorted(pd.to_datetime(fut["week"]).unique())


def _fingerprint(store, dataset_id: str, run_id: str, scenario: str | None) -> str:
    """What the plan depends on besides the run (whose folder never changes): its overrides and the scenario."""
    h = hashlib.sha256()
    ov = store.overrides(dataset_id, run_id)
    h.update(pd.util.hash_pandas_object(ov[["id", "sku", "region", "week", "value"]], index=False).values.tobytes()
             if len(ov) else b"-")
    if scenario:
        edits, temperature, _ = store.scenario(dataset_id, scenario)
        h.update(edits.to_json(date_format="iso").encode() + str(temperature).encode())
    return h.hexdigest()


@st.cache_data(show_spinner="Assembling the plan...", max_entries=4)
def _assembled(dataset_id: str, run_id: str, scenario: str | None, engine_run: str | None, fingerprint: str):
    engine = cached_engine(engine_run) if engine_run else None
    return plans.assemble(get_store(), dataset_id, run_id, scenario, engine)


def assembled(store, dataset_id: str, run_id: str, scenario: str | None, engine_run: str | None):
    """(rows, meta) as ``plans.assemble`` gives them, from the cache while the overrides and scenario are unchanged."""
    return _assembled(dataset_id, run_id, scenario, engine_run, _fingerprint(store, dataset_id, run_id, scenario))


@st.cache_data(show_spinner=False, max_entries=4)
def _summary(dataset_id: str, run_id: str, scenario: str | None, engine_run: str | None, fingerprint: str) -> dict:
    rows, meta = _assembled(dataset_id, run_id, scenario, engine_run, fingerprint)
    flagged = rows.drop_duplicates(["sku", "region"])["history_flag"].sum()
    return {"meta": meta, "units": float(rows["p50"].sum()), "scenario": float(rows["scenario_delta"].sum()),
            "overrides": float(rows["p50"].sum() - rows["model_p50"].sum()), "flagged": int(flagged),
            "sentence": plans.history_sentence(rows)}


def summary(store, dataset_id: str, run_id: str, scenario: str | None, engine_run: str | None) -> dict:
    """What the page shows of the plan (its totals, flags and assumptions): small, so a rerun does not unpickle
    the plan's rows; they are read from the cache only to publish."""
    return _summary(dataset_id, run_id, scenario, engine_run, _fingerprint(store, dataset_id, run_id, scenario))
