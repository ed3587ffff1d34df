"""The stored plan's decomposition in units, made once by the training job and kept in the run folder.

The Promotions page used to split the base plan itself on a run's first visit: load the network and the model
frame, then forecast every series three times (as planned, without its own promotions, without any). At 74,800
store series that took 283 s. The training job already holds the network and the frame when it has forecast the
future, so it makes the same split there (``PromotionAnalysis.units``) and keeps it beside the forecasts; the page
reads these files and only adds the money, which depends on margins, entered prices and funding that change in the
app (``analysis.in_money``). A scenario's plan, past promotions and the uplift curve still need the network.

The files are the base plan's only while the model frame is the one the run was trained on: ``plan.json`` keeps
the frame's key (``data/frame_cache.key``: the dataset version, horizon, region calendars and custom events), and
``read`` returns None for another key, so a changed holiday calendar never shows a stale split.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from dashboard.promotions.analysis import in_money

WEEKLY, EVENTS, PRICES, SERIES, CONTEXT = ("plan_weekly.parquet", "plan_events.parquet", "plan_prices.parquet",
                                          "plan_series.parquet", "plan.json")


JOB_STEP = "dashboard.promotions.stored:after_training"  # named in a job's spec (forecasting/worker.py ``_after``)
CALENDAR = "promotions.parquet"  # the dataset's promotion calendar, in the job folder


def frame_key(store, dataset_id: str) -> str:
    """The key of the dataset's model frame as a job trains on it (its frequency's horizon): what the split is
    valid for."""
    from dashboard import periods
    from dashboard.data import frame_cache

    return frame_cache.key(store, dataset_id, periods.of(store.dataset(dataset_id).extras.get("freq")).horizon)


def job_inputs(store, dataset_id: str) -> tuple[dict, dict]:
    """(files, spec entries) for a training job on the dataset's own frame (``training.submit``'s ``extra``): the
    calendar, the frame's key and the step that splits the plan once the run has forecast it."""
    return {CALENDAR: store.promotions(dataset_id)}, {"frame_key": frame_key(store, dataset_id), "after": [JOB_STEP]}


def after_training(model, frame: pd.DataFrame, bands, config, meta: dict, job_dir: Path, engine=None) -> dict:
    """The job's step after the forecasts: the split's files for a model that reads promotions, nothing else.
    ``engine``: the future's counterfactual windows the run's future forecast was made with (reads_engine)."""
    from dashboard.planning.scenarios import PROMO_MODELS

    if config.model not in PROMO_MODELS:
        return {}
    calendar = Path(job_dir) / CALENDAR
    promotions = pd.read_parquet(calendar) if calendar.exists() else None
    return make(model, frame, promotions, bands, config.holdout_weeks, meta.get("frame_key"), engine)


def make(model, frame: pd.DataFrame, promotions: pd.DataFrame | None, bands: pd.DataFrame | None,
         holdout_weeks: int, frame_key: str | None = None, engine=None) -> dict:
    """The base plan's split in units by a trained run that reads promotions: {file name: frame or dict}."""
    from dashboard.promotions.analysis import PromotionAnalysis

    t = time.perf_counter()
    a = PromotionAnalysis(model, frame, promotions, bands, holdout_weeks, engine=engine)
    w, ev = a.units()
    h = frame[frame["units"].notna() & (frame["promo"] > 0) & (frame["discount_pct"] > 0)]
    context = {"frame_key": frame_key, "start": a.start, "horizon": a.horizon, "max_discount_seen": a.max_discount_seen(),
               "flag_only": a.flag_only(), "depth_categories": sorted(h["category"].astype(str).unique()),
               "promotions": int(len(ev)), "rows": int(len(w)), "seconds": round(time.perf_counter() - t, 1)}
    return {WEEKLY: w, EVENTS: ev, PRICES: a.prices, SERIES: a.series, CONTEXT: context}


def join_parts(parts: list[dict]) -> dict:
    """The split of every series from the splits of a data-parallel job's processes, each of its own series (a
    series' three forecasts read only its own inputs; the money, made later, shares each category's sibling effect
    over all of them). Promotions are renumbered after the previous parts'; a category is flag-only when no part
    saw a depth in it."""
    weekly, events, offset = [], [], 0
    for part in parts:
        w, ev = part[WEEKLY].copy(), part[EVENTS].copy()
        for col in ("event", "dip_of"):
            w[col] = w[col].where(w[col] < 0, w[col] + offset)
        ev["event"] = ev["event"] + offset
        offset += len(ev)
        weekly.append(w)
        events.append(ev)
    ctx = [p[CONTEXT] for p in parts]
    depth = sorted(set().union(*[c.get("depth_categories", []) for c in ctx]))
    flags = sorted(set().union(*[c.get("flag_only", []) for c in ctx]) - set(depth))
    w = pd.concat(weekly, ignore_index=True).sort_values(["sku", "region", "time_idx"]).reset_index(drop=True)
    context = {**ctx[0], "max_discount_seen": max(c["max_discount_seen"] for c in ctx), "flag_only": flags,
               "depth_categories": depth, "promotions": offset, "rows": int(len(w)),
               "seconds": max(c["seconds"] for c in ctx), "parts": len(parts)}
    return {WEEKLY: w, EVENTS: pd.concat(events, ignore_index=True), CONTEXT: context,
            **{name: pd.concat([p[name] for p in parts], ignore_index=True) for name in (PRICES, SERIES)}}


after_training.join = join_parts  # how the worker joins several processes' files of this step
after_training.reads_engine = True  # takes the future's windows (forecasting/sharded.py future_engine)


class StoredPlan:
    """The base plan's split as the training job kept it: what the Promotions page shows of a run's stored plan,
    with the same answers as ``PromotionAnalysis`` for it (``series``, ``flag_only``, ``max_discount_seen``,
    ``decompose``)."""

    def __init__(self, folder: Path, context: dict):
        self.folder, self.context = Path(folder), context
        self.series = pd.read_parquet(self.folder / SERIES)
        self.prices = pd.read_parquet(self.folder / PRICES)
        self.start, self.horizon = int(context["start"]), int(context["horizon"])

    def flag_only(self) -> list[str]:
        return list(self.context.get("flag_only") or [])

    def max_discount_seen(self) -> float:
        return float(self.context["max_discount_seen"])

    def decompose(self, plan_frame: pd.DataFrame | None = None, margins: dict[str, float] | None = None,
                  prices: dict[str, float] | None = None, funding: dict[str, dict] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(weekly rows, one row per promotion) of the stored plan in money; a scenario's plan needs the network."""
        if plan_frame is not None:
            raise ValueError("a scenario's plan is forecast by the run's network (PromotionAnalysis), not read")
        w, ev = pd.read_parquet(self.folder / WEEKLY), pd.read_parquet(self.folder / EVENTS)
        return in_money(w, ev, self.prices, margins, prices, funding)


def read(run_dir: Path, frame_key: str | None) -> StoredPlan | None:
    """The run's stored split when it was made on the frame ``frame_key`` names (None: not kept, or stale)."""
    path = Path(run_dir) / CONTEXT
    if not path.exists():
        return None
    try:
        context = json.loads(path.read_text())
        if frame_key is None or context.get("frame_key") != frame_key:
            return None
        return StoredPlan(run_dir, context)
    except (OSError, ValueError, KeyError):  # a damaged file: the page splits the plan itself, as before
        return None
