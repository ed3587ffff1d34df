"""The TFT's ``TimeDistributedInterpolation`` as a fixed matrix: used by the matmul interpolation
(``tft_fast.py``) and by the fused variable selection (``tft_fused.py``)."""
from __future__ import annotations

import torch


def interpolation_matrix(n_in: int, n_out: int, dtype=torch.float32) -> torch.Tensor:
    """W (n_in, n_out) with ``x @ W == F.interpolate(x[:, None], n_out, mode='linear', align_corners=True)[:, 0]``."""
    w = torch.zeros(n_in, n_out, dtype=torch.float64)
    if n_in == 1 or n_out == 1:
        w[0, :] = 1.0
        return w.to(dtype)
    pos = torch.arange(n_out, dtype=torch.float64) * (n_in - 1) / (n_out - 1)  # align_corners=True source positions
    lo = pos.floor().long().clamp(max=n_in - 1)
    hi = (lo + 1).clamp(max=n_in - 1)
    frac = pos - lo
    cols = torch.arange(n_out)
    w[lo, cols] += 1.0 - frac
    w[hi, cols] += frac
    return w.to(dtype)
