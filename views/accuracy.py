"""Accuracy: leaderboard, WAPE/MAPE by category x region, worst SKUs, error by horizon, promo weeks."""
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.forecasting import recommend, training
from dashboard.forecasting.evaluation import mape_inflated
from dashboard.planning.plans import with_history_flag
from dashboard.reports import charts
from dashboard.reports.report import build_report
from dashboard.store.runs import read_run
from dashboard.ui.fva import section as fva_section

dataset_id = ui.dataset_picker()
st.title("Accuracy")
if dataset_id and ui.runs_for(dataset_id).empty:
    fva_section(dataset_id)  # a refreshed version without runs yet: its actuals may already score the last plan
runs = ui.need_runs(dataset_id)

st.subheader("Leaderboard")
board = training.leaderboard(ui.get_store(), dataset_id).drop(columns="created_at")
seeds = training.seed_note(board)
st.dataframe((board if seeds else board.drop(columns="seed_spread")).round(2), hide_index=True, key="acc_leaderboard")
st.caption("Hold-out errors in %: the recommended forecast first, then best WAPE first. Bias > 0 means over-forecasting. "
           "MASE < 1 beats seasonal naive's in-sample error. **recommended**: the model, or the equal average of the best "
           "two or three, with the lowest error on the validation weeks before the hold-out (never on the hold-out "
           "itself; an average unless one model is more than 2 % better there), for all categories together unless "
           "a category's own weeks clearly differ; *made_of* says which.")
if seeds:
    st.info(seeds)
rec_dirs = runs.loc[runs["model"] == "recommended", "run_dir"]
if len(rec_dirs):
    with st.expander("Why this recommendation: each candidate's WAPE % on the validation weeks, per category"):
        chosen = read_run(Path(rec_dirs.iloc[0])).get("recommendation")
        st.dataframe(recommend.why(chosen), hide_index=True, key="acc_why")
        st.markdown("**Each validation window**: WAPE % of every model on each window of weeks before the hold-out, "
                    "forecast from the weeks before that window only")
        table = recommend.window_table(chosen).set_index("model")
        st.dataframe(table.map(lambda v: "—" if pd.isna(v) else f"{v:.2f}").reset_index(), hide_index=True,
                     key="acc_windows")  # a dash where a model did not forecast that window
        st.caption(recommend.windows_note(chosen))
        st.caption("The hold-out above was never used to choose: a model can win the hold-out and still not be the "
                   "one chosen, and the leaderboard says so honestly.")

rec = runs.loc[runs["model"] == "recommended", "run_id"]
best = rec.iloc[0] if len(rec) else board["run_id"].iloc[0]
run_id = st.selectbox("Run to break down", runs["run_id"].tolist(), index=runs["run_id"].tolist().index(best),
                      format_func=ui.run_label(runs), key="acc_run")
run = runs.set_index("run_id").loc[run_id]
cr = ui.cached_metrics(run.run_dir, "by_category_region")
by_sku = ui.cached_metrics(run.run_dir, "by_sku").sort_values("wape", ascending=False)
note = mape_inflated(run.to_dict(), ui.cached_metrics(run.run_dir, "by_series"))
if note:
    st.warning(note)
left, right = st.columns(2)
left.plotly_chart(charts.metric_heatmap(cr, "wape"), key="acc_heat_wape")
right.plotly_chart(charts.metric_heatmap(cr, "mape"), key="acc_heat_mape")

latest = runs[runs["run_id"].isin(ui.latest_per_model(runs))]
horizon = pd.concat([ui.cached_metrics(r.run_dir, "by_horizon").assign(model=r.model) for r in latest.itertuples()])
promo = pd.concat([ui.cached_metrics(r.run_dir, "by_promo").assign(model=r.model) for r in latest.itertuples()])
left, right = st.columns(2)
left.plotly_chart(charts.horizon_chart(horizon, ui.dataset_freq(dataset_id).name), key="acc_horizon")
right.plotly_chart(charts.promo_chart(promo), key="acc_promo")

st.subheader("Do the bands hold? P10-P90 coverage on the hold-out, %")
cov = pd.concat([ui.cached_metrics(r.run_dir, "by_category").assign(model=r.model) for r in latest.itertuples()])
st.dataframe(cov.pivot_table(index="category", columns="model", values="coverage_p10_p90").round(1), key="acc_coverage")
st.caption("The share of hold-out actuals inside each model's P10-P90 band: about 80 % is right, far less means the "
           "band is too narrow to plan safety stock on. Bands are calibrated per horizon week on the validation weeks.")

st.subheader("SKUs, worst first")
cols = ["sku", "category", "wape", "mape", "bias", "mase", "coverage_p10_p90", "actual", "forecast", "zero_actuals"]
st.dataframe(by_sku[cols].round(2), hide_index=True, key="acc_sku_table")
store = ui.get_store()
st.download_button("Meeting report (HTML, opens on its own)", lambda: build_report(store, dataset_id, run_id),
                   f"promocast_report_{run_id}.html", "text/html", key="acc_report")
check = ui.cached_history(dataset_id, str(ui.get_store().dataset(dataset_id).last_week))  # the history flag, in the export
ui.download_buttons({"by_sku": with_history_flag(by_sku, check), "by_category_region": cr, "by_horizon": horizon, "by_promo": promo,
                     "leaderboard": board}, f"metrics_{run_id}", key="acc_dl")
fva_section(dataset_id)
