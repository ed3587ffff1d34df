"""What the What-if page draws of one scenario, small and cached: totals, weekly roll-ups and the changes per category,
region and edited series.

The scenario itself (``ui.cached_scenario``) holds the base and scenario forecasts of every series: 972,400 rows each
at 74,800 store series, and ``st.cache_data`` unpickles a copy on every rerun, then the page summed them again
(1.2-1.4 s a rerun there). The page reads this summary instead; the full forecasts are only unpickled when a
summary is made.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st


@st.cache_data(show_spinner="Forecasting the scenario...", max_entries=32)
def scenario_view(run_id: str, edits_json: str, temperature_delta: float) -> dict:
    from dashboard.forecasting.forecasts import rollup_forecast
    from dashboard.planning.scenarios import deltas
    from dashboard.ui import cached_base, cached_scenario

    res = cached_scenario(run_id, edits_json, temperature_delta)
    base, scen, changed = res["base"], res["forecast"], res["changed"]
    series = cached_base(run_id).series
    by_sku = pd.DataFrame()
    if len(changed):
        keys = changed[["sku", "region"]].drop_duplicates()
        by_sku = deltas(base.merge(keys, on=["sku", "region"]), scen.merge(keys, on=["sku", "region"]), series,
                        ["sku", "region", "category"])
    return {"warnings": list(res["warnings"]), "changed": int(len(changed)),
            "base_total": float(base["p50"].sum()), "scenario_total": float(scen["p50"].sum()),
            "weekly_base": rollup_forecast(base), "weekly_scenario": rollup_forecast(scen),
            "by_category": deltas(base, scen, series, ["category"]), "by_region": deltas(base, scen, series, ["region"]),
            "by_sku": by_sku}

