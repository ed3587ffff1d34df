"""Hold-out split, error metrics and their breakdowns, the leaderboard.

Metrics are in percent. Roll-ups pool the series-week points of a group (a category's WAPE is its
total absolute error over its total units). MAPE skips zero actuals and says how many it skipped;
MASE scales each series by its in-sample mean absolute seasonal (52-week, or 12-month) difference, or the
period-to-period difference when the series is younger than a year and a horizon. MAE is the mean absolute error
per series-period, in units (what the Stallion reference scores are given in).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import periods
from models.base import wape  # noqa: F401 - the one WAPE, named here for the dashboard

METRICS = ["mape", "wape", "smape", "bias", "mase", "mae"]


def metrics(y: np.ndarray, f: np.ndarray, scale: np.ndarray | None = None) -> dict:
    """MAPE, WAPE, sMAPE, bias (all %), MASE, band coverage inputs: n points and zero actuals."""
    y, f = np.asarray(y, float), np.asarray(f, float)
    err = f - y
    nz = y != 0
    denom = np.abs(y) + np.abs(f)
    out = {
        "mape": float(np.mean(np.abs(err[nz]) / np.abs(y[nz])) * 100) if nz.any() else float("nan"),
        "wape": float(np.abs(err).sum() / np.abs(y).sum() * 100) if np.abs(y).sum() else float("nan"),
        "smape": float(np.mean(np.where(denom > 0, 2 * np.abs(err) / np.where(denom > 0, denom, 1), 0)) * 100) if len(y) else float("nan"),
        "bias": float(err.sum() / np.abs(y).sum() * 100) if np.abs(y).sum() else float("nan"),
        "mase": float("nan"),
        "mae": float(np.mean(np.abs(err))) if len(y) else float("nan"),
        "n": int(len(y)),
        "zero_actuals": int((~nz).sum()),
    }
    if scale is not None:
        s = np.asarray(scale, float)
        ok = s > 0
        if ok.any():
            out["mase"] = float(np.mean(np.abs(err[ok]) / s[ok]))
    return out


def mase_scale(train: pd.DataFrame) -> pd.DataFrame:
    """Per series: mean |y_t - y_{t-52}| over training weeks, or |y_t - y_{t-12}| over months (|y_t - y_{t-1}|
    for younger series)."""
    f = train.sort_values(["sku", "region", "time_idx"])
    g = f.groupby(["sku", "region"])["units"]
    period = periods.of_dates(f["week"]) if "week" in f else periods.WEEK
    d52 = (f["units"] - g.shift(period.season)).abs()
    d1 = (f["units"] - g.shift(1)).abs()
    s = pd.DataFrame({"sku": f["sku"], "region": f["region"], "d52": d52, "d1": d1})
    agg = s.groupby(["sku", "region"]).agg(d52=("d52", "mean"), n52=("d52", "count"), d1=("d1", "mean")).reset_index()
    agg["scale"] = np.where(agg["n52"] >= period.horizon, agg["d52"], agg["d1"])
    return agg[["sku", "region", "scale"]]


def join_actuals(pred: pd.DataFrame, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
    """Hold-out predictions beside actuals, category, promo flag, horizon step (1-based) and MASE scale.

    Only the columns and weeks each step reads are taken from ``frame``: at store grain a copy of a shard's whole
    frame was 1.5 GB, and the first process peaked at the validation forecast's join (docs/scale.md)."""
    cols = ["sku", "region", "time_idx", "category", "units", "promo", "holiday"]
    cols += ["area"] if "area" in frame and "area" not in pred else []  # store grain: the store's region
    t = frame["time_idx"]
    weeks = t.between(pred["time_idx"].min(), pred["time_idx"].max()) if len(pred) else t < t.min()
    j = pred.merge(frame.loc[weeks, cols], on=["sku", "region", "time_idx"], how="left").rename(columns={"units": "actual"})
    history = [c for c in ("sku", "region", "time_idx", "week", "units") if c in frame]  # what mase_scale reads
    j = j.merge(mase_scale(frame.loc[t < start_idx, history]), on=["sku", "region"], how="left")
    j["step"] = j["time_idx"] - start_idx + 1
    j["promo_week"] = np.where(j["promo"] > 0, "promo", "no promo")
    return j


def _group(j: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``metrics`` of each group of ``by``, with band coverage and the totals, in one vectorised pass (a Python loop
    over the store grain's 74,800 series took 25 s of the run's scoring). A metric's sum that meets a missing actual
    or forecast is NaN, as numpy's sum in ``metrics`` is; the totals skip it."""
    y, f = j["actual"].to_numpy(float), j["p50"].to_numpy(float)
    s = j["scale"].to_numpy(float)
    err = f - y
    ae, ay = np.abs(err), np.abs(y)
    nz, ok = y != 0, s > 0
    denom = ay + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = {"ae": ae, "ay": ay, "err": err, "y": y, "f": f,
                 "ape": np.where(nz, ae / ay, 0.0), "sm": np.where(denom > 0, 2 * ae / denom, 0.0),
                 "sc": np.where(ok, ae / s, 0.0), "nz": nz, "ok": ok,
                 "cov": (y >= j["p10"].to_numpy(float)) & (y <= j["p90"].to_numpy(float))}
    cols = {**{k: np.nan_to_num(np.asarray(v, float), nan=0.0) for k, v in terms.items()},
            **{f"{k}_nan": np.isnan(np.asarray(v, float)) for k, v in terms.items()}}
    g = pd.DataFrame(cols, index=j.index).join(j[by]).groupby(by, observed=True, sort=True)
    t, n = g[list(cols)].sum(), g.size().to_numpy()
    sums = {k: np.where(t[f"{k}_nan"].to_numpy() > 0, np.nan, t[k].to_numpy()) for k in terms}
    with np.errstate(invalid="ignore", divide="ignore"):
        have_y = sums["ay"] != 0  # a NaN total counts as one, as ``metrics``' truth test does
        out = pd.DataFrame({
            "mape": np.where(sums["nz"] > 0, sums["ape"] / np.maximum(sums["nz"], 1) * 100, np.nan),
            "wape": np.where(have_y, sums["ae"] / sums["ay"] * 100, np.nan),
            "smape": sums["sm"] / n * 100,
            "bias": np.where(have_y, sums["err"] / sums["ay"] * 100, np.nan),
            "mase": np.where(sums["ok"] > 0, sums["sc"] / np.maximum(sums["ok"], 1), np.nan),
            "mae": sums["ae"] / n,
            "n": n.astype(int),
            "zero_actuals": (n - sums["nz"]).astype(int),
            "coverage_p10_p90": sums["cov"] / n * 100,
            "actual": t["y"].to_numpy(),  # the totals skip a missing value, as pandas' sum did here
            "forecast": t["f"].to_numpy(),
        })
    keys = t.index.to_frame(index=False)
    for c in by:  # the keys as Python values, as a loop over the groups gave them
        if not pd.api.types.is_integer_dtype(keys[c]):
            keys[c] = keys[c].to_numpy(object)
    return pd.concat([keys, out], axis=1)


def evaluate(pred: pd.DataFrame, frame: pd.DataFrame, start_idx: int) -> dict[str, pd.DataFrame | dict]:
    """Every breakdown of the hold-out error: overall, series, SKU, category, region, category x region,
    horizon week, promo vs non-promo weeks."""
    return breakdowns(join_actuals(pred, frame, start_idx))


def breakdowns(j: pd.DataFrame) -> dict[str, pd.DataFrame | dict]:
    """The breakdowns of ``evaluate`` from forecasts already joined with actuals (a stored hold-out frame)."""
    if "promo_week" not in j:
        j = j.assign(promo_week=np.where(j["promo"] > 0, "promo", "no promo"))
    overall = _group(j.assign(total="total"), ["total"]).drop(columns="total").iloc[0].to_dict()
    stores = "area" in j and bool((j["area"] != j["region"]).any())
    by_area = j.assign(region=j["area"]) if stores else j  # store grain: regions are the stores' regions
    extra = {"by_store": _group(j.rename(columns={"region": "store"}), ["store"])} if stores else {}
    return {**extra,
        "overall": overall,
        "by_series": _group(j, ["sku", "region", "category"]),
        "by_sku": _group(j, ["sku", "category"]),
        "by_category": _group(j, ["category"]),
        "by_region": _group(by_area, ["region"]),
        "by_category_region": _group(by_area, ["category", "region"]),
        "by_horizon": _group(j, ["step"]),
        "by_promo": _group(j, ["promo_week"]),
        "joined": j,
    }


def overall_public(m: dict) -> dict:
    return {k: (None if m.get(k) is None or (isinstance(m.get(k), float) and np.isnan(m[k])) else round(float(m[k]), 3))
            for k in METRICS}


def mape_inflated(overall: dict, by_series: pd.DataFrame) -> str:
    """A note when MAPE is driven by near-zero actuals (slow movers), for the accuracy page."""
    if not len(by_series) or np.isnan(overall.get("mape", np.nan)):
        return ""
    if overall["mape"] > 1.5 * overall["wape"]:
        worst = by_series.sort_values("mape", ascending=False).head(3)
        names = ", ".join(f"{r.sku}/{r.region}" for r in worst.itertuples())
        # the per-series table always has the count; a stored leaderboard row may not
        zeros = int(by_series["zero_actuals"].sum()) if "zero_actuals" in by_series else int(overall.get("zero_actuals") or 0)
        return (f"MAPE ({overall['mape']:.1f} %) is well above WAPE ({overall['wape']:.1f} %): small actuals "
                f"(slow movers such as {names}) inflate it; {zeros} zero-unit weeks were left out of MAPE. Judge by WAPE.")
    return ""


def seed_spread(member_wapes: list[float], ensemble_wape: float | None) -> dict:
    """What run.json says about a run averaged over several seeds (models/seeds.py): each member's hold-out WAPE,
    the average's, and the range between the members: a difference between models smaller than it is noise."""
    return {"members_wape": [round(w, 2) for w in member_wapes], "ensemble_wape": ensemble_wape,
            "spread": round(max(member_wapes) - min(member_wapes), 2) if member_wapes else None}
