"""Several seeds of one network: trained one after another from different seeds, forecast as their average.

Two trainings of the same network on the same data differ by their random initialisation and the order of
their batches; at the reference scale that alone moves a hold-out WAPE by about a point. The ``thorough`` preset
trains ``config.seeds`` networks (seed, seed + 1, ...) and forecasts with the mean of their raw outputs: quantile
forecasts averaged quantile by quantile, attention and variable importances averaged likewise, so the what-if,
the Explain page and saved runs see one model. Each member's own forecast is kept (``member_frames``) so the run
can report the spread between seeds: a difference between models smaller than it is noise.
"""
from __future__ import annotations

import torch


def average_outputs(outputs: list[dict]) -> dict:
    """The element-wise mean of several networks' raw outputs for the same windows (integers: the first's)."""
    if len(outputs) == 1:
        return outputs[0]

    def mean(values):
        return torch.stack(values).mean(dim=0)

    avg = {}
    for name, v0 in outputs[0].items():
        if isinstance(v0, torch.Tensor) and v0.is_floating_point():
            avg[name] = mean([o[name] for o in outputs])
        elif isinstance(v0, (list, tuple)) and v0 and all(isinstance(t, torch.Tensor) and t.is_floating_point() for t in v0):
            avg[name] = [mean([o[name][i] for o in outputs]) for i in range(len(v0))]
        else:
            avg[name] = v0
    return avg


def training_summary(logs: list[dict], seeds: list[int]) -> dict:
    """One training log for the ensemble: the first member's fields (best epoch, history), time and steps summed,
    converged only when every member converged, and each member's own figures under ``members``."""
    if len(logs) == 1:
        return logs[0]
    keep = ("best_epoch", "best_val_loss", "epochs_run", "converged", "stopped_early", "seconds")
    return {**logs[0], "seconds": round(sum(log["seconds"] for log in logs), 1),
            "steps": sum(log["steps"] for log in logs), "samples": sum(log["samples"] for log in logs),
            "converged": all(log["converged"] for log in logs),
            "members": [{"seed": s, **{k: log.get(k) for k in keep}} for s, log in zip(seeds, logs)]}

