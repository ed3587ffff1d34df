"""Where pytorch-forecasting's defaults were wrong for us, fixed where the dataset is made (see each docstring).

Everything here is pickled into a run's dataset parameters, so it must stay importable under these names.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pytorch_forecasting.data import NaNLabelEncoder


class LabelEncoder(NaNLabelEncoder):
    """``NaNLabelEncoder`` that looks each distinct value up once, not each row.

    Upstream's ``transform`` is a Python loop over every row (``[self.classes_[v] for v in y]``) and its ``fit`` sorts
    every row (``np.unique``). On a store-grain shard's forecast dataset (2.4 M rows, Arrow strings) that was 36 s of
    a 58 s forecast, and more again for the training dataset. Here the rows are factorised (``pd.factorize``), the
    distinct values go through upstream's own code (its unknown-class rules, warning and error unchanged) and the
    codes are taken back per row: the same integers."""

    def fit(self, y, overwrite: bool = False):
        return super().fit(_distinct(y), overwrite=overwrite)

    def transform(self, y, return_norm: bool = False, target_scale=None, ignore_na: bool = False):
        import torch

        if isinstance(y, torch.Tensor) or len(y) == 0:
            return super().transform(y, return_norm=return_norm, target_scale=target_scale, ignore_na=ignore_na)
        codes, uniques = pd.factorize(y, use_na_sentinel=False)
        encoded = super().transform(list(uniques), ignore_na=ignore_na)[codes]
        return (encoded, self.get_parameters()) if return_norm else encoded


def _distinct(y):
    """The distinct values of ``y`` in a container of its own kind (upstream tells numeric from text by dtype)."""
    if isinstance(y, pd.Series):
        return pd.Series(y.unique(), dtype=y.dtype)
    if isinstance(y, np.ndarray):
        return pd.unique(y.ravel())
    return y


def fast_encoders(params: dict) -> dict:
    """``params`` with each plain ``NaNLabelEncoder`` (runs saved before ``LabelEncoder``) as a ``LabelEncoder`` with
    the same classes; the saved parameters themselves are left as they are."""
    encoders = params.get("categorical_encoders") or {}
    if not any(type(e) is NaNLabelEncoder for e in encoders.values()):
        return params
    out = {}
    for name, enc in encoders.items():
        if type(enc) is NaNLabelEncoder:
            fast = LabelEncoder.__new__(LabelEncoder)
            fast.__dict__.update(enc.__dict__)
            enc = fast
        out[name] = enc
    return {**params, "categorical_encoders": out}


class GroupIdEncoder(LabelEncoder):
    """A group-id encoder with a NaN class whose refit on forecast data (``overwrite=False``: new series appear)
    numbers the new series right after the known ones. Upstream skips one code after the NaN class, and decoding
    a forecast's index then fails ('New unknown values detected')."""

    def fit(self, y, overwrite: bool = False):
        if overwrite or not hasattr(self, "classes_"):
            return super().fit(y, overwrite=True)
        idx = len(self.classes_)
        for val in np.unique(_distinct(y)):
            if val not in self.classes_:
                self.classes_[val] = idx
                idx += 1
        self.classes_vector_ = np.array(list(self.classes_.keys()))
        return self


def log1p_transform() -> dict:
    """log1p units, mapped back with its exact inverse ``expm1``.

    pytorch-forecasting's ``"log1p"`` maps the network's output back with ``exp`` (its ``reverse``), so an output on
    the scale the history was normalised on came back one unit high, and no finite output could forecast 0 (slow
    movers). With the loss on the normalised scale (models/scaled_loss.py) the two must be one map. Runs saved
    before keep the string ``"log1p"`` in their parameters, and with it the ``exp`` they were trained with."""
    import torch
    from pytorch_forecasting.data.encoders import Expm1Transform

    return {"forward": torch.log1p, "reverse": torch.expm1, "inverse": torch.expm1, "inverse_torch": Expm1Transform()}


def categorical_encoders(static_cats: list[str], groups: list[str]) -> dict:
    """Unknown categories map to a NaN class (0), and the group ids are encoded the same way.

    pytorch-forecasting fits the ``GroupNormalizer`` on the static categoricals' codes (``sku``, ``region``) but
    looks a window's target scale up by the group-id codes (``__group_id__sku``, ...), whose encoder defaults to
    ``add_nan=False``: codes shifted by one. Every series then got the centre and scale of the previous SKU in the
    previous region (the first SKU and the first region got the fallback), while its history was scaled with its
    own: the network could not tell a series' level from its inputs and learnt it from the SKU embedding instead
    (runaway forecasts for late launches; blow-ups). Encoding the group ids with ``add_nan=True`` too makes the
    two sets of codes one. Runs saved before keep the encoders they were trained with (in their parameters)."""
    enc = {c: LabelEncoder(add_nan=True) for c in static_cats}
    enc.update({f"__group_id__{g}": GroupIdEncoder(add_nan=True) for g in groups})
    return enc
