"""What the gradient-boosted model reads, named once: mlforecast's lags and rolling statistics of units (computed
from weeks before the forecast origin only, and recursively from the model's own forecasts past it), the model
frame's known future inputs (``dashboard.data.features``: the same columns the networks and the what-if use),
and the series' ids as categorical features.

``long_format`` turns the model frame into mlforecast's long format (unique_id, ds, y, inputs); ``groups`` sorts a
feature into static / past / known-future for the Explain page, as the TFT's variable selection is grouped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.data import mechanics, prices
from dashboard.data.features import KNOWN_REALS

LAGS = (1, 2, 3, 4, 13, 26, 52)  # weekly; a monthly dataset's: 1, 2, 3, 6, 12 (dashboard/periods.py, ``lags``)
# rolling means of the last 4 and 13 weeks (from lag 1), and of the 3 weeks around the same week last year
# (weeks t-51, t-52, t-53: a rolling mean of 3 over lag 51); by month, of the last 3 and 6 months and of months
# t-11, t-12, t-13
ROLLING = {1: (4, 13), 51: (3,)}


def lags(period: periods.Frequency = periods.WEEK) -> list[int]:
    return list(period.gbm_lags)
# known future inputs read from the model frame. lag52_log is left out: mlforecast's own lag 52 is the same week
# last year on the model's target scale; woy (the week number) replaces its sine and cosine, trees split it directly
# promo_prev / promo_next: the week before and after on promotion (pantry loading before, the dip after): 0.2-0.4
# WAPE points better on the sample and pasta over 3 seeds (`python -m bench.gbm_variants`, variant -promo-around)
KNOWN = [c for c in KNOWN_REALS if c not in ("lag52_log", "lag52_known", "woy_sin", "woy_cos")] + [
    "woy", "rel_price", "promo_prev", "promo_next"]
STATIC = ["sku", "region", "category"]


def rolling(period: periods.Frequency = periods.WEEK) -> dict[int, tuple]:
    return {1: period.gbm_windows, period.season - 1: (3,)}


def lag_transforms(period: periods.Frequency = periods.WEEK) -> dict:
    from mlforecast.lag_transforms import RollingMean

    return {lag: [RollingMean(window_size=w) for w in windows] for lag, windows in rolling(period).items()}


def statics(frame: pd.DataFrame) -> list[str]:
    """The categorical ids: SKU, location, category, and the region of a store-grain dataset."""
    if "area" not in frame:
        return list(STATIC)
    differ = (frame["area"].astype(str).to_numpy() != frame["region"].astype(str).to_numpy()).any()
    return STATIC + (["area"] if differ else [])


def known(frame: pd.DataFrame, period: periods.Frequency = periods.WEEK) -> list[str]:
    """The known inputs this dataset holds: price only where the data has it. By month, no promotion the month
    before or after: a month's promotion share already holds a promotion's spill into the next month, and on the
    monthly sample the model read them as a dip after every promotion that its truth does not have (a two-month
    what-if lost more in the months after than it gained)."""
    by_month = ("promo_prev", "promo_next") if period is periods.MONTH else ()
    return [c for c in KNOWN if (c != "rel_price" or ("price" in frame and frame["price"].notna().any()))
            and c not in by_month] + mechanics.present(frame)  # the promotion mechanics its calendar holds


def long_format(frame: pd.DataFrame, categories: dict[str, list] | None = None,
                inputs: list[str] | None = None) -> pd.DataFrame:
    """unique_id, ds, y (units), the static ids as categoricals (on ``categories``' levels when given, so a later
    frame codes a SKU as training did) and the known ``inputs`` (default: ``known(frame)``)."""
    ids = statics(frame) if categories is None else list(categories)
    out = pd.DataFrame({"unique_id": series_ids(frame), "ds": pd.to_datetime(frame["week"]).to_numpy(),
                        "y": frame["units"].to_numpy(float)})
    for c in ids:
        out[c] = _categorical(frame[c], None if categories is None else categories[c])
    for c in known(frame) if inputs is None else inputs:
        out[c] = _known(frame, c).astype(np.float32)  # trees bin them: float32 halves the frame at store grain
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def series_ids(frame: pd.DataFrame) -> pd.Categorical:
    """'sku|region' per row as a categorical whose levels sort as the strings do: one label per series, not one
    string per row (11.9 M strings, about 0.9 GB, at store grain)."""
    sku, sku_levels = pd.factorize(frame["sku"])
    region, region_levels = pd.factorize(frame["region"])
    n = max(1, len(region_levels))
    pair = sku.astype(np.int64) * n + region
    uniq, codes = np.unique(pair, return_inverse=True)
    labels = np.array([f"{sku_levels[p // n]}|{region_levels[p % n]}" for p in uniq], dtype=object)
    order = np.argsort(labels, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return pd.Categorical.from_codes(rank[codes], categories=labels[order])


def _categorical(column: pd.Series, levels: list | None) -> pd.Categorical:
    """``column`` as a categorical of its values as strings (on ``levels`` when given), coded from its distinct
    values rather than a string per row."""
    codes, uniques = pd.factorize(column)
    strings = np.array([str(u) for u in uniques], dtype=object)
    if levels is None:
        levels = sorted(set(strings))
    position = pd.Index(levels).get_indexer(strings)  # -1: a value training never saw
    mapped = np.where(codes >= 0, position[np.maximum(codes, 0)] if len(position) else -1, -1)
    return pd.Categorical.from_codes(mapped, categories=levels)


def _known(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column in ("promo_prev", "promo_next"):  # the week before / after on promotion: pantry loading, the dip after
        step = 1 if column == "promo_prev" else -1
        order = frame.sort_values(["sku", "region", "time_idx"]).index
        shifted = frame.loc[order].groupby(["sku", "region"], sort=False, observed=True)["promo"].shift(step)
        return shifted.reindex(frame.index).to_numpy(float)
    if column == "rel_price":  # price against the series' own median: a price cut without a promotion reads as one
        if "price" not in frame or frame["price"].isna().all():
            return np.full(len(frame), np.nan)
        # the week's price is its regular price less its discount (dashboard/data/prices.py), so a counterfactual
        # that switches a promotion off restores the price too; a frame made before regular prices: the price itself
        price = prices.shelf_price(frame)
        med = price.groupby([frame["sku"], frame["region"]], sort=False, observed=True).transform("median")
        return (price / med.where(med > 0)).fillna(1.0).to_numpy(float)
    if column not in frame:
        return np.zeros(len(frame))
    return frame[column].to_numpy(float)


def groups(feature: str) -> str:
    """static, past (lags and rolling statistics of units) or known future."""
    if feature in STATIC or feature == "area":
        return "static"
    if feature.startswith(("lag", "rolling")):
        return "past"
    return "known future"


LABELS = {"promo": "promotion", "discount_pct": "discount depth", "cat_promo_share": "promotions on other SKUs of the "
          "category", "cat_mean_discount": "their mean discount", "holiday": "holidays", "major_holiday": "a major "
          "holiday", "weeks_to_holiday": "weeks to the next major holiday", "woy": "week of the year",
          "temperature": "temperature", "rel_price": "price against its usual", "sku": "the SKU itself",
          "region": "the location", "category": "the category", "area": "the region",
          "promo_prev": "a promotion the week before", "promo_next": "a promotion the week after"}


def label(feature: str, period: periods.Frequency = periods.WEEK) -> str:
    """A feature in a planner's words: lag13 -> 'sales 13 weeks earlier'; lag12 of a monthly model -> 'sales the
    same month last year'."""
    if period is periods.MONTH and feature in ("woy", "weeks_to_holiday"):
        return {"woy": "month of the year", "weeks_to_holiday": "months to the next major holiday"}[feature]
    if feature in LABELS:
        return LABELS[feature]
    if feature.startswith("lag") and feature[3:].isdigit():
        return "sales " + period.lag_words(int(feature[3:]))
    if feature.startswith("rolling_mean_lag"):
        lag, window = feature[len("rolling_mean_lag"):].split("_window_size")
        if int(lag) == period.season - 1:
            return f"sales around the same {period.name} last year"
        return f"mean sales of the last {period.count(int(window))}"
    return feature
