"""What the What-if page shows before any edit, read from the run folder: the series, the future weeks and the base
forecast (the run's own forecast of the stored plan). The page's first visit reads these small files while the
network and the model frame load in the background (``ui.engine_loader``); they are needed at the first edit.
At 74,800 store series the engine's load took the first visit 27 s."""
from __future__ import annotations

import pandas as pd

from dashboard.promotions import stored


class StoredBase:
    def __init__(self, series: pd.DataFrame, base: pd.DataFrame, start: int, horizon: int):
        self.series, self.start, self.horizon = series, start, horizon
        self._base = base
        self.future_weeks = pd.DatetimeIndex(sorted(base["week"].unique()))

    def base(self) -> pd.DataFrame:
        return self._base

    def run_unedited(self) -> dict:
        """``WhatIf.run`` of a scenario without edits: the base itself, nothing re-forecast, nothing to warn about."""
        return {"forecast": self._base, "base": self._base, "changed": self.series.iloc[0:0], "warnings": []}


def read(kept: stored.StoredPlan) -> StoredBase | None:
    """The run's base from its folder, beside the plan's split the training job kept (its series and start), when
    the stored forecast covers every series and week of the horizon; None otherwise (the engine then)."""
    future = kept.folder / "future.parquet"
    if not future.exists():
        return None
    base = pd.read_parquet(future)
    weeks = set(range(kept.start, kept.start + kept.horizon))
    if set(base["time_idx"].astype(int)) != weeks or len(base) != len(kept.series) * len(weeks):
        return None
    base = base.sort_values(["sku", "region", "time_idx"]).reset_index(drop=True)
    return StoredBase(kept.series, base, kept.start, kept.horizon)
