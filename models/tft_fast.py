"""pytorch-forecasting's TFT with cheaper layers: the same outputs and gradients, far faster steps.

1. ``TimeDistributedInterpolation`` as a matmul (here).

The TFT resizes each variable's embedding (e.g. 16 wide) to the hidden size (e.g. 32) with
``F.interpolate(x.unsqueeze(1), size, mode="linear", align_corners=True)``. That is a fixed linear
map, ``x @ W`` with a (in, out) matrix whose columns hold two neighbouring weights, but it runs as
``aten::upsample_linear1d``: measured on an H100 at batch 1024, 95 % of a TFT step's GPU time
(fwd + bwd); on 2 CPU cores at batch 512 the difference is within noise (bench.step_variants). ``use_fast_layers(net)`` switches every
instance of the network to ``MatmulInterpolation``, a subclass that overrides the one method; the
matrix is a non-persistent buffer, so state dicts (and saved runs) are unchanged.
Upstream-ready: the same ``interpolate`` body would replace the original's ``F.interpolate`` call.

2. ``VariableSelectionNetwork`` with its per-variable networks stacked into one batched computation (GPU), or
run one by one with the layers that act on each real input's scalar folded into ``addcmul``s (CPU)
(models/tft_fused.py). ``use_fast_layers(net)`` switches both, in place.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from .interpolation import interpolation_matrix


@lru_cache(maxsize=1)
def _matmul_class():
    from pytorch_forecasting.models.temporal_fusion_transformer.sub_modules import TimeDistributedInterpolation

    class MatmulInterpolation(TimeDistributedInterpolation):
        def interpolate(self, x):
            w = self._interp_w
            if w.shape[0] != x.shape[-1] or w.device != x.device or w.dtype != x.dtype:
                w = interpolation_matrix(x.shape[-1], self.output_size, x.dtype).to(x.device)
                self._interp_w = w
            upsampled = x @ w
            if self.trainable:
                upsampled = upsampled * self.gate(self.mask.unsqueeze(0)) * 2.0
            return upsampled

    return TimeDistributedInterpolation, MatmulInterpolation


def use_fast_layers(net: torch.nn.Module, interpolation: bool = True, selection: bool = True) -> int:
    """Switch the TFT's interpolations to the matmul and its variable selections to the stacked form (in place,
    weights untouched); returns how many modules were switched. ``fuse_inputs(net, on)`` then chooses whether the
    selections stack their inputs (GPU) or run them one by one with the matmul sum (CPU)."""
    from .tft_fused import fused_selection_class

    interp, fast_interp = _matmul_class()
    vsn, fast_vsn = fused_selection_class()
    n = 0
    for module in net.modules():
        if interpolation and type(module) is interp:
            module.__class__ = fast_interp
            module.register_buffer("_interp_w", torch.zeros(0, 0), persistent=False)
            n += 1
        elif selection and type(module) is vsn:
            module.__class__ = fast_vsn
            n += 1
    return n


def fuse_inputs(net: torch.nn.Module, on: bool) -> None:
    """Stack the per-input networks into one computation (``on``), or run them one by one (the matmul sum stays).

    On 2 CPU cores stacking wins at batch 128 (472 vs 416 samples/s) and loses at 512 (506 vs 642): its
    (batch, time, inputs, hidden) intermediates leave the cache. On a GPU a step is hundreds of tiny kernels
    per input, which stacking turns into a handful (not measured here: no GPU was available)."""
    for module in net.modules():
        if hasattr(module, "fuse_inputs"):
            module.fuse_inputs = on


def dropout_mask(shape, p: float, dtype: torch.dtype) -> torch.Tensor:
    """An inverted-dropout mask on the CPU: 0, or ``1 / (1 - p')`` where ``p' = round(p * 65536) / 65536`` (within
    1e-5 of ``p``), so its mean is exactly 1. Each element compares one 16-bit uniform integer, four of them per
    64-bit draw of numpy's PCG64 (``random_raw``), seeded by one draw of torch's generator, so a seeded run repeats.
    ``torch.rand`` on a CPU costs about 1.5 ns per element (uniform_ was 10 % of a TFT step at batch 512, 2 cores);
    this about 0.3."""
    import math

    import numpy as np

    n, k = math.prod(shape), round(p * 65536)
    if k >= 65536:
        return torch.zeros(shape, dtype=dtype)
    seed = int(torch.randint(0, 2 ** 62, (1,)))
    bits = np.random.PCG64(seed).random_raw((n + 3) // 4).view(np.int16)[:n]
    keep = torch.from_numpy(bits).view(shape) >= k - 32768
    return keep.to(dtype).mul_(65536 / (65536 - k))


class FastDropout(torch.nn.Dropout):
    """Inverted dropout whose mask comes from ``dropout_mask`` on a CPU (CPU ``bernoulli_`` draws element by
    element) or from ``torch.rand`` on a GPU: the same distribution, not the same random stream."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if x.is_cuda:
            return x * ((torch.rand_like(x) >= self.p).to(x.dtype) * (1.0 / (1.0 - self.p)))
        return x * dropout_mask(x.shape, self.p, x.dtype)


def use_fast_dropout(net: torch.nn.Module) -> int:
    n = 0
    for module in net.modules():
        if type(module) is torch.nn.Dropout:
            module.__class__ = FastDropout
            n += 1
    return n
