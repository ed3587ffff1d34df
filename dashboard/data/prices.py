"""Shelf prices in the model frame: the regular price a series sells at outside promotions, and the price a week
pays under its promotion plan.

A sales file gives the price paid (``price``: the actual shelf price) and, where it has one, the regular price
(``regular_price``; the import turns the two into the discount when the file has no discount column,
sales_scan.py). The frame keeps:

- ``regular_price``: per series-week, the price outside promotions: the price of a week without a promotion; a
  promoted week carries the last one (files differ on whether their price in a promoted week is the price paid or
  the list price, so it is not read), as do future weeks (a What-if price change edits them,
  dashboard/planning/price_edits.py).
- ``price``: history as observed; a future week's is its regular price less its planned discount, so a plan's
  price follows its promotions (before, the last observed price was carried forward, a promotion's price included).
- ``price_index``: log(regular price / the series' median regular price over its history): a regular price change
  without a promotion, which the networks read as a known input beside the discount (``present``). The promotion's
  depth stays the discount: the counterfactuals that switch a promotion off (models/counterfactual.py) need not
  touch prices.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

REGULAR, INDEX = "regular_price", "price_index"
KEYS = ["sku", "region"]
MOVES = 0.01  # a dataset's regular prices "move" when some series' index leaves +-1 %


def add_to_frame(f: pd.DataFrame, last) -> pd.DataFrame:
    """``regular_price``, the future ``price`` and ``price_index`` on the model frame (rows sorted by series and
    week). ``last``: the last history week. A frame without prices gets none of the columns."""
    given = f[REGULAR].to_numpy(float) if REGULAR in f else np.full(len(f), np.nan)
    if "price" not in f:
        f["price"] = np.nan
    if f["price"].isna().all() and np.isnan(given).all():
        return f.drop(columns=[REGULAR], errors="ignore")
    hist = (f["week"] <= last).to_numpy()
    price = f["price"].to_numpy(float)
    disc = np.clip(f["discount_pct"].to_numpy(float), 0.0, 99.0) / 100.0
    promo = f["promo"].to_numpy(float)
    regular = np.where((disc > 0) | (promo > 0), np.nan, price)  # whatever a file's "price" means in promoted weeks
    regular = np.where(np.isnan(given), regular, given)  # the file's own regular price wherever it gives one
    regular[~hist | ~(regular > 0)] = np.nan  # a price of 0 is no price (a series' months without sales)
    reg = pd.Series(regular, index=f.index).groupby([f[k] for k in KEYS], sort=False)
    f[REGULAR] = reg.ffill().to_numpy()
    f[REGULAR] = f[REGULAR].groupby([f[k] for k in KEYS], sort=False).bfill()
    observed = f["price"].groupby([f[k] for k in KEYS], sort=False).ffill()
    f["price"] = observed.groupby([f[k] for k in KEYS], sort=False).bfill()
    f.loc[~hist, "price"] = (f.loc[~hist, REGULAR] * (1.0 - disc[~hist])).to_numpy()
    ref = f[REGULAR].where(hist).groupby([f[k] for k in KEYS], sort=False).transform("median")
    with np.errstate(divide="ignore", invalid="ignore"):
        f[INDEX] = np.log(f[REGULAR] / ref.where(ref > 0)).replace([np.inf, -np.inf], np.nan).fillna(0.0)
    return f


def present(frame: pd.DataFrame) -> list[str]:
    """``[price_index]`` when the frame's regular prices move (a known input of the networks), else []: a dataset
    whose prices never change (the bundled sample) or that has none keeps exactly the inputs it had."""
    if INDEX not in frame.columns:
        return []
    return [INDEX] if float(frame[INDEX].abs().max()) > MOVES else []


def shelf_price(frame: pd.DataFrame) -> pd.Series:
    """The price a week pays: its regular price less its discount (NaN without prices). The gradient-boosted
    model's price input reads this, so a counterfactual that switches a promotion off restores its price."""
    if REGULAR not in frame:
        return frame["price"] if "price" in frame else pd.Series(np.nan, index=frame.index)
    return frame[REGULAR] * (1.0 - frame["discount_pct"].clip(0, 99) / 100.0)


def change_regular(sub: pd.DataFrame, plan: pd.DataFrame, future: np.ndarray) -> pd.DataFrame:
    """A What-if's regular price changes (``plan``: sku, region, week, regular_price; NaN = no change) on the frame
    rows ``sub`` (``future``: which rows are forecast weeks): the regular price, the price and the index move
    together. Returns ``sub`` unchanged when the frame has no prices."""
    if REGULAR not in sub or plan is None or REGULAR not in plan or plan[REGULAR].isna().all():
        return sub
    new = sub[KEYS + ["week"]].merge(plan.loc[plan[REGULAR].notna(), KEYS + ["week", REGULAR]],
                                     on=KEYS + ["week"], how="left")[REGULAR].to_numpy(float)
    hit = future & ~np.isnan(new)
    if not hit.any():
        return sub
    sub = sub.copy()
    old = sub[REGULAR].to_numpy(float)
    sub.loc[hit, INDEX] = sub.loc[hit, INDEX].to_numpy() + np.log(new[hit] / old[hit])
    sub.loc[hit, REGULAR] = new[hit]
    sub.loc[hit, "price"] = new[hit] * (1.0 - sub.loc[hit, "discount_pct"].clip(0, 99).to_numpy() / 100.0)
    return sub


def regular_now(frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
    """sku, region, regular_price: each series' regular price in its first forecast week (NaN without prices):
    what a What-if's shelf price is read against."""
    first = frame[frame["time_idx"] == start_idx]
    cols = KEYS + [REGULAR]
    return first[cols] if REGULAR in first else first[KEYS].assign(**{REGULAR: np.nan})
