"""Where pytorch-forecasting's defaults were wrong for us, fixed where the dataset is made (see each docstring).

Everything here is pickled into a run's dataset parameters, so it must stay importable under these names.
"""
from __future__ import annotations

import numpy as np
from pytorch_forecasting.data import NaNLabelEncoder


class GroupIdEncoder(NaNLabelEncoder):
    """A group-id encoder with a NaN class whose refit on forecast data (``overwrite=False``: new series appear)
    numbers the new series right after the known ones. Upstream skips one code after the NaN class, and decoding
    a forecast's index then fails ('New unknown values detected')."""

    def fit(self, y, overwrite: bool = False):
        if overwrite or not hasattr(self, "classes_"):
            return super().fit(y, overwrite=True)
        idx = len(self.classes_)
        for val in np.unique(y):
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
    from pytorch_forecasting.data import NaNLabelEncoder

    enc = {c: NaNLabelEncoder(add_nan=True) for c in static_cats}
    enc.update({f"__group_id__{g}": GroupIdEncoder(add_nan=True) for g in groups})
    return enc
