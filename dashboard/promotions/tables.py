"""The promotions tables a planner reads and exports: planned promotions ranked by incremental margin with their
warnings, past promotions with what they really did, the plan's totals, and scenarios compared in money."""
from __future__ import annotations

import numpy as np
import pandas as pd

PLANNED = {
    "sku": "SKU", "region": "region", "category": "category", "start_week": "start week", "weeks": "weeks",
    "discount_pct": "discount %", "promo_type": "type", "baseline_units_p50": "baseline units",
    "uplift_units_p50": "uplift units", "uplift_pct": "uplift %", "cannibalization_units_p50": "cannibalization units",
    "dip_units_p50": "dip units", "net_units_p50": "incremental units", "net_units_p10": "incremental units P10",
    "net_units_p90": "incremental units P90", "net_revenue_p50": "incremental revenue",
    "net_margin_p50": "incremental margin", "net_margin_p10": "incremental margin P10",
    "net_margin_p90": "incremental margin P90", "funding_margin_p50": "supplier funding",
    "supplier_cost_p50": "supplier's cost", "supplier_margin_p50": "supplier's margin", "warnings": "warnings",
}
PAST = {
    "sku": "SKU", "region": "region", "category": "category", "start_week": "start week", "weeks": "weeks",
    "discount_pct": "discount %", "promo_type": "type", "actual_units": "actual units",
    "baseline_units_p50": "baseline units (counterfactual)", "uplift_units_p50": "realized uplift units",
    "uplift_pct": "realized uplift %", "forecast_uplift_pct": "forecast uplift %", "dip_units_p50": "realized dip units",
    "net_margin_p50": "realized incremental margin", "forecast_net_margin_p50": "forecast incremental margin",
    "lost_money": "lost money", "in_training": "in training weeks",
}


def in_periods(frame: pd.DataFrame, period: str = "week") -> pd.DataFrame:
    """A table's column names in the dataset's periods: 'start week' and 'weeks' read 'start month' and 'months' for
    a monthly dataset."""
    if period == "week":
        return frame
    return frame.rename(columns=lambda c: c.replace("week", period) if isinstance(c, str) else c)


def warnings(events: pd.DataFrame, max_discount_seen: float | None = None) -> pd.Series:
    """One sentence per promotion that needs a second look (loses money, eats its siblings, beyond the history)."""
    out = []
    for e in events.itertuples():
        w = []
        if e.net_margin_p50 < 0:
            w.append("loses money" + (" even at P90" if e.net_margin_p90 < 0 else ""))
        if e.uplift_units_p50 > 0 and -e.cannibalization_units_p50 > 0.5 * e.uplift_units_p50:
            w.append(f"siblings lose {-e.cannibalization_units_p50 / e.uplift_units_p50 * 100:.0f} % of its uplift")
        if e.uplift_units_p50 > 0 and -e.dip_units_p50 > 0.3 * e.uplift_units_p50:
            w.append(f"the dip after it takes back {-e.dip_units_p50 / e.uplift_units_p50 * 100:.0f} %")
        if e.discount_pct <= 0:
            w.append("no discount depth: its uplift is the promotion flag's, and it is priced at no discount")
        if max_discount_seen is not None and e.discount_pct > max_discount_seen:
            w.append(f"deeper than any past discount ({max_discount_seen:.0f} %)")
        if not np.isfinite(e.net_margin_p50):
            w.append("no price in the data: margin unknown")
        out.append("; ".join(w))
    return pd.Series(out, index=events.index, dtype=object)


def planned(events: pd.DataFrame, max_discount_seen: float | None = None) -> pd.DataFrame:
    """Planned promotions, best incremental margin first, in the planner's column names."""
    e = events.assign(warnings=warnings(events, max_discount_seen)) if len(events) else events.assign(warnings=[])
    e = e.sort_values("net_margin_p50", ascending=False)
    e = e.assign(start_week=pd.to_datetime(e["start_week"]).dt.date)
    if "funding_margin_p50" not in e:
        e["funding_margin_p50"] = 0.0
    e["supplier_cost_p50"] = -e["funding_margin_p50"]
    if "supplier_margin_p50" not in e:
        e["supplier_margin_p50"] = e["supplier_cost_p50"]  # analyses made before: the funding is all it knows
    return e[list(PLANNED)].rename(columns=PLANNED).round(1).reset_index(drop=True)


WEEKLY = {
    "sku": "SKU", "region": "region", "category": "category", "week": "week", "promo": "promo", "discount_pct": "discount %",
    "promo_type": "type", "forecast_p50": "forecast", "without_own_p50": "without its own promotions",
    "baseline_p50": "baseline (no promotion anywhere)", "own_p50": "own promotion effect (uplift or dip)",
    "sibling_p50": "siblings' promotions effect", "regular_price": "regular price", "price": "price",
    "unit_margin": "unit margin",
}


def weekly(rows: pd.DataFrame) -> pd.DataFrame:
    """The decomposition per SKU x region x week (P50), for the export."""
    w = rows.assign(week=pd.to_datetime(rows["week"]).dt.date)
    return w[list(WEEKLY)].rename(columns=WEEKLY).round(2).reset_index(drop=True)


def past(events: pd.DataFrame) -> pd.DataFrame:
    if events is None or events.empty:
        return pd.DataFrame(columns=list(PAST.values()))
    e = events.assign(start_week=pd.to_datetime(events["start_week"]).dt.date).sort_values("start_week", ascending=False)
    return e[list(PAST)].rename(columns=PAST).round(1).reset_index(drop=True)


def totals(events: pd.DataFrame) -> dict[str, float]:
    """The plan's promotions summed: count, incremental units, revenue and margin (P50, the retailer's, with the
    supplier's funding in it), the funding, and how many lose money."""
    return {"promotions": int(len(events)), "incremental_units": float(events["net_units_p50"].sum()),
            "incremental_revenue": float(events["net_revenue_p50"].sum()),
            "incremental_margin": float(events["net_margin_p50"].sum()),
            "supplier_funding": float(events["funding_margin_p50"].sum()) if "funding_margin_p50" in events else 0.0,
            "supplier_margin": float(events["supplier_margin_p50"].sum()) if "supplier_margin_p50" in events else 0.0,
            "losing_money": int((events["net_margin_p50"] < 0).sum())}


def by_mechanic(events: pd.DataFrame) -> pd.DataFrame:
    """The plan's promotions per mechanic (promo type): how many, incremental units and margin (P50), the supplier's
    funding and margin, how many lose money."""
    if events is None or events.empty:
        return pd.DataFrame(columns=["type", "promotions", "incremental units", "incremental margin",
                                     "supplier funding", "supplier's margin", "losing money"])
    funding = events["funding_margin_p50"] if "funding_margin_p50" in events else 0.0
    e = events.assign(promo_type=events["promo_type"].fillna("promo").astype(str), funding=funding,
                      supplier=events["supplier_margin_p50"] if "supplier_margin_p50" in events else -funding)
    g = e.groupby("promo_type")
    return pd.DataFrame({"promotions": g.size(), "incremental units": g["net_units_p50"].sum(),
                         "incremental margin": g["net_margin_p50"].sum(), "supplier funding": g["funding"].sum(),
                         "supplier's margin": g["supplier"].sum(),
                         "losing money": g["net_margin_p50"].apply(lambda m: int((m < 0).sum()))}
                        ).round(1).reset_index(names="type").sort_values("incremental margin", ascending=False)


def compare(plans: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per plan (base and scenarios): its promotions' totals, and the difference from the first (base)."""
    rows = [{"plan": name, **totals(ev)} for name, ev in plans.items()]
    f = pd.DataFrame(rows)
    for c in ("incremental_units", "incremental_revenue", "incremental_margin"):
        f[f"{c} vs base"] = f[c] - f[c].iloc[0]
    return f.round(1)


def by_category(past_events: pd.DataFrame) -> pd.DataFrame:
    """Past promotions per category and type: how many, median realized vs forecast uplift %, share that lost money."""
    if past_events is None or past_events.empty:
        return pd.DataFrame()
    g = past_events.groupby(["category", "promo_type"])
    return pd.DataFrame({"promotions": g.size(), "median realized uplift %": g["uplift_pct"].median(),
                         "median forecast uplift %": g["forecast_uplift_pct"].median(),
                         "lost money %": g["lost_money"].mean() * 100}).round(1).reset_index()
