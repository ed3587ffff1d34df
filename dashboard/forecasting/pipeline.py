"""One training run, start to finish, without the database: split, fit, forecast the hold-out,
score it, write the run folder. The worker process calls this; so can a benchmark."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from dashboard.forecasting import calibration, windows
from dashboard.forecasting.evaluation import breakdowns, seed_spread, wape
from dashboard.schema import TrainConfig
from dashboard.store.runs import write_run


def holdout_start(frame: pd.DataFrame, holdout_weeks: int) -> int:
    """time_idx of the first hold-out week: the last ``holdout_weeks`` weeks with actuals."""
    last = int(frame.loc[frame["units"].notna(), "time_idx"].max())
    return last - holdout_weeks + 1


HOLDOUT_COLUMNS = windows.COLUMNS


def _device_label(model) -> str:
    """Where the model trained: ``cpu``, ``cuda:0``, or ``cuda x 4 processes`` for a data-parallel run."""
    log = getattr(model, "training_log", None) or {}
    world = int(log.get("world_size") or 1)
    device = str(model.device)
    return f"{device.split(':')[0]} x {world} processes" if world > 1 else device


def new_run_id(model: str) -> str:
    return f"run-{model}-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def train_and_evaluate(frame: pd.DataFrame | None, config: TrainConfig, meta: dict, progress=None,
                       run_root: Path | None = None, reader=None, after=None, parts_dir: Path | None = None
                       ) -> tuple[Path, dict]:
    """``reader``: instead of ``frame`` (a job's way): ``reader()`` gives this process's series to train on
    (under DDP its shard, models/shards.py; alone, every series), read again after training for the forecasts:
    each process forecasts its own series and writes its part to ``parts_dir`` (the job's), and the first process
    joins and scores them (``sharded.py``). The frame is dropped while the model trains, so only the training weeks
    are held beside the model (at store grain the frame and its copy with actuals are 6 GB).
    ``after(model, frame, bands, config, meta[, engine])``: a step of a higher layer run once the forecasts are made, whose
    files (by name: a frame or a dict) join the run folder; a job names its steps in its spec (``worker``: the
    Promotions page's split of the stored plan, promotions/stored.py). A failing step never costs the run; one
    with ``reads_engine`` gets the future's windows the future forecast was made with (``sharded.future_engine``)."""
    from models import create

    t0 = time.time()
    if reader is not None:
        frame = reader()
    start = holdout_start(frame, config.holdout_weeks)
    if config.horizon < config.holdout_weeks:
        raise ValueError(f"horizon ({config.horizon}) must cover the hold-out ({config.holdout_weeks} weeks)")
    train = [frame[frame["units"].notna() & (frame["time_idx"] < start)]]
    if train[0].empty:
        raise ValueError("no training weeks left before the hold-out")
    model = create(config)
    if reader is not None:
        frame = None
    model.fit(train.pop(), progress)  # handed over: a network frees the rows once it has encoded them
    from models import distributed

    from dashboard.forecasting import sharded

    world = distributed.from_env()
    # every process forecasts the series it trained on (sharded.py); alone, one process forecasts every series
    if reader is not None:
        frame = reader()
    gather = (lambda obj: distributed.gather(obj, world)) if world.distributed else None
    part = sharded.forecast_part(model, frame, start, config, after, meta, gather, t0)
    frame = None
    if world.distributed:
        if parts_dir is None:
            raise ValueError("a data-parallel run needs a folder for its processes' forecasts (the job's)")
        sharded.write_part(part, parts_dir, world.rank)
    distributed.finish(world)  # the processes wait for each other here; the first one goes on alone to join
    if not world.main:
        return None, {}
    parts = sharded.read_parts(parts_dir, world.size) if world.distributed else [part]
    part = sharded.join(parts, after)
    del parts
    validation, raw, future, interp, capped = part.validation, part.holdout, part.future, part.interp, part.capped
    bands, seconds = part.bands, part.seconds
    ev = breakdowns(calibration.apply(raw, bands, raw["step"]))
    seeds = seed_spread([wape(m["actual"], m["p50"]) for m in part.members],  # bands never move a P50
                        ev["overall"].get("wape")) if part.members else None
    holdout = ev["joined"][HOLDOUT_COLUMNS + (["area"] if "area" in ev["joined"] else [])]
    band_note = {"method": calibration.METHOD,
                 "validation_coverage_raw": calibration.coverage(validation) if validation is not None else None,
                 "holdout_coverage_raw": calibration.coverage(raw),
                 "holdout_coverage": ev["overall"].get("coverage_p10_p90"),
                 "offsets": bands.to_dict("records") if bands is not None else None}
    split = part.files
    run_id = new_run_id(config.model)
    run_meta = {**meta, "model": config.model, "preset": config.preset, "config": model.config.to_dict(),  # as trained
                "holdout_weeks": config.holdout_weeks, "holdout_start_week": str(raw.loc[raw["step"] == 1, "week"].min())[:10],
                "seconds": round(seconds, 1), "series": int(raw[["sku", "region"]].drop_duplicates().shape[0]),
                "capped_series": capped[:50], "capped_count": len(capped),
                "device": _device_label(model), "training": getattr(model, "training_log", None),  # epochs, losses
                "bands": band_note, "seeds": seeds, "validation_windows": windows.scores(validation),
                "peak_memory_mb": distributed.peak_memory_mb(),  # the first process's, joining and scoring included
                "forecast_processes": world.size}  # each forecast its own series (sharded.py)
    run_dir = write_run(run_id, model, run_meta, ev, holdout, run_root, future, interp, validation, split)
    return run_dir, {**run_meta, "run_id": run_id, "overall": ev["overall"], "evaluation": ev}
