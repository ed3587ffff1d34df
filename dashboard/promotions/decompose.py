"""A forecast split into baseline, promotion uplift, effect on category siblings and post-promotion dip.

Three counterfactual forecasts of the same weeks (``models/counterfactual.py``):

- ``forecast``: the plan as it stands;
- ``without_own``: each series without its own promotions, its siblings' promotions kept;
- ``baseline``: no promotion anywhere.

Per series and week, ``own = forecast - without_own`` is what the series' own promotions do (the uplift in
promotion weeks, the dip after them) and ``sibling = without_own - baseline`` what the other SKUs' promotions in
its category and region do to it (cannibalization when negative, halo when positive). A promotion (an event:
consecutive promoted weeks of one series) gets its own effect in its weeks (uplift), in up to ``DIP_WEEKS``
after it (dip), and a share of its category x region's sibling effect in the weeks it runs (cannibalization),
shared between the events running that week in proportion to their uplift. Every band (P10, P90) is the same
difference taken on that quantile of each forecast.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PROMO_INPUTS = ["promo", "discount_pct", "cat_promo_share", "cat_mean_discount"]
DIP_WEEKS = 2  # weeks after a promotion whose own effect counts as its dip
Q = ("p10", "p50", "p90")


def promo_inputs(model) -> list[str]:
    """The known inputs a promotion sets for ``model``: PROMO_INPUTS and the mechanics it reads (mech_*)."""
    return PROMO_INPUTS + list(model.mechanic_inputs())


def variants(inputs: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """The three input sets: as planned, without each series' own promotions (its discount and mechanics), without
    any."""
    zero = {k: np.zeros_like(v) for k, v in inputs.items()}
    own = ["promo", "discount_pct", *[k for k in inputs if k.startswith("mech_")]]
    return {"forecast": inputs, "without_own": {**inputs, **{k: zero[k] for k in own}},
            "baseline": zero}


def weekly(forecasts: dict[str, pd.DataFrame], plan: pd.DataFrame) -> pd.DataFrame:
    """One row per series-week: the plan's promotion, the three forecasts (P10/P50/P90 each), own and sibling."""
    keys = ["sku", "region", "time_idx"]
    out = forecasts["forecast"][["sku", "region", "week", "time_idx", *Q]].rename(columns={q: f"forecast_{q}" for q in Q})
    for name in ("without_own", "baseline"):
        out = out.merge(forecasts[name][keys + list(Q)].rename(columns={q: f"{name}_{q}" for q in Q}), on=keys)
    cols = ["category", "promo", "discount_pct"] + [c for c in ("promo_type", "funded_pct", "scan_allowance")
                                                    if c in plan.columns]
    p = plan[keys + cols].assign(sku=plan["sku"].astype(str), region=plan["region"].astype(str))
    out = out.merge(p, on=keys, how="left")
    out["promo"] = out["promo"].fillna(0.0)
    out["discount_pct"] = out["discount_pct"].fillna(0.0)
    if "promo_type" not in out:
        out["promo_type"] = np.where(out["promo"] > 0, "promo", "")
    out["promo_type"] = out["promo_type"].fillna("").astype(str)
    out.loc[(out["promo"] > 0) & (out["promo_type"] == ""), "promo_type"] = "promo"
    for q in Q:
        out[f"own_{q}"] = out[f"forecast_{q}"] - out[f"without_own_{q}"]
        out[f"sibling_{q}"] = out[f"without_own_{q}"] - out[f"baseline_{q}"]
    return out.sort_values(keys).reset_index(drop=True)


def events(week_rows: pd.DataFrame, dip_weeks: int = DIP_WEEKS) -> pd.DataFrame:
    """Consecutive promoted weeks of a series as one event; marks each row with its event (or the dip it is in).

    Adds ``event`` (id of the event running that week, -1 none) and ``dip_of`` (id of the event whose dip that
    week is, -1 none) to ``week_rows`` in place, and returns one row per event."""
    w = week_rows
    on = w["promo"].to_numpy() > 0
    same = (w["sku"].to_numpy()[1:] == w["sku"].to_numpy()[:-1]) & (w["region"].to_numpy()[1:] == w["region"].to_numpy()[:-1])
    contiguous = np.r_[False, same & (np.diff(w["time_idx"].to_numpy()) == 1)]
    starts = on & ~(np.r_[False, on[:-1]] & contiguous)
    eid = np.cumsum(starts) - 1
    w["event"] = np.where(on, eid, -1)
    dip = np.full(len(w), -1)
    last, gap = -1, 0
    for i in range(len(w)):  # one pass; rows are sorted by series and week
        if not contiguous[i]:
            last, gap = -1, 0
        if on[i]:
            last, gap = eid[i], 0
        elif last >= 0:
            gap += 1
            if gap <= dip_weeks:
                dip[i] = last
    w["dip_of"] = dip
    ev = w[on].groupby("event").agg(
        sku=("sku", "first"), region=("region", "first"), category=("category", "first"),
        start_week=("week", "min"), end_week=("week", "max"), weeks=("week", "size"),
        discount_pct=("discount_pct", "max"), promo_type=("promo_type", "first"))
    return ev.reset_index()


def sibling_shares(w: pd.DataFrame) -> pd.Series:
    """Each promoted row's share of its category x region x week's sibling effect (0 elsewhere): in proportion to
    its uplift (P50, floored at a tiny positive value so events without uplift share equally)."""
    weight = np.where(w["event"] >= 0, np.clip(w["own_p50"].to_numpy(), 1e-9, None), 0.0)
    total = pd.Series(weight).groupby([w["category"].to_numpy(), w["region"].to_numpy(), w["time_idx"].to_numpy()]).transform("sum")
    return pd.Series(np.where(total > 0, weight / total.where(total > 0, 1), 0.0), index=w.index)


def group_codes(w: pd.DataFrame) -> np.ndarray:
    """Each row's category x region x week as one number: the cells a sibling's cannibalization is shared in."""
    return w.groupby(["category", "region", "time_idx"], sort=False, dropna=False, observed=True).ngroup().to_numpy()
