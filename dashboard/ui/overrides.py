"""The Forecast page's planner overrides: the form that adjusts the forecast in view, the list with undo, and the
adjusted forecast for the chart and the export (the arithmetic is in ``dashboard/planning/overrides.py``)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.forecasting.forecasts import rollup_forecast, select
from dashboard.planning import overrides as ov
from dashboard.ui import cached_future, cached_series, may
from dashboard.ui.plan import future_weeks

KIND_LABELS = {"value": "new value (units a week for this selection)", "pct": "change in %"}


def adjusted(store, dataset_id: str, run) -> pd.DataFrame | None:
    """The run's future forecast with the overrides applied, per series (None when it has none)."""
    rows = store.overrides(dataset_id, run.run_id)  # a small query first: most runs have none
    if rows.empty:
        return None
    fut = cached_future(run.run_dir)
    return None if fut is None else ov.apply(fut, rows)



def view(frame: pd.DataFrame, dataset_id: str, level: str, key) -> pd.DataFrame:
    if level != "series":
        frame = frame.merge(cached_series(dataset_id), on=["sku", "region"], how="left", suffixes=("", "_s"))
    return rollup_forecast(select(frame, level, key))


def section(store, dataset_id: str, run, label: str, sku=None, region=None, category=None, area=None) -> None:
    """The override form for the selection in view (``label``) on ``run``'s future forecast, and the list."""
    weeks = future_weeks(run.run_dir)
    if weeks is None:
        return
    with st.expander(f"Adjust the {run.model} forecast for {label} (planner override)"):
        c = st.columns([3, 2, 1])
        chosen = c[0].multiselect("Weeks", weeks, format_func=lambda w: str(pd.Timestamp(w).date()), key="ov_weeks")
        kind = c[1].radio("As", list(KIND_LABELS), format_func=KIND_LABELS.get, key="ov_kind", horizontal=True)
        amount = c[2].number_input("Units" if kind == "value" else "%", value=0.0, step=1.0, key="ov_amount")
        c = st.columns([2, 3, 2])
        reason = c[0].selectbox("Reason", ov.REASONS, key="ov_reason")
        note = c[1].text_input("Note (needed for 'other')", key="ov_note", max_chars=300)
        author = c[2].text_input("Author", key="ov_author", max_chars=100)
        if st.button("Save override", key="ov_save", disabled=not may("scenarios")):
            try:
                ov.check(kind, amount, reason, note, chosen)
                current = ov.apply(cached_future(run.run_dir), store.overrides(dataset_id, run.run_id))
                rows = ov.spread(ov.select(current, cached_series(dataset_id), sku, region, category, area), chosen, kind, amount)
                store.add_override(dataset_id, run.run_id, rows, label, kind, amount, reason, note, author)
                st.rerun()
            except ValueError as exc:
                st.error(str(exc))
        listing = store.overrides(dataset_id, run.run_id)
        if listing.empty:
            st.caption("No overrides on this run yet. Each one is kept with its author, time and reason, and can be undone.")
            return
        summary = listing.groupby("id", sort=False).agg(
            scope=("scope", "first"), weeks=("week", lambda w: ", ".join(sorted({str(x)[:10] for x in w}))),
            kind=("kind", "first"), amount=("amount", "first"), reason=("reason", "first"), note=("note", "first"),
            author=("author", "first"), at=("created_at", "first"), units_before=("before", "sum"),
            units_after=("value", "sum")).reset_index()
        st.dataframe(summary.round(1), hide_index=True, key="ov_list")
        c = st.columns([3, 1])
        undo = c[0].selectbox("Undo", summary["id"], key="ov_undo_pick",
                              format_func=lambda i: f"{i}: {summary.set_index('id').loc[i, 'scope']}")
        if c[1].button("Undo override", key="ov_undo", disabled=not may("scenarios")):
            store.undo_override(undo)
            st.rerun()
