"""Rolling-origin validation: each model's forecasts of up to ``validation_windows`` windows of ``horizon`` weeks
before the hold-out (the last one ending the week before it), each from the history before that window only.

What the recommended forecast is chosen on and the P10-P90 bands are calibrated on, so neither ever reads the
hold-out. A window needs ``MIN_HISTORY`` weeks of history before it; with less, fewer windows (the run says how
many). A model forecasts a window with itself when it learned nothing from the window's weeks
(``Forecaster.honest_from``: statistical models refit on the history they are given; a network's early-stopping
window; the LightGBM's held-out weeks), else a fresh model of the same configuration (its choices fixed:
``Forecaster.window_model``) is trained on the weeks before the window, where that is cheap
(``Forecaster.refit_windows``: the LightGBM, one fit per window); a network keeps its one window (a network per window
would multiply its training time) unless ``network_windows`` asks for one network per window (``--network-windows``;
not under data-parallel training, whose other processes have ended by then).
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.forecasting.evaluation import join_actuals, wape

MIN_HISTORY = 52  # weeks before a window: a year of lags and seasons to forecast it from (12 for monthly data)
COLUMNS = ["sku", "region", "category", "week", "time_idx", "step", "actual", "p10", "p50", "p90", "point",
           "promo", "holiday", "scale"]


def origins(hist: pd.DataFrame, start: int, horizon: int, windows: int) -> list[int]:
    """First week (time_idx) of each validation window, earliest first: ``start - k * horizon`` for k = windows .. 1,
    those with ``MIN_HISTORY`` weeks of actuals before them (the last window always, as before windows)."""
    first = int(hist["time_idx"].min())
    need = periods.of_dates(hist["week"]).season if "week" in hist else MIN_HISTORY
    out = [start - k * horizon for k in range(max(1, int(windows)), 0, -1)]
    return [o for o in out if o - first >= need or o == start - horizon]


def forecast_window(model, hist: pd.DataFrame, origin: int, horizon: int, end: int) -> pd.DataFrame | None:
    """``model``'s forecast of weeks ``origin`` .. min(origin + horizon, end) - 1 from the history before
    ``origin``, beside the actuals; None when the model cannot forecast from that history."""
    visible = hist[hist["time_idx"] < min(origin + horizon, end)].copy()
    visible.loc[visible["time_idx"] >= origin, "units"] = float("nan")
    try:
        pred = model.predict(visible, origin)
    except Exception as exc:  # noqa: BLE001 - a model that cannot forecast from that history has no such window
        print(f"validation forecast from week {origin} failed ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    pred = pred[pred["time_idx"] < min(origin + horizon, end)]
    if pred.empty:
        return None
    return join_actuals(pred, hist, origin)[COLUMNS]  # it reads the window's weeks and the weeks before ``origin``


def validation(model, hist: pd.DataFrame, start: int, horizon: int, windows: int,
               refit=None) -> pd.DataFrame | None:
    """Every window ``model`` can forecast honestly, with a ``window`` column counted back from the hold-out (1 =
    the weeks just before it, 2 = the ones before those, ...); None when none. ``refit(model, train)``: a fresh
    model like ``model`` trained on ``train``, for windows the model itself saw (default ``model.window_model``)."""
    parts = []
    for origin in origins(hist, start, horizon, windows):
        k = (start - origin) // horizon
        source = model
        if not model.honest_from(origin):
            if not refits(model.config, model.refit_windows):
                continue
            train = hist[hist["time_idx"] < origin]
            source = refit(model, train) if refit else model.window_model(train)
        part = forecast_window(source, hist, origin, horizon, start)
        if part is not None:
            parts.append(part.assign(window=k))
    return pd.concat(parts, ignore_index=True) if parts else None


def refits(config, cheap: bool) -> bool:
    """Whether a model that saw an earlier window gets a fresh model for it: where that is cheap, or a network on
    request in a single process."""
    single = int(getattr(config, "devices", 1) or 1) == 1 and int(getattr(config, "num_nodes", 1) or 1) == 1
    return cheap or (bool(getattr(config, "network_windows", False)) and single)


def scores(validation: pd.DataFrame | None) -> list[dict]:
    """Per window, earliest first: its number (counted back from the hold-out), first week, weeks and WAPE % (what
    run.json and *Why this recommendation* show)."""
    if validation is None or not len(validation):
        return []
    v = validation if "window" in validation else validation.assign(window=1)
    out = []
    for k, g in sorted(v[np.isfinite(v["actual"])].groupby("window"), key=lambda kg: -kg[0]):
        w = wape(g["actual"], g["p50"])
        out.append({"window": int(k), "first_week": str(pd.Timestamp(g["week"].min()).date()),
                    "weeks": int(g["time_idx"].nunique()), "wape": round(w, 3) if np.isfinite(w) else None})
    return out
