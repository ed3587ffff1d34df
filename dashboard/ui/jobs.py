"""The Train page's live job list (progress, loss curve, cancel) and the leaderboard."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.ui import get_store


@st.fragment(run_every="2s")
def jobs_fragment(dataset_id: str) -> None:
    """Live job list: progress bar, loss curve, cancel button; refreshed every 2 seconds."""
    from dashboard.forecasting import jobs, training
    from dashboard.reports import charts

    store = get_store()
    table = training.refresh(store)
    table = table[table["dataset_id"] == dataset_id].head(12)
    if table.empty:
        st.caption("No training jobs yet.")
    for job in table.itertuples():
        job_dir = Path(job.job_dir)
        progress = jobs.read_progress(job_dir)
        summary = training.job_summary(job.status, progress, job.error)
        with st.container(border=True):
            c1, c2 = st.columns([4, 1])
            c1.markdown(f"**{job.model}** · {job.preset} · `{job.id}` · {job.status}")
            if job.status in ("queued", "running"):
                if c2.button("Cancel", key=f"cancel_{job.id}"):
                    training.cancel(store, job.id)
                    st.rerun()
                c1.progress(summary["fraction"], text=summary["label"])
                if len(progress) > 1:
                    st.plotly_chart(charts.loss_curve(progress), key=f"loss_{job.id}")
            elif job.status == "failed":
                c1.error(summary["label"])
            elif job.status == "finished":
                c1.caption(f"run {job.run_id}")
            else:
                c1.caption(summary["label"])
    finished = set(table.loc[table["status"] == "finished", "id"])
    seen = st.session_state.setdefault("finished_jobs", finished)
    if finished - seen:  # a run just finished: rerun the whole page so the leaderboard shows it
        st.session_state["finished_jobs"] = finished
        st.rerun(scope="app")


def leaderboard_section(dataset_id: str) -> None:
    from dashboard.forecasting import training
    from dashboard.reports import charts

    board = training.leaderboard(get_store(), dataset_id)
    if board.empty:
        st.caption("No finished runs on this dataset yet.")
        return
    st.caption("Hold-out errors in %, best WAPE first. MAPE leaves out zero-unit weeks; judge slow movers by WAPE.")
    st.plotly_chart(charts.leaderboard_chart(board.head(12)), key="leaderboard_chart")
    st.dataframe(board.round(2), hide_index=True, key="leaderboard")
