"""The final refit: on a small panel a network trained with early stopping never learns its early-stopping weeks (the
last ``horizon`` weeks before the hold-out), the most recent it was given, while the LightGBM and the statistical
models refit on them. So after early stopping chose the epochs, a fresh network per seed is trained from the same
seed on every training week for as many epochs as its early-stopped one needed, and forecasts the hold-out and the
future. The early-stopped networks stay with the model and forecast every origin inside the training weeks (the
validation weeks the recommendation is chosen on and the bands are calibrated on), so those forecasts stay out of
sample (``networks_for``).

Where (`python -m bench.network_refit`, 3 seeds, hold-out; docs/accuracy.md): on Stallion (350 monthly series) the
standard TFT's MAE fell from 285.3 to 277.7 and the LSTM's from 295.1 to 274.6 (its seeds' spread 20.0 -> 5.3); on
pasta summed into months the TFT's WAPE 29.81 -> 29.02, the LSTM's 28.28 -> 28.59 (noise); on weekly pasta the TFT's
WAPE rose 35.32 -> 37.34. So monthly data only by default (``config.refit_networks`` "month"; "any" or "off"), and
only where it is cheap: up to ``regularisation.MAX_SERIES`` series in one process, as the dropout choice (one more
network per seed, for the epochs the early one needed).
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from . import regularisation

CHOICES = ("month", "any", "off")  # config.refit_networks: monthly datasets only (the default), any frequency, never


def wanted(config) -> bool:
    """Whether ``config`` asks for the refit at its dataset's frequency: "month" for monthly data only, "any"."""
    choice = getattr(config, "refit_networks", "off")
    if choice not in CHOICES:
        raise ValueError(f"refit_networks must be one of {', '.join(CHOICES)}, not {choice!r}")
    return choice == "any" or (choice == "month" and getattr(config, "freq", "week") == "month")


def applies(model, config, n_series: int, world) -> bool:
    """Whether ``model`` refits: the model and the config ask for it, one process, at most MAX_SERIES series."""
    return (getattr(model, "refits", False) and wanted(config) and not world.distributed
            and n_series <= regularisation.MAX_SERIES)


def refit(model, data: pd.DataFrame, seeds: list[int], epochs: list[int], progress=None) -> tuple[list, dict]:
    """Networks like ``model``'s trained on every row of ``data`` (the prepared training frame), one per seed, each
    for its early-stopped member's best epoch count, through the dataset parameters the model already holds (the
    same encoders and scalers: the early networks and these read the same inputs). Returns (networks, log)."""
    from pytorch_forecasting import TimeSeriesDataSet

    from .loop import fit_network
    from .torch_process import setup_torch
    from .windows import WindowArrays

    ds = TimeSeriesDataSet.from_parameters(model.params, data, predict=False, stop_randomization=False)
    windows = WindowArrays(ds, model.device)
    nets, logs = [], []
    for i, (seed, n) in enumerate(zip(seeds, epochs)):
        cfg = replace(model.config, seed=seed, max_epochs=max(1, int(n)))
        setup_torch(cfg, seed)
        net = model.net = model.build(ds).to(model.device)
        model.on_device()
        what = {"member": i + 1, "members": len(seeds), "network": f"refit on every training {model.period.name}"}
        member = None if progress is None else (lambda d, what=what: progress({**d, **what}))
        logs.append(fit_network(net, windows, None, cfg, member))
        nets.append(net)
    log = {"epochs": [int(n) for n in epochs], "seconds": round(sum(float(g["seconds"]) for g in logs), 1),
           "windows": int(len(ds)), "first_origin": int(data["time_idx"].max()) + 1}
    return nets, log


def replace_members(model, data: pd.DataFrame, seeds: list[int], logs: list[dict], progress=None) -> None:
    """Refit ``model``'s kept networks (``logs``: their training logs) on ``data``; the early ones go to
    ``early_members``, and the training log gains the refit's figures and seconds."""
    nets, log = refit(model, data, seeds, [int(g["best_epoch"]) for g in logs], progress)
    model.early_members, model.members, model.net = model.members, nets, nets[0]
    model.refit_from = log["first_origin"]
    model.training_log["refit"] = log
    model.training_log["seconds"] = round(float(model.training_log["seconds"]) + log["seconds"], 1)


def networks_for(model, start_idx: int) -> list:
    """The networks that forecast from ``start_idx``: the early-stopped ones for an origin inside the weeks the
    final refit learned (the validation weeks), else the model's own."""
    if model.early_members and model.refit_from is not None and start_idx < model.refit_from:
        return model.early_members
    return model.members or [model.net]
