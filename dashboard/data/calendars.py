"""Holidays (the `holidays` package), custom events and weather, turned into weekly features.

Weeks are identified by their Monday. A holiday "falls in" the week whose Monday..Sunday holds it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import periods

# Holidays that move demand enough to plan around; every custom event counts as major.
MAJOR_KEYWORDS = (
    "new year", "easter", "memorial", "independence", "labor day", "thanksgiving", "christmas",
    "assumption", "ferragosto", "whit", "pentecost", "boxing", "good friday", "canada day",
    "victoria", "bank holiday", "national day", "liberation",
)
MAX_WEEKS_TO_HOLIDAY = 8  # beyond two months the distance carries no signal; cap it


@dataclass(frozen=True)
class RegionCalendar:
    region: str
    country: str = "US"
    subdiv: str | None = None


def week_start(dates: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """The Monday of each date's week."""
    d = pd.to_datetime(pd.Series(dates)).dt.normalize()
    return d - pd.to_timedelta(d.dt.weekday, unit="D")


def week_of_year(dates) -> pd.Series:
    """1..52 from the day of year (a Monday-labelled week keeps its number across years; 53 folds into 52)."""
    d = pd.to_datetime(pd.Series(dates))
    return (((d.dt.dayofyear - 1) // 7) + 1).clip(upper=52).astype(int)


def is_major(name: str) -> bool:
    low = name.lower()
    return any(k in low for k in MAJOR_KEYWORDS)


def holiday_dates(country: str, subdiv: str | None, years: list[int]) -> pd.DataFrame:
    """Public holidays of a country (and subdivision): date, name, major."""
    import holidays

    try:
        cal = holidays.country_holidays(country, subdiv=subdiv or None, years=years)
    except NotImplementedError as exc:  # unknown country code
        raise ValueError(f"Unknown holiday country '{country}'") from exc
    rows = [(pd.Timestamp(d), n, is_major(n)) for d, n in sorted(cal.items())]
    return pd.DataFrame(rows, columns=["date", "name", "major"])


def weekly_holiday_features(
    weeks: pd.Series | list,
    calendars: list[RegionCalendar],
    custom_events: pd.DataFrame | None = None,
    freq: periods.Frequency = periods.WEEK,
) -> pd.DataFrame:
    """Per region x week: holiday (any in the week), major_holiday, holiday_name, weeks_to_holiday.

    weeks_to_holiday counts weeks until the week holding the next major holiday (0 = this week),
    capped at MAX_WEEKS_TO_HOLIDAY. Custom events (date, name[, region]) apply to every region
    unless a region column names one. By month (``freq``), ``holiday`` and ``major_holiday`` count the month's
    holidays (Easter's month holds Good Friday and Easter Sunday) and the distance is in months.
    """
    weeks = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(weeks)))))
    if len(weeks) == 0:
        return pd.DataFrame(columns=["region", "week", "holiday", "major_holiday", "holiday_name", "weeks_to_holiday"])
    # look one year past the last week so the distance to the next holiday is known at the end
    years = list(range(weeks.min().year, weeks.max().year + 2))
    out = []
    for cal in calendars:
        hol = holiday_dates(cal.country, cal.subdiv, years)
        if custom_events is not None and len(custom_events):
            ev = custom_events.copy()
            if "region" in ev.columns:
                ev = ev[ev["region"].isna() | (ev["region"].astype(str).isin([cal.region, "all", ""]))]
            ev = pd.DataFrame({"date": pd.to_datetime(ev["date"]), "name": ev["name"].astype(str), "major": True})
            hol = pd.concat([hol, ev], ignore_index=True)
        out.append(_features_for(weeks, hol, cal.region, freq))
    return pd.concat(out, ignore_index=True)


def _features_for(weeks: pd.DatetimeIndex, hol: pd.DataFrame, region: str,
                  freq: periods.Frequency = periods.WEEK) -> pd.DataFrame:
    hol = hol.assign(week=freq.start(hol["date"]).values)
    by_week = hol.groupby("week").agg(name=("name", lambda s: "; ".join(sorted(set(s)))), major=("major", "max"),
                                      n=("date", "nunique"), n_major=("major", "sum"))
    frame = pd.DataFrame({"week": weeks})
    frame["region"] = region
    frame["holiday_name"] = frame["week"].map(by_week["name"]).fillna("")
    major_weeks = np.array(sorted(by_week.index[by_week["major"].astype(bool)]), dtype="datetime64[ns]")
    if freq is periods.WEEK:
        frame["holiday"] = frame["week"].isin(by_week.index).astype(np.int8)
        frame["major_holiday"] = frame["week"].isin(major_weeks).astype(np.int8)
    else:  # a month holds several: count them
        frame["holiday"] = frame["week"].map(by_week["n"]).fillna(0).astype(np.int8)
        frame["major_holiday"] = frame["week"].map(by_week["n_major"]).fillna(0).astype(np.int8)
    w = frame["week"].values.astype("datetime64[ns]")
    if len(major_weeks):
        idx = np.searchsorted(major_weeks, w, side="left")
        nxt = major_weeks[np.minimum(idx, len(major_weeks) - 1)]
        if freq is periods.WEEK:
            dist = ((nxt - w) / np.timedelta64(7, "D")).astype(float)
        else:
            dist = np.round((nxt - w) / np.timedelta64(1, "D") / 30.44).astype(float)
        dist[(idx >= len(major_weeks)) | (dist < 0)] = MAX_WEEKS_TO_HOLIDAY
    else:
        dist = np.full(len(w), MAX_WEEKS_TO_HOLIDAY, dtype=float)
    frame["weeks_to_holiday"] = np.minimum(dist, MAX_WEEKS_TO_HOLIDAY).astype(np.int16)
    return frame[["region", "week", "holiday", "major_holiday", "holiday_name", "weeks_to_holiday"]]


def parse_custom_events(text: str) -> pd.DataFrame:
    """Typed events, one per line: 'YYYY-MM-DD, name'. Raises ValueError naming bad lines."""
    rows, bad = [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",", 1)]
        try:
            d = pd.Timestamp(parts[0])
            if pd.isna(d):
                raise ValueError
        except (ValueError, TypeError):
            bad.append(i)
            continue
        rows.append((d, parts[1] if len(parts) > 1 and parts[1] else "event"))
    if bad:
        raise ValueError(f"custom events: unparsable date on line(s) {bad}; expected 'YYYY-MM-DD, name'")
    return pd.DataFrame(rows, columns=["date", "name"])


def seasonal_normal_weather(weather: pd.DataFrame, future_weeks: list) -> pd.DataFrame:
    """Default future weather: per region, the average of past years for the same week (or month) of year."""
    w = weather.copy()
    freq = periods.of_dates(w["week"])
    w["woy"] = freq.of_year(w["week"])
    cols = [c for c in ("temperature", "precipitation") if c in w.columns]
    normal = w.groupby(["region", "woy"])[cols].mean().reset_index()
    fut = pd.DataFrame({"week": pd.to_datetime(list(future_weeks))})
    fut["woy"] = freq.of_year(fut["week"])
    out = fut.merge(normal, on="woy").drop(columns="woy")
    out["source"] = "average of past years"
    return out
