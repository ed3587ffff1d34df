"""Tensor-native windows for pytorch-forecasting networks: the model frame as arrays, windows cut by index.

pytorch-forecasting's ``TimeSeriesDataSet`` encodes categoricals and scales reals once, into flat
per-row tensors (``ds.data``) sorted by series and time, and lists every valid window in ``ds.index``.
Its DataLoader then builds each sample in Python (``__getitem__``: slice, clone, set the relative time
and encoder length, look up the target scale) and pads them together (``_collate_fn``): 19-22 % of a
training step on 2 CPU cores. ``WindowArrays`` keeps the same tensors (on the GPU when training there)
and cuts a whole batch with one gather, giving the network the very ``x`` dictionary the DataLoader
would (``tests/unit/models/test_windows.py`` checks it value by value).

Assumes what ``dashboard.data.features.build_frame`` guarantees: complete weekly grids (no missing steps),
a fixed decoder length (min = max prediction length) and a ``GroupNormalizer`` target scale.
"""
from __future__ import annotations

import numpy as np
import torch


class WindowArrays:
    """Every window of one ``TimeSeriesDataSet`` (training or ``from_parameters(predict=True)``), on ``device``."""

    def __init__(self, ds, device: str | torch.device = "cpu"):
        d = ds.data
        if len(d["target"]) != 1 or d.get("weight") is not None:
            raise ValueError("the tensor path handles one unweighted target")
        index = ds.index
        start = index["index_start"].to_numpy(np.int64)
        length = index["sequence_length"].to_numpy(np.int64)
        if not np.array_equal(index["index_end"].to_numpy(np.int64) - start + 1, length):
            raise ValueError("series with missing weeks: the model frame must be a complete weekly grid")
        self.device = torch.device(device)
        self.horizon = int(ds.max_prediction_length)
        if int(ds.min_prediction_length) != self.horizon:
            raise ValueError("the tensor path needs a fixed decoder length (min = max prediction length)")
        self.max_encoder = int(ds.max_encoder_length)
        self.reals = d["reals"].to(self.device, torch.float32)
        self.cats = d["categoricals"].to(self.device)
        self.target = d["target"][0].to(self.device, torch.float32)
        self.time = d["time"].to(self.device)
        self.groups = d["groups"].to(self.device)
        self.start = torch.as_tensor(start, device=self.device)
        self.encoder_len = torch.as_tensor(length - self.horizon, device=self.device)
        self.rel_col = ds.reals.index("relative_time_idx") if ds.add_relative_time_idx else None
        self.len_col = ds.reals.index("encoder_length") if ds.add_encoder_length else None
        self.scale = self._target_scales(ds, d["groups"][torch.as_tensor(start)])
        self._dataset = ds  # its tensors are the ones above; its index is decoded only when asked

    @property
    def decoded_index(self):
        """Each window's series and first forecast week (pytorch-forecasting's ``decoded_index``), decoded on
        first use: a forecast reads it; training never does, and at store grain it is 0.8 GB of Python strings."""
        if "_decoded" not in self.__dict__:
            self._decoded = self._dataset.decoded_index if len(self.start) else None
        return self._decoded

    def _target_scales(self, ds, groups: torch.Tensor) -> torch.Tensor:
        """(center, scale) per window, looked up once per series as ``__getitem__`` does per sample."""
        if len(groups) == 0:
            return torch.zeros((0, 2), device=self.device)
        uniq, inverse = torch.unique(groups, dim=0, return_inverse=True)
        per = np.array([ds.target_normalizer.get_parameters(g, ds.group_ids) for g in uniq], dtype=np.float32)
        return torch.from_numpy(per)[inverse].to(self.device)

    def __len__(self) -> int:
        return len(self.start)

    def batch(self, ids: torch.Tensor) -> tuple[dict, tuple]:
        """The collated ``(x, (target, None))`` of windows ``ids``, as ``TimeSeriesDataSet``'s DataLoader gives."""
        ids = ids.to(self.device)
        start, enc = self.start[ids], self.encoder_len[ids]
        n, h = len(ids), self.horizon
        width = int(enc.max())  # padded to the batch's longest encoder, like pad_sequence
        steps = torch.arange(width, device=self.device)
        valid = steps[None, :] < enc[:, None]
        enc_rows = torch.where(valid, start[:, None] + steps[None, :], start[:, None])
        dec_rows = (start + enc)[:, None] + torch.arange(h, device=self.device)[None, :]
        enc_cont, dec_cont = self.reals[enc_rows], self.reals[dec_rows]
        encf = enc.to(torch.float32)
        if self.rel_col is not None:
            enc_cont[..., self.rel_col] = (steps[None, :] - encf[:, None]) / self.max_encoder
            dec_cont[..., self.rel_col] = torch.arange(h, device=self.device, dtype=torch.float32)[None, :] / self.max_encoder
        if self.len_col is not None:
            code = ((encf - 0.5 * self.max_encoder) / self.max_encoder * 2.0)[:, None]
            enc_cont[..., self.len_col] = code
            dec_cont[..., self.len_col] = code
        enc_cont = enc_cont * valid[..., None]
        enc_cat = self.cats[enc_rows] * valid[..., None]
        enc_target = self.target[enc_rows] * valid
        target = self.target[dec_rows]
        x = dict(
            encoder_cat=enc_cat, encoder_cont=enc_cont, encoder_target=enc_target, encoder_lengths=enc,
            decoder_cat=self.cats[dec_rows], decoder_cont=dec_cont, decoder_target=target,
            decoder_lengths=torch.full((n,), h, dtype=torch.long, device=self.device),
            decoder_time_idx=(self.time[start] + enc)[:, None] + torch.arange(h, device=self.device)[None, :],
            groups=self.groups[start], target_scale=self.scale[ids],
        )
        return x, (target, None)

    def sample(self, batch_size: int, generator: torch.Generator) -> tuple[dict, tuple]:
        """A training batch: windows drawn uniformly from every valid (series, start), as the shuffled DataLoader does."""
        ids = torch.randint(len(self), (batch_size,), generator=generator, device=generator.device)
        return self.batch(ids)

    def in_order(self, batch_size: int):
        """Every window once, in index order (validation, prediction)."""
        for lo in range(0, len(self), batch_size):
            yield self.batch(torch.arange(lo, min(lo + batch_size, len(self)), device=self.device))


def concat_outputs(outputs: list[dict]) -> dict:
    """Concatenate per-batch (or per-slice) network outputs; tensors whose later dimensions differ are NaN-padded
    on the right (the encoder attention of batches with different longest encoders), as pytorch-forecasting's
    predict does."""
    out = {}
    for name, v0 in outputs[0].items():
        if isinstance(v0, torch.Tensor):
            parts = [o[name].detach().float() if o[name].is_floating_point() else o[name].detach() for o in outputs]
            out[name] = torch.cat(_padded(parts), dim=0).cpu()
        elif isinstance(v0, (list, tuple)) and v0 and isinstance(v0[0], torch.Tensor):
            out[name] = [torch.cat([o[name][i].detach() for o in outputs], dim=0).cpu() for i in range(len(v0))]
    return out


def _padded(parts: list[torch.Tensor]) -> list[torch.Tensor]:
    """``parts`` NaN-padded on the right of every dimension but the first to the widest part's shape."""
    if parts[0].ndim < 2 or all(p.shape[1:] == parts[0].shape[1:] for p in parts):
        return parts
    shape = [max(p.shape[d] for p in parts) for d in range(1, parts[0].ndim)]
    out = []
    for p in parts:
        if list(p.shape[1:]) == shape:
            out.append(p)
            continue
        fill = float("nan") if p.is_floating_point() else 0
        full = torch.full((p.shape[0], *shape), fill, dtype=p.dtype, device=p.device)
        full[(slice(None), *[slice(0, n) for n in p.shape[1:]])] = p
        out.append(full)
    return out
