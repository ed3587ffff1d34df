"""Holt-Winters with a season of a year: statsforecast ``HoltWinters`` (additive errors) on weekly data; on monthly
data statsforecast's ``AutoETS`` with season 12, which chooses among the exponential-smoothing forms (Holt-Winters'
additive and multiplicative seasonal ones among them) by AICc.

Not AutoETS on weekly data: it cannot fit seasons longer than 24 and silently goes non-seasonal there. On Stallion
(350 monthly series, 6 months held out) AutoETS(12) scores MAE 253.4 against HoltWinters(12)'s 270.2 (the data's
README; `python -m bench.leaderboard stallion` reproduces both).
"""
from __future__ import annotations

from .statistical import MIN_SEASONAL, SEASON, StatsForecaster, _jobs  # noqa: F401  (kept importable here)

AUTO_ETS_MAX_SEASON = 24  # statsforecast's AutoETS fits seasons up to this length


class HoltWintersForecaster(StatsForecaster):
    name = "holt-winters"
    alias = "HoltWinters"
    weights_name = "holt_winters.pkl"

    def seasonal_model(self):
        if self.season <= AUTO_ETS_MAX_SEASON:
            from statsforecast.models import AutoETS

            return AutoETS(season_length=self.season, model="ZZZ", alias=self.alias)
        from statsforecast.models import HoltWinters

        return HoltWinters(season_length=self.season, error_type="A")
