"""The Explain page for a gradient-boosted run: grouped gain importance, what moved each group's forecasts, and
the inputs behind one series' forecast (dashboard/forecasting/gbm_explain.py)."""
from __future__ import annotations

import streamlit as st

from dashboard.forecasting import gbm_explain as gx
from dashboard.reports import charts


@st.cache_data(show_spinner=False, max_entries=4)
def _explanation(run_dir: str) -> dict | None:
    from dashboard.store.runs import load_gbm_explanation

    return load_gbm_explanation(run_dir)


def render(run_dir: str, run_id: str, series, by: str) -> None:
    from dashboard import ui

    ex = _explanation(run_dir)
    if ex is None:
        st.info("This run kept no explanation (it predates them): train the LightGBM again.")
        return
    groups = gx.contribution_by_group(ex["contributions"], series, by.replace(" x ", "_"))
    st.subheader("In plain words")
    for sentence in gx.summary(ex["importance"], groups):
        st.markdown(f"- {sentence}")
    st.caption(f"Gain is how much the trees' splits on an input reduced the training error. Contributions are "
               f"LightGBM's per-forecast attributions of the hold-out forecasts (target: {ex['target']}); a group's "
               "share is how much of all the movement in its forecasts each input made.")
    st.subheader("Inputs by group")
    st.dataframe(gx.importance_by_group(ex["importance"]), hide_index=True, key="ex_gbm_groups")
    st.plotly_chart(charts.importance_chart(groups, f"What moved the forecasts, by {by} (%)"), key="ex_gbm_by")
    st.subheader("One series")
    keys = ex["contributions"][["sku", "region"]].drop_duplicates().sort_values(["sku", "region"])
    labels = (keys["sku"].astype(str) + " · " + keys["region"].astype(str)).tolist()
    pick = st.selectbox("Series", labels, key="ex_gbm_series")
    sku, region = pick.split(" · ", 1)
    for sentence in gx.series_sentences(ex["contributions"], sku, region, ex["target"]):
        st.markdown(f"- {sentence}")
    st.dataframe(gx.series_contributions(ex["contributions"], sku, region).round(3), hide_index=True,
                 key="ex_gbm_series_table")
    ui.download_buttons({"importance": ex["importance"], "contributions": ex["contributions"],
                         "by_group": groups.reset_index(names="group")}, f"explain_{run_id}", key="ex_gbm_dl")
