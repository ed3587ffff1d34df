"""Shared pytorch-forecasting plumbing for the TFT and the LSTM: dataset, trainer, save and load.

The decoder frame for a forecast is always built with ``TimeSeriesDataSet.from_parameters`` of the
training dataset, so changed future inputs (a what-if promo) reach the model and categories the
model never saw map to the NaN class instead of failing.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.data import mechanics, past_inputs, prices
from dashboard.data.features import KNOWN_REALS
from dashboard.schema import TrainConfig

from .base import Forecaster, Progress, cap_runaway, future_rows, ordered
from .torch_process import (device_config, keep_freed_memory, process_devices, release_freed_memory,  # noqa: F401
                            setup_torch)  # (imported from here too)

GROUPS = ["sku", "region"]
STATIC_CATS = ["sku", "category", "region"]


class RawPrediction:
    """What ``net.predict(mode="raw", return_index=True, return_x=True)`` gave: output, index, x."""

    def __init__(self, output: dict, index: pd.DataFrame, x: dict):
        self.output, self.index, self.x = output, index, x


# series per forecast pass: pytorch-forecasting's dataset of every window at once took a process forecasting a
# store-grain shard (37,400 series) from 2.1 to 5.2 GB (profiled by hand, docs/scale.md)
FORECAST_SLICE = 8192

MODEL_COLUMNS = list(dict.fromkeys(GROUPS + STATIC_CATS + ["time_idx", "units"] + list(KNOWN_REALS)))


def model_columns(past: list[str] = ()) -> list[str]:
    """The frame columns a network reads: MODEL_COLUMNS and the past-only inputs it was given."""
    return MODEL_COLUMNS + [c for c in past if c not in MODEL_COLUMNS]


def extra_known(params: dict) -> list[str]:
    """The known reals a trained network reads besides KNOWN_REALS (its dataset's promotion mechanics, its regular
    price index where the prices move)."""
    return [c for c in params.get("time_varying_known_reals") or [] if c not in KNOWN_REALS]


def past_reals(params: dict) -> list[str]:
    """The past-only inputs a trained network reads (its unknown reals besides the target)."""
    return [c for c in params.get("time_varying_unknown_reals") or [] if c != "units"]


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the types pytorch-forecasting expects."""
    f = frame.reset_index(drop=True)
    for c in STATIC_CATS:
        if not isinstance(f[c].dtype, pd.StringDtype):  # Arrow strings stay as they are (models/shards.py)
            f[c] = f[c].astype(str)
    f["units"] = f["units"].astype(float)
    f["time_idx"] = f["time_idx"].astype(int)
    return f


def training_dataset(train: pd.DataFrame, config: TrainConfig, world=None, past: list[str] = (),
                     known: list[str] = ()):
    """pytorch-forecasting's dataset of ``train``; under DDP ``train`` is this process's shard and the encoders and
    scalers are made the same in every process (models/shards.py). ``past``: past-only inputs (columns of
    ``train``, dashboard/data/past_inputs.py), read in the encoder only; ``known``: known reals besides
    KNOWN_REALS (the promotion mechanics the dataset holds, dashboard/data/mechanics.py)."""
    from pytorch_forecasting import TimeSeriesDataSet
    from pytorch_forecasting.data import GroupNormalizer

    from . import shards
    from .pf_fixes import categorical_encoders, log1p_transform  # imports pytorch-forecasting: only when training

    encoders = categorical_encoders(STATIC_CATS, GROUPS)
    if world is not None and world.distributed:
        encoders = shards.global_encoders(train, encoders, world)
    ds = TimeSeriesDataSet(
        train, time_idx="time_idx", target="units", group_ids=GROUPS,
        max_encoder_length=config.encoder_weeks, min_encoder_length=config.min_encoder_weeks,
        max_prediction_length=config.horizon, min_prediction_length=config.horizon,
        static_categoricals=STATIC_CATS, time_varying_known_reals=[*KNOWN_REALS, *known],
        time_varying_unknown_reals=["units", *past],
        target_normalizer=GroupNormalizer(groups=GROUPS, transformation=log1p_transform()),
        categorical_encoders=encoders,
        add_relative_time_idx=True, add_target_scales=True, add_encoder_length=True,
    )
    if world is not None:
        shards.harmonise(ds, world)
    return ds


def series_slices(frame: pd.DataFrame, size: int) -> list[np.ndarray | None]:
    """Row masks of ``frame``, each holding every row of at most ``size`` series (in the order of their first
    row); ``[None]`` (every row at once) where the frame holds no more than ``size`` series."""
    sku = pd.factorize(frame["sku"])[0].astype(np.int64)
    region, regions = pd.factorize(frame["region"])
    pair = sku * max(1, len(regions)) + region
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    if len(first) <= size:
        return [None]
    order = np.empty(len(first), dtype=np.int64)
    order[np.argsort(first, kind="stable")] = np.arange(len(first))  # series numbered by their first row
    part = order[inverse] // size
    return [part == k for k in range(int(part.max()) + 1)]


def decoder_dataset(params: dict, frame: pd.DataFrame, start_idx: int, horizon: int, with_target: bool = False,
                    rows: np.ndarray | None = None):
    """One window per series: encoder up to start_idx - 1, decoder start_idx .. start_idx + horizon - 1.

    For a forecast the decoder's units are unknown and set to 0 (the target is not a decoder input);
    ``with_target`` keeps them, for the validation loss. ``rows``: a mask of the frame's rows to read (a slice of
    its series, ``series_slices``).
    """
    from pytorch_forecasting import TimeSeriesDataSet

    # only the weeks a window can read: the longest encoder before start_idx, then the horizon (the encoders,
    # scalers and target normalizer are the training dataset's, so earlier weeks change nothing)
    lo = start_idx - int(params["max_encoder_length"])
    weeks = (frame["time_idx"] >= lo) & (frame["time_idx"] < start_idx + horizon)
    f = prepare(frame.loc[weeks if rows is None else weeks & rows,
                          model_columns(past_reals(params) + extra_known(params))])
    if not with_target:
        f.loc[f["time_idx"] >= start_idx, "units"] = 0.0
    f["units"] = f["units"].fillna(0.0)
    keep = f.groupby(GROUPS)["time_idx"].transform("max") == start_idx + horizon - 1
    from .pf_fixes import fast_encoders

    return TimeSeriesDataSet.from_parameters(fast_encoders(params), f[keep], predict=True, stop_randomization=True)


class PFForecaster(Forecaster):
    """Base for pytorch-forecasting models; subclasses build the network from a dataset."""

    refit_windows = False  # a network per validation window would multiply its training time (docs/accuracy.md)
    refits = True  # trained again on every training week on a small panel (models/refit.py)
    chooses_dropout = False  # trains one network per ``config.dropout_choices`` on small datasets (models/regularisation.py)
    # reads the regular price index where prices move (dashboard/data/prices.py): the TFT. On Stallion over 3 seeds
    # it took the TFT's MAE from 296.6 to 285.3 and the LSTM's from 295.1 to 309.7 (its validation worse too), so
    # the LSTM does not read it (docs/accuracy.md)
    reads_prices = False
    reads_past = False  # reads the frame's past-only inputs in its encoder (the TFT; an LSTM's encoder and decoder
    # must read the same inputs in pytorch-forecasting's RecurrentNetwork)

    def mechanic_inputs(self) -> list[str]:
        return [c for c in extra_known(self.params or {}) if c.startswith("mech_")]

    def reads_price(self) -> bool:
        return prices.INDEX in extra_known(self.params or {})

    def honest_from(self, origin: int) -> bool:
        """Its early-stopping window only: every earlier week taught the network by gradient."""
        return self.validation_start is not None and origin >= self.validation_start

    def window_model(self, train: pd.DataFrame) -> "PFForecaster":
        """A network of this configuration trained on ``train`` (``--network-windows``), at the dropout this one
        chose: the choice is fixed, as the LightGBM's target is for its windows."""
        from dataclasses import replace

        m = type(self)(replace(self.config, dropout_choices=()))
        m.fit(train)
        return m

    def __init__(self, config: TrainConfig):
        super().__init__(config)
        self.net = None
        self.members: list = []  # the networks of every seed (models/seeds.py); self.net is the first
        self.member_frames: list[pd.DataFrame] = []  # each member's forecast of the last predict, when several
        self._member_preds: list = []
        self.validation_start: int | None = None  # first week of the early-stopping window (set by fit)
        self.params: dict | None = None
        self.best_epoch = -1
        self.best_val_loss = float("nan")
        self._interp: dict | None = None
        self._to_interpret = None  # the last forecast's raw output, until its interpretation is asked for
        self.capped_series: list[str] = []  # series whose last forecast hit the runaway cap
        self.training_log: dict | None = None  # epochs, losses, seconds of the last fit (models/loop.py)
        self.early_members: list = []  # the early-stopped networks where ``members`` were refitted (models/refit.py)
        self.refit_from: int | None = None  # ... which forecast every origin before this one

    def build(self, dataset, fast: bool = True):
        raise NotImplementedError

    def fit(self, train: pd.DataFrame, progress: Progress | None = None) -> None:
        """Train on the tensor path: pytorch-forecasting encodes and scales the frame once; windows are cut by
        index on the training device (models/windows.py) and fed to the network by models/loop.py."""
        from dataclasses import replace

        from . import distributed, refit, regularisation, shards
        from .loop import fit_network
        from .seeds import training_summary
        from .windows import WindowArrays

        world = distributed.from_env()  # several processes when torchrun started this one (models/distributed.py)
        self.device = setup_torch(self.config)
        if world.distributed:
            self.device = distributed.init(world)
            if self.device == "cpu":  # the machine's threads shared between its processes
                local = int(os.environ.get("LOCAL_WORLD_SIZE", world.size))
                self.config = replace(self.config, threads=max(1, int(self.config.threads) // local))
        cfg = self.config = device_config(self.config, self.device)  # what the network trains with: saved with the run
        keep_freed_memory()
        # only the columns the network reads (week, price, area, series names... were half the frame at 74,800
        # store series) and, under DDP, only this process's series (models/shards.py)
        past = past_inputs.columns_of(train) if self.reads_past else []
        # known inputs besides the standard ones: the promotion mechanics its calendar holds (read as the discount is)
        # and its regular price where it moves (a price change without a promotion, dashboard/data/prices.py)
        mech = mechanics.present(train) + (prices.present(train) if self.reads_prices else [])
        data = prepare(shards.shard(train[model_columns(past + mech)], world))
        choices = regularisation.candidates(self, cfg, data, world)
        if len(choices) < 2:  # only a choice of dropouts forecasts the rows again; else the encoded copy is all
            train = None  # the caller handed them over (pipeline.py): 1.4 GB per store-grain shard
        last = max(distributed.gather(int(data["time_idx"].max()), world))  # the same week in every process
        val_start = last - cfg.horizon + 1  # the last weeks before the hold-out
        self.validation_start = val_start  # early stopping reads these weeks; gradients never do
        n_series = int(data[GROUPS].drop_duplicates().shape[0])
        # the validation windows read the last encoder's weeks; the rest of the frame goes before the dataset is
        # encoded, which holds three copies of its input at its peak (pytorch-forecasting's copy, sort, encoding)
        recent = data[data["time_idx"] >= val_start - int(cfg.encoder_weeks)]
        early = [data[data["time_idx"] < val_start]]
        whole = data if refit.applies(self, cfg, n_series, world) else None  # a small panel: kept for the refit
        data = None
        ds = training_dataset(early.pop(), cfg, world, past, mech)
        val = decoder_dataset(ds.get_parameters(), recent, val_start, cfg.horizon, with_target=True)
        train_w, valid_w = WindowArrays(ds, self.device), WindowArrays(val, self.device)
        self.params = ds.get_parameters()
        seeds = [cfg.seed + i for i in range(max(1, int(getattr(cfg, "seeds", 1))))]
        tried, spent, kept = {}, {}, None
        for k, dropout in enumerate(choices):
            self.config = cfg = replace(cfg, dropout=dropout)
            self.members, logs = [], []
            for i, seed in enumerate(seeds):
                setup_torch(cfg, seed)
                self.net = self.build(ds).to(self.device)
                self.on_device()
                n, at = len(seeds) * len(choices), k * len(seeds) + i
                what = {"network": f"dropout {dropout:g}"} if len(choices) > 1 else {}
                member = progress if n == 1 or progress is None else (
                    lambda d, at=at, n=n, what=what: progress({**d, "member": at + 1, "members": n, **what}))
                logs.append(fit_network(self.net, train_w, valid_w, replace(cfg, seed=seed),
                                        member if world.main else None, world=world))
                self.members.append(self.net)
            self.net = self.members[0]
            if len(choices) > 1:
                spent[dropout] = round(sum(float(log.get("seconds") or 0) for log in logs), 1)
                tried[dropout] = regularisation.validation_wape(self, train, val_start)
                if kept is None or tried[dropout] < tried[kept[0]]:
                    kept = (dropout, self.members, logs)
        if kept is not None:  # the dropout whose networks forecast the early-stopping weeks best
            dropout, self.members, logs = kept
            self.net, self.config = self.members[0], replace(cfg, dropout=dropout)
            cfg = self.config
        self.training_log = {**training_summary(logs, seeds), "device": self.device, "batch_size": cfg.batch_size,
                             "learning_rate": cfg.learning_rate, "batches_per_epoch": cfg.limit_train_batches,
                             "world_size": world.size, "devices": process_devices(world, self.device),
                             "series_per_process": distributed.gather(n_series, world),
                             "peak_memory_mb": distributed.gather(distributed.peak_memory_mb(), world)}  # per process
        if tried:  # the training time counts every network trained, the kept one's figures the rest
            self.training_log["dropout"] = {"chosen": cfg.dropout,
                                            "validation_wape": {str(d): round(w, 3) for d, w in tried.items()},
                                            "seconds": {str(d): t for d, t in spent.items()}}
            self.training_log["seconds"] = round(sum(spent.values()), 1)
        self.best_epoch, self.best_val_loss = self.training_log["best_epoch"], self.training_log["best_val_loss"]
        del ds, val, train_w, valid_w
        if whole is not None:  # every training week, for the epochs early stopping chose (models/refit.py)
            refit.replace_members(self, whole, seeds, logs, progress)
        release_freed_memory()  # forecasting needs no kept heap: what training freed goes back to the OS
        self.after_fit(recent, val_start)

    def on_device(self) -> None:
        """Hook: adapt the network to the device it trains on (the TFT stacks its inputs on a GPU)."""

    def after_fit(self, data: pd.DataFrame, val_start: int) -> None:
        """Hook: calibrate anything that needs the trained network (the LSTM's band); ``data``: the rows from the
        longest encoder before ``val_start`` on."""

    def raw_predict(self, frame: pd.DataFrame, start_idx: int) -> "RawPrediction":
        """One window per series ending at start_idx + horizon - 1, through the same tensor path as training, in
        slices of ``FORECAST_SLICE`` series (``series_slices``)."""
        from .loop import raw_output
        from .seeds import average_outputs
        from .windows import WindowArrays, concat_outputs

        from .refit import networks_for

        nets = networks_for(self, start_idx)
        per_net: list[list[dict]] = [[] for _ in nets]
        index = []
        for rows in series_slices(frame, FORECAST_SLICE):
            ds = decoder_dataset(self.params, frame, start_idx, self.config.horizon, rows=rows)
            windows = WindowArrays(ds, self.device)
            for outs, net in zip(per_net, nets):
                outs.append(raw_output(net, windows, with_x=False)[0])  # x: unread
            index.append(windows.decoded_index.reset_index(drop=True))
            del ds, windows
        index = pd.concat(index, ignore_index=True) if len(index) > 1 else index[0]
        outputs = [concat_outputs(outs) if len(outs) > 1 else outs[0] for outs in per_net]
        self._member_preds = [RawPrediction(o, index, None) for o in outputs] if len(outputs) > 1 else []
        return RawPrediction(average_outputs(outputs), index, None)

    def predict(self, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        self._to_interpret = None  # the previous forecast's output goes before this one is made
        pred = self.raw_predict(frame, start_idx)
        self.member_frames = [self.to_frame(p, frame, start_idx) for p in self._member_preds]
        out = self.to_frame(pred, frame, start_idx)
        # read out when asked (``interpretation``): a run keeps the hold-out's alone, and the TFT's read-out of a
        # store-grain shard's future forecast held 2 GB more for nothing
        self._interp, self._to_interpret = None, pred
        return out

    def to_frame(self, pred, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        q = self.quantiles(pred)  # (n, h, 3)
        idx = pred.index[GROUPS].reset_index(drop=True)
        h = self.config.horizon
        rows = pd.DataFrame({
            "sku": np.repeat(idx["sku"].to_numpy(), h), "region": np.repeat(idx["region"].to_numpy(), h),
            "time_idx": np.tile(np.arange(start_idx, start_idx + h), len(idx)),
            "p10": q[:, :, 0].ravel(), "p50": q[:, :, 1].ravel(), "p90": q[:, :, -1].ravel(),
        })
        out = future_rows(frame, start_idx, h).merge(rows, on=["sku", "region", "time_idx"], how="inner")
        out, self.capped_series = cap_runaway(out, frame, start_idx)
        return ordered(out)

    def interpret(self, pred) -> dict | None:
        return None

    def extra_state(self) -> dict:
        return {}

    def set_extra_state(self, state: dict) -> None:
        pass

    def quantiles(self, pred) -> np.ndarray:
        """(n, horizon, 3) P10/P50/P90 from the network's output."""
        return self.net.loss.to_quantiles(pred.output["prediction"]).detach().cpu().numpy()

    def interpretation(self) -> dict | None:
        if self._to_interpret is not None:
            self._interp, self._to_interpret = self.interpret(self._to_interpret), None
        return self._interp

    def _save(self, folder: Path) -> Path:
        import torch

        path = folder / "weights.pt"
        extra_nets = [net.state_dict() for net in self.members[1:]]  # the other seeds' networks, if any
        torch.save({"state_dict": self.net.state_dict(), "member_state_dicts": extra_nets, "params": self.params,
                    "early_state_dicts": [net.state_dict() for net in self.early_members], "refit_from": self.refit_from,
                    "best_epoch": self.best_epoch, "best_val_loss": self.best_val_loss, "device": self.device,
                    "extra": self.extra_state()}, path)
        return path

    @classmethod
    def _load(cls, folder: Path, meta: dict):
        import torch
        from pytorch_forecasting import TimeSeriesDataSet

        from dashboard.schema import TrainConfig

        m = cls(TrainConfig.from_dict(meta["config"]))
        # weights_only=False unpickles the dataset parameters: only ever called on run folders the app
        # wrote, after Forecaster.load checked the SHA-256 recorded at save time.
        state = torch.load(folder / meta["weights"], map_location="cpu", weights_only=False)
        m.params = state["params"]
        template = TimeSeriesDataSet.from_parameters(m.params, _template_frame(m.params), predict=True)

        def restore(state_dict):
            net = m.build(template)
            net.load_state_dict(state_dict)
            return net.eval()

        m.net = restore(state["state_dict"])
        m.members = [m.net, *map(restore, state.get("member_state_dicts") or [])]  # runs trained on several seeds
        m.early_members = list(map(restore, state.get("early_state_dicts") or []))  # a refitted run's early networks
        m.refit_from = state.get("refit_from")
        m.best_epoch, m.best_val_loss, m.device = state["best_epoch"], state["best_val_loss"], "cpu"
        m.set_extra_state(state.get("extra") or {})
        setup_torch(m.config)
        return m


def _template_frame(params: dict) -> pd.DataFrame:
    """A tiny frame with the dataset's columns, enough to rebuild the network's shapes."""
    n = params["max_encoder_length"] + params["max_prediction_length"]
    f = pd.DataFrame({"time_idx": np.arange(n), "units": 1.0})
    for c in STATIC_CATS:
        f[c] = next(iter(params["categorical_encoders"][c].classes_))
    for c in [*params["time_varying_known_reals"], *past_reals(params)]:
        f[c] = 0.0
    return f
