"""Planner overrides: a forecast adjusted by judgement, with a reason, spread over the series it covers.

An override names a SKU x region, a category, a region (or category x region, or everything), the forecast weeks it
changes, and either a new value (units for the whole selection in each week, spread over its series in proportion
to their current forecast, so the parts sum exactly to it) or a percentage change. It is stored per series and
week with its author, time and reason; the latest active one of a series-week wins, and undoing one brings the
earlier back. Bands move with the P50 (scaled by the same ratio).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

REASONS = ("promotion detail not in the data", "supply", "competitor", "other")
KINDS = ("value", "pct")


def check(kind: str, amount: float, reason: str, note: str, weeks: list) -> None:
    """Refuse an override a planner could not defend later: no weeks, a negative value, -100 % or less, no reason."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    if not weeks:
        raise ValueError("choose at least one forecast week to override")
    if amount is None or not np.isfinite(float(amount)):
        raise ValueError("enter the new value or the percentage")
    if kind == "value" and float(amount) < 0:
        raise ValueError(f"a forecast cannot be negative ({amount})")
    if kind == "pct" and float(amount) <= -100:
        raise ValueError(f"a change of {amount} % would take the forecast to zero or below; enter a value of 0 instead")
    if reason not in REASONS:
        raise ValueError(f"choose a reason: {', '.join(REASONS)}")
    if reason == "other" and not (note or "").strip():
        raise ValueError("'other' needs a few words saying why")


def select(forecast: pd.DataFrame, series: pd.DataFrame, sku=None, region=None, category=None, area=None) -> pd.DataFrame:
    """The forecast rows of the series named (None = all of that column); ``area``: a region's stores (store grain)."""
    cols = ["sku", "region", "category"] + (["area"] if "area" in series and "area" not in forecast else [])
    f = forecast.merge(series[cols].drop_duplicates(), on=["sku", "region"], how="left")
    for col, v in (("sku", sku), ("region", region), ("category", category), ("area", area)):
        if v is not None:
            f = f[f[col].astype(str) == str(v)]
    return f


def spread(current: pd.DataFrame, weeks: list, kind: str, amount: float) -> pd.DataFrame:
    """Per series and week of ``current`` (the selection's forecast, overrides applied) in ``weeks``: the new P50.

    ``value``: ``amount`` units per week for the whole selection, shared in proportion to each series' P50 that
    week (equally when they are all zero). ``pct``: each series' P50 x (1 + amount / 100)."""
    w = current[pd.to_datetime(current["week"]).isin(pd.to_datetime(pd.Series(weeks)))].copy()
    if w.empty:
        raise ValueError("none of the chosen weeks is in the forecast")
    if kind == "pct":
        w["value"] = w["p50"] * (1 + float(amount) / 100)
    else:
        total = w.groupby("week")["p50"].transform("sum")
        n = w.groupby("week")["p50"].transform("size")
        share = np.where(total > 0, w["p50"] / total.where(total > 0, 1), 1.0 / n)
        w["value"] = float(amount) * share
    return w[["sku", "region", "week", "p50", "value"]].rename(columns={"p50": "before"}).reset_index(drop=True)


def apply(forecast: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """The forecast with each series-week's latest active override: ``model_p50`` keeps the model's value,
    ``override_reason`` says why (empty where none); P10/P90 scale with the P50."""
    out = forecast.assign(model_p50=forecast["p50"], override_reason="")
    if overrides is None or overrides.empty:
        return out
    o = overrides[overrides["active"]].sort_values("created_at").drop_duplicates(["sku", "region", "week"], keep="last")
    o = o.assign(week=pd.to_datetime(o["week"]))[["sku", "region", "week", "value", "reason", "note"]]
    j = out.assign(week=pd.to_datetime(out["week"])).merge(o, on=["sku", "region", "week"], how="left")
    hit = j["value"].notna().to_numpy()
    ratio = np.where(j["p50"] > 0, j["value"] / j["p50"].where(j["p50"] > 0, 1), np.nan)
    for q in ("p10", "p90"):
        scaled = np.where(np.isfinite(ratio), j[q] * ratio, j["value"])
        j[q] = np.where(hit, scaled, j[q])
    j["p50"] = np.where(hit, j["value"], j["p50"])
    if "point" in j:
        j["point"] = j["p50"]
    j["override_reason"] = np.where(hit, j["reason"].fillna("") + np.where(j["note"].fillna("") != "", ": " + j["note"].fillna(""), ""), "")
    return j.drop(columns=["value", "reason", "note"])
