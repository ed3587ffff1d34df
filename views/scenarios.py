"""What-if: edit the promotion plan for the next weeks and forecast it without retraining."""
import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.planning.scenarios import EDIT_COLUMNS, MECHANIC_CHOICES
from dashboard.reports import charts
from dashboard.ui.promotions import incremental_margin, promo_runs
from dashboard.ui import readable
from dashboard.ui.scenario_view import scenario_view

store = ui.get_store()
dataset_id = ui.dataset_picker()
st.title("What-if scenarios")
runs = promo_runs(dataset_id, "What-if")
run_id = st.selectbox("Model run", runs["run_id"].tolist(), format_func=ui.run_label(runs), key="sc_run")
st.caption("What-ifs re-forecast with this run (TFT, LightGBM or LSTM: the models that read the promotion plan); the "
           "recommended forecast on the Forecast page may blend in statistical models that cannot see a promotion change.")
engine = ui.cached_base(run_id)  # the stored base; the network loads in the background until the first edit
series = engine.series
saved = store.scenarios(dataset_id)
weeks = engine.future_weeks
period = ui.dataset_freq(dataset_id)
st.caption(f"Forecast horizon: {weeks.min().date()} to {weeks.max().date()} ({period.count(len(weeks))}). The base "
           f"scenario is the stored promotion plan; edits below replace it for the series and {period.plural} they cover. "
           f"Future weather defaults to the average of past years for that {period.name} and region."
           + (" A month's edit puts the whole month on promotion." if period.name == "month" else ""))

c1, c2 = st.columns([2, 1])
load = c1.selectbox("Start from", ["base", *saved["name"].tolist()], key="sc_load")
if st.session_state.get("sc_loaded") != (dataset_id, load):
    edits, temp = (pd.DataFrame(columns=EDIT_COLUMNS), 0.0) if load == "base" else store.scenario(dataset_id, load)[:2]
    st.session_state["sc_edits"] = edits.reindex(columns=EDIT_COLUMNS)
    st.session_state["sc_temp_value"] = float(temp)
    st.session_state["sc_loaded"] = (dataset_id, load)
temp = c2.number_input("Temperature vs normal (°C)", -10.0, 10.0, st.session_state["sc_temp_value"], 0.5, key="sc_temp")
edits = st.data_editor(
    st.session_state["sc_edits"].astype({"start_week": "datetime64[ns]"}), num_rows="dynamic", key="sc_editor",
    column_config={
        "sku": st.column_config.SelectboxColumn("SKU", options=sorted(series["sku"].unique())),
        "category": st.column_config.SelectboxColumn("or category", options=sorted(series["category"].unique())),
        "region": st.column_config.SelectboxColumn("region", options=["all", *sorted(series["region"].unique())]),
        "start_week": st.column_config.DateColumn(f"start {period.name}", min_value=weeks.min().date()),
        "weeks": st.column_config.NumberColumn(period.plural, min_value=1, max_value=period.season, step=1,
                                               default=2 if period.name == "week" else 1),
        "promo_type": st.column_config.SelectboxColumn("type", options=MECHANIC_CHOICES, default="tpr"),
        "discount_pct": st.column_config.NumberColumn("discount %", min_value=0, max_value=100, step=5, default=20),
        "shelf_price": st.column_config.NumberColumn(
            "or shelf price", min_value=0.0, step=0.05, format="%.2f",
            help="The promotion's shelf price instead of its discount (the depth is its cut below each series' "
                 "regular price); with the type 'price change', the weeks' new regular price, no promotion"),
    })
key = ui.edits_json(edits)
res = readable.or_stop(lambda: scenario_view(run_id, key, float(temp)), "This scenario")  # small and cached
for w in res["warnings"]:
    st.warning(w)

base_total, scen_total = res["base_total"], res["scenario_total"]
m = st.columns(3)
m[0].metric("Base (P50, all series)", f"{base_total:,.0f}")
m[1].metric("Scenario", f"{scen_total:,.0f}", f"{scen_total - base_total:+,.0f} ({(scen_total / base_total - 1) * 100:+.1f} %)")
m[2].metric("Series re-forecast", f"{res['changed']}", help="edited series and their category siblings in the same region")
if st.toggle("In money too", key="sc_money", help="the promotions' incremental margin, net of discount, cannibalization "
             "and dip, as on the Promotions page (margins per category are set there)"):
    base_margin, scen_margin = incremental_margin(run_id, "[]"), incremental_margin(run_id, key)
    st.metric("Promotions' incremental margin (P50)", f"{scen_margin:+,.0f}", f"{scen_margin - base_margin:+,.0f} vs base")
st.plotly_chart(charts.scenario_chart({"base": res["weekly_base"], "scenario": res["weekly_scenario"]},
                                      f"All series, {period.adjective}"), key="sc_total_chart")
if res["changed"]:
    left, right = st.columns(2)
    left.plotly_chart(charts.delta_bars(res["by_category"], "category",
                                        "Net change per category (cannibalization included)"), key="sc_cat_chart")
    right.plotly_chart(charts.delta_bars(res["by_region"], "region", "Net change per region"), key="sc_region_chart")
    st.dataframe(res["by_sku"].round(1), hide_index=True, key="sc_sku_table")

s1, s2, s3 = st.columns([2, 2, 1])
name = s1.text_input("Scenario name", key="sc_name", max_chars=100)
author = s2.text_input("Author", key="sc_author")
replace = s3.checkbox("Replace if taken", key="sc_replace", help="Overwrite a saved scenario of the same name")
if s3.button("Save", key="sc_save", type="primary"):
    try:
        store.save_scenario(dataset_id, name, edits.reindex(columns=EDIT_COLUMNS).dropna(subset=["start_week"]), author, temp,
                            overwrite=replace)
        st.session_state["sc_flash"] = f"Saved '{' '.join(name.split())}'."  # shown after the rerun below
        st.rerun()
    except ValueError as exc:
        st.error(str(exc))
if st.session_state.get("sc_flash"):
    st.success(st.session_state.pop("sc_flash"))
if load != "base" and ui.may("delete") and st.button(f"Delete '{load}'", key="sc_delete"):
    store.delete_scenario(dataset_id, load)
    st.session_state.pop("sc_loaded", None)
    st.rerun()

st.subheader("Compare scenarios")
names = st.multiselect("Scenarios", ["base", *saved["name"].tolist()], default=["base", *saved["name"].tolist()[:2]], key="sc_compare")


def view_of(n: str) -> dict:
    e, t = (pd.DataFrame(columns=EDIT_COLUMNS), 0.0) if n == "base" else store.scenario(dataset_id, n)[:2]
    return scenario_view(run_id, ui.edits_json(e), float(t))


views = readable.each(names, view_of)  # a saved edit this run cannot read is left out, and said
totals = {n: r["weekly_scenario"] for n, r in views.items()}
rows = [r["by_category"].assign(scenario=n) for n, r in views.items()]
if totals:
    st.plotly_chart(charts.scenario_chart(totals, "Scenarios side by side (all series)"), key="sc_compare_chart")
    table = pd.concat(rows, ignore_index=True)[["scenario", "category", "p50_base", "p50_scen", "delta", "delta_pct", "p10_scen", "p90_scen"]]
    st.dataframe(table.round(1), hide_index=True, key="sc_compare_table")
    ui.download_buttons({"comparison": table, **{f"{period.adjective}_{n}": f for n, f in totals.items()}}, "scenario_comparison", key="sc_dl")
ui.load_soon(run_id)  # the network and frame load in the background once the page has drawn: the first edit needs them
