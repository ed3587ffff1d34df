"""Seasonal naive: next year's week = this year's week (52 weeks back; 12 months for monthly data); the benchmark
to beat."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Forecaster, future_rows, ordered




class SeasonalNaiveForecaster(Forecaster):
    name = "seasonal-naive"

    def __init__(self, config):
        super().__init__(config)
        self.spread: dict[str, tuple[float, float]] = {}  # per series: P10/P90 of log-ratio errors

    def fit(self, train: pd.DataFrame, progress=None) -> None:
        """Calibrate the band: quantiles of in-sample seasonal-naive errors (relative, per series)."""
        f = train.sort_values(["sku", "region", "time_idx"])
        lag = f.groupby(["sku", "region"])["units"].shift(self.period.season)
        err = np.log1p(f["units"]) - np.log1p(lag)
        e = pd.DataFrame({"series": f["sku"] + "|" + f["region"], "err": err}).dropna()
        pooled = (float(e["err"].quantile(0.1)), float(e["err"].quantile(0.9))) if len(e) else (-0.3, 0.3)
        q = e.groupby("series")["err"].quantile([0.1, 0.9]).unstack() if len(e) else pd.DataFrame()
        counts = e.groupby("series").size() if len(e) else pd.Series(dtype=int)
        self.spread = {s: (float(r[0.1]), float(r[0.9])) for s, r in q.iterrows() if counts[s] >= self.period.horizon}
        self.spread["*"] = pooled
        if progress:
            progress({"epoch": 1, "step": 1, "loss": float(e["err"].abs().mean()) if len(e) else 0.0, "eta_s": 0})

    def predict(self, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        h = self.config.horizon
        out = future_rows(frame, start_idx, h)
        hist = frame[frame["time_idx"] < start_idx]
        units = hist.set_index(["sku", "region", "time_idx"])["units"]
        key = pd.MultiIndex.from_arrays([out["sku"], out["region"], out["time_idx"] - self.period.season])
        base = units.reindex(key).to_numpy()
        recent = hist[hist["time_idx"] >= start_idx - 4].groupby(["sku", "region"])["units"].mean()
        fallback = recent.reindex(pd.MultiIndex.from_arrays([out["sku"], out["region"]])).to_numpy()
        base = np.where(np.isnan(base), fallback, base)  # younger than a year: mean of the last 4 weeks
        base = np.nan_to_num(base)
        series = out["sku"] + "|" + out["region"]
        lo = np.array([self.spread.get(s, self.spread["*"])[0] for s in series])
        hi = np.array([self.spread.get(s, self.spread["*"])[1] for s in series])
        out["p50"] = base
        out["p10"] = np.expm1(np.log1p(base) + lo)
        out["p90"] = np.expm1(np.log1p(base) + hi)
        return ordered(out)

    def _save(self, folder: Path) -> Path:
        path = folder / "spread.json"
        path.write_text(json.dumps(self.spread))
        return path

    @classmethod
    def _load(cls, folder: Path, meta: dict):
        from dashboard.schema import TrainConfig

        m = cls(TrainConfig.from_dict(meta["config"]))
        m.spread = {k: tuple(v) for k, v in json.loads((folder / meta["weights"]).read_text()).items()}
        return m
