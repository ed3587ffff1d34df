"""pytorch-forecasting's LSTM with variable-length sequences run without ``PackedSequence`` on a CPU.

PF's ``LSTM.forward(x, hx, lengths)`` packs the batch (``pack_padded_sequence``) whenever lengths are given.
On a CPU a packed LSTM is not run by oneDNN: ATen's generic packed loop precomputes the input projection for
every step, takes one ``narrow`` of it per step, and the backward of each narrow writes a zero-filled
gradient of the whole (steps x rows, 4 x hidden) projection and adds it up: quadratic in the sequence length.
At batch 512 with 52-week encoders (2 layers, hidden 32) that forward + backward took 310 ms, against 62 ms for
the same LSTM unpacked (``python -m bench.lstm_variants``).

Here, with the same parameters (state dicts and saved runs unchanged):
- every sequence of the batch has the same length (the TFT's decoder, always): the plain unpacked LSTM over
  that many steps, which is what packing equal lengths computes;
- lengths differ (encoders of windows near a series' start): each layer's input projection is one matmul, then
  a step loop whose state stops at each sequence's own length (``state += mask * (new - state)``) and whose
  outputs are zero after it, as ``pad_packed_sequence`` gives; the projection is split with ``unbind`` (one
  gradient stack in the backward, not one zero-filled tensor per step). Inter-layer dropout as ``nn.LSTM``'s
  (the same distribution, not the same random stream: ``tft_fast.dropout_mask``).
Outputs, final states and gradients match PF's packed LSTM to float rounding (``tests/unit/models/test_lstm_fast.py``).
On a GPU cuDNN runs packed sequences natively, so there PF's own forward is kept.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from .tft_fast import dropout_mask


def masked_lstm(lstm: torch.nn.LSTM, x: torch.Tensor, hx, lengths: torch.Tensor):
    """Batch-first LSTM over padded ``x`` (B, T, in) where sequence b has ``lengths[b]`` steps: outputs (B, T_max,
    hidden) zero after each length (T_max = the longest length), final states (h, c) at each sequence's length."""
    b, t_max = x.size(0), int(lengths.max())
    x = x[:, :t_max]
    if hx is None:
        zeros = x.new_zeros(lstm.num_layers, b, lstm.hidden_size)
        hx = (zeros, zeros)
    h0, c0 = hx
    steps = torch.arange(t_max, device=x.device)
    masks = (steps[None, :] < lengths.to(x.device)[:, None]).to(x.dtype).unsqueeze(-1).unbind(1)  # T x (B, 1)
    inp, hs, cs = x, [], []
    for layer in range(lstm.num_layers):
        if layer > 0 and lstm.dropout > 0 and lstm.training:
            inp = inp * dropout_mask(inp.shape, lstm.dropout, inp.dtype)
        w_ih, w_hh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
        bias = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
        proj = torch.addmm(bias, inp.reshape(-1, inp.size(-1)), w_ih.t()).view(b, t_max, -1).unbind(1)
        h, c, outs, w = h0[layer], c0[layer], [], w_hh.t()
        for t in range(t_max):
            i, f, g, o = torch.addmm(proj[t], h, w).chunk(4, 1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
            m = masks[t]
            c = c + m * (c_new - c)
            h = h + m * (h_new - h)
            outs.append(h_new * m)
        inp = torch.stack(outs, 1)
        hs.append(h)
        cs.append(c)
    return inp, (torch.stack(hs), torch.stack(cs))


@lru_cache(maxsize=1)
def fast_lstm_class():
    from pytorch_forecasting.models.nn.rnn import LSTM

    class FastLSTM(LSTM):
        def forward(self, x, hx=None, lengths=None, enforce_sorted=True):
            if (lengths is None or isinstance(x, torch.nn.utils.rnn.PackedSequence) or x.is_cuda
                    or not self.batch_first or self.bidirectional or self.proj_size or int(lengths.min()) <= 0):
                return super().forward(x, hx=hx, lengths=lengths, enforce_sorted=enforce_sorted)
            if bool((lengths == lengths[0]).all()) and int(lengths[0]) <= x.size(1):
                return torch.nn.LSTM.forward(self, x[:, :int(lengths[0])], hx)
            return masked_lstm(self, x, hx, lengths)

    return FastLSTM


def use_fast_lstm(net: torch.nn.Module) -> int:
    """Switch every PF ``LSTM`` in ``net`` to ``FastLSTM`` in place (weights untouched); returns how many."""
    from pytorch_forecasting.models.nn.rnn import LSTM

    cls, n = fast_lstm_class(), 0
    for module in net.modules():
        if type(module) is LSTM:
            module.__class__ = cls
            n += 1
    return n
