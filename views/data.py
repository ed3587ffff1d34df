"""Data: upload and validate sales, promotions and weather; holidays; coverage; history check."""
import pandas as pd
import streamlit as st

from dashboard import periods, ui
from dashboard.data.history import history_rollup, summary_line
from dashboard.planning.refresh import changes_summary
from dashboard.reports import charts
from dashboard.reports.exports import dates
from dashboard.store import workspaces
from dashboard.ui.upload import upload_section


def calendar_section(store, dataset_id: str) -> None:
    """Holiday country/subdivision per region plus custom events, and the weekly features they give."""
    from dashboard.data.calendars import RegionCalendar, parse_custom_events, weekly_holiday_features

    current = store.calendars(dataset_id)
    st.caption("Country codes and subdivisions of the `holidays` package (US, GB, DE, IT, CA ...; subdivision e.g. CA, NY, BY).")
    new = []
    for cal in current:
        c1, c2, c3 = st.columns([1, 1, 1])
        c1.markdown(f"**{cal.region}**")
        country = c2.text_input("Country", cal.country, key=f"cal_country_{cal.region}")
        subdiv = c3.text_input("Subdivision", cal.subdiv or "", key=f"cal_subdiv_{cal.region}")
        new.append(RegionCalendar(cal.region, country.strip().upper(), subdiv.strip() or None))
    events = store.custom_events(dataset_id)
    text = "\n".join(f"{str(r.date)[:10]}, {r.name}" for r in events.itertuples())
    typed = st.text_area("Custom events (one per line: YYYY-MM-DD, name)", text, key="cal_events")
    if st.button("Save calendars", key="cal_save"):
        try:
            parsed = parse_custom_events(typed)
            weekly_holiday_features([], new)  # fails fast on an unknown country
            for c in new:
                weekly_holiday_features(["2024-01-01"], [c])
            store.set_calendars(dataset_id, new, parsed)
            ui.cached_holidays.clear()  # holiday weeks feed the Data, Forecast and Explain views
            ui.cached_explain.clear()
            st.success("Calendars saved.")
        except ValueError as exc:
            st.error(str(exc))
    info = store.dataset(dataset_id)
    feats = ui.cached_holidays(dataset_id, str(info.first_week)[:10], str(info.last_week)[:10])
    st.dataframe(dates(feats[feats["holiday"] == 1].sort_values(["week", "region"])), hide_index=True, key="holiday_weeks")


store = ui.get_store()
dataset_id = ui.dataset_picker(watch_import=False)  # the upload tab shows a running import
st.title("Data")

upload_tab, overview_tab, calendar_tab, workspace_tab = st.tabs(["Upload", "Overview & history check", "Holidays",
                                                                 "Workspaces"])

with upload_tab:
    upload_section(store)

with overview_tab:
    if dataset_id:
        info = store.dataset(dataset_id)
        c = st.columns(4)
        c[0].metric("Series (SKU x region)", f"{info.series:,}")
        c[1].metric(periods.of(info.extras.get("freq")).plural.capitalize(), f"{info.weeks}",
                    help=f"{info.first_week} to {info.last_week}")
        c[2].metric("Rows stored", f"{info.rows:,}")
        c[3].metric("Rows uploaded", f"{info.source_rows:,}")
        if info.extras.get("notes"):
            st.caption(info.extras["notes"])
        versions = store.versions(dataset_id)
        if len(versions) > 1:  # refreshed (python -m dashboard refresh): what this version changed
            last = versions.iloc[-1]
            st.info(f"Version {last['version']} of {len(versions)}, after {versions.iloc[-2]['id']} (still readable in the "
                    "sidebar). " + "; ".join(changes_summary(last["changes"])))
        check = ui.cached_history(dataset_id, info.last_week)
        period = periods.of(info.extras.get("freq"))
        (st.success if (check["status"] == "ok").all() else st.warning)(summary_line(check, period))
        coverage = ui.cached_coverage(dataset_id)
        st.plotly_chart(charts.coverage_lines(coverage), key="coverage_lines")
        st.plotly_chart(charts.coverage_heatmap(coverage), key="coverage_heatmap")
        st.subheader("History check")
        left, right = st.columns(2)
        by_cat, by_reg = history_rollup(check, "category", period), history_rollup(check, "region", period)
        left.plotly_chart(charts.history_bars(by_cat, "category"), key="history_category")
        right.plotly_chart(charts.history_bars(by_reg, "region"), key="history_region")
        left.dataframe(by_cat, hide_index=True)
        right.dataframe(by_reg, hide_index=True)
        st.dataframe(check[check["status"] != "ok"], hide_index=True, key="short_series")
        st.subheader("Preview")
        st.dataframe(ui.cached_preview(dataset_id), hide_index=True)

with calendar_tab:
    if dataset_id:
        calendar_section(store, dataset_id)

with workspace_tab:
    if not ui.may("workspaces"):
        st.info("Creating and archiving workspaces is for administrators.")
        st.stop()
    st.caption("One workspace per client: its own database, uploads, training jobs and runs. Pick one in the sidebar. "
               "Archiving hides a workspace; its files stay. Also: `python -m dashboard workspace create|list|archive`.")
    mine = set(ui.allowed_workspaces([w["name"] for w in workspaces.listing(include_archived=True)]))
    st.dataframe(pd.DataFrame([w for w in workspaces.listing(include_archived=True) if w["name"] in mine]),
                 hide_index=True, key="ws_list")
    left, right = st.columns(2)
    new = left.text_input("New workspace", key="ws_new", placeholder="client-name")
    if left.button("Create", key="ws_create"):
        try:
            workspaces.create(new.strip())
            st.rerun()
        except (ValueError, KeyError) as exc:
            left.error(str(exc.args[0]))
    live = [n for n in ui.allowed_workspaces([w["name"] for w in workspaces.listing()]) if n != workspaces.DEFAULT]
    if live:
        gone = right.selectbox("Archive a workspace", live, key="ws_archive_pick")
        if right.button(f"Archive '{gone}'", key="ws_archive"):
            workspaces.archive(gone)
            st.rerun()
