"""How long a training job will take, before it starts: preset x dataset size x this machine's threads.

The rates are training samples per second per torch thread count on the project's 2-core CPU (Intel Xeon),
measured with `python -m bench --scale reference --only training` and `bench/estimate_rates.py`;
the typical epoch counts come from the reference-scale runs in `bench/results/`. Early stopping ends most
runs before their last epoch, so a job is quoted as "about X, at most Y".
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard.schema import MODELS, PRESETS, preset_config

# samples/s on the 2-core CPU, by (model, preset) and torch threads (python bench/estimate_rates.py)
RATES = {  # 2026-11-27 13:33 UTC, 2 cores (Intel Xeon @ 2.80GHz), `python -m bench.estimate_rates --steps 20`
    ("tft", "fast"): {1: 737.0, 2: 905.0},
    ("tft", "standard"): {1: 520.0, 2: 973.0},
    ("tft", "thorough"): {1: 362.0, 2: 421.0},
    ("lstm", "fast"): {1: 2828.0, 2: 3489.0},
    ("lstm", "standard"): {1: 2134.0, 2: 2665.0},
    ("lstm", "thorough"): {1: 1205.0, 2: 1338.0},
}
TYPICAL_EPOCHS = {"fast": 10, "standard": 16, "thorough": 30}  # epochs run (reference runs: standard 16 and 14 of 20)
FIXED_S = 25.0  # dataset build, validation passes, hold-out and future forecasts at the reference scale
# CPU seconds per series of one fit + forecast; a run fits twice (validation weeks, then the hold-out)
STAT_S_PER_SERIES_CORE = {
    "holt-winters": 0.06,  # Holt-Winters(52): bench, 1,360 series in ~42 s on 2 cores
    "mstl": 0.03,          # MSTL(52) + AutoETS trend: `python -m bench --only holt-winters`, 1,360 series in 21 s on 2 cores
}

# LightGBM: CPU seconds per training row and boosting round: the reference case's 212 k rows, 4 fits of 600 trees in
# 19.1 s on 2 threads (`python -m bench --scale reference --only accuracy`, AMD EPYC 2 cores, 2026-12-04; pasta's 31 k
# rows run at 1.4e-7, fixed costs weighing more there)
GBM_S_PER_ROW_TREE_CORE = 8e-8


@dataclass(frozen=True)
class Estimate:
    model: str
    preset: str
    typical_s: float
    most_s: float
    note: str = ""

    def text(self) -> str:
        if self.most_s <= self.typical_s * 1.2:
            return f"{self.model}: about {fmt(self.typical_s)}"
        return f"{self.model}: about {fmt(self.typical_s)} (at most {fmt(self.most_s)})"


def training_windows(rows: int, series: int, holdout: int = 13, horizon: int = 13, min_encoder: int = 8) -> int:
    """Training windows left after the hold-out and validation weeks (a lower bound: pytorch-forecasting also
    counts shorter windows at the ends of series)."""
    return max(0, rows - series * (holdout + 2 * horizon + min_encoder - 1))


def estimate(model: str, preset: str, rows: int, series: int, threads: int = 1, holdout: int = 13,
             freq: str = "week") -> Estimate:
    cfg = preset_config(model, preset, freq)
    if model == "seasonal-naive":
        return Estimate(model, preset, 2.0 + series * 0.002, 2.0 + series * 0.002)
    extra = max(0, cfg.validation_windows - 1)  # earlier validation windows (dashboard/forecasting/windows.py)
    if model == "lightgbm":  # 3 target candidates + the final fit, each cfg.gbm_trees rounds over every row, then one
        from models.gbm import SMALL_PANEL, SMALL_PANEL_SEEDS

        seeds = max(1, cfg.seeds)
        if preset == "standard" and seeds == 1 and series <= SMALL_PANEL:
            seeds = SMALL_PANEL_SEEDS  # 3 seeds averaged on a small panel (models/gbm.py)
        fits = 3 + seeds + (seeds - 1) + 0.85 * extra * seeds  # fit per earlier window on ~85 % of the rows
        s = 3.0 + fits * cfg.gbm_trees * rows * GBM_S_PER_ROW_TREE_CORE / max(1, threads) + FIXED_S / 5 * series / 1360
        return Estimate(model, preset, s, 1.5 * s, note=f"{cfg.gbm_trees} trees, {round(fits)} fits")
    if model in STAT_S_PER_SERIES_CORE:  # the fit, then a refit per validation window
        s = 5.0 + (2 + extra) * series * STAT_S_PER_SERIES_CORE[model] / max(1, threads)
        return Estimate(model, preset, s, s)
    rates = RATES[(model, preset)]
    rate = rates.get(threads) or rates[max(rates)] * (threads / max(rates)) ** 0.5
    windows = training_windows(rows, series, holdout, cfg.horizon, cfg.min_encoder_weeks)
    steps = max(1, math.ceil(windows / cfg.batch_size))
    if cfg.limit_train_batches:
        steps = min(steps, cfg.limit_train_batches)
    epoch_s = steps * cfg.batch_size / rate
    fixed = FIXED_S * max(0.05, series / 1360)
    n = max(1, cfg.seeds)  # networks trained one after another (models/seeds.py)
    from models.regularisation import MAX_SERIES

    choices = len(set(cfg.dropout_choices)) if model == "tft" and series <= MAX_SERIES else 1
    n *= max(1, choices)  # a network per dropout on a small panel (models/regularisation.py)
    typical = n * min(cfg.max_epochs, TYPICAL_EPOCHS[preset]) * epoch_s + fixed
    # the final refit on a small panel: a network per seed for the epochs early stopping chose (models/refit.py),
    # typically the epochs run less the patience waited
    from models.refit import wanted

    refit = max(1, cfg.seeds) if wanted(cfg) and series <= MAX_SERIES else 0
    typical += refit * max(1, min(cfg.max_epochs, TYPICAL_EPOCHS[preset]) - cfg.patience) * epoch_s
    seeds = f", {max(1, cfg.seeds)} seeds averaged" if cfg.seeds > 1 else ""
    dropouts = f", one network per dropout ({', '.join(f'{d:g}' for d in cfg.dropout_choices)})" if choices > 1 else ""
    refits = f", then refit on every training {cfg.freq}" if refit else ""
    return Estimate(model, preset, typical, (n + refit) * cfg.max_epochs * epoch_s + fixed,
                    note=f"{cfg.max_epochs} epochs of {steps} batches of {cfg.batch_size} at most{seeds}{dropouts}"
                         f"{refits}")


def estimates(rows: int, series: int, threads: int = 1, holdout: int = 13,
              freq: str = "week") -> dict[str, list[Estimate]]:
    """Every model's estimate for every preset: {preset: [Estimate per model]}."""
    return {p: [estimate(m, p, rows, series, threads, holdout, freq) for m in MODELS] for p in PRESETS}


# bench/results/gpu-h100: the standard TFT, 1,360 series, start to forecasts on one H100 (bash bench/gpu.sh)
GPU_NOTE = (" (a GPU was found: networks train on it, far faster than quoted; on one H100 the standard TFT took 51 s "
            "for the 1,360-series reference case)")


def expected_time_text(rows: int, series: int, threads: int = 1, gpu: bool | None = None, freq: str = "week") -> str:
    """One line per preset for the Train page: what each model will take on this machine, before starting."""
    if gpu is None:  # the NVIDIA driver's file, not torch: importing torch would cost the page ~2 s on first render
        import os

        gpu = os.path.exists("/proc/driver/nvidia/version")
    lines = [f"**Expected time** for {series:,} series on {threads} training thread{'s' if threads > 1 else ''}"
             f"{GPU_NOTE if gpu else ''}; "
             "jobs run one after another:"]
    from dashboard import periods

    for preset, ests in estimates(rows, series, threads, periods.of(freq).horizon, freq).items():
        total = sum(e.typical_s for e in ests)
        lines.append(f"- {preset}: about {fmt(total)} for all {len(ests)} — " + "; ".join(e.text() for e in ests))
    return "\n".join(lines)


def fmt(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
