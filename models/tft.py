"""Temporal Fusion Transformer (pytorch-forecasting) with quantile loss and attention read-out."""
from __future__ import annotations

import numpy as np

from .pf_common import PFForecaster


class TFTForecaster(PFForecaster):
    name = "tft"
    chooses_dropout = True  # its hold-out moved 4 points with its seed on pasta; dropout 0.3 steadied it there
    reads_past = True  # past-only inputs (industry volume...) in its encoder (dashboard/data/past_inputs.py)
    reads_prices = True  # the regular price index, where prices move (dashboard/data/prices.py)

    def build(self, dataset, fast: bool = True):
        """``fast=False``: the network exactly as pytorch-forecasting ships it (the bench's bare reference)."""
        from pytorch_forecasting import TemporalFusionTransformer
        from pytorch_forecasting.metrics import QuantileLoss
        from torch import nn

        from .lstm_fast import use_fast_lstm
        from .tft_fast import use_fast_dropout, use_fast_layers

        c = self.config
        net = TemporalFusionTransformer.from_dataset(
            dataset, hidden_size=c.hidden_size, attention_head_size=c.attention_heads, dropout=c.dropout,
            hidden_continuous_size=c.hidden_continuous_size, learning_rate=c.learning_rate,
            loss=QuantileLoss(quantiles=list(c.quantiles)), reduce_on_plateau_patience=max(2, c.patience // 2),
            log_interval=-1, logging_metrics=nn.ModuleList(),  # no per-step SMAPE/MAE/RMSE/MAPE: nobody reads them
        )
        if fast:
            use_fast_layers(net)  # same outputs and gradients, as matmuls (models/tft_fast.py)
            use_fast_dropout(net)  # same distribution, masks from 16-bit draws instead of CPU bernoulli_
            use_fast_lstm(net)  # variable encoder lengths without PackedSequence on CPU (models/lstm_fast.py)
        return net

    def on_device(self) -> None:
        from .tft_fast import fuse_inputs

        fuse_inputs(self.net, str(self.device).startswith("cuda"))  # stacked inputs lose on CPU at batch 512, see tft_fast.fuse_inputs

    def interpret(self, pred) -> dict:
        """Attention per series, horizon step and encoder position (right-aligned: the last column is the
        week just before the forecast), and variable importances per series."""
        out = pred.output
        att = out["encoder_attention"].detach().float().mean(dim=2).cpu().numpy()  # (n, h, enc)
        lengths = out["encoder_lengths"].detach().cpu().numpy()
        max_len = att.shape[-1]
        aligned = np.full_like(att, np.nan)
        for i, n_enc in enumerate(lengths):
            aligned[i, :, max_len - n_enc:] = att[i, :, :n_enc]
        dec = out["decoder_attention"].detach().float().mean(dim=2).cpu().numpy()  # (n, h, h): earlier forecast weeks
        interp = _variable_weights(self.net, out)
        names = {"static": list(self.net.static_variables), "encoder": list(self.net.encoder_variables),
                 "decoder": list(self.net.decoder_variables)}
        return {
            "index": pred.index[["sku", "region"]].reset_index(drop=True),
            "attention": aligned.astype(np.float32),                 # (n, horizon, encoder_len)
            "decoder_attention": np.nan_to_num(dec).astype(np.float32),  # (n, horizon, horizon)
            "encoder_lengths": lengths,
            "static_importance": interp["static_variables"].detach().cpu().numpy(),
            "encoder_importance": interp["encoder_variables"].detach().cpu().numpy(),
            "decoder_importance": interp["decoder_variables"].detach().cpu().numpy(),
            "names": names,
        }


def _variable_weights(net, out: dict, size: int | None = None) -> dict:
    """pytorch-forecasting's per-series read-out (``interpret_output``, no reduction) of the static, encoder and
    decoder variable weights, ``size`` series at a time (``FORECAST_SLICE``): its read-out of a store-grain shard's
    hold-out at once took 2 GB over the forecast (docs/scale.md)."""
    import torch

    from .pf_common import FORECAST_SLICE

    size = size or FORECAST_SLICE
    n = len(out["encoder_lengths"])
    keys = ("static_variables", "encoder_variables", "decoder_variables")
    parts = {k: [] for k in keys}
    for lo in range(0, n, size):
        sub = {k: (v[lo:lo + size] if isinstance(v, torch.Tensor) and v.ndim and len(v) == n else
                   [t[lo:lo + size] for t in v] if isinstance(v, (list, tuple)) else v) for k, v in out.items()}
        got = net.interpret_output(sub, reduction="none")
        for k in keys:
            parts[k].append(got[k].detach())
    return {k: torch.cat(v) for k, v in parts.items()}
