"""Forecasters behind one small interface (see base.py). ``create`` and ``load`` pick the class."""
from __future__ import annotations

from pathlib import Path

from .base import Forecaster


def _classes() -> dict[str, type[Forecaster]]:
    from .gbm import LightGBMForecaster
    from .holt_winters import HoltWintersForecaster
    from .lstm import LSTMForecaster
    from .mstl import MSTLForecaster
    from .seasonal_naive import SeasonalNaiveForecaster
    from .tft import TFTForecaster

    return {c.name: c for c in (TFTForecaster, LSTMForecaster, LightGBMForecaster, HoltWintersForecaster, MSTLForecaster,
                                       SeasonalNaiveForecaster)}


def create(config) -> Forecaster:
    return _classes()[config.model](config)


def load(folder: Path, expected_sha256: str | None = None) -> Forecaster:
    """Load a model the app saved; with ``expected_sha256`` the weights must match what the app recorded."""
    import json

    meta = json.loads((Path(folder) / "model.json").read_text())
    return _classes()[meta["model"]].load(Path(folder), expected_sha256)
