"""The forecaster interface: fit on a training frame, predict quantiles for a horizon, save, load.

Frames are the long model frame of ``dashboard.data.features.build_frame``: sku, region, category, week,
time_idx, units and the known future inputs. ``predict`` returns one row per series and forecast
week: sku, region, week, time_idx, p10, p50, p90, point (the point forecast is the P50).
"""
from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.schema import TrainConfig

Progress = Callable[[dict], None]
OUT_COLUMNS = ["sku", "region", "week", "time_idx", "p10", "p50", "p90", "point"]


class Forecaster(ABC):
    name: str = ""

    def __init__(self, config: TrainConfig):
        self.config = config
        self.device = "cpu"

    @property
    def period(self) -> periods.Frequency:
        """The dataset's frequency (week or month): the season, lags and offsets count in its periods."""
        return periods.of(getattr(self.config, "freq", "week"))

    @abstractmethod
    def fit(self, train: pd.DataFrame, progress: Progress | None = None) -> None:
        """Learn from ``train`` (rows up to the last training week, units known)."""

    @abstractmethod
    def predict(self, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        """Forecast weeks start_idx .. start_idx + horizon - 1 for every series, from history before start_idx.

        Units at or after ``start_idx`` are never read; known inputs (promo, holidays, ...) are.
        """

    @abstractmethod
    def _save(self, folder: Path) -> Path:
        """Write the model's files; return the main weights file."""

    @classmethod
    @abstractmethod
    def _load(cls, folder: Path, meta: dict) -> "Forecaster":
        ...

    def interpretation(self) -> dict | None:
        return None

    # Rolling-origin validation (dashboard/forecasting/windows.py). A model whose forecast from an earlier week would
    # read weeks it trained on says so here; ``refit_windows`` says whether a fresh one trained on the weeks before
    # that origin is cheap enough to make (statistical models refit at every origin anyway; a network is not).
    refit_windows: bool = True

    def mechanic_inputs(self) -> list[str]:
        """The promotion mechanics (``mech_*`` columns, dashboard/data/mechanics.py) this model reads; none unless
        a model says otherwise."""
        return []

    def reads_price(self) -> bool:
        """Whether a regular price change moves this model's forecast (dashboard/data/prices.py)."""
        return False

    def honest_from(self, origin: int) -> bool:
        """Whether ``predict(frame, origin)`` uses nothing this model learned from weeks at or after ``origin``.
        True by default: a model that refits on the history it is given (statsforecast, seasonal naive)."""
        return True

    def window_model(self, train: pd.DataFrame) -> "Forecaster":
        """A fresh model of this configuration trained on ``train``: the weeks before an earlier validation window."""
        m = type(self)(self.config)
        m.fit(train)
        return m

    def save(self, folder: Path) -> str:
        """Save and return the SHA-256 of the weights file (recorded so only app-written files load)."""
        folder.mkdir(parents=True, exist_ok=True)
        weights = self._save(folder)
        digest = sha256(weights)
        meta = {"model": self.name, "config": self.config.to_dict(), "weights": weights.name, "sha256": digest,
                "device": self.device}
        (folder / "model.json").write_text(json.dumps(meta, indent=1))
        return digest

    @classmethod
    def load(cls, folder: Path, expected_sha256: str | None = None) -> "Forecaster":
        meta = json.loads((folder / "model.json").read_text())
        weights = folder / meta["weights"]
        if expected_sha256 and sha256(weights) != expected_sha256:
            raise ValueError(f"{weights} does not match the checksum the app recorded: refusing to load it")
        return cls._load(folder, meta)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def future_rows(frame: pd.DataFrame, start_idx: int, horizon: int) -> pd.DataFrame:
    """The rows to forecast: series that have history before start_idx, weeks start_idx..+horizon-1."""
    f = frame[(frame["time_idx"] >= start_idx) & (frame["time_idx"] < start_idx + horizon)]
    has_hist = frame.loc[frame["time_idx"] < start_idx, ["sku", "region"]].drop_duplicates()
    return f.merge(has_hist, on=["sku", "region"])[["sku", "region", "week", "time_idx"]].reset_index(drop=True)


def ordered(out: pd.DataFrame) -> pd.DataFrame:
    """Clip at zero, enforce p10 <= p50 <= p90, point = p50, canonical column order."""
    q = np.sort(np.clip(out[["p10", "p50", "p90"]].to_numpy(dtype=float), 0, None), axis=1)
    out[["p10", "p50", "p90"]] = q
    out["point"] = out["p50"]
    return out[OUT_COLUMNS].sort_values(["sku", "region", "time_idx"]).reset_index(drop=True)


RUNAWAY_FACTOR = 10.0


def history_max(frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
    """Each series' highest week before ``start_idx`` (at least 1): sku, region, hist_max."""
    hist = frame[(frame["time_idx"] < start_idx) & frame["units"].notna()]
    return hist.groupby(["sku", "region"])["units"].max().clip(lower=1.0).rename("hist_max").reset_index()


def cap_runaway(out: pd.DataFrame, frame: pd.DataFrame | None, start_idx: int, factor: float = RUNAWAY_FACTOR,
                top: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Clip forecasts above ``factor`` x the series' highest week so far; return the clipped series. ``top``: the
    highest weeks already taken (``history_max``), instead of ``frame``.

    A network trained on log1p units can return a runaway value for a series (seen at the reference scale:
    11.7 M units forecast for a SKU that sold 53 k in those weeks, 220x). The deepest promotion in the synthetic
    truth lifts a week ~7x its normal level (40 % off a snack as a BOGO, before a holiday), and a series' highest
    week already holds a promotion, so 10x its past maximum only catches failures."""
    top = history_max(frame, start_idx) if top is None else top
    j = out[["sku", "region"]].merge(top, on=["sku", "region"], how="left")
    cap = (j["hist_max"].fillna(np.inf) * factor).to_numpy()
    over = out["p50"].to_numpy() > cap
    capped = sorted({f"{s}|{r}" for s, r in out.loc[over, ["sku", "region"]].itertuples(index=False)})
    for c in ("p10", "p50", "p90"):
        out[c] = np.minimum(out[c].to_numpy(dtype=float), cap)
    return out, capped


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error, %: sum |forecast - actual| / sum |actual| (NaN without actuals); the one
    every model, the recommendation and the validation windows score with."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    total = np.abs(actual).sum()
    return float(np.abs(forecast - actual).sum() / total * 100) if total else float("nan")
