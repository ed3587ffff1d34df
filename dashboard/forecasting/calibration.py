"""P10-P90 bands calibrated on the validation window (conformalized quantile regression, per horizon week).

A model's own band is often too narrow (the TFT's held 56-76 % of hold-out actuals on real panels) or too
wide. Each model also forecasts the validation window - the ``horizon`` weeks before the hold-out, which it
never trained on - and there, for each horizon week, we score every actual by how far it fell outside the band
on the log scale: ``max(log P10 - log y, log y - log P90)`` (negative inside). Both sides of the band move by the
conformal quantile of those scores at 80 % (level ceil((n + 1) 0.8) / n: at least 80 % coverage for
exchangeable weeks; Romano, Patterson & Candes 2019), widening a band too narrow and narrowing one too wide.

Chosen on the stored runs of three datasets (``python -m bench.calibration_rules``, docs/accuracy.md).
No rule tried lands every model of all three in 75-85 %: this one holds pasta (75.4-82.1) and the reference
case (76.7-83.4), and leaves the sample's Holt-Winters and MSTL at 85.2. Each tail at 10 % separately fell to
69-76 % on pasta (74.6 % for the TFT with the finite-sample correction); pooling each week with its neighbours
brought the sample in (84.0-84.4) and pasta's Holt-Winters down to 72.9.
The P50 is never touched.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

TAIL = 0.10  # each side: P10 and P90
METHOD = "conformalized quantile regression per horizon week on the validation window"  # what run.json says


def conformal_level(n: int, tail: float = TAIL) -> float:
    """The quantile level that covers 1 - tail of n exchangeable scores: ceil((n + 1)(1 - tail)) / n, capped at 1."""
    return min(1.0, math.ceil((n + 1) * (1 - tail)) / max(n, 1))


def scores(validation: pd.DataFrame) -> pd.DataFrame:
    """step, below (> 0: the actual fell under the P10), above (> 0: it rose over the P90), on the log1p scale."""
    v = validation[np.isfinite(validation["actual"])]
    la = np.log1p(v["actual"].clip(lower=0).to_numpy(float))
    return pd.DataFrame({"step": v["step"].to_numpy(),
                         "below": np.log1p(v["p10"].clip(lower=0).to_numpy(float)) - la,
                         "above": la - np.log1p(v["p90"].clip(lower=0).to_numpy(float))})


def offsets(validation: pd.DataFrame, min_points: int = 20, rule: str = "cqr", window: int = 0) -> pd.DataFrame:
    """Per horizon step: ``lo`` and ``hi`` to add on the log1p scale (lower side: p10 -> p10 - lo).

    ``validation``: step, actual, p10, p90 of a model's validation-window forecast. Each step's offsets come from
    the scores of the steps within ``window`` of it (0: its own week only, the default; 1 pools the weeks next to
    it: see bench/calibration_rules.py), steps with fewer than ``min_points`` actuals from all steps. ``rule``:
    "cqr" (one score for both sides, the default), "tails" (each side at its own 90 % quantile) or
    "tails-conformal" (the same with the correction); those two are kept for ``bench/calibration_rules.py``."""
    return offsets_of(scores(validation), min_points, rule, window)


def offsets_of(sc: pd.DataFrame, min_points: int = 20, rule: str = "cqr", window: int = 0) -> pd.DataFrame:
    """``offsets`` from the validation's ``scores`` (several processes' scores concatenated: forecasting/sharded.py)."""

    def q(s: np.ndarray, tail: float, conformal: bool) -> float:
        if not len(s):
            return 0.0
        return float(np.quantile(s, conformal_level(len(s), tail), method="higher") if conformal
                     else np.quantile(s, 1 - tail))

    def sides(g: pd.DataFrame) -> tuple[float, float]:
        if rule == "cqr":
            both = q(np.maximum(g["below"], g["above"]).to_numpy(), 2 * TAIL, True)
            return both, both
        conformal = rule == "tails-conformal"
        return q(g["below"].to_numpy(), TAIL, conformal), q(g["above"].to_numpy(), TAIL, conformal)

    pooled = sides(sc)
    rows = []
    for step, g in sc.groupby("step"):
        near = sc[(sc["step"] - step).abs() <= window]
        lo, hi = sides(near) if len(g) >= min_points else pooled
        rows.append({"step": int(step), "lo": lo, "hi": hi, "n": int(len(near))})
    return pd.DataFrame(rows, columns=["step", "lo", "hi", "n"])


def apply(forecast: pd.DataFrame, table: pd.DataFrame, step: pd.Series | np.ndarray) -> pd.DataFrame:
    """``forecast`` (p10, p50, p90) with its band moved by ``table``'s offsets for each row's horizon step."""
    if table is None or not len(table):
        return forecast
    out = forecast.copy()
    t = table.set_index("step")
    steps = np.asarray(step)
    last = t.index.max()
    lo = t["lo"].reindex(np.minimum(steps, last)).to_numpy(float)
    hi = t["hi"].reindex(np.minimum(steps, last)).to_numpy(float)
    p50 = out["p50"].to_numpy(float)
    p10 = np.expm1(np.log1p(out["p10"].clip(lower=0).to_numpy(float)) - np.nan_to_num(lo))
    p90 = np.expm1(np.log1p(out["p90"].clip(lower=0).to_numpy(float)) + np.nan_to_num(hi))
    out["p10"] = np.clip(np.minimum(p10, p50), 0, None)
    out["p90"] = np.maximum(p90, p50)
    return out


def coverage(frame: pd.DataFrame) -> float:
    """% of actuals inside [p10, p90]."""
    f = frame[np.isfinite(frame["actual"])]
    return float(((f["actual"] >= f["p10"]) & (f["actual"] <= f["p90"])).mean() * 100) if len(f) else float("nan")
