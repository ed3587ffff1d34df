"""Explain: which past weeks the TFT looks at, per category or region, and which inputs matter; for a LightGBM run,
its grouped gain importance and per-forecast contributions (dashboard/ui/explain_gbm.py)."""
import streamlit as st

from dashboard import ui
from dashboard.reports import charts
from dashboard.reports.exports import dates
from dashboard.store.runs import read_run

dataset_id = ui.dataset_picker()
st.title("Explain")
runs = ui.need_runs(dataset_id)
tft = runs[runs["model"].isin(["tft", "lightgbm"])].sort_values("model", key=lambda m: m != "tft", kind="stable")
if tft.empty:
    st.info("Attention and variable importance come from the Temporal Fusion Transformer, contributions from the "
            "LightGBM: train one of them first.")
    st.stop()
c1, c2 = st.columns([3, 2])
run_id = c1.selectbox("TFT or LightGBM run", tft["run_id"].tolist(), format_func=ui.run_label(tft), key="ex_run")
by = c2.radio("Rows", ["category", "region", "category x region"], horizontal=True, key="ex_rows")
run = tft.set_index("run_id").loc[run_id]
if run.model == "lightgbm":
    from dashboard.ui import explain_gbm

    explain_gbm.render(run.run_dir, run_id, ui.cached_series(dataset_id), by)
    st.stop()
start = read_run(run.run_dir)["holdout_start_week"]
ex = ui.cached_explain(run.run_dir, dataset_id, by.replace(" x ", "_"), start)

st.subheader("In plain words")
for sentence in ex["summary"].values():
    st.markdown(f"- {sentence}")
period = ui.dataset_freq(dataset_id)
config = read_run(run.run_dir).get("config") or {}
L = int(config.get("encoder_weeks") or period.encoder)
st.caption(f"Attention is how much each past {period.name} weighs in the forecast, averaged over the "
           f"{period.count(int(config.get('horizon') or period.horizon))} forecast and the series of a group; with even "
           f"attention each of the {L} history {period.plural} would get about {100 / L:.0f} %.")

lag_tab, pos_tab = st.tabs([f"By lag ({period.plural} before the target {period.name})",
                            f"By position ({period.plural} before the forecast starts)"])
with lag_tab:
    st.plotly_chart(charts.attention_heatmap(
        ex["by_lag"], f"Attention by lag: lag {period.season} = the same {period.name} last year", "lag"),
        key="ex_lag_heatmap")
with pos_tab:
    st.plotly_chart(charts.attention_heatmap(ex["by_position"], "Attention by encoder position", "week"),
                    key="ex_pos_heatmap")

st.subheader("Attention on the weeks before holidays")
pre = (ex["pre_holiday"] * 100).round(1).rename(columns={"pre_holiday_share": "attention on the 2 weeks before a holiday %",
                                                          "even_share": "with even attention %"})
st.dataframe(dates(pre), key="ex_pre_holiday")

st.subheader("Variable importance")
tabs = st.tabs(["Future inputs (known ahead)", "Past inputs", "Static"])
for tab, kind in zip(tabs, ("decoder", "encoder", "static")):
    with tab:
        st.plotly_chart(charts.importance_chart(ex["importance"][kind], f"{kind} variable importance (%)"),
                        key=f"ex_imp_{kind}")
ui.download_buttons({"attention_by_lag": ex["by_lag"].reset_index(names="group"),
                     "attention_by_position": ex["by_position"].reset_index(names="group"),
                     "pre_holiday": ex["pre_holiday"].reset_index(names="group"),
                     **{f"importance_{k}": v.reset_index(names="group") for k, v in ex["importance"].items()}},
                    f"attention_{run_id}", key="ex_dl")
