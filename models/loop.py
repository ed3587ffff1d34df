"""The training loop for pytorch-forecasting networks on the tensor path (no Lightning Trainer, no DataLoader).

What Lightning did for us, kept: the network's own optimiser and ReduceLROnPlateau schedule
(``configure_optimizers``), gradient clipping, one validation pass per epoch on the validation window,
early stopping after ``patience`` epochs without a better validation loss, the best epoch's weights,
and progress lines (epoch, step, loss, validation loss, ETA). What it cost, dropped: per-step hooks,
logging and the per-sample DataLoader. Batches are cut from ``WindowArrays`` on the training device.
"""
from __future__ import annotations

import copy
import math
import time
from typing import Callable

import torch

from . import distributed
from .scaled_loss import loss_of
from .windows import WindowArrays, concat_outputs

Progress = Callable[[dict], None]
DIVERGED = 3.0  # a validation loss this many times the best so far is a blow-up, not noise


def steps_per_epoch(n_windows: int, batch_size: int, limit: int | None) -> int:
    full = max(1, math.ceil(n_windows / batch_size))
    return min(full, int(limit)) if limit else full


def training_step(net, optimiser, x, y, clip: float, normalised: bool = False, forward=None) -> torch.Tensor:
    optimiser.zero_grad(set_to_none=True)
    loss = loss_of(net, x, y, normalised, forward)
    loss.backward()
    if clip:
        torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
    optimiser.step()
    return loss.detach()


def converged(history: list[dict], patience: int, tolerance: float = 0.02) -> bool:
    """Early stopping fired, or the best validation loss improved by under ``tolerance`` (2 %) over the last
    ``patience`` epochs: more epochs would not buy much."""
    vals = [h["val_loss"] for h in history]
    if len(vals) <= patience:
        return False
    before, now = min(vals[:-patience]), min(vals)
    return now >= before * (1 - tolerance)


@torch.no_grad()
def validation_loss(net, windows: WindowArrays, batch_size: int, normalised: bool = False) -> float:
    """Mean loss over every validation window (weighted by batch size, as Lightning averages it)."""
    net.eval()
    total, n = 0.0, 0
    for x, y in windows.in_order(batch_size):
        total += float(loss_of(net, x, y, normalised)) * len(x["encoder_lengths"])
        n += len(x["encoder_lengths"])
    return total / max(n, 1)


@torch.no_grad()
def raw_output(net, windows: WindowArrays, batch_size: int = 1024, keep: tuple[str, ...] | None = None,
               with_x: bool = True) -> tuple[dict, dict | None]:
    """The network's raw output for every window, in index order, and the x it was given (on the CPU; None
    without ``with_x``). ``keep``: only these outputs (a counterfactual reads the prediction alone: the TFT's
    attention and variable weights of 37,400 store series are 0.6 GB per pass, its inputs as much again)."""
    net.eval()
    outs, xs = [], []
    for x, _ in windows.in_order(batch_size):
        out = net(x)
        outs.append({k: v for k, v in out.items() if keep is None or k in keep})
        if with_x:
            xs.append({k: v for k, v in x.items()})
    return concat_outputs(outs), (concat_outputs(xs) if with_x else None)


def lr_schedule(optimiser, config, total_steps: int, plateau):
    """(scheduler, per_step): cosine = 3 % linear warm-up, then cosine decay to 5 % of the rate at the last step
    budgeted; otherwise the network's own ReduceLROnPlateau, stepped on the validation loss each epoch."""
    if getattr(config, "lr_schedule", "plateau") != "cosine":
        return plateau, False
    warm, floor = max(1, int(0.03 * total_steps)), 0.05

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        done = min(1.0, (step - warm) / max(1, total_steps - warm))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done))

    return torch.optim.lr_scheduler.LambdaLR(optimiser, factor), True


def fit_network(net, train: WindowArrays, valid: WindowArrays | None, config, progress: Progress | None = None,
                every: int = 10, world: distributed.World | None = None) -> dict:
    """Train ``net`` in place; keeps the best validation epoch's weights. Returns what happened.
    ``world``: the processes training together (models/distributed.py); each cuts batch / size windows per step.
    ``valid`` None: no validation pass, every one of ``config.max_epochs`` epochs run and the last one's weights kept
    (the final refit, models/refit.py; its history's ``val_loss`` is the training loss)."""
    world = world or distributed.World()
    conf = net.configure_optimizers()
    optimiser = conf["optimizer"]
    device = train.device
    forward = distributed.wrap(net, world)
    gen = torch.Generator(device=device).manual_seed(int(config.seed) + 1000 * world.rank)
    batch = max(1, math.ceil(config.batch_size / world.size))
    n_windows = int(distributed.total([len(train)], world, device)[0])  # every shard's: the same epoch everywhere
    per_epoch = steps_per_epoch(n_windows, config.batch_size, config.limit_train_batches)
    total = per_epoch * config.max_epochs
    sched, per_step = lr_schedule(optimiser, config, total, (conf.get("lr_scheduler") or {}).get("scheduler"))
    best, best_state, best_epoch, bad = float("inf"), None, -1, 0
    t0, step, last_loss, history = time.time(), 0, float("nan"), []
    normalised = getattr(config, "loss_scale", "units") == "normalised"

    def emit(epoch: int, **extra):
        if progress:
            elapsed = time.time() - t0
            eta = elapsed / max(step, 1) * max(total - step, 0)
            progress({"epoch": epoch + 1, "epochs": config.max_epochs, "step": step, "steps": total,
                      "loss": last_loss, "elapsed_s": round(elapsed, 1), "eta_s": round(eta, 1), **extra})

    epoch = 0
    for epoch in range(config.max_epochs):
        net.train()
        t_epoch = time.time()
        for _ in range(per_epoch):
            x, y = train.sample(batch, gen)
            loss = training_step(net, optimiser, x, y, config.gradient_clip, normalised, forward)
            if per_step:
                sched.step()
            step += 1
            if step % every == 0:
                last_loss = float(loss)
                emit(epoch)
        last_loss = float(loss)
        train_s = time.time() - t_epoch
        checked = valid is not None and len(valid)
        val = validation_loss(net, valid, config.batch_size * 4, normalised) if checked else last_loss
        if world.distributed:  # every shard's windows, weighted by their number: the same on every process
            summed, n_val = distributed.total([val * len(valid), len(valid)], world, device)
            val = summed / n_val if n_val else distributed.mean(last_loss, world, device)
        if sched is not None and not per_step:
            sched.step(val)
        history.append({"epoch": epoch + 1, "train_loss": last_loss, "val_loss": val, "train_s": round(train_s, 2),
                        "lr": optimiser.param_groups[0]["lr"]})
        if valid is None:
            best, best_epoch = val, epoch
        elif val < best:
            best, best_epoch, bad = val, epoch, 0
            best_state = copy.deepcopy(net.state_dict())
        else:
            bad += 1
            if best_state is not None and val > DIVERGED * best:
                # a blow-up (seen at the reference scale: validation loss 279 -> 51,864 in one epoch at rate 0.01):
                # go back to the best weights and continue at half the rate, instead of spending the rest of the
                # budget climbing back down
                net.load_state_dict(best_state)
                for g in optimiser.param_groups:
                    g["lr"] *= 0.5
                if per_step:
                    sched.base_lrs = [lr * 0.5 for lr in sched.base_lrs]
                history[-1]["rolled_back"] = True
        emit(epoch, **({} if valid is None else {"val_loss": val, "best_val_loss": best}))  # none to show in a refit
        if bad >= config.patience:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return {"best_epoch": best_epoch + 1, "best_val_loss": best, "epochs_run": epoch + 1, "steps": step,
            "stopped_early": bad >= config.patience, "converged": converged(history, config.patience),
            "seconds": round(time.time() - t0, 1), "samples": step * batch * world.size, "world_size": world.size,
            "windows": n_windows, "history": history}
