"""Statistical forecasters on statsforecast: one class per model, the same fitting, forecasting and saving.

Each model has a season of a year (52 weeks, or 12 months for a monthly dataset); series with less than two full years cannot be fitted seasonally and get a
non-seasonal ETS instead (listed in ``fallback_series``; the history check warns about them too). Fitting runs
in statsforecast's process pool, spawned rather than forked (``sf_spawn``), or on Ray when the config names a
cluster (``ray``: models/ray_backend.py).
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Forecaster, future_rows, ordered

SEASON = 52  # weeks; a monthly dataset's models use its frequency's 12 (``Forecaster.period``)
MIN_SEASONAL = 2 * SEASON
MIN_ETS = 12  # fewer periods than this and statsforecast's ETS refuses the series ("tiny datasets"): last value


def _sf_frame(f: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": f["sku"] + "|" + f["region"], "ds": f["week"], "y": f["units"].astype(float)})


def _jobs(n_series: int) -> int:
    """Worker processes: one per core, but not for a few series (starting a process costs ~1 s), and none
    when the main program cannot be re-imported by a spawned process (a script read from stdin): there the
    pool's workers die at start and the pool replaces them forever."""
    import os
    import sys

    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is not None and not os.path.exists(main_file):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, n_series // 200))


class StatsForecaster(Forecaster):
    """A statsforecast model for series with two years or more, non-seasonal ETS for the rest."""

    alias = ""          # the model's column in statsforecast's output
    weights_name = ""   # the pickle in the run folder

    def __init__(self, config):
        super().__init__(config)
        self.fitted: dict[str, object] = {}
        self.fitted_end: int | None = None
        self.fallback_series: list[str] = []

    def seasonal_model(self):
        raise NotImplementedError

    @property
    def season(self) -> int:
        return self.period.season

    def short_model(self):
        from statsforecast.models import AutoETS

        return AutoETS(season_length=1, model="ZZN", alias=self.alias)

    def _fit_sf(self, hist: pd.DataFrame):
        from .sf_spawn import SpawningStatsForecast as StatsForecast

        df = _sf_frame(hist)
        n = df.groupby("unique_id").size()
        long_ids = n.index[n >= 2 * self.season]
        short_ids = n.index[(n < 2 * self.season) & (n >= MIN_ETS)]
        tiny_ids = n.index[n < MIN_ETS]  # a launch weeks ago (seen when forecasting the validation weeks)
        out = {}
        address = getattr(self.config, "ray", None)
        if len(long_ids) and address:  # Ray tasks over partitions of the series (models/ray_backend.py)
            from .ray_backend import fit as ray_fit

            for i, sf in enumerate(ray_fit(address, self.seasonal_model(), df[df["unique_id"].isin(long_ids)],
                                           self.period.pandas)):
                out[f"seasonal-{i}"] = sf
        elif len(long_ids):
            sf = StatsForecast(models=[self.seasonal_model()], freq=self.period.pandas, n_jobs=_jobs(len(long_ids)))
            out["seasonal"] = sf.fit(df[df["unique_id"].isin(long_ids)])
        if len(short_ids):
            sf = StatsForecast(models=[self.short_model()], freq=self.period.pandas, n_jobs=_jobs(len(short_ids)))
            out["short"] = sf.fit(df[df["unique_id"].isin(short_ids)])
        if len(tiny_ids):
            from statsforecast.models import Naive

            sf = StatsForecast(models=[Naive(alias=self.alias)], freq=self.period.pandas, n_jobs=1)
            out["tiny"] = sf.fit(df[df["unique_id"].isin(tiny_ids)])
        return out, sorted([*short_ids, *tiny_ids])

    def fit(self, train: pd.DataFrame, progress=None) -> None:
        self.fitted, self.fallback_series = self._fit_sf(train)
        self.fitted_end = int(train["time_idx"].max())
        if progress:
            progress({"epoch": 1, "step": 1, "loss": 0.0, "eta_s": 0,
                      "note": f"{len(self.fallback_series)} short series non-seasonal"})

    def predict(self, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        h = self.config.horizon
        fitted = self.fitted
        if self.fitted_end is None or start_idx != self.fitted_end + 1:
            fitted, _ = self._fit_sf(frame[frame["time_idx"] < start_idx])  # cheap: refit on that history
        parts = []
        for sf in fitted.values():
            sf.n_jobs = 1  # forecasting fitted models takes ~1 s; a process pool would cost more to start
            parts.append(sf.predict(h=h, level=[80]))
        fc = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if "unique_id" not in fc.columns:
            fc = fc.reset_index()
        a = self.alias
        fc = fc.rename(columns={a: "p50", f"{a}-lo-80": "p10", f"{a}-hi-80": "p90"})
        fc["step"] = fc.groupby("unique_id").cumcount()
        out = future_rows(frame, start_idx, h)
        out["unique_id"] = out["sku"] + "|" + out["region"]
        out["step"] = out["time_idx"] - start_idx
        out = out.merge(fc[["unique_id", "step", "p10", "p50", "p90"]], on=["unique_id", "step"], how="left")
        for c in ("p10", "p50", "p90"):
            out[c] = out[c].fillna(0.0)
        out.loc[~np.isfinite(out["p50"]), ["p10", "p50", "p90"]] = 0.0
        return ordered(out)

    def _save(self, folder: Path) -> Path:
        path = folder / self.weights_name
        with open(path, "wb") as fh:
            pickle.dump({"fitted": self.fitted, "fitted_end": self.fitted_end, "fallback": self.fallback_series}, fh)
        return path

    @classmethod
    def _load(cls, folder: Path, meta: dict):
        from dashboard.schema import TrainConfig

        m = cls(TrainConfig.from_dict(meta["config"]))
        with open(folder / meta["weights"], "rb") as fh:  # checksum verified by Forecaster.load
            state = pickle.load(fh)
        m.fitted, m.fitted_end, m.fallback_series = state["fitted"], state["fitted_end"], state["fallback"]
        return m
