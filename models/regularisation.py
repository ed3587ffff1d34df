"""How much a network is regularised, chosen on the data: on a small panel the TFT trains one network per dropout
in ``config.dropout_choices`` and keeps the one whose forecast of its early-stopping weeks (the last ``horizon``
weeks before the hold-out, which gradients never read) has the lowest WAPE.

Why: on 118 real pasta series the standard TFT's hold-out WAPE moved 4.2 points with its seed alone (34.4-38.6),
and dropout 0.3 steadied it (spread 1.1) but cost a little on the sample and the reference case. Over those
seeds, the validation weeks picked the better dropout of the two every time (6 of 6 on pasta and the sample:
`python -m bench.network_variants`, docs/accuracy.md). Only where variance is the trouble: up to ``MAX_SERIES``
series and in one process (under DDP each process sees its own shard, and at that size one dropout does), since
every candidate costs one more training.
"""
from __future__ import annotations

import pandas as pd

from .base import wape

MAX_SERIES = 500  # more series: one network at config.dropout


def candidates(model, config, data: pd.DataFrame, world) -> tuple:
    """The dropouts to train: ``config.dropout_choices`` where the model chooses and the data is small, else the
    configured dropout alone."""
    choices = tuple(dict.fromkeys(float(d) for d in (getattr(config, "dropout_choices", ()) or ())))
    if (not getattr(model, "chooses_dropout", False) or len(choices) < 2 or world.distributed
            or data[["sku", "region"]].drop_duplicates().shape[0] > MAX_SERIES):
        return (float(config.dropout),)
    return choices


def validation_wape(model, train: pd.DataFrame, start: int) -> float:
    """WAPE % of ``model``'s P50 over weeks ``start`` .. ``start + horizon - 1`` of ``train`` (its early-stopping
    weeks), forecast from the weeks before them (their units hidden, as every validation forecast is made)."""
    keys = ["sku", "region", "time_idx"]
    visible = train[train["time_idx"] < start + int(model.config.horizon)].copy()
    actual = visible.loc[visible["time_idx"] >= start, keys + ["units"]].astype({"sku": str, "region": str})
    visible.loc[visible["time_idx"] >= start, "units"] = float("nan")
    pred = model.to_frame(model.raw_predict(visible, start), visible, start)
    j = pred[keys + ["p50"]].astype({"sku": str, "region": str}).merge(actual, on=keys)
    return wape(j["units"], j["p50"])
