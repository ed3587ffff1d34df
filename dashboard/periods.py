"""The frequency a dataset is planned at: week or month, and everything that follows from it.

The stored and model frames keep their column ``week`` for the period's first day (a Monday for weekly data, the
1st of the month for monthly data): the name is historical, the meaning is "period start". Everything that counts
in periods — season length, horizon, hold-out, encoder, lags, the history check, labels — asks the dataset's
``Frequency`` here rather than assuming 52 weeks. A frame carries its frequency in its dates: ``of_dates`` reads it
back, so a model needs no extra argument.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Frequency:
    name: str            # "week" | "month": what a dataset and the CLI call it
    pandas: str          # pandas/statsforecast offset alias of the period starts
    season: int          # periods in a year: the seasonal models' season, the same period last year's lag
    horizon: int         # default forecast horizon and hold-out (a quarter of weeks; half a year of months)
    encoder: int         # default look-back of the networks
    min_encoder: int     # the shortest look-back a young series is still forecast from
    gbm_lags: tuple      # the gradient-boosted model's lags
    gbm_windows: tuple   # its rolling-mean windows (over lag 1)
    duckdb_unit: str     # date_trunc's unit

    @property
    def plural(self) -> str:
        return self.name + "s"

    @property
    def adjective(self) -> str:
        """'weekly', 'monthly'."""
        return self.name + "ly"

    def count(self, n: int) -> str:
        """'13 weeks', '1 month'."""
        return f"{n:g} {self.name if n == 1 else self.plural}"

    def start(self, dates) -> pd.Series:
        """Each date's period start."""
        d = pd.to_datetime(pd.Series(dates)).dt.normalize()
        if self.name == "month":
            return d.dt.to_period("M").dt.start_time
        return d - pd.to_timedelta(d.dt.weekday, unit="D")

    def shift(self, when, n: int) -> pd.Timestamp:
        """The period start ``n`` periods after (or before) ``when``."""
        when = pd.Timestamp(when)
        return when + (pd.DateOffset(months=n) if self.name == "month" else pd.Timedelta(weeks=n))

    def range(self, start=None, periods: int | None = None, end=None) -> pd.DatetimeIndex:
        return pd.date_range(start=start, end=end, periods=periods, freq=self.pandas)

    def of_year(self, dates) -> np.ndarray:
        """1..season: the week of the year (a Monday-labelled week keeps its number; 53 folds into 52) or the month."""
        d = pd.to_datetime(pd.Series(dates))
        if self.name == "month":
            return d.dt.month.to_numpy(dtype=int)
        return (((d.dt.dayofyear - 1) // 7) + 1).clip(upper=52).to_numpy(dtype=int)

    def lag_words(self, n: int) -> str:
        """A lag in plain words: 'the week before', 'the same month last year', '3 months earlier'."""
        if n == 1:
            return f"the {self.name} before"
        if n == self.season:
            return f"the same {self.name} last year"
        return f"{self.count(n)} earlier"


WEEK = Frequency("week", "W-MON", season=52, horizon=13, encoder=52, min_encoder=8,
                 gbm_lags=(1, 2, 3, 4, 13, 26, 52), gbm_windows=(4, 13), duckdb_unit="week")
MONTH = Frequency("month", "MS", season=12, horizon=6, encoder=24, min_encoder=6,
                  gbm_lags=(1, 2, 3, 6, 12), gbm_windows=(3, 6), duckdb_unit="month")
FREQUENCIES = {"week": WEEK, "month": MONTH}


def of(name: str | None) -> Frequency:
    """The frequency named ``name`` ('week' when None: datasets stored before frequencies existed are weekly)."""
    if name in (None, ""):
        return WEEK
    try:
        return FREQUENCIES[str(name)]
    except KeyError:
        raise ValueError(f"unknown frequency '{name}' (choose week or month)") from None


def of_dates(dates) -> Frequency:
    """A frame's frequency from its period starts: month starts at least 28 days apart are monthly."""
    d = pd.to_datetime(pd.Series(dates).iloc[:5000]).dropna().unique()
    if len(d) < 2:
        return WEEK
    gaps = np.diff(np.sort(d.astype("datetime64[ns]"))) / np.timedelta64(1, "D")
    gaps = gaps[gaps > 0]
    if len(gaps) and gaps.min() >= 28 and (pd.DatetimeIndex(d).day == 1).all():
        return MONTH
    return WEEK
