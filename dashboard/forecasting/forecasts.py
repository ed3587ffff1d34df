"""Forecast views: one series or a roll-up (category, region, total), history beside hold-out and future."""
from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ("series", "category", "region", "store", "total")


def select(frame: pd.DataFrame, level: str, key: str | tuple | None) -> pd.DataFrame:
    """Rows of one series (key=(sku, location)), a category, a region (at store grain: its stores, through
    ``area``), a store (every SKU of one location), or everything."""
    if level == "series":
        sku, region = key
        return frame[(frame["sku"] == sku) & (frame["region"] == region)]
    if level == "region" and "area" in frame:
        return frame[frame["area"] == key]
    if level in ("category", "region"):
        return frame[frame[level] == key]
    if level == "store":
        return frame[frame["region"] == key]
    return frame


def rollup_forecast(pred: pd.DataFrame) -> pd.DataFrame:
    """Sum P50 over series per week; the band adds the series' half-widths in quadrature (independent
    errors), which is narrower than adding quantiles and wider than ignoring their spread."""
    p = pred.assign(lo=(pred["p50"] - pred["p10"]) ** 2, hi=(pred["p90"] - pred["p50"]) ** 2)
    agg = {"p50": "sum", "lo": "sum", "hi": "sum"}
    if "actual" in p.columns:
        agg["actual"] = "sum"
    g = p.groupby("week", as_index=False).agg(agg)
    g["p10"] = (g["p50"] - np.sqrt(g["lo"])).clip(lower=0)
    g["p90"] = g["p50"] + np.sqrt(g["hi"])
    return g.drop(columns=["lo", "hi"])

