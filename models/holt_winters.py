"""Holt-Winters with a 52-week season (statsforecast ``HoltWinters``, additive errors).

Not AutoETS: it cannot fit seasons longer than 24 and silently goes non-seasonal on weekly data.
"""
from __future__ import annotations

from .statistical import MIN_SEASONAL, SEASON, StatsForecaster, _jobs  # noqa: F401  (kept importable here)


class HoltWintersForecaster(StatsForecaster):
    name = "holt-winters"
    alias = "HoltWinters"
    weights_name = "holt_winters.pkl"

    def seasonal_model(self):
        from statsforecast.models import HoltWinters

        return HoltWinters(season_length=self.season, error_type="A")
