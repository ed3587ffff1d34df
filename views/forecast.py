"""Forecast: one SKU x region (or x store) or a roll-up; history, hold-out actuals, P50 and P10-P90 per model."""
import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.planning import plans
from dashboard.reports import charts
from dashboard.reports.exports import dates
from dashboard.ui import overrides

store = ui.get_store()
dataset_id = ui.dataset_picker()
st.title("Forecast")
runs = ui.need_runs(dataset_id)
series = ui.cached_series(dataset_id)

stores = store.dataset(dataset_id).extras.get("grain") == "store"  # series per SKU x store (dashboard/data/grain.py)
where = "store" if stores else "region"
c = st.columns([1, 1, 1, 3])
levels = ["series", "category", "region"] + (["store"] if stores else []) + ["total"]
level = c[0].selectbox("Show", levels, key="fc_level", format_func={
    "series": f"SKU x {where}", "category": "category", "region": "region" + (" (its stores summed)" if stores else ""),
    "store": "store (all its SKUs)", "total": "total"}.get)
sku = region = category = area = None
if level == "series":
    sku = c[1].selectbox("SKU", sorted(series["sku"].unique()), key="fc_sku")
    region = c[2].selectbox(where.title(), sorted(series.loc[series["sku"] == sku, "region"].unique()), key="fc_region")
    key = (sku, region)
elif level == "category":
    key = category = c[1].selectbox("Category", sorted(series["category"].unique()), key="fc_category")
elif level == "region":
    key = area = c[1].selectbox("Region", sorted(series["area"].unique()), key="fc_region_only")
elif level == "store":
    key = region = c[1].selectbox("Store", sorted(series["region"].unique()), key="fc_store_only")
else:
    key = None
latest = ui.latest_per_model(runs)  # the recommended forecast first
chosen = c[3].multiselect("Models (runs)", runs["run_id"].tolist(), default=latest[:1], format_func=ui.run_label(runs),
                          key="fc_runs", help="The recommended forecast opens alone; add any model's run to compare.")
all_bands = st.toggle("P10-P90 band for every model shown", value=False, key="fc_all_bands",
                      help="Off: only the first model chosen (the recommended forecast) and the planner's line get a band.")

forecasts, table = {}, []
for run in runs[runs["run_id"].isin(chosen)].itertuples():
    for part in ("hold-out", "future"):
        sel = ui.cached_forecast_view(run.run_dir, part, dataset_id, level, key)
        if sel is None:
            continue
        forecasts[f"{run.model} {part}" if part == "future" else run.model] = sel
        table.append(sel.assign(model=run.model, run_id=run.run_id, part=part))
target = runs[runs["run_id"] == ui.latest_per_model(runs)[0]].iloc[0]  # overrides adjust the recommended forecast
adjusted = overrides.adjusted(store, dataset_id, target)
if adjusted is not None:
    forecasts["planner future (overrides)"] = planned = overrides.view(adjusted, dataset_id, level, key)
    table.append(planned.assign(model=target.model, run_id=target.run_id, part="future with overrides"))
history = ui.cached_history_units(dataset_id, sku, region, category, area)
start = ui.cached_holdout(runs["run_dir"].iloc[0])["week"].min()
period = ui.dataset_freq(dataset_id)
history = history[history["week"] >= pd.Timestamp(start) - pd.Timedelta(weeks=78)]  # a year and a half
info = store.dataset(dataset_id)
hol = ui.cached_holidays(dataset_id, str(history["week"].min())[:10],
                         str(period.shift(info.last_week, period.horizon))[:10])
in_area = area or (series.loc[series["region"] == region, "area"].iloc[0] if region else hol["region"].iloc[0])
hol = hol[(hol["major_holiday"] >= 1) & (hol["region"] == in_area)]
label = {"series": f"{sku} in {region}", "category": f"category {category}", "region": f"region {area}",
         "store": f"store {region}", "total": "all series"}[level]
note = plans.selection_note(ui.cached_history(dataset_id, str(info.last_week)), level, key)
if note:
    st.warning(note)
first = runs.set_index("run_id").loc[chosen[0], "model"] if chosen else None
bands = None if all_bands else {first, "planner"}
st.plotly_chart(charts.forecast_chart(history, forecasts, hol, start, f"Weekly units: {label}", rollup=level != "series",
                                      bands=bands), key="forecast_chart")
overrides.section(store, dataset_id, target, label, sku, region, category, area)
st.caption(("Shaded: promotion weeks." if level == "series" else "Shaded: the busiest quarter of the promotion weeks "
            "(most series on promotion).") + " Dotted red: major holidays. Dashed lines: the next weeks under the stored promotion plan. "
           "Roll-up bands add series' spreads in quadrature (independent errors).")
if table:
    out = pd.concat(table, ignore_index=True).assign(history_warning=note)
    st.dataframe(dates(out.round(1)), hide_index=True, key="forecast_table")
    ui.download_buttons({"forecast": out}, f"forecast_{level}", key="fc_dl")
