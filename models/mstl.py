"""MSTL: the series split into a 52-week season (STL) and a trend forecast by ETS (statsforecast ``MSTL`` with an
``AutoETS(model="ZZN")`` trend). On real weekly panels it was the strongest statistical model (store x
department, no promotion flags: WAPE 8.3 vs Holt-Winters 10.1); it knows nothing of promotions.
"""
from __future__ import annotations

from .statistical import StatsForecaster


class MSTLForecaster(StatsForecaster):
    name = "mstl"
    alias = "MSTL"
    weights_name = "mstl.pkl"

    def seasonal_model(self):
        from statsforecast.models import MSTL, AutoETS

        return MSTL(season_length=self.season, trend_forecaster=AutoETS(model="ZZN"), alias=self.alias)
