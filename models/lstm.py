"""LSTM baseline: pytorch-forecasting ``RecurrentNetwork`` on the same dataset as the TFT."""
from __future__ import annotations

from .pf_common import PFForecaster


class LSTMForecaster(PFForecaster):
    name = "lstm"

    def build(self, dataset):
        from pytorch_forecasting import RecurrentNetwork
        from pytorch_forecasting.metrics import QuantileLoss

        c = self.config
        return RecurrentNetwork.from_dataset(
            dataset, cell_type="LSTM", hidden_size=c.hidden_size, rnn_layers=c.lstm_layers, dropout=c.dropout,
            learning_rate=c.learning_rate, loss=QuantileLoss(quantiles=list(c.quantiles)), log_interval=-1,
        )
