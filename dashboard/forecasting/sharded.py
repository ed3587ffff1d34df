"""A run's forecasts after training, made in parts: each process of a data-parallel job forecasts its own series.

After DDP training (models/distributed.py) the first process used to read every series again and forecast them
alone (validation windows, hold-out, future, the plan's split): at 74,800 store series that took ~8 minutes on one
core while the other sat idle, and the first process's memory went past 21 GB (killed on the 24 GiB machine). Now
every process forecasts the shard of series it trained on (``forecast_part``), writes its part to the job folder
(``write_part``), and the first one joins the parts (``join``) and scores the whole. One process is the same code
with one part.

The only thing the parts must agree on before forecasting the hold-out is the band calibration: its offsets are
quantiles of every series' validation scores, so each process gathers every process's scores (three numbers per
validation forecast) and computes the same offsets (``bands``).
"""
from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.forecasting import calibration, windows
from dashboard.forecasting.evaluation import join_actuals
from dashboard.schema import TrainConfig


@dataclass
class Part:
    validation: pd.DataFrame | None  # raw validation-window forecasts beside their actuals (windows.COLUMNS + window)
    holdout: pd.DataFrame  # raw hold-out forecasts beside their actuals (join_actuals), not yet calibrated
    members: list[pd.DataFrame] = field(default_factory=list)  # each seed's own hold-out forecast, joined alike
    capped: list = field(default_factory=list)  # series whose runaway forecasts were clipped
    interp: dict | None = None  # the hold-out forecast's interpretation, one row per series
    future: pd.DataFrame | None = None  # calibrated forecast of the weeks after the history
    files: dict = field(default_factory=dict)  # a higher layer's files for the run folder (``after``)
    bands: pd.DataFrame | None = None  # the band offsets, the same in every part (every process's scores)
    seconds: float = 0.0  # from the run's start to the hold-out forecast: what a run's time has always counted


def bands(validation: pd.DataFrame | None, gather=None) -> pd.DataFrame | None:
    """Band offsets from the validation forecasts of every part: ``gather(obj) -> [obj per process]`` (one part:
    none)."""
    scores = calibration.scores(validation) if validation is not None else None
    if gather is not None:
        parts = [s for s in gather(scores) if s is not None]
        scores = pd.concat(parts, ignore_index=True) if parts else None
    return calibration.offsets_of(scores) if scores is not None and len(scores) else None


def forecast_part(model, frame: pd.DataFrame, start: int, config, after=None, meta: dict | None = None,
                  gather=None, t0: float | None = None) -> Part:
    """This process's series forecast every way a run needs: the validation windows, the hold-out (the model never
    sees its units), the future under the stored plan, and ``after``'s files. ``t0``: the run's start (time.time)."""
    hist = history(frame)
    validation = windows.validation(model, hist, start, config.horizon, config.validation_windows)
    offsets = bands(validation, gather)
    # the model never sees hold-out units: they are hidden in place and put back (a copy of the frame was 3 GB
    # per process at store grain). The weeks after the history stay for their known inputs, which a network's
    # decoder reads when its horizon runs past a shorter hold-out (--holdout-weeks 8 with a 13-week horizon)
    units = frame["units"].to_numpy(copy=True)
    try:
        frame.loc[frame["time_idx"] >= start, "units"] = float("nan")
        pred = model.predict(frame, start)
    finally:
        frame["units"] = units
    seconds = time.time() - t0 if t0 is not None else 0.0  # the future's time was never counted
    end = start + config.holdout_weeks
    members = [join_actuals(m[m["time_idx"] < end], hist, start) for m in getattr(model, "member_frames", [])]
    capped = list(getattr(model, "capped_series", []))
    holdout = join_actuals(pred[pred["time_idx"] < end], hist, start)
    pred = None
    interp = model.interpretation()  # of the hold-out forecast (the last ``predict``), beside its errors
    # the future under the stored plan; where a step after it forecasts that plan again (the Promotions page's
    # split), a network's windows are cut once for both (``future_engine``)
    engine = future_engine(model, frame, after)
    future = forecast_future(model, frame, config.horizon, engine)
    if future is not None and len(future):
        future = calibration.apply(future, offsets, future["time_idx"] - future["time_idx"].min() + 1)
    files = after_steps(after, model, frame, offsets, config, meta or {}, engine) if after is not None \
        and future is not None else {}
    return Part(validation, holdout, members, capped, interp, future, files, offsets, seconds)


def history(frame: pd.DataFrame) -> pd.DataFrame:
    """The weeks with actuals. The model frame fills a series' history (a week without sales is 0) and leaves only
    the weeks after it without units, which every reader of the history cuts off by week (validation windows,
    ``join_actuals``): the frame itself then, not a copy of most of it."""
    known = frame["units"].notna().to_numpy()
    last = int(frame.loc[known, "time_idx"].max())
    if known[frame["time_idx"].to_numpy() <= last].all():
        return frame
    return frame[known]


def forecast_future(model, frame: pd.DataFrame, horizon: int, engine=None) -> pd.DataFrame | None:
    """The next ``horizon`` weeks after the last actual, under the stored promotion plan (the base case).
    ``engine``: ``future_engine``'s windows of those weeks, forecast as they are."""
    last = int(frame.loc[frame["units"].notna(), "time_idx"].max())
    fut = frame[frame["time_idx"] > last]
    if fut["time_idx"].nunique() < horizon:
        return None
    if engine is not None:
        return engine.forecast()
    beyond = frame["time_idx"].to_numpy() > last + horizon  # no copy of the frame where it ends with the horizon
    return model.predict(frame[~beyond] if beyond.any() else frame, last + 1)


def future_engine(model, frame: pd.DataFrame, after):
    """A network's counterfactual windows of the future (models/counterfactual.py), for the future forecast and
    ``after``'s forecasts of the same weeks alike, where ``after`` reads them (``after.reads_engine``); else None.
    Building the windows was most of a forecast (at store grain 2 of every 3 forecasts' seconds)."""
    if after is None or not getattr(after, "reads_engine", False) or not hasattr(model, "net"):
        return None
    from models.counterfactual import Counterfactuals

    known = frame["units"].notna()
    if not known.any():
        return None
    last = int(frame.loc[known, "time_idx"].max())
    if frame.loc[frame["time_idx"] > last, "time_idx"].nunique() < int(model.config.horizon):
        return None  # no full horizon after the history: no future forecast either (``forecast_future``)
    return Counterfactuals(model, frame, last + 1)


def after_steps(after, model, frame: pd.DataFrame, bands, config: TrainConfig, meta: dict, engine=None) -> dict:
    """``after``'s files for the run folder; none when it fails (its traceback goes to stderr, the job's log).
    ``engine``: ``future_engine``'s windows, passed on where there are some."""
    import sys
    import traceback

    try:
        extra = {"engine": engine} if engine is not None else {}
        return after(model, frame, bands, config, meta, **extra) or {}
    except Exception:  # noqa: BLE001 - an extra's failure never costs the run
        traceback.print_exc(file=sys.stderr)
        return {}


def write_part(part: Part, folder: Path, rank: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"rank-{rank}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(part, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.rename(folder / f"rank-{rank}.pkl")


def read_parts(folder: Path, size: int) -> list[Part]:
    """Every process's part, in rank order (files this job's processes wrote, never anything else)."""
    out = []
    for rank in range(size):
        with open(folder / f"rank-{rank}.pkl", "rb") as fh:
            out.append(pickle.load(fh))  # noqa: S301 - the job's own files, written by write_part above
    return out


def join(parts: list[Part], after=None) -> Part:
    """One part of every series from the processes' parts (one part: itself). ``after.join`` joins the files of a
    higher layer's step; without it the files of several parts are left out."""
    if len(parts) == 1:
        return parts[0]
    validation = [p.validation for p in parts if p.validation is not None]
    futures = [p.future for p in parts if p.future is not None]
    joiner = getattr(after, "join", None)
    files = joiner([p.files for p in parts]) if joiner and all(p.files for p in parts) else {}
    return Part(validation=pd.concat(validation, ignore_index=True) if validation else None,
                holdout=pd.concat([p.holdout for p in parts], ignore_index=True),
                members=[pd.concat(ms, ignore_index=True) for ms in zip(*[p.members for p in parts])],
                capped=[c for p in parts for c in p.capped],
                interp=join_interp([p.interp for p in parts]),
                future=pd.concat(futures, ignore_index=True) if len(futures) == len(parts) else None,
                files=files, bands=parts[0].bands, seconds=max(p.seconds for p in parts))


def join_interp(parts: list[dict | None]) -> dict | None:
    """The parts' interpretations as one: rows are series, so arrays stack (attention padded on the left, where
    the encoder is shorter: its columns are right-aligned)."""
    parts = [p for p in parts if p]
    if not parts:
        return None
    if len(parts) == 1 or parts[0].get("kind") == "gbm":
        return parts[0]
    out = dict(parts[0])
    out["index"] = pd.concat([p["index"] for p in parts], ignore_index=True)
    for key in ("attention", "decoder_attention"):
        width = max(p[key].shape[-1] for p in parts)
        out[key] = np.concatenate([np.pad(p[key], [(0, 0)] * (p[key].ndim - 1) + [(width - p[key].shape[-1], 0)],
                                          constant_values=np.nan) for p in parts])
    for key in ("encoder_lengths", "static_importance", "encoder_importance", "decoder_importance"):
        out[key] = np.concatenate([p[key] for p in parts])
    return out
