"""Cached handles of the Promotions page: the analysis of a run (model + windows, kept), its decompositions and
past promotions (small frames, cached per run, plan and margins)."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.ui import get_store, kept_split, need_runs


def promo_runs(dataset_id: str | None, purpose: str) -> pd.DataFrame:
    """The dataset's runs of models that read promotions (TFT, LightGBM, LSTM, in that order); a hint and a stop
    without any."""
    from dashboard.planning.scenarios import promotion_runs

    runs = promotion_runs(need_runs(dataset_id))
    if runs.empty:
        st.info(f"{purpose} needs a model that reads promotions: train a TFT, LightGBM or LSTM on the Train page.")
        st.stop()
    return runs


@st.cache_resource(show_spinner="Loading the model...", max_entries=3)
def cached_analysis(run_id: str):
    from dashboard.promotions.analysis import load

    return load(get_store(), run_id)


def cached_split(run_id: str):
    """What the page shows of the stored plan: the split the training job kept (``promotions/stored.py``: a run's
    first visit reads files instead of forecasting every series three times), or the analysis itself for a run
    that kept none (trained before, or on a calendar since changed)."""
    return kept_split(run_id) or cached_analysis(run_id)


def _edits(edits_json: str) -> pd.DataFrame:
    import io

    e = pd.read_json(io.StringIO(edits_json), orient="records") if edits_json not in ("", "[]") else pd.DataFrame()
    if len(e):
        e["start_week"] = pd.to_datetime(e["start_week"], unit="ms" if e["start_week"].dtype.kind in "iu" else None)
    return e


@st.cache_data(show_spinner="Splitting every promotion into uplift, cannibalization and dip...", max_entries=16)
def cached_plan(run_id: str, edits_json: str, margins_json: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(weekly rows, promotions) of the stored plan (``edits_json`` "[]") or a scenario's edits on top of it."""
    from dashboard.data.prices import regular_now
    from dashboard.planning.scenarios import expand_edits

    money = json.loads(margins_json)
    edits = _edits(edits_json)
    if not len(edits):  # the stored plan: the split the job kept, when it kept one
        return cached_split(run_id).decompose(None, money["margins"], money["prices"], money.get("funding"))
    a = cached_analysis(run_id)
    frame = a.with_edits(expand_edits(edits, a.series, pd.DatetimeIndex([]), regular_now(a.frame, a.start)))
    return a.decompose(frame, money["margins"], money["prices"], money.get("funding"))


@st.cache_data(show_spinner=False, max_entries=16)
def cached_plan_table(run_id: str, edits_json: str, margins_json: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(totals, the planner's table, the promotions in the table's order) of a plan: what the page shows on every
    rerun, without its weekly decomposition (972,400 rows at 74,800 store series: unpickled and re-tabled on every
    rerun, that took 4-5 s of the page)."""
    from dashboard.promotions import tables

    events = cached_plan(run_id, edits_json, margins_json)[1]
    max_seen = cached_split(run_id).max_discount_seen()
    ordered = events.sort_values("net_margin_p50", ascending=False).reset_index(drop=True)
    return tables.totals(events), tables.planned(events, max_seen), ordered


@st.cache_data(show_spinner="Judging past promotions on their actuals...", max_entries=8)
def cached_past(run_id: str, margins_json: str) -> pd.DataFrame:
    money = json.loads(margins_json)
    return cached_analysis(run_id).past(money["margins"], prices=money["prices"], funding=money.get("funding"))


@st.cache_data(show_spinner="Asking the model how uplift grows with the discount...", max_entries=8)
def cached_response(run_id: str) -> pd.DataFrame:
    return cached_analysis(run_id).curves()  # a line per mechanic the run reads


def margins_json(run_id: str) -> str:
    """The workspace's margin % per category of the run's series (the default where none was entered), the prices
    entered for data without any and the supplier's funding, as a cache key."""
    from dashboard.promotions.money import DEFAULT_MARGIN_PCT

    store = get_store()
    stored, prices, funding = store.margins(), store.entered_prices(), store.funding()
    cats = sorted(cached_split(run_id).series["category"].astype(str).unique())
    return json.dumps({"margins": {c: stored.get(c, DEFAULT_MARGIN_PCT) for c in cats},
                       "prices": {c: prices[c] for c in cats if c in prices},
                       "funding": {c: funding[c] for c in cats if c in funding}}, sort_keys=True)


def incremental_margin(run_id: str, edits_json: str) -> float:
    """The plan's promotions' incremental margin (P50) with ``edits_json`` on top of the stored plan."""
    return float(cached_plan(run_id, edits_json, margins_json(run_id))[1]["net_margin_p50"].sum())
