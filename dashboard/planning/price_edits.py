"""A What-if edit by price: a promotion given by its shelf price instead of its discount, and a regular price
change without a promotion (``type=price change``). The frame's prices are dashboard/data/prices.py's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.data.prices import REGULAR

PRICE_CHANGE = "price change"  # the What-if's type for a new regular price, no promotion


def is_price_change(promo_type) -> bool:
    return str(promo_type or "").strip().lower() in (PRICE_CHANGE, "price", "price_change")


def given(value) -> float | None:
    """The edit's shelf price, None where the row has none (an empty cell, NaN, or a table saved before)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def regular_of(hit: pd.DataFrame, regular: pd.DataFrame | None, i: int) -> np.ndarray:
    """Each covered series' regular price; ValueError naming the edit when the data has no prices."""
    r = (hit[["sku", "region"]].merge(regular, on=["sku", "region"], how="left")[REGULAR].to_numpy(float)
         if regular is not None and REGULAR in regular else np.full(len(hit), np.nan))
    if np.isnan(r).any():
        raise ValueError(f"edit {i}: the sales data has no prices for these series, so a shelf price cannot be read: "
                         "give the discount % instead")
    return r


def shelf_to_discount(hit: pd.DataFrame, shelf: float, regular: pd.DataFrame | None, i: int) -> np.ndarray:
    """The discount % of a promotion given by its shelf price, per covered series: the cut below each series'
    regular price. ValueError naming the edit and a series whose regular price the shelf price does not cut."""
    if shelf <= 0:
        raise ValueError(f"edit {i}: a shelf price must be above 0 ({shelf:g} given)")
    r = regular_of(hit, regular, i)
    above = np.flatnonzero(shelf >= r)
    if len(above):
        k = above[0]
        raise ValueError(f"edit {i}: a shelf price of {shelf:g} is no cut for {hit['sku'].iloc[k]} "
                         f"{hit['region'].iloc[k]} (regular price {r[k]:.2f}): give a lower price, or the type "
                         f"'{PRICE_CHANGE}' for a new regular price")
    return np.round(100.0 * (1.0 - shelf / r), 2)


def price_change(hit: pd.DataFrame, shelf: float | None, regular: pd.DataFrame | None, i: int) -> pd.DataFrame:
    """The rows of a regular price change: the weeks' promotions stay as planned (promo and discount NaN: no
    change), their regular price becomes ``shelf``."""
    if shelf is None or shelf <= 0:
        raise ValueError(f"edit {i}: a '{PRICE_CHANGE}' needs the new regular price in its shelf price")
    regular_of(hit, regular, i)
    return hit.assign(promo=np.nan, discount_pct=np.nan, promo_type=PRICE_CHANGE, **{REGULAR: float(shelf)})


def combine(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per series-week: of several promotion edits the last wins, as of several price changes; a week with
    both is the promotion at the new regular price."""
    keys = ["sku", "region", "week"]
    change = rows["promo_type"].map(is_price_change).astype(bool)
    chg = rows[change].drop_duplicates(keys, keep="last")
    pro = rows[~change].drop_duplicates(keys, keep="last")
    pro = pro.drop(columns=REGULAR).merge(chg[keys + [REGULAR]], on=keys, how="left")
    alone = chg.merge(pro[keys], on=keys, how="left", indicator=True)
    alone = alone[alone["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([pro, alone], ignore_index=True)
