"""Train: queue TFT, LSTM, Holt-Winters and seasonal naive in a background process; watch; compare."""
import streamlit as st

from dashboard import periods, ui
from dashboard.forecasting.devices import choices as device_choices
from dashboard.forecasting.estimates import expected_time_text
from dashboard.forecasting.training import job_threads, submit
from dashboard.promotions.stored import job_inputs
from dashboard.schema import MODELS, PRESETS, preset_config
from dashboard.ui.jobs import jobs_fragment, leaderboard_section

store = ui.get_store()
dataset_id = ui.dataset_picker()
st.title("Train")
if not dataset_id:
    st.stop()

st.caption("Training runs in a separate process: keep working on other pages, or close the browser; "
           "jobs run one at a time and keep going. The last weeks are held out and scored.")
info = store.dataset(dataset_id)
st.caption(expected_time_text(info.rows, info.series, job_threads(), freq=periods.of(info.extras.get("freq")).name))
with st.form("train_form"):
    c1, c2, c3 = st.columns([3, 1, 1])
    models = c1.multiselect("Models", MODELS, default=list(MODELS), key="train_models")
    preset = c2.selectbox("Preset", PRESETS, index=1, key="train_preset",
                          help="fast: a few minutes at the reference scale; standard: trained to convergence; thorough: bigger network")
    period = periods.of(info.extras.get("freq"))
    holdout = c3.number_input(f"Hold-out {period.plural}", 3, 2 * period.season, period.horizon,
                              key=f"train_holdout_{period.name}")
    offered = device_choices()
    devices = st.selectbox("Devices for the TFT and LSTM", list(offered), format_func=offered.get, key="train_devices",
                           help="Several processes train one network together (data-parallel, launched with torchrun); "
                                "the statistical models always run in one process")
    start = st.form_submit_button("Start training", type="primary")
if start:
    for model in models:
        config = preset_config(model, preset, period.name, holdout_weeks=int(holdout), threads=job_threads(),
                               devices=int(devices) if model in ("tft", "lstm") else 1)
        config.horizon = max(config.horizon, config.holdout_weeks)
        submit(store, dataset_id, config, extra=job_inputs(store, dataset_id))  # + the plan's split for Promotions
    st.toast(f"Queued {len(models)} job(s)")

st.subheader("Jobs")
jobs_fragment(dataset_id)

st.subheader("Leaderboard")
leaderboard_section(dataset_id)
