"""The training loss on the network's own (normalised) scale instead of in units.

pytorch-forecasting rescales a network's output to units before the loss (``transform_output``), so a series
selling 40,000 a week weighs a thousand times more than one selling 40, and its gradients are a thousand times
larger: at the reference scale that gave the LSTM its best epoch at 1 and the TFT its blow-ups. Here the loss
compares the network's normalised output with the target put through the same normaliser
(``GroupNormalizer(log1p)``: ``(log1p(units) - centre) / scale`` per series), so every series counts alike and
gradients stay bounded. Quantiles are unchanged by a monotone map, so the P10/P50/P90 learned on this scale are
the P10/P50/P90 in units; forecasts are still returned in units (the normaliser is only bypassed inside the loss).
"""
from __future__ import annotations

from contextlib import contextmanager

import torch


class _Unscaled:
    """Stands in for the output normaliser: hands the network's normalised output through unchanged."""

    def __call__(self, data: dict) -> torch.Tensor:
        return data["prediction"]

    def transform(self, y: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        """An autoregressive decoder normalises each prediction before feeding it back: it already is."""
        return y


@contextmanager
def normalised_outputs(net):
    """Inside: ``net(x)["prediction"]`` is on the normalised scale. The real normaliser is yielded."""
    saved = net.output_transformer
    net.output_transformer = _Unscaled()
    try:
        yield saved
    finally:
        net.output_transformer = saved


def normalise_target(normaliser, target: torch.Tensor, target_scale: torch.Tensor) -> torch.Tensor:
    """``target`` (n, horizon) in units -> the normalised scale of each window's series."""
    y = normaliser.preprocess(target.clamp_min(0))
    return (y - target_scale[:, :1]) / target_scale[:, 1:]


def loss_of(net, x: dict, y: tuple, normalised: bool, forward=None) -> torch.Tensor:
    """The network's loss for one batch, in units (pytorch-forecasting's way) or on the normalised scale.
    ``forward``: what runs the network (its DistributedDataParallel wrapper when several processes train)."""
    forward = forward or net
    if not normalised:
        return net.loss(forward(x)["prediction"], y)
    target, weight = y
    with normalised_outputs(net) as normaliser:
        prediction = forward(x)["prediction"]
    return net.loss(prediction, (normalise_target(normaliser, target, x["target_scale"]), weight))
