"""Forecast value added: once a later version of a dataset brings the actual weeks a published plan forecast, each
step of the forecasting process is scored on them — seasonal naive, Holt-Winters, MSTL, LSTM, LightGBM, TFT (the runs on the
plan's dataset version, as they forecast those weeks then), the recommended forecast, the plan before the planners'
overrides and the published plan — with WAPE and bias per step, and whether each override helped or hurt.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

STEPS = ("seasonal-naive", "holt-winters", "mstl", "lstm", "lightgbm", "tft", "recommended", "plan before overrides",
         "published plan")
MODEL_STEPS = STEPS[:-2]
KEYS = ["sku", "region", "week"]


def score(frame: pd.DataFrame) -> dict:
    """WAPE % (sum |a - f| / sum a) and bias % (sum (f - a) / sum a) of p50 against actual."""
    a, f = frame["actual"].to_numpy(float), frame["p50"].to_numpy(float)
    total = a.sum()
    return {"wape": float(np.abs(a - f).sum() / total * 100) if total > 0 else float("nan"),
            "bias": float((f - a).sum() / total * 100) if total > 0 else float("nan"), "weeks": int(frame["week"].nunique()),
            "series": int(frame[["sku", "region"]].drop_duplicates().shape[0])}


def staircase(actuals: pd.DataFrame, steps: dict[str, pd.DataFrame], series: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """One row per step (and ``by`` group: category or region): WAPE, bias, and the WAPE change from the step before.
    Every step is scored on the same series-weeks: those all steps forecast and the actuals cover."""
    a = actuals.assign(week=pd.to_datetime(actuals["week"]))[KEYS + ["actual"]]
    common = a[KEYS]
    for f in steps.values():
        common = common.merge(f.assign(week=pd.to_datetime(f["week"]))[KEYS], on=KEYS)
    rows = []
    for name, f in steps.items():
        j = common.merge(a, on=KEYS).merge(f.assign(week=pd.to_datetime(f["week"]))[KEYS + ["p50"]], on=KEYS)
        j = j.merge(series[["sku", "region", "category"]].drop_duplicates(), on=["sku", "region"], how="left")
        for group, g in (j.groupby(by) if by else [("all", j)]):
            rows.append({"step": name, **({by: group} if by else {}), **score(g)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    keys = [by] if by else []
    out["wape_change"] = out.groupby(keys)["wape"].diff() if keys else out["wape"].diff()
    return out


def override_effects(plan_rows: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Per overridden series-week: the value before and after the override, the actual, and whether it helped."""
    o = plan_rows[plan_rows["override_reason"].fillna("") != ""]
    if o.empty:
        return pd.DataFrame(columns=["sku", "region", "week", "before", "after", "actual", "helped", "reason"])
    j = o.assign(week=pd.to_datetime(o["week"]), before=o["model_p50"], after=o["p50"]).merge(
        actuals.assign(week=pd.to_datetime(actuals["week"]))[KEYS + ["actual"]], on=KEYS)
    j["error_before"] = (j["actual"] - j["before"]).abs()
    j["error_after"] = (j["actual"] - j["after"]).abs()
    j["helped"] = j["error_after"] < j["error_before"]
    return j[["sku", "region", "category", "week", "before", "after", "actual", "error_before", "error_after", "helped",
              "override_reason"]].rename(columns={"override_reason": "reason"})


def later_version(store, dataset_id: str, weeks) -> str | None:
    """The newest stored version descending from ``dataset_id`` whose history covers ``weeks``."""
    last = pd.Timestamp(max(pd.to_datetime(pd.Series(list(weeks)))))
    best = None
    for d in store.datasets().sort_values("created_at").itertuples():
        if d.id != dataset_id and pd.Timestamp(d.last_week) >= last and dataset_id in set(store.versions(d.id)["id"]):
            best = d.id
    return best


def for_plan(store, plan_id: str) -> dict | None:
    """{'actuals_from', 'staircase', 'by_category', 'by_region', 'overrides'} of a published plan, or None while no
    later version holds its weeks' actuals."""
    from pathlib import Path

    from dashboard.store.runs import load_future

    meta, rows = store.plan(plan_id)
    plan = store.plans().set_index("id").loc[plan_id]
    later = later_version(store, plan["dataset_id"], rows["week"])
    if later is None:
        return None
    weeks = pd.to_datetime(rows["week"]).unique()
    sales = store.sales(later)
    actuals = sales[pd.to_datetime(sales["week"]).isin(weeks)].rename(columns={"units": "actual"})
    runs = store.runs(plan["dataset_id"]).sort_values("created_at")
    steps = {}
    for model in MODEL_STEPS:
        r = runs[runs["model"] == model]
        fut = load_future(Path(r["run_dir"].iloc[-1])) if len(r) else None
        if fut is not None and len(fut):
            steps[model] = fut
    steps["plan before overrides"] = rows.assign(p50=rows["model_p50"])  # the forecast + scenario, before judgement
    steps["published plan"] = rows
    series = store.series_list(later)
    return {"actuals_from": later, "staircase": staircase(actuals, steps, series),
            "by_category": staircase(actuals, steps, series, "category"),
            "by_region": staircase(actuals, steps, series, "region"),
            "overrides": override_effects(rows, actuals)}
