"""The gradient-boosted model explained in a planner's words: which inputs its trees lean on (gain importance,
grouped as the TFT's variable selection is: static ids, past sales, known future inputs), and for a series in view
how each input moved its forecast of the hold-out weeks (LightGBM's ``pred_contrib``: per forecast week, the
forecast on the model's target scale is the sum of every input's contribution and the model's mean).

On the log1p and Tweedie targets a contribution c multiplies the forecast by exp(c): +0.18 reads "about +20 %".
On per-series scaled units it is in standard deviations of the series' weekly sales.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from models.gbm_features import groups as group_of
from models.gbm_features import label

GROUPS = ("past", "known future", "static")
GROUP_WORDS = {"past": "past sales (recent weeks and the same weeks last year)",
               "known future": "inputs known ahead (promotions, calendar, weather, price)",
               "static": "the series' identity (SKU, location, category)"}
MULTIPLICATIVE = ("log1p", "tweedie")


def feature_columns(contributions: pd.DataFrame) -> list[str]:
    return [c for c in contributions.columns if c.startswith("x_")]


def importance_by_group(importance: pd.DataFrame) -> pd.DataFrame:
    """Gain % per group (rows) and its three strongest inputs."""
    rows = []
    for g in GROUPS:
        part = importance[importance["group"] == g].sort_values("gain_pct", ascending=False)
        strongest = ", ".join(f"{r.label} ({r.gain_pct:.0f} %)" for r in part.head(3).itertuples())
        rows.append({"group": g, "gain %": round(float(part["gain_pct"].sum()), 1), "strongest inputs": strongest})
    return pd.DataFrame(rows)


def contribution_by_group(contributions: pd.DataFrame, series: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows: categories, regions or both; columns: each input's share (%) of the absolute contributions summed
    over the group's series and forecast weeks: how much each input moved the forecasts there."""
    cols = feature_columns(contributions)
    j = contributions.merge(series[["sku", "region", "category"]].astype(str), on=["sku", "region"], how="left")
    key = j["category"] if by == "category" else j["region"] if by == "region" else j["category"] + " / " + j["region"]
    a = j[cols].abs().groupby(key.to_numpy()).sum()
    a = a.div(a.sum(axis=1).replace(0, np.nan), axis=0) * 100
    a.columns = [label(c[2:]) for c in cols]
    return a.T.groupby(level=0).sum().T.round(1)  # two features with one label (none today) add up


def _effect(value: float, target: str) -> str:
    if target in MULTIPLICATIVE:
        pct = (np.exp(value) - 1) * 100
        return f"{pct:+.0f} %"
    return f"{value:+.2f} standard deviations"


def series_contributions(contributions: pd.DataFrame, sku: str, region: str) -> pd.DataFrame:
    """One row per input: its mean contribution over the series' forecast weeks, and its group."""
    c = contributions[(contributions["sku"].astype(str) == str(sku))
                      & (contributions["region"].astype(str) == str(region))]
    cols = feature_columns(contributions)
    mean = c[cols].mean() if len(c) else pd.Series(0.0, index=cols)
    out = pd.DataFrame({"input": [label(x[2:]) for x in cols], "group": [group_of(x[2:]) for x in cols],
                        "contribution": mean.to_numpy(float)})
    return out.reindex(out["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def series_sentences(contributions: pd.DataFrame, sku: str, region: str, target: str, top: int = 3) -> list[str]:
    """What moved this series' forecast most, from the numbers: the strongest inputs up and down."""
    s = series_contributions(contributions, sku, region)
    if s.empty or not s["contribution"].abs().sum():
        return [f"No forecast of {sku} in {region} to explain."]
    scale = "on average over its forecast weeks"
    ups = s[s["contribution"] > 0].head(top)
    downs = s[s["contribution"] < 0].head(top)
    out = []
    if len(ups):
        out.append(f"For {sku} in {region}, {scale}, what raised the forecast most: " +
                   ", ".join(f"{r.input} ({_effect(r.contribution, target)})" for r in ups.itertuples()) + ".")
    if len(downs):
        out.append("What lowered it: " +
                   ", ".join(f"{r.input} ({_effect(r.contribution, target)})" for r in downs.itertuples()) + ".")
    by_group = s.assign(a=s["contribution"].abs()).groupby("group")["a"].sum()
    share = (by_group / by_group.sum() * 100).reindex(list(GROUPS)).fillna(0)
    out.append("Of everything that moved it, " + ", ".join(f"{GROUP_WORDS[g]} {share[g]:.0f} %" for g in GROUPS) + ".")
    return out


def summary(importance: pd.DataFrame, by_group: pd.DataFrame) -> list[str]:
    """Sentences for the whole model and for each group of series."""
    g = importance_by_group(importance).set_index("group")
    lead = g["gain %"].idxmax()
    out = [f"The model's trees gained most from {GROUP_WORDS[lead]}: {g.loc[lead, 'gain %']:.0f} % of the gain "
           f"({g.loc[lead, 'strongest inputs']}); " +
           "; ".join(f"{GROUP_WORDS[k]} {g.loc[k, 'gain %']:.0f} %" for k in GROUPS if k != lead) + "."]
    for name, row in by_group.iterrows():
        top = row.sort_values(ascending=False).head(2)
        out.append(f"In {name}, the forecasts moved most with {top.index[0]} ({top.iloc[0]:.0f} % of all movement)"
                   + (f" and {top.index[1]} ({top.iloc[1]:.0f} %)." if len(top) > 1 else "."))
    return out
