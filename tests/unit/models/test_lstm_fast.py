"""models/lstm_fast.py: variable-length LSTM without PackedSequence gives PF's packed LSTM's outputs, final states and
gradients; models/tft_fast.dropout_mask: the dropout distribution, repeatable under a seed."""
from __future__ import annotations

import pytest
import torch

from models.lstm_fast import fast_lstm_class, use_fast_lstm
from models.tft_fast import dropout_mask


def _pair(layers: int, seed: int = 0):
    from pytorch_forecasting.models.nn.rnn import LSTM

    torch.manual_seed(seed)
    ref = LSTM(input_size=6, hidden_size=8, num_layers=layers, batch_first=True, dropout=0.0).double()
    fast = LSTM(input_size=6, hidden_size=8, num_layers=layers, batch_first=True, dropout=0.0).double()
    fast.load_state_dict(ref.state_dict())
    assert use_fast_lstm(torch.nn.ModuleList([fast])) == 1 and type(fast) is fast_lstm_class()
    return ref, fast


def _run(net, x, hx, lengths):
    x = x.clone().requires_grad_(True)
    hx = tuple(t.clone().requires_grad_(True) for t in hx)
    out, (h, c) = net(x, hx, lengths=lengths, enforce_sorted=False)
    weights = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view(out.shape)
    ((out * weights).sum() + (h ** 2).sum() + (c * 0.5).sum()).backward()
    grads = [x.grad, hx[0].grad, hx[1].grad] + [p.grad for p in net.parameters()]
    return out, h, c, grads


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("lengths", [[7, 3, 5, 7, 1, 6], [7] * 6, [5] * 6, [2, 7, 7, 4, 4, 3]])
def test_matches_packed_lstm(layers, lengths):
    ref, fast = _pair(layers)
    lengths = torch.tensor(lengths)
    x = torch.randn(6, 7, 6, dtype=torch.float64)
    hx = (torch.randn(layers, 6, 8, dtype=torch.float64), torch.randn(layers, 6, 8, dtype=torch.float64))
    a, b = _run(ref, x, hx, lengths), _run(fast, x, hx, lengths)
    for u, v in zip(a[:3], b[:3]):
        assert u.shape == v.shape
        torch.testing.assert_close(u, v, rtol=1e-10, atol=1e-10)
    for u, v in zip(a[3], b[3]):
        torch.testing.assert_close(u, v, rtol=1e-9, atol=1e-10)


def test_zero_length_and_no_lengths_fall_back():
    ref, fast = _pair(1)
    x = torch.randn(3, 4, 6, dtype=torch.float64)
    hx = (torch.zeros(1, 3, 8, dtype=torch.float64), torch.zeros(1, 3, 8, dtype=torch.float64))
    lengths = torch.tensor([4, 0, 2])
    torch.testing.assert_close(ref(x, hx, lengths=lengths, enforce_sorted=False)[0],
                               fast(x, hx, lengths=lengths, enforce_sorted=False)[0])
    torch.testing.assert_close(ref(x, hx)[0], fast(x, hx)[0])


def test_inter_layer_dropout_keeps_the_mean():
    from pytorch_forecasting.models.nn.rnn import LSTM

    torch.manual_seed(1)
    net = LSTM(input_size=4, hidden_size=4, num_layers=2, batch_first=True, dropout=0.5)
    use_fast_lstm(torch.nn.ModuleList([net]))
    x, lengths = torch.randn(64, 5, 4), torch.tensor([5, 3] * 32)
    net.train()
    torch.manual_seed(2)
    a = net(x, lengths=lengths)[0]
    torch.manual_seed(2)
    assert torch.equal(a, net(x, lengths=lengths)[0])  # seeded: repeatable
    net.eval()
    assert not torch.equal(a, net(x, lengths=lengths)[0])


def test_dropout_mask_distribution_and_seed():
    torch.manual_seed(0)
    m = dropout_mask((400, 500), 0.1, torch.float32)
    values = torch.unique(m).tolist()
    assert values[0] == 0.0 and values[1] == pytest.approx(65536 / (65536 - 6554)) and len(values) == 2
    assert abs((m == 0).float().mean().item() - 0.1) < 0.003
    assert abs(m.mean().item() - 1.0) < 0.005
    torch.manual_seed(0)
    assert torch.equal(m, dropout_mask((400, 500), 0.1, torch.float32))
    assert not torch.equal(m, dropout_mask((400, 500), 0.1, torch.float32))  # the stream moves on
    assert torch.equal(dropout_mask((3, 2), 0.0, torch.float32), torch.ones(3, 2))
    assert torch.equal(dropout_mask((3, 2), 1.0, torch.float32), torch.zeros(3, 2))
