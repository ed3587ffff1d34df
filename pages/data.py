"""Data: upload and validate sales, promotions and weather; holidays; coverage; history check."""
import streamlit as st

from dashboard import charts, ui
from dashboard.history import history_rollup, summary_line

store = ui.get_store()
dataset_id = ui.dataset_picker()
st.title("Data")

upload_tab, overview_tab, calendar_tab = st.tabs(["Upload", "Overview & history check", "Holidays"])

with upload_tab:
    ui.upload_section(store)

with overview_tab:
    if dataset_id:
        info = store.dataset(dataset_id)
        c = st.columns(4)
        c[0].metric("Series (SKU x region)", f"{info.series:,}")
        c[1].metric("Weeks", f"{info.weeks}", help=f"{info.first_week} to {info.last_week}")
        c[2].metric("Rows stored", f"{info.rows:,}")
        c[3].metric("Rows uploaded", f"{info.source_rows:,}")
        if info.extras.get("notes"):
            st.caption(info.extras["notes"])
        check = ui.cached_history(dataset_id, info.last_week)
        (st.success if (check["status"] == "ok").all() else st.warning)(summary_line(check))
        coverage = ui.cached_coverage(dataset_id)
        st.plotly_chart(charts.coverage_lines(coverage), key="coverage_lines")
        st.plotly_chart(charts.coverage_heatmap(coverage), key="coverage_heatmap")
        st.subheader("History check")
        left, right = st.columns(2)
        by_cat, by_reg = history_rollup(check, "category"), history_rollup(check, "region")
        left.plotly_chart(charts.history_bars(by_cat, "category"), key="history_category")
        right.plotly_chart(charts.history_bars(by_reg, "region"), key="history_region")
        left.dataframe(by_cat, hide_index=True)
        right.dataframe(by_reg, hide_index=True)
        st.dataframe(check[check["status"] != "ok"], hide_index=True, key="short_series")
        st.subheader("Preview")
        st.dataframe(ui.cached_preview(dataset_id), hide_index=True)

with calendar_tab:
    if dataset_id:
        ui.calendar_section(store, dataset_id)
