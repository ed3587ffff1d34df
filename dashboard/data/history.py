"""History sufficiency: seasonal models need 2-3 full annual cycles per series (104 weeks, or 24 months, warns).

The columns keep their weekly names (``weeks_of_history``) and count the dataset's periods; the messages name them.
"""
from __future__ import annotations

import pandas as pd

from dashboard import periods

STATUS_OK, STATUS_WARN, STATUS_STRONG = "ok", "warn", "too short"


def messages(freq: periods.Frequency = periods.WEEK) -> dict[str, str]:
    return {
        STATUS_OK: "",
        STATUS_WARN: f"under {freq.count(2 * freq.season)}: holiday spikes and summer slowdowns may be missed",
        STATUS_STRONG: f"under {freq.count(freq.season)}: not one full year, seasonal patterns cannot be learned",
    }


MESSAGES = messages()


def _periods(lo: pd.Series, hi, freq: periods.Frequency) -> pd.Series:
    lo = pd.to_datetime(lo)
    if freq is periods.MONTH:
        hi = pd.to_datetime(hi)
        hi_y, hi_m = (hi.dt.year, hi.dt.month) if isinstance(hi, pd.Series) else (hi.year, hi.month)
        return ((hi_y - lo.dt.year) * 12 + (hi_m - lo.dt.month) + 1).astype(int)
    return ((pd.to_datetime(hi) - lo).dt.days // 7 + 1).astype(int)


def history_check(spans: pd.DataFrame, last_week, freq: periods.Frequency | None = None) -> pd.DataFrame:
    """Per series: periods of history (first row to the dataset's last period), gaps, annual cycles, status.

    ``spans`` has sku, region, category, first_week, last_week, weeks_present (see Store.series_spans); ``freq``:
    the dataset's frequency (read from the dates when None).
    """
    f = spans.copy()
    freq = freq or periods.of_dates(pd.concat([pd.to_datetime(f["first_week"]), pd.to_datetime(f["last_week"])]))
    first = pd.to_datetime(f["first_week"])
    f["weeks_of_history"] = _periods(first, pd.Timestamp(last_week), freq)
    span = _periods(first, f["last_week"], freq)
    f["gaps"] = (span - f["weeks_present"]).clip(lower=0).astype(int)
    f["annual_cycles"] = (f["weeks_of_history"] // freq.season).astype(int)
    f["status"] = STATUS_OK
    f.loc[f["weeks_of_history"] < 2 * freq.season, "status"] = STATUS_WARN
    f.loc[f["weeks_of_history"] < freq.season, "status"] = STATUS_STRONG
    f["message"] = f["status"].map(messages(freq))
    f["first_week"] = first.dt.date
    cols = ["sku", "region", "category", "first_week", "weeks_of_history", "gaps", "annual_cycles", "status", "message"]
    cols += ["area"] if "area" in f and (f["area"] != f["region"]).any() else []  # store grain: the store's region
    return f[cols].sort_values(["weeks_of_history", "sku", "region"]).reset_index(drop=True)


def history_rollup(check: pd.DataFrame, by: str, freq: periods.Frequency = periods.WEEK) -> pd.DataFrame:
    """Series counts per status, and the shortest history, per category or region (a store's region at store grain)."""
    g = check.groupby(check["area"].rename("region") if by == "region" and "area" in check else by)
    unit = "wk" if freq is periods.WEEK else "mo"
    out = pd.DataFrame({
        "series": g.size(),
        "ok": g["status"].apply(lambda s: int((s == STATUS_OK).sum())),
        f"warn (<{2 * freq.season} {unit})": g["status"].apply(lambda s: int((s == STATUS_WARN).sum())),
        f"too short (<{freq.season} {unit})": g["status"].apply(lambda s: int((s == STATUS_STRONG).sum())),
        f"min {freq.plural}": g["weeks_of_history"].min(),
        f"median {freq.plural}": g["weeks_of_history"].median(),
    })
    return out.reset_index()


def summary_line(check: pd.DataFrame, freq: periods.Frequency = periods.WEEK) -> str:
    n = len(check)
    warn = int((check["status"] == STATUS_WARN).sum())
    strong = int((check["status"] == STATUS_STRONG).sum())
    two, one = freq.count(2 * freq.season), freq.count(freq.season)
    if not warn and not strong:
        return f"All {n} series have at least {two} (2 annual cycles) of history."
    return (f"{warn + strong} of {n} series have less than {two} of history ({strong} under {one}): "
            "seasonal models may miss holiday spikes and summer slowdowns for them.")
