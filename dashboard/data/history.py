"""History sufficiency: seasonal models need 2-3 full annual cycles per series."""
from __future__ import annotations

import pandas as pd

from dashboard.schema import HISTORY_STRONG_WEEKS, HISTORY_WARN_WEEKS, SEASON_WEEKS

STATUS_OK, STATUS_WARN, STATUS_STRONG = "ok", "warn", "too short"
MESSAGES = {
    STATUS_OK: "",
    STATUS_WARN: "under 104 weeks: holiday spikes and summer slowdowns may be missed",
    STATUS_STRONG: "under 52 weeks: not one full year, seasonal patterns cannot be learned",
}


def history_check(spans: pd.DataFrame, last_week) -> pd.DataFrame:
    """Per series: weeks of history (first row to the dataset's last week), gaps, annual cycles, status.

    ``spans`` has sku, region, category, first_week, last_week, weeks_present (see Store.series_spans).
    """
    f = spans.copy()
    first = pd.to_datetime(f["first_week"])
    end = pd.Timestamp(last_week)
    f["weeks_of_history"] = ((end - first).dt.days // 7 + 1).astype(int)
    span = ((pd.to_datetime(f["last_week"]) - first).dt.days // 7 + 1).astype(int)
    f["gaps"] = (span - f["weeks_present"]).clip(lower=0).astype(int)
    f["annual_cycles"] = (f["weeks_of_history"] // SEASON_WEEKS).astype(int)
    f["status"] = STATUS_OK
    f.loc[f["weeks_of_history"] < HISTORY_WARN_WEEKS, "status"] = STATUS_WARN
    f.loc[f["weeks_of_history"] < HISTORY_STRONG_WEEKS, "status"] = STATUS_STRONG
    f["message"] = f["status"].map(MESSAGES)
    f["first_week"] = first.dt.date
    cols = ["sku", "region", "category", "first_week", "weeks_of_history", "gaps", "annual_cycles", "status", "message"]
    cols += ["area"] if "area" in f and (f["area"] != f["region"]).any() else []  # store grain: the store's region
    return f[cols].sort_values(["weeks_of_history", "sku", "region"]).reset_index(drop=True)


def history_rollup(check: pd.DataFrame, by: str) -> pd.DataFrame:
    """Series counts per status, and the shortest history, per category or region (a store's region at store grain)."""
    g = check.groupby(check["area"].rename("region") if by == "region" and "area" in check else by)
    out = pd.DataFrame({
        "series": g.size(),
        "ok": g["status"].apply(lambda s: int((s == STATUS_OK).sum())),
        "warn (<104 wk)": g["status"].apply(lambda s: int((s == STATUS_WARN).sum())),
        "too short (<52 wk)": g["status"].apply(lambda s: int((s == STATUS_STRONG).sum())),
        "min weeks": g["weeks_of_history"].min(),
        "median weeks": g["weeks_of_history"].median(),
    })
    return out.reset_index()


def summary_line(check: pd.DataFrame) -> str:
    n = len(check)
    warn = int((check["status"] == STATUS_WARN).sum())
    strong = int((check["status"] == STATUS_STRONG).sum())
    if not warn and not strong:
        return f"All {n} series have at least 104 weeks (2 annual cycles) of history."
    return (f"{warn + strong} of {n} series have less than 104 weeks of history ({strong} under 52 weeks): "
            "seasonal models may miss holiday spikes and summer slowdowns for them.")
