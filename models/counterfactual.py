"""Counterfactual forecasts: the same windows, many versions of their known future inputs, one network pass each
(``Counterfactuals``), or for a model without windows one ``predict`` of the frame with the inputs overwritten
(``FrameCounterfactuals``: the gradient-boosted model). ``for_model`` picks.

A promotion's effect is a difference of forecasts (with and without it). ``predict`` rebuilds pytorch-forecasting's
dataset from the frame every call (2.5 s of a 3.3 s forecast of the 1,360 reference series); here the windows are
cut once and each variant only overwrites the decoder weeks' known inputs (scaled as the dataset scales them)
before the network runs, so a variant costs one forward pass. ``tests/unit/promotions/test_promotions.py`` checks that the
unchanged inputs give ``predict``'s forecast.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .base import cap_runaway, future_rows, history_max, ordered
from .pf_common import GROUPS, RawPrediction, decoder_dataset


def for_model(model, frame: pd.DataFrame, start_idx: int):
    """The counterfactual engine that suits ``model``: the networks' windows, or one predict per variant."""
    if hasattr(model, "net"):
        return Counterfactuals(model, frame, start_idx)
    return FrameCounterfactuals(model, frame, start_idx)


class _Inputs:
    start: int
    horizon: int
    keys: pd.DataFrame

    def inputs(self, frame: pd.DataFrame, columns: list[str]) -> dict[str, np.ndarray]:
        """``columns`` of ``frame``'s decoder weeks as (series, horizon) arrays in window order."""
        fut = frame[(frame["time_idx"] >= self.start) & (frame["time_idx"] < self.start + self.horizon)]
        fut = fut.assign(sku=fut["sku"].astype(str), region=fut["region"].astype(str))
        grid = self.keys.assign(_row=np.arange(len(self.keys))).merge(fut[GROUPS + ["time_idx"] + columns], on=GROUPS)
        out = {}
        for c in columns:
            a = np.full((len(self.keys), self.horizon), np.nan)
            a[grid["_row"].to_numpy(), grid["time_idx"].to_numpy() - self.start] = grid[c].to_numpy(float)
            out[c] = a
        return out


class FrameCounterfactuals(_Inputs):
    """A variant is the frame's forecast weeks with their known inputs overwritten, then one ``predict``: what a
    model that reads the frame directly (models/gbm.py) needs. Its forecast reads the units before ``start_idx``
    only, so the same history serves every variant."""

    def __init__(self, model, frame: pd.DataFrame, start_idx: int):
        self.model, self.start, self.horizon = model, int(start_idx), int(model.config.horizon)
        self.frame = frame[frame["time_idx"] < self.start + self.horizon].copy()
        self.frame["sku"], self.frame["region"] = self.frame["sku"].astype(str), self.frame["region"].astype(str)
        self.keys = future_rows(self.frame, self.start, self.horizon)[GROUPS].drop_duplicates().reset_index(drop=True)
        self._rows = self.frame["time_idx"].to_numpy() >= self.start

    def forecast(self, inputs: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        f = self.frame
        if inputs:
            f = f.copy()
            fut = f.loc[self._rows, GROUPS + ["time_idx"]]
            pos = fut.merge(self.keys.assign(_row=np.arange(len(self.keys))), on=GROUPS, how="left")
            row = pos["_row"].to_numpy()
            ok = ~np.isnan(row)
            r, step = row[ok].astype(int), (pos["time_idx"].to_numpy() - self.start)[ok]
            for name, values in inputs.items():
                v = np.asarray(values, dtype=float)[r, step]
                col = f.loc[self._rows, name].to_numpy(float).copy()
                sub = col[ok]
                col[ok] = np.where(np.isnan(v), sub, v)
                f.loc[self._rows, name] = col
        return self.model.predict(f, self.start)


class Counterfactuals(_Inputs):
    """Windows for every series forecast from ``start_idx`` (``horizon`` weeks), ready for input variants."""

    def __init__(self, model, frame: pd.DataFrame, start_idx: int):
        import torch

        from .windows import WindowArrays

        self.model, self.start, self.horizon = model, int(start_idx), int(model.config.horizon)
        enc = int(model.params["max_encoder_length"])
        # only the rows a window reads: the dataset build is linear in them
        self.frame = frame[(frame["time_idx"] >= self.start - enc) & (frame["time_idx"] < self.start + self.horizon)]
        with warnings.catch_warnings():  # "too short for a window": series launched after start_idx, left out as predict does
            warnings.simplefilter("ignore", UserWarning)
            self.ds = decoder_dataset(model.params, self.frame, self.start, self.horizon)
        self.windows = WindowArrays(self.ds, model.device)
        self.index = self.windows.decoded_index.reset_index(drop=True)
        self.keys = self.index[GROUPS].astype(str).reset_index(drop=True)
        w = self.windows
        first = (w.start + w.encoder_len).cpu()
        self.rows = first[:, None] + torch.arange(self.horizon)[None, :]  # (series, horizon) rows of the decoder weeks
        self.base_reals = w.reals.clone()
        self._base = None  # the forecast of the inputs as they are: asked for twice in a training job (``forecast``)
        # the runaway cap, as predict applies it: each series' highest week (a copy of the history was 1.4 GB per
        # store-grain shard, and every variant made two more with its names as Python strings)
        self._top = history_max(frame, self.start).astype({"sku": str, "region": str})

    def forecast(self, inputs: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """P10/P50/P90 per series and week with the decoder weeks' known inputs replaced by ``inputs``
        (name -> (series, horizon) raw values; NaN keeps the stored value)."""
        import torch

        from .loop import raw_output
        from .seeds import average_outputs

        reals = self.base_reals.clone()
        for name, values in (inputs or {}).items():
            col = self.ds.reals.index(name)
            current = reals[self.rows, col]
            v = np.asarray(values, dtype=float)
            keep = np.isnan(v)
            scaled = np.asarray(self.ds.transform_values(name, pd.Series(np.where(keep, 0.0, v).ravel(), name=name)), dtype=np.float32)
            new = torch.from_numpy(scaled.reshape(v.shape)).to(reals.device)
            reals[self.rows, col] = torch.where(torch.from_numpy(keep).to(reals.device), current, new)
        base = not inputs or torch.equal(reals, self.base_reals)
        if base and self._base is not None:  # the same inputs, the same forecast: the future's, then the plan's
            return self._base.copy()
        self.windows.reals = reals
        try:
            outputs = [raw_output(net, self.windows, keep=("prediction",), with_x=False)[0]
                       for net in (self.model.members or [self.model.net])]
        finally:
            self.windows.reals = self.base_reals
        pred = RawPrediction(average_outputs(outputs), self.index, None)
        q = self.model.quantiles(pred)
        h = self.horizon
        rows = pd.DataFrame({
            "sku": np.repeat(self.keys["sku"].to_numpy(), h), "region": np.repeat(self.keys["region"].to_numpy(), h),
            "time_idx": np.tile(np.arange(self.start, self.start + h), len(self.keys)),
            "p10": q[:, :, 0].ravel(), "p50": q[:, :, 1].ravel(), "p90": q[:, :, -1].ravel(),
        })
        fr = future_rows(self.frame, self.start, h)
        out = fr.assign(sku=fr["sku"].astype(str), region=fr["region"].astype(str)).merge(
            rows, on=["sku", "region", "time_idx"], how="inner")
        out, _ = cap_runaway(out, None, self.start, top=self._top)
        out = ordered(out)
        if base:
            self._base = out.copy()
        return out
