"""The app side of training: build the frame from the store, queue jobs, mirror their state into
DuckDB and register finished runs. The store is only ever written from here (the owner's process)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import periods
from dashboard.data.features import build_frame, calendar_plan
from dashboard.forecasting import jobs
from dashboard.schema import TrainConfig
from dashboard.store import Store
from dashboard.store.runs import read_run


def model_frame(store: Store, dataset_id: str, horizon: int | None = None, plan: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """History plus ``horizon`` future periods (default: the dataset's frequency's, 13 weeks or 6 months) whose promotions come from ``plan`` (default: the stored calendar, and
    the frame is then read from the workspace when it was built before: ``frame_cache``)."""
    from dashboard.data.frame_cache import cached

    if horizon is None:
        horizon = periods.of(store.dataset(dataset_id).extras.get("freq")).horizon
    if plan is not None or not horizon:
        return _build_frame(store, dataset_id, horizon, plan)
    return cached(store, dataset_id, horizon, lambda: _build_frame(store, dataset_id, horizon, None))


def _build_frame(store: Store, dataset_id: str, horizon: int, plan: pd.DataFrame | None) -> pd.DataFrame:
    sales = store.sales(dataset_id)
    period = periods.of_dates(sales["week"])
    last = pd.Timestamp(sales["week"].max())
    weeks = period.range(pd.Timestamp(sales["week"].min()), end=period.shift(last, horizon))
    series = sales[["sku", "region", "category", "area"]].drop_duplicates()
    # the calendar over history and future: the future's promotions, and every week's mechanics (mechanics.py)
    calendar = calendar_plan(store.promotions(dataset_id), series, weeks)
    if plan is None and horizon:
        plan = calendar[pd.to_datetime(calendar["week"]) > last].reset_index(drop=True)
    return build_frame(sales, store.calendars(dataset_id), store.custom_events(dataset_id),
                       store.weather(dataset_id), future=plan, horizon=horizon, past=store.past_inputs(dataset_id),
                       calendar_weeks=calendar)


def job_threads() -> int:
    """Torch threads for a job started from the app: every core but one, which stays with the app (on 2 cores a
    busy app beside a 2-thread job slowed it 3.7x)."""
    import os

    return max(1, (os.cpu_count() or 1) - 1)


def submit(store: Store, dataset_id: str, config: TrainConfig, frame: pd.DataFrame | None = None,
           fake: dict | None = None, extra: tuple[dict, dict] | None = None) -> str:
    """Queue a training job (and start it if nothing is training). Returns the job id. ``extra``: (files, spec
    entries) a higher layer adds to the job, such as a step to run after the forecasts (``worker._after``)."""
    from dashboard.data import frame_cache

    info = store.dataset(dataset_id)
    files, spec = extra or ({}, {})
    if frame is None:  # the kept frame's file is copied as it is: this process never holds the frame (6.5 GB at
        horizon = periods.of(info.extras.get("freq")).horizon  # 74,800 store series, and not given back after)
        frame = frame_cache.kept(store, dataset_id, horizon) or model_frame(store, dataset_id)
    job_dir = jobs.create_job(frame, config, dataset_id, info.content_hash, store.workspace / "jobs", files,
                              {**spec, **({"fake": fake} if fake else {})})
    store.add_job(job_dir.name, dataset_id, config.model, config.preset, str(job_dir))
    jobs.start_next(job_dir.parent)
    return job_dir.name


def refresh(store: Store) -> pd.DataFrame:
    """Sync active jobs from their files; register finished runs; start the next queued job."""
    active = store.jobs(active_only=True)
    for job in active.itertuples():
        job_dir = Path(job.job_dir)
        state = jobs.poll(job_dir)
        if state["status"] != job.status or state.get("pid") != job.pid:
            if state["status"] == "finished" and state.get("run_dir"):
                register_run(store, Path(state["run_dir"]))
            store.update_job(job.id, state)
    if (store.workspace / "jobs").is_dir():
        jobs.start_next(store.workspace / "jobs")
    return store.jobs()


def register_run(store: Store, run_dir: Path) -> str | None:
    """Record a finished run, then rebuild its dataset's recommended forecast (the previous one is replaced).
    Returns the recommended run's id, or None while fewer than two models have a validation forecast."""
    record = read_run(run_dir)
    store.add_run(record, str(run_dir))
    return rebuild_recommendation(store, record["dataset_id"], Path(run_dir).parent)


def rebuild_recommendation(store: Store, dataset_id: str, root: Path | None = None) -> str | None:
    """Choose the recommended forecast again from the dataset's newest runs (``python -m dashboard recommend``)."""
    import shutil

    from dashboard.forecasting.recommend import build

    runs = store.runs(dataset_id)
    new = build(runs, root)
    if new is None:
        return None
    for old in runs[runs["model"] == "recommended"].itertuples():
        store.delete_run(old.run_id)
        shutil.rmtree(old.run_dir, ignore_errors=True)
    rec = read_run(new)
    store.add_run(rec, str(new))
    return rec["run_id"]


def cancel(store: Store, job_id: str) -> dict:
    job = store.jobs().set_index("id").loc[job_id]
    state = jobs.cancel(Path(job["job_dir"]))
    store.update_job(job_id, state)
    return state


def job_dir(store: Store, job_id: str) -> Path:
    return Path(store.jobs().set_index("id").loc[job_id, "job_dir"])


def leaderboard(store: Store, dataset_id: str) -> pd.DataFrame:
    """Every run: the recommended forecast first (what Promocast advises, chosen on validation), then best hold-out
    WAPE first; ``made_of`` says what the recommended forecast is built from;
    ``seed_spread`` (runs averaged over several seeds) how far apart the seeds' own hold-out WAPEs were."""
    import json

    cols = ["run_id", "model", "preset", "wape", "mape", "smape", "bias", "mase", "mae", "seconds", "device", "created_at"]
    runs = store.runs(dataset_id)
    board = runs[cols].copy()
    extra = [json.loads(c) if isinstance(c, str) else {} for c in runs["config"]]
    board["made_of"] = [e.get("made_of") or "" for e in extra]
    board["seed_spread"] = [(e.get("seeds") or {}).get("spread") for e in extra]
    board["seed_spread"] = board["seed_spread"].astype(float)
    pinned = board["model"].eq("recommended")
    return pd.concat([board[pinned], board[~pinned]]).reset_index(drop=True)


def seed_note(board: pd.DataFrame) -> str | None:
    """A sentence for the Accuracy page when some run averaged several seeds: how much of a difference is noise."""
    multi = board.dropna(subset=["seed_spread"])
    if multi.empty:
        return None
    worst = multi.loc[multi["seed_spread"].idxmax()]
    return (f"Runs with a *seed_spread* average several networks trained from different random seeds. The "
            f"{worst['model']} ({worst['preset']}) seeds' own hold-out WAPEs lay {worst['seed_spread']:.2f} points "
            f"apart: a difference between models smaller than that is noise, not skill.")


def job_summary(status: str, progress: list[dict], error: str | None = None) -> dict:
    """What the Train page shows for a job: a label, a 0..1 fraction and the ETA text (no streamlit)."""
    last = progress[-1] if progress else {}
    steps, step = last.get("steps"), last.get("step", 0)
    fraction = min(1.0, step / steps) if steps else (1.0 if status == "finished" else 0.0)
    if last.get("members"):
        fraction = (last["member"] - 1 + fraction) / last["members"]
    if status == "queued":
        label = "waiting for the running job to finish"
    elif status == "running":
        eta = last.get("eta_s")
        parts = [f"epoch {last.get('epoch', 1)}/{last.get('epochs', '?')}"]
        if last.get("network"):  # a network per dropout, one after another (models/regularisation.py)
            parts.insert(0, f"network {last['member']} of {last['members']} ({last['network']})")
        elif last.get("members"):  # several seeds, trained one after another (models/seeds.py)
            parts.insert(0, f"seed {last['member']} of {last['members']}")
        if last.get("loss") is not None:
            parts.append(f"loss {last['loss']:.3g}")
        if last.get("val_loss") is not None:
            parts.append(f"validation {last['val_loss']:.3g}")
        if eta is not None:
            rest = last["members"] - last["member"] if last.get("members") else 0
            parts.append(f"about {format_seconds(eta)} left (at most)" + (f", then {rest} more {'network' if last.get('network') else 'seed'}(s)" if rest else ""))
        label = ", ".join(parts) if progress else "starting (loading data and libraries)"
    elif status == "finished":
        label, fraction = "finished", 1.0
    elif status == "failed":
        label = f"failed: {error or 'unknown error'}"
    else:
        label = "cancelled"
    return {"status": status, "label": label, "fraction": float(fraction)}


def format_seconds(s: float) -> str:
    s = int(round(s))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def load_model(store: Store, run_id: str):
    """A finished run's model, loaded only after its weights match the checksum recorded in DuckDB."""
    from models import load

    run = store.run(run_id)
    return load(Path(run["run_dir"]) / "model", expected_sha256=run.get("weights_sha256")), run
