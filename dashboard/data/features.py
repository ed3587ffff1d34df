"""Stored sales -> the long model frame: one row per SKU x region x week with known future inputs.

``region`` is the series' location: the region, or the store for a dataset kept at store grain, whose region is
then ``area`` (dashboard/data/grain.py). Holidays and weather follow the area; cannibalization the location.

Known future inputs (the planner knows them for the forecast weeks): promo, discount, the share and
mean discount of the *other* SKUs of the category on promotion (cannibalization), holidays, week of
year, temperature, and units of the same week last year (lag 52).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.data import keyed, mechanics, past_inputs, prices
from dashboard.data.calendars import RegionCalendar, seasonal_normal_weather, weekly_holiday_features

KNOWN_REALS = ["promo", "discount_pct", "cat_promo_share", "cat_mean_discount", "holiday", "major_holiday",
               "weeks_to_holiday", "woy_sin", "woy_cos", "temperature", "lag52_log", "lag52_known"]
KEYS = ["sku", "region"]


def build_frame(sales: pd.DataFrame, calendars: list[RegionCalendar], events: pd.DataFrame | None = None,
                weather: pd.DataFrame | None = None, future: pd.DataFrame | None = None,
                horizon: int = 0, past: pd.DataFrame | None = None,
                calendar_weeks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Complete grid per series from its first week to the last (+ ``horizon`` future weeks).

    Missing weeks inside a series are zero sales (retail files omit rows with no sales).
    ``future`` optionally gives promo/discount_pct per sku, region, week for the future weeks; ``past`` the sales
    file's past-only inputs (week, region, sku, name, value: ``past_<name>`` columns, past_inputs.py);
    ``calendar_weeks`` the promotion calendar's series-weeks with their mechanics (``calendar_plan`` over history
    and future: ``mech_*`` columns for the mechanics the history holds, mechanics.py).
    """
    s = sales.copy()
    s["week"] = pd.to_datetime(s["week"])
    last = s["week"].max()
    freq = periods.of_dates(s["week"])  # weekly or monthly: the periods' own spacing (dashboard/periods.py)
    all_weeks = freq.range(s["week"].min(), end=freq.shift(last, horizon))
    if "area" not in s:
        s["area"] = s["region"]
    first = s.groupby(KEYS, as_index=False).agg(first_week=("week", "min"), category=("category", "first"),
                                                area=("area", "first"))
    idx = {w: i for i, w in enumerate(all_weeks)}
    start = first["first_week"].map(idx).to_numpy()
    n = len(all_weeks) - start
    rep = np.repeat(np.arange(len(first)), n)
    offs = np.concatenate([np.arange(a, len(all_weeks)) for a in start]) if len(first) else np.array([], int)
    grid = pd.DataFrame({
        "sku": first["sku"].to_numpy()[rep], "region": first["region"].to_numpy()[rep],
        "category": first["category"].to_numpy()[rep], "area": first["area"].to_numpy()[rep],
        "week": all_weeks[offs], "time_idx": offs,
    })
    cols = ["units", "price", "promo", "discount_pct"]
    if prices.REGULAR in s and s[prices.REGULAR].notna().any():  # the file's own regular price (prices.py)
        cols.append(prices.REGULAR)
    f = grid.merge(s[KEYS + ["week"] + cols], on=KEYS + ["week"], how="left")
    hist = f["week"] <= last
    f.loc[hist, "units"] = f.loc[hist, "units"].fillna(0.0)
    for c in ("promo", "discount_pct"):
        f[c] = f[c].fillna(0.0)
    if future is not None and len(future):
        f = apply_plan(f, future)
    f = prices.add_to_frame(f, last)  # the regular price and the plan's price (the grid is in week order)
    f = add_category_promo(f)
    woy = freq.of_year(f["week"])  # the week of the year, or the month
    f["woy"] = woy
    f["woy_sin"], f["woy_cos"] = np.sin(2 * np.pi * woy / freq.season), np.cos(2 * np.pi * woy / freq.season)
    hol = weekly_holiday_features(all_weeks, calendars or [RegionCalendar(r) for r in f["area"].unique()], events,
                                  freq)
    hol = hol.rename(columns={"region": "area"})[["area", "week", "holiday", "major_holiday", "weeks_to_holiday"]]
    got = keyed.at_rows(f, hol.drop_duplicates(["area", "week"]), ["holiday", "major_holiday", "weeks_to_holiday"],
                        keys=["area", "week"])
    for c in ("holiday", "major_holiday", "weeks_to_holiday"):
        f[c] = got[c].to_numpy()
    for c in ("holiday", "major_holiday"):
        f[c] = f[c].fillna(0).astype(float)
    f["weeks_to_holiday"] = f["weeks_to_holiday"].fillna(8).astype(float)
    f = add_weather(f, weather, last)
    f = add_lag52(f, freq.season)
    f = past_inputs.add_to_frame(f, past)
    f = mechanics.add_to_frame(f, calendar_weeks)
    if future is not None and len(future):
        f = mechanics.apply_plan(f, future)  # a what-if's promotion types over the calendar's
    f["series"] = f["sku"].astype(str) + "|" + f["region"].astype(str)
    # already in series and week order (the grid's, kept by every step since): a sort was a whole copy of the frame
    f.reset_index(drop=True, inplace=True)
    return f


def apply_plan(f: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Overwrite promo/discount_pct of the rows named in ``plan`` (sku, region, week, promo, discount_pct)."""
    p = plan[KEYS + ["week", "promo", "discount_pct"]].copy()
    p["week"] = pd.to_datetime(p["week"])
    got = keyed.at_rows(f, p, ["promo", "discount_pct"])  # not a merge of the whole frame (keyed.py)
    for c in ("promo", "discount_pct"):
        f[c] = got[c].combine_first(f[c]).to_numpy(float)
    return f


def add_category_promo(f: pd.DataFrame) -> pd.DataFrame:
    """Share of the *other* SKUs of the same category x region on promo that week, and their mean discount."""
    on = (f["promo"] > 0).astype(float)
    g = on.groupby([f["category"], f["region"], f["week"]], sort=False)
    others = (g.transform("size").astype(float) - 1).clip(lower=1)
    f["cat_promo_share"] = (g.transform("sum") - on) / others
    disc = f["discount_pct"].groupby([f["category"], f["region"], f["week"]], sort=False).transform("sum")
    f["cat_mean_discount"] = (disc - f["discount_pct"]) / others
    return f


def add_weather(f: pd.DataFrame, weather: pd.DataFrame | None, last) -> pd.DataFrame:
    """Temperature per region-week; future weeks without a forecast get the average of past years."""
    if weather is None or weather.empty:
        f["temperature"] = 0.0
        f["weather_source"] = "none"
        return f
    w = weather[["week", "region", "temperature"]].copy()
    w["week"] = pd.to_datetime(w["week"])
    w["weather_source"] = np.where(w["week"] <= last, "observed", "forecast file")
    got = keyed.at_rows(f, w.rename(columns={"region": "area"}).drop_duplicates(["area", "week"], keep="last"),
                        ["temperature", "weather_source"], keys=["area", "week"])
    f["temperature"], f["weather_source"] = got["temperature"].to_numpy(float), got["weather_source"].to_numpy()
    missing = f["temperature"].isna()
    if missing.any():
        normal = seasonal_normal_weather(w[w["week"] <= last], sorted(f.loc[missing, "week"].unique()))
        fill = f.loc[missing, ["area", "week"]].merge(normal.rename(columns={"region": "area"}), on=["area", "week"],
                                                      how="left")
        f.loc[missing, "temperature"] = fill["temperature"].to_numpy()
        f.loc[missing, "weather_source"] = "average of past years"
    f["temperature"] = f["temperature"].fillna(f["temperature"].mean()).fillna(0.0)
    return f


def add_lag52(f: pd.DataFrame, season: int = 52) -> pd.DataFrame:
    """log1p(units a year earlier: 52 weeks, or 12 months) and whether it exists (young series have no last year).
    The columns keep their weekly names (``lag52_log``) at either frequency. ``f``'s rows are each series' weeks in
    order (``build_frame``'s grid: a sort here was a whole copy of the frame)."""
    lag = f.groupby(KEYS, sort=False)["units"].shift(season)
    f["lag52_known"] = lag.notna().astype(float)
    f["lag52_log"] = np.log1p(lag.fillna(0.0).clip(lower=0))
    return f


def calendar_plan(promotions: pd.DataFrame, series: pd.DataFrame, weeks) -> pd.DataFrame:
    """Expand a promotion calendar (sku/category/region may be NULL = all) into weekly rows per series.

    ``series`` has sku, region, category (and area at store grain: a promotion's region then covers the region's
    stores). Returns sku, region, week, promo (1.0), discount_pct, promo_type, funded_pct and scan_allowance (the
    supplier's funding of that promotion, NaN where the calendar gives none) for every series-week a promotion covers (the deepest discount wins when several overlap; on a tie, the later
    row of the calendar; the week holds the mechanics of all of them: ``mech_*``, dashboard/data/mechanics.py).
    Vectorised: the reference case's 1,349 planned promotions took 11 s row by row. By month
    (``weeks`` are month starts), ``promo`` is the share of the month's days the promotion covers.
    """
    cols = ["sku", "region", "week", "promo", "discount_pct", "promo_type", "funded_pct", "scan_allowance",
            *mechanics.COLUMNS]
    weeks = pd.DatetimeIndex(sorted(pd.to_datetime(list(weeks))))
    if promotions is None or promotions.empty or not len(weeks):
        return pd.DataFrame(columns=cols)
    period = periods.of_dates(weeks) if len(weeks) > 1 else periods.WEEK
    start, end = pd.to_datetime(promotions["start_week"]), pd.to_datetime(promotions["end_week"])
    p = promotions[(end >= weeks.min()) & (period.start(start).to_numpy() <= weeks.max())].reset_index(drop=True)
    if p.empty:  # no promotion of the calendar touches these weeks (a past window before the plan's first)
        return pd.DataFrame(columns=cols)
    p = p.assign(_pid=np.arange(len(p)), _lo=weeks.searchsorted(period.start(p["start_week"]), "left"),
                 _first=pd.to_datetime(p["start_week"]), _last=pd.to_datetime(p["end_week"]),
                 _hi=weeks.searchsorted(pd.to_datetime(p["end_week"]), "right"),
                 discount_pct=pd.to_numeric(p["discount_pct"], errors="coerce").fillna(0.0).astype(float),
                 **{c: pd.to_numeric(p[c], errors="coerce").astype(float) if c in p else np.nan
                    for c in ("funded_pct", "scan_allowance")})
    p["promo_type"] = p["promo_type"].where(p["promo_type"].notna() & (p["promo_type"].astype(str) != ""), "promo") \
        if "promo_type" in p else "promo"
    given = {}
    for c in ("sku", "region", "category"):
        v = p[c] if c in p else pd.Series(None, index=p.index, dtype=object)
        given[c] = v.map(lambda x: isinstance(x, str) and bool(x.strip()) and x.strip().lower() != "all")
        p[c] = v.where(given[c], None).map(lambda x: x.strip() if isinstance(x, str) else x)
    pattern = given["sku"].astype(int) * 4 + given["region"].astype(int) * 2 + given["category"].astype(int)
    ser = series[["sku", "region", "category"]].astype(str).drop_duplicates()
    ser["_area"] = series.loc[ser.index, "area"].astype(str) if "area" in series else ser["region"]
    parts = []
    for _, g in p.groupby(pattern, sort=False):  # one merge per combination of the columns a promotion names
        on = [c for c in ("sku", "region", "category") if given[c][g.index[0]]]
        keep = g[["_pid", "_lo", "_hi", "_first", "_last", "discount_pct", "promo_type", "funded_pct",
                  "scan_allowance"] + on].rename(
            columns={"region": "_area"})
        on = ["_area" if c == "region" else c for c in on]
        parts.append(keep.merge(ser, on=on) if on else keep.merge(ser, how="cross"))
    hit = pd.concat(parts, ignore_index=True)
    n = (hit["_hi"] - hit["_lo"]).clip(lower=0).to_numpy()
    if not n.sum():
        return pd.DataFrame(columns=cols)
    rep = np.repeat(np.arange(len(hit)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    out = hit.iloc[rep].reset_index(drop=True)
    out["week"] = weeks[out["_lo"].to_numpy() + offset]
    mech = mechanics.union_by_week(out[["sku", "region", "week", "promo_type"]])  # every promotion's mechanics
    out = out.sort_values(["discount_pct", "_pid"], kind="stable").drop_duplicates(["sku", "region", "week"], keep="last")
    out = out.merge(mech, on=["sku", "region", "week"], how="left")
    out["promo"] = 1.0
    if period is periods.MONTH:  # the share of the month's days on promotion
        month_end = out["week"] + pd.offsets.MonthEnd(0)
        days = (np.minimum(out["_last"], month_end) - np.maximum(out["_first"], out["week"])).dt.days + 1
        out["promo"] = (days.clip(lower=0) / out["week"].dt.days_in_month).clip(upper=1.0).to_numpy(float)
    return out[cols].sort_values(["sku", "region", "week"]).reset_index(drop=True)
