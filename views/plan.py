"""Plan: the forecast + a what-if scenario + the overrides, published once per cycle and handed on as a workbook."""
import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.planning import plans
from dashboard.planning.scenarios import promotion_runs
from dashboard.reports.exports import dates
from dashboard.reports.report import build_report
from dashboard.ui.plan import assembled, future_weeks, summary

store = ui.get_store()
dataset_id = ui.dataset_picker()
st.title("Plan")
runs = ui.need_runs(dataset_id)
st.caption("A plan is the chosen forecast of the next weeks, a saved what-if scenario on top of it and the planners' "
           "overrides (Forecast page), frozen when published: one per dataset and planning cycle.")
c = st.columns([2, 2, 1])
run_id = c[0].selectbox("Forecast", runs["run_id"].tolist(), index=runs["run_id"].tolist().index(ui.latest_per_model(runs)[0]),
                        format_func=ui.run_label(runs), key="pl_run")
saved = store.scenarios(dataset_id)
scenario = c[1].selectbox("What-if scenario", ["none", *saved["name"].tolist()], key="pl_scenario")
promo_runs = promotion_runs(runs)
engine_run = promo_runs["run_id"].iloc[0] if scenario != "none" and len(promo_runs) else None
weeks = future_weeks(runs.set_index("run_id").loc[run_id, "run_dir"])
cycle = c[2].text_input("Cycle", plans.default_cycle(weeks[0]) if weeks else "", key="pl_cycle")
chosen = (store, dataset_id, run_id, None if scenario == "none" else scenario, engine_run)
try:
    shown = summary(*chosen)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
meta = shown["meta"]
m = st.columns(4)
m[0].metric("Units (P50, all weeks)", f"{shown['units']:,.0f}")
m[1].metric("Scenario change", f"{shown['scenario']:+,.0f}")
m[2].metric("Overrides change", f"{shown['overrides']:+,.0f}")
m[3].metric("Series under 2 years of history", f"{shown['flagged']}")
if shown["sentence"]:
    st.warning(shown["sentence"])
st.dataframe(pd.DataFrame({"": list(meta), "assumption": list(meta.values())}), hide_index=True, key="pl_meta")
author = st.text_input("Published by", key="pl_author", max_chars=100)
if st.button(f"Publish the {cycle} plan", key="pl_publish", type="primary", disabled=not ui.may("scenarios")):
    try:
        rows, meta = assembled(*chosen)
        store.publish_plan(dataset_id, cycle, run_id, "" if scenario == "none" else scenario, rows,
                           {**meta, "Cycle": cycle, "Published by": author}, author)
        st.session_state["pl_flash"] = f"Published the {cycle} plan."
        st.rerun()
    except ValueError as exc:
        st.error(str(exc))
if st.session_state.get("pl_flash"):
    st.success(st.session_state.pop("pl_flash"))

st.subheader("Published plans")
published = store.plans(dataset_id)
if published.empty:
    st.info("No plan published yet for this dataset.")
    st.stop()
st.dataframe(dates(published), hide_index=True, key="pl_list")
pick = st.selectbox("Plan", published["id"], format_func=lambda i: f"{published.set_index('id').loc[i, 'cycle']} ({i})", key="pl_pick")
meta_p, rows_p = store.plan(pick)
st.download_button("Workbook (Excel: a sheet per region, the assumptions)", lambda: plans.workbook(meta_p, rows_p),
                   f"promocast_plan_{meta_p['cycle']}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="pl_workbook")
st.download_button("Meeting report with this plan (HTML)", lambda: build_report(store, dataset_id, meta_p["run_id"],
                   plan=(meta_p, rows_p)), f"promocast_plan_{meta_p['cycle']}.html", "text/html", key="pl_report")
