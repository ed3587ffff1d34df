"""LSTM baseline: pytorch-forecasting ``RecurrentNetwork`` on the same dataset as the TFT.

RecurrentNetwork is autoregressive and cannot train on a quantile loss, so it learns the median
(MAE) and its P10-P90 band comes from its own errors on the validation window (per horizon week,
relative errors on the log scale), the way a conformal interval would.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .pf_common import PFForecaster


class LSTMForecaster(PFForecaster):
    name = "lstm"

    def __init__(self, config):
        super().__init__(config)
        self.band = np.tile([[-0.3, 0.3]], (config.horizon, 1))  # replaced after training

    def build(self, dataset, fast: bool = True):
        from pytorch_forecasting import RecurrentNetwork
        from pytorch_forecasting.metrics import MAE
        from torch import nn

        from .lstm_fast import use_fast_lstm
        from .lstm_net import DirectRecurrentNetwork

        c = self.config
        network = DirectRecurrentNetwork if c.lstm_decoding == "direct" else RecurrentNetwork
        net = network.from_dataset(
            dataset, cell_type="LSTM", hidden_size=c.hidden_size, rnn_layers=c.lstm_layers, dropout=c.dropout,
            learning_rate=c.learning_rate, loss=MAE(), log_interval=-1,
            logging_metrics=nn.ModuleList(),  # no per-step SMAPE/MAE/RMSE/MAPE/MASE: nobody reads them
        )
        if fast:
            use_fast_lstm(net)  # variable encoder lengths without PackedSequence on CPU (models/lstm_fast.py)
        return net

    def _median(self, pred) -> np.ndarray:
        p = pred.output["prediction"].detach().cpu().numpy()
        return p.reshape(p.shape[0], p.shape[1])

    def after_fit(self, data: pd.DataFrame, val_start: int) -> None:
        pred = self.raw_predict(data, val_start)
        med = self._median(pred)
        idx = pred.index[["sku", "region"]].reset_index(drop=True)
        actual = data[(data["time_idx"] >= val_start) & (data["time_idx"] < val_start + self.config.horizon)]
        actual = actual.set_index(["sku", "region", "time_idx"])["units"]
        key = pd.MultiIndex.from_arrays([np.repeat(idx["sku"], med.shape[1]), np.repeat(idx["region"], med.shape[1]),
                                         np.tile(np.arange(val_start, val_start + med.shape[1]), len(idx))])
        y = actual.reindex(key).to_numpy().reshape(med.shape)
        err = np.log1p(np.clip(y, 0, None)) - np.log1p(np.clip(med, 0, None))
        band = []
        for h in range(med.shape[1]):
            e = err[:, h][np.isfinite(err[:, h])]
            band.append([np.quantile(e, 0.1), np.quantile(e, 0.9)] if len(e) >= 5 else [-0.3, 0.3])
        self.band = np.maximum.accumulate(np.abs(np.array(band)), axis=0) * np.sign(np.array(band) + 1e-12)

    def quantiles(self, pred) -> np.ndarray:
        med = np.clip(self._median(pred), 0, None)
        h = med.shape[1]
        lo = np.expm1(np.log1p(med) + self.band[:h, 0][None, :])
        hi = np.expm1(np.log1p(med) + self.band[:h, 1][None, :])
        return np.stack([lo, med, hi], axis=-1)

    def extra_state(self) -> dict:
        return {"band": self.band.tolist()}

    def set_extra_state(self, state: dict) -> None:
        if "band" in state:
            self.band = np.array(state["band"])
