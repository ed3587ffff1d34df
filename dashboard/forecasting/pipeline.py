"""One training run, start to finish, without the database: split, fit, forecast the hold-out,
score it, write the run folder. The worker process calls this; so can a benchmark."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from dashboard.forecasting import calibration, windows
from dashboard.forecasting.evaluation import evaluate, join_actuals, seed_spread
from dashboard.schema import TrainConfig
from dashboard.store.runs import write_run


def holdout_start(frame: pd.DataFrame, holdout_weeks: int) -> int:
    """time_idx of the first hold-out week: the last ``holdout_weeks`` weeks with actuals."""
    last = int(frame.loc[frame["units"].notna(), "time_idx"].max())
    return last - holdout_weeks + 1


def forecast_future(model, frame: pd.DataFrame, horizon: int) -> pd.DataFrame | None:
    """The next ``horizon`` weeks after the last actual, under the stored promotion plan (the base case)."""
    last = int(frame.loc[frame["units"].notna(), "time_idx"].max())
    fut = frame[frame["time_idx"] > last]
    if fut["time_idx"].nunique() < horizon:
        return None
    return model.predict(frame[frame["time_idx"] <= last + horizon], last + 1)


HOLDOUT_COLUMNS = windows.COLUMNS


def _device_label(model) -> str:
    """Where the model trained: ``cpu``, ``cuda:0``, or ``cuda x 4 processes`` for a data-parallel run."""
    log = getattr(model, "training_log", None) or {}
    world = int(log.get("world_size") or 1)
    device = str(model.device)
    return f"{device.split(':')[0]} x {world} processes" if world > 1 else device


def after_steps(after, model, frame: pd.DataFrame, bands, config: TrainConfig, meta: dict) -> dict:
    """``after``'s files for the run folder; none when it fails (its traceback goes to stderr, the job's log)."""
    import sys
    import traceback

    try:
        return after(model, frame, bands, config, meta) or {}
    except Exception:  # noqa: BLE001 - an extra's failure never costs the run
        traceback.print_exc(file=sys.stderr)
        return {}


def new_run_id(model: str) -> str:
    return f"run-{model}-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def train_and_evaluate(frame: pd.DataFrame | None, config: TrainConfig, meta: dict, progress=None,
                       run_root: Path | None = None, reader=None, after=None) -> tuple[Path, dict]:
    """``reader``: instead of ``frame`` (a job's way): ``reader(True)`` gives this process's series to train on
    (under DDP its shard, models/shards.py; alone, every series), ``reader(False)`` every series, read again by the
    first process alone after training for the forecasts. The frame is dropped while the model trains, so only the
    training weeks are held beside the model (at store grain the frame and its copy with actuals are 6 GB).
    ``after(model, frame, bands, config, meta)``: a step of a higher layer run once the forecasts are made, whose
    files (by name: a frame or a dict) join the run folder; a job names its steps in its spec (``worker``: the
    Promotions page's split of the stored plan, promotions/stored.py). A failing step never costs the run."""
    from models import create

    t0 = time.time()
    if reader is not None:
        frame = reader(True)
    start = holdout_start(frame, config.holdout_weeks)
    if config.horizon < config.holdout_weeks:
        raise ValueError(f"horizon ({config.horizon}) must cover the hold-out ({config.holdout_weeks} weeks)")
    hist = frame[frame["units"].notna()]
    train = hist[hist["time_idx"] < start]
    if train.empty:
        raise ValueError("no training weeks left before the hold-out")
    model = create(config)
    if reader is not None:
        frame = hist = None
    model.fit(train, progress)
    del train
    from models import distributed

    world = distributed.from_env()
    distributed.finish(world)  # several processes trained together (torchrun): the first one goes on alone
    if not world.main:
        return None, {}
    if reader is not None:
        frame = reader(False)
        hist = frame[frame["units"].notna()]
    # rolling-origin windows before the hold-out (dashboard/forecasting/windows.py); before the hold-out forecast,
    # whose interpretation the run keeps
    validation = windows.validation(model, hist, start, config.horizon, config.validation_windows)
    bands = calibration.offsets(validation) if validation is not None else None
    # the model never sees hold-out units; the weeks after the history stay for their known inputs, which a network's
    # decoder reads when its horizon runs past a shorter hold-out (--holdout-weeks 8 with a 13-week horizon)
    visible = frame.copy()
    visible.loc[visible["time_idx"] >= start, "units"] = float("nan")
    pred = model.predict(visible, start)
    members = [m[m["time_idx"] < start + config.holdout_weeks] for m in getattr(model, "member_frames", [])]
    capped = list(getattr(model, "capped_series", []))  # runaway forecasts clipped in the hold-out
    pred = pred[pred["time_idx"] < start + config.holdout_weeks]
    raw = join_actuals(pred, hist, start)
    pred = calibration.apply(pred, bands, pred["time_idx"] - start + 1)
    ev = evaluate(pred, hist, start)
    seeds = seed_spread([evaluate(m, hist, start)["overall"]["wape"] for m in members],
                        ev["overall"].get("wape")) if members else None
    holdout = ev["joined"][HOLDOUT_COLUMNS + (["area"] if "area" in ev["joined"] else [])]
    seconds = time.time() - t0
    interp = model.interpretation()  # of the hold-out forecast, beside its errors
    future = forecast_future(model, frame, config.horizon)
    if future is not None and len(future):
        future = calibration.apply(future, bands, future["time_idx"] - future["time_idx"].min() + 1)
    band_note = {"method": calibration.METHOD,
                 "validation_coverage_raw": calibration.coverage(validation) if validation is not None else None,
                 "holdout_coverage_raw": calibration.coverage(raw),
                 "holdout_coverage": ev["overall"].get("coverage_p10_p90"),
                 "offsets": bands.to_dict("records") if bands is not None else None}
    split = after_steps(after, model, frame, bands, config, meta) if after is not None and future is not None else {}
    run_id = new_run_id(config.model)
    run_meta = {**meta, "model": config.model, "preset": config.preset, "config": model.config.to_dict(),  # as trained
                "holdout_weeks": config.holdout_weeks, "holdout_start_week": str(hist.loc[hist["time_idx"] == start, "week"].min())[:10],
                "seconds": round(seconds, 1), "series": int(pred[["sku", "region"]].drop_duplicates().shape[0]),
                "capped_series": capped[:50], "capped_count": len(capped),
                "device": _device_label(model), "training": getattr(model, "training_log", None),  # epochs, losses
                "bands": band_note, "seeds": seeds, "validation_windows": windows.scores(validation),
                "peak_memory_mb": distributed.peak_memory_mb()}  # this process's, forecasts and scoring included
    run_dir = write_run(run_id, model, run_meta, ev, holdout, run_root, future, interp, validation, split)
    return run_dir, {**run_meta, "run_id": run_id, "overall": ev["overall"], "evaluation": ev}
