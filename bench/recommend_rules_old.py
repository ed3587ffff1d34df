"""The first recommendation rule tried for issue 25, kept to compare against (`python -m bench.recommend_rules`):
per category, every model alone and freely weighted blends (0.05 grid, non-negative, summing to 1) of two or three
of the four best models, a bigger blend kept where it beats the best smaller candidate by 0.1 WAPE point."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.forecasting.recommend import _aligned, wape

TOP = 4
MARGIN = 0.1


def _weights(k: int) -> np.ndarray:
    """Every way to split 1 between ``k`` models in 0.05 steps, each getting some (rows of k weights)."""
    steps = np.arange(1, 20)
    if k == 2:
        return np.stack([steps, 20 - steps], axis=1) / 20
    grid = np.array([(a, b, 20 - a - b) for a in steps for b in steps if 20 - a - b >= 1])
    return grid / 20


def _best_blend(y: np.ndarray, preds: dict[str, np.ndarray], models: tuple[str, ...]) -> tuple[np.ndarray, float]:
    w = _weights(len(models))
    stacked = np.stack([preds[m] for m in models])            # (k, rows)
    blended = w @ stacked                                     # (combinations, rows)
    total = np.abs(y).sum()
    errs = np.abs(blended - y).sum(axis=1) / total * 100 if total else np.full(len(w), np.nan)
    i = int(np.nanargmin(errs)) if np.isfinite(errs).any() else 0
    return w[i], float(errs[i])


def free_blends(validation: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """{category: {"weights": {model: w}, "validation_wape": x, "scores": {candidate: wape}}} from validation only.

    Candidates per category: every model alone, and non-negative blends (weights summing to 1 in 0.05 steps) of two
    or three of the ``TOP`` best models alone. A bigger blend is kept only where it beats the best smaller
    candidate by ``MARGIN`` WAPE points (simpler to explain, and less fitted to one window's noise)."""
    from itertools import combinations

    v = _aligned(validation)
    models = list(validation)
    out = {}
    for category, g in v.groupby("category", sort=True):
        y = g["actual"].to_numpy(float)
        preds = {m: g[m].to_numpy(float) for m in models}
        scores = {m: wape(y, preds[m]) for m in models}
        best = min(scores, key=lambda m: (np.nan_to_num(scores[m], nan=np.inf), m))
        choice = {"weights": {best: 1.0}, "validation_wape": scores[best]}
        top = sorted((m for m in models if np.isfinite(scores[m])), key=lambda m: (scores[m], m))[:TOP]
        for k in (2, 3):
            for combo in combinations(top, k):
                w, err = _best_blend(y, preds, combo)
                scores[" + ".join(f"{m} x {x:.2f}" for m, x in zip(combo, w))] = err
                if err < choice["validation_wape"] - MARGIN:
                    choice = {"weights": {m: round(float(x), 2) for m, x in zip(combo, w)}, "validation_wape": err}
        out[str(category)] = {**choice, "scores": {k: round(s, 3) for k, s in scores.items()}}
    return out


