"""Units into money: regular price from the data, unit cost from a margin % per category, discount from the plan.

For one promotion (event) and one quantile of the forecasts, with ``W`` the units without the promotion, ``own``
its own effect, ``d`` the discount, ``reg`` the regular price and ``cost = reg x (1 - margin %)``:

- discount on baseline units: ``-W x reg x d`` (what the units that would have sold anyway give away);
- uplift: ``own x (reg x (1 - d) - cost)`` in margin, ``own x reg x (1 - d)`` in revenue;
- cannibalization: its share of the siblings' lost (or won) units, each at that sibling's margin that week;
- dip: ``own x (reg - cost)`` over the weeks after it;
- supplier funding (margin only): ``sold x (funded % x reg x d + allowance)`` over its weeks, ``sold`` the units the
  series sells on promotion (forecast, or actual for a past one): the share of the discount the supplier pays and
  its scan allowance per unit, per promotion (its calendar row) or else per category (``Store.funding``);
- net: the sum, the promotion's incremental margin for the retailer (revenue alike, without funding); the
  supplier's cost of it is the funding.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.promotions.decompose import Q, group_codes, sibling_shares

DEFAULT_MARGIN_PCT = 30.0  # until a planner enters the category's margin
PRICE_WEEKS = 26  # regular price: median price of the last 26 weeks without a promotion


def regular_prices(frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
    """sku, region, regular_price: the median price of the series' last ``PRICE_WEEKS`` non-promoted weeks before
    ``start_idx`` (all its priced weeks when it was always on promotion; NaN when the data has no price)."""
    h = frame[(frame["time_idx"] < start_idx) & frame["units"].notna()][["sku", "region", "time_idx", "price", "promo"]]
    h = h[h["price"].notna() & (h["price"] > 0)]
    regular = h[h["promo"] <= 0].sort_values("time_idx").groupby(["sku", "region"]).tail(PRICE_WEEKS)
    out = regular.groupby(["sku", "region"], as_index=False)["price"].median()
    anyp = h.groupby(["sku", "region"], as_index=False)["price"].median()
    out = anyp.merge(out, on=["sku", "region"], how="left", suffixes=("_any", ""))
    out["regular_price"] = out["price"].fillna(out["price_any"])
    return out.assign(sku=out["sku"].astype(str), region=out["region"].astype(str))[["sku", "region", "regular_price"]]


def with_prices(w: pd.DataFrame, prices: pd.DataFrame, margins: dict[str, float],
                entered: dict[str, float] | None = None, funding: dict[str, dict] | None = None) -> pd.DataFrame:
    """Adds regular_price, price (the plan's, after discount), margin_pct, unit_margin (at price) and
    regular_margin (at the regular price) to the weekly rows. ``entered``: a regular price per category for the
    series whose data has none. ``funding``: per category, the supplier's ``funded_pct`` of the discount and its
    ``scan_allowance`` per unit sold on promotion (columns of the same names; 0 where none is entered), and
    ``supplier_unit_margin``: the supplier's own margin per unit (its ``supplier_margin_pct`` of the retailer's cost,
    0 where none is entered)."""
    w = w.merge(prices, on=["sku", "region"], how="left")
    per_category = _by_category(w["category"])
    if entered:
        w["regular_price"] = w["regular_price"].fillna(pd.Series(per_category(lambda c: entered.get(c, np.nan)), index=w.index))
    w["margin_pct"] = per_category(lambda c: float(margins.get(c, DEFAULT_MARGIN_PCT)))
    cost = w["regular_price"] * (1 - w["margin_pct"] / 100)
    disc = np.where(w["promo"] > 0, w["discount_pct"] / 100, 0.0)
    w["price"] = w["regular_price"] * (1 - disc)
    w["unit_margin"] = w["price"] - cost
    w["regular_margin"] = w["regular_price"] - cost
    supplier = per_category(lambda c: float((funding or {}).get(c, {}).get("supplier_margin_pct") or 0.0))
    w["supplier_unit_margin"] = cost * supplier / 100  # the supplier's margin on a unit it sells you
    for col in ("funded_pct", "scan_allowance"):  # a promotion's own funding (its calendar row) before its category's
        category = per_category(lambda c: float((funding or {}).get(c, {}).get(col) or 0.0))
        own = pd.to_numeric(w[col], errors="coerce").to_numpy(float) if col in w else np.full(len(w), np.nan)
        w[col] = np.where(np.isnan(own), category, own)
    return w


def _by_category(category: pd.Series):
    """``f(category name) -> number`` for every row, ``f`` called once per category (a call per row was most of
    ``with_prices``' second at store grain's 972,400 plan rows)."""
    codes, names = pd.factorize(category.astype(str))

    def per_category(f) -> np.ndarray:
        return np.asarray([f(c) for c in names], dtype=float)[codes] if len(names) else np.zeros(len(codes))
    return per_category


def event_effects(w: pd.DataFrame, ev: pd.DataFrame, siblings: bool = True, sold: str | None = None) -> pd.DataFrame:
    """Per event and quantile: units (baseline, uplift, cannibalization, dip, net) and the same in revenue and margin.

    ``w`` is the weekly table of ``decompose.weekly`` + ``decompose.events`` + ``with_prices``; with
    ``siblings=False`` (past promotions, judged on actuals) cannibalization is left out. ``sold``: the column of the
    units sold on promotion the supplier's funding is paid on (default each quantile's forecast; ``units``: the
    actuals of a past promotion). ``supplier_margin_<q>``: the supplier's margin on the promoted SKU's own uplift and
    dip (its siblings may be another supplier's) less the funding it pays."""
    out = ev.set_index("event").copy()
    in_event, in_dip = (w["event"] >= 0).to_numpy(), (w["dip_of"] >= 0).to_numpy()
    by_event = _event_sums(w, out.index)
    share = sibling_shares(w) if siblings else None
    cells = group_codes(w) if siblings else None  # category x region x week, numbered once for every quantile
    disc = np.where(w["promo"] > 0, w["discount_pct"] / 100, 0.0)
    for q in Q:
        own, base = w[f"own_{q}"], w[f"without_own_{q}"]
        parts = {
            "baseline": (base, base * 0, base * 0, in_event),
            "discount": (base * 0, -base * w["regular_price"] * disc, -base * w["regular_price"] * disc, in_event),
            "uplift": (own, own * w["price"], own * w["unit_margin"], in_event),
            "dip": (own, own * w["regular_price"], own * w["regular_margin"], in_dip),
        }
        units_sold = w[sold] if sold else w[f"forecast_{q}"] if f"forecast_{q}" in w else base + own
        paid = units_sold * (w["funded_pct"] / 100 * w["regular_price"] * disc + w["scan_allowance"]) \
            if "funded_pct" in w else base * 0
        parts["funding"] = (base * 0, base * 0, paid.where(w["promo"] > 0, 0.0), in_event)
        if siblings:
            sib = w[f"sibling_{q}"]
            # each row's category x region x week's sibling effect, the three measures in one pass (a copy of the
            # table per measure was 2.8 s of the Promotions page's first visit at store grain: bench/page_train.py)
            lost = {m: _cell_sums(cells, v) for m, v in
                    (("units", sib), ("revenue", sib * w["price"]), ("margin", sib * w["unit_margin"]))}
            parts["cannibalization"] = (lost["units"] * share, lost["revenue"] * share, lost["margin"] * share, in_event)
        for name, (units, revenue, margin, mask) in parts.items():
            col = "dip_of" if name == "dip" else "event"
            for measure, values in (("units", units), ("revenue", revenue), ("margin", margin)):
                out[f"{name}_{measure}_{q}"] = by_event(values, mask, col)
        if "supplier_unit_margin" in w:  # the supplier's side: its margin on the promoted SKU's extra units, less funding
            extra = own * w["supplier_unit_margin"]
            sup = by_event(extra, in_event, "event") + by_event(extra, in_dip, "dip_of")
            out[f"supplier_margin_{q}"] = sup - out[f"funding_margin_{q}"]
        for measure in ("units", "revenue", "margin"):
            names = ["uplift", "dip", *(["cannibalization"] if siblings else [])] + (["discount"] if measure != "units" else []) \
                + (["funding"] if measure == "margin" else [])
            out[f"net_{measure}_{q}"] = sum(out[f"{n}_{measure}_{q}"] for n in names)
    for measure in ("units", "revenue", "margin"):  # a band whose ends may come out swapped once differenced
        lo, hi = out[f"net_{measure}_p10"], out[f"net_{measure}_p90"]
        out[f"net_{measure}_p10"], out[f"net_{measure}_p90"] = np.minimum(lo, hi), np.maximum(lo, hi)
    out["uplift_pct"] = np.where(out["baseline_units_p50"] > 0, out["uplift_units_p50"] / out["baseline_units_p50"].where(
        out["baseline_units_p50"] > 0, 1) * 100, np.nan)
    return out.reset_index()


def _event_sums(w: pd.DataFrame, events: pd.Index):
    """``sums(values, mask, column)``: per promotion of ``events``, the sum of ``values`` over the rows of ``mask``
    whose ``column`` (``event`` or ``dip_of``) names it; a missing value counts 0, as pandas' sum does. Rows are
    numbered by promotion once, then each sum is one ``np.bincount`` (a group-by per part, measure and quantile was
    most of the Promotions page's first visit at store grain: bench/page_train.py)."""
    position = {col: events.get_indexer(w[col]) for col in ("event", "dip_of")}

    def sums(values, mask: np.ndarray, column: str) -> np.ndarray:
        p = position[column]
        keep = mask & (p >= 0)
        v = np.nan_to_num(np.asarray(values, dtype=float)[keep], nan=0.0)
        return np.bincount(p[keep], weights=v, minlength=len(events))
    return sums


def _cell_sums(cells: np.ndarray, values) -> np.ndarray:
    """Each row's cell's sum of ``values`` (``decompose.group_codes``' cells; a missing value counts 0)."""
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    return np.bincount(cells, weights=v)[cells]
