"""The TFT's variable selection with its per-variable networks run as one batched computation.

pytorch-forecasting's ``VariableSelectionNetwork`` runs, for each of the ~14 time-varying inputs in
turn, a prescaler (Linear 1 -> 16) and a GatedResidualNetwork (resample + gate + LayerNorm skip, Linear,
ELU, Linear, dropout, GLU Linear, add, LayerNorm): ~20 small kernels per input, forward and backward,
on (batch x time) rows. Here the inputs that share that shape are stacked on a variables axis and each
layer becomes one ``einsum`` against the stacked per-variable weights (LayerNorms as an un-affine norm
times the stacked gains), so a step runs a handful of large kernels instead of hundreds of small ones.
The parameters are the original modules' (stacked at each forward; gradients flow back to them), so
state dicts and saved runs are unchanged, and dropout draws independent masks per variable as before.
The variables' weighted sum is a batched matmul instead of a broadcast multiply + sum over a
(batch, time, hidden, variables) tensor (that alone took ~175 ms of a ~1 s step at batch 512 on 2 cores).
Inputs of another shape (the static categoricals) keep the original per-variable path.

On CPU (where stacking loses at batch 512) the inputs run one by one, but each real input's layers that act
on its scalar are folded (``affine_grn``, ``folded_weights``): prescaler, the GRN's first Linear, the residual's
resampling and the selection weights' two linear maps of the concatenated embeddings become ``addcmul``s and one
(rows, inputs) matmul. In the reference bench's profile (``python -m bench --scale reference --only profile``,
batch 512, 2 cores) the step went from 825 to 650 ms with it.
"""
from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F

from .interpolation import interpolation_matrix


def _fusable(vsn) -> list[str]:
    """Names of the inputs that can run stacked: a Linear(1, p) prescaler and the standard GRN(p, p, hidden)."""
    names, shape = [], None
    for name in vsn.input_sizes:
        pre = vsn.prescalers[name] if name in vsn.prescalers else None
        grn = vsn.single_variable_grns[name]
        if pre is None or not isinstance(pre, torch.nn.Linear) or pre.in_features != 1:
            continue
        if grn.context_size is not None or grn.residual or grn.input_size == grn.output_size:
            continue
        if grn.gate_norm.add_norm.trainable_add or grn.gate_norm.add_norm.input_size != grn.gate_norm.add_norm.skip_size:
            continue
        key = (pre.out_features, grn.hidden_size, grn.output_size, grn.dropout)
        if shape not in (None, key):
            continue
        shape = key
        names.append(name)
    return names


@lru_cache(maxsize=32)
def _matrix(n_in: int, n_out: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """The fixed interpolation matrix, built once per shape, dtype and device (every forward asked for it)."""
    return interpolation_matrix(n_in, n_out, dtype).to(device)


def _affine_ok(vsn, name: str) -> bool:
    """A real input whose prescaler is Linear(1, p) feeding the standard GRN(p, p, hidden): foldable."""
    pre = vsn.prescalers[name] if name in vsn.prescalers else None
    grn = vsn.single_variable_grns[name]
    return (isinstance(pre, torch.nn.Linear) and pre.in_features == 1 and hasattr(grn, "fc1")
            and grn.context_size is None and not grn.residual and grn.input_size != grn.output_size
            and not grn.gate_norm.add_norm.trainable_add
            and grn.gate_norm.add_norm.input_size == grn.gate_norm.add_norm.skip_size)


def affine_grn(pre, grn, v: torch.Tensor) -> torch.Tensor:
    """The GRN output of one real input ``v`` (..., 1), the layers that act on its scalar folded.

    The prescaler ``v * w + b`` is affine in the scalar v, and so are the GRN's first layer ``fc1(v w + b) =
    v (W1 w) + (W1 b + b1)`` and its residual's resampling ``(v w + b) M g = v (w M g) + (b M g)`` (M the fixed
    interpolation matrix, g the trainable gate): each is one ``addcmul`` with (p,)-vectors computed from the
    weights, instead of a Linear on (rows, p). Same parameters, same outputs and gradients to float rounding."""
    w, b = pre.weight[:, 0], pre.bias
    rn = grn.resample_norm
    if rn.input_size != rn.output_size:
        m = _matrix(w.shape[0], rn.output_size, w.dtype, w.device)
        r, s = w @ m, b @ m
    else:
        r, s = w, b
    if rn.trainable_add:
        g = torch.sigmoid(rn.mask) * 2.0
        r, s = r * g, s * g
    res = F.layer_norm(torch.addcmul(s, v, r), (rn.output_size,), rn.norm.weight, rn.norm.bias, rn.norm.eps)
    w1 = grn.fc1.weight
    h = F.elu(torch.addcmul(torch.addmv(grn.fc1.bias, w1, b), v, w1 @ w))
    h = grn.gate_norm.glu(grn.fc2(h))
    return grn.gate_norm.add_norm.norm(h + res)


def _flat_ok(vsn) -> bool:
    g = vsn.flattened_grn
    return (not g.residual and g.input_size != g.output_size and hasattr(g, "resample_norm")
            and not g.gate_norm.add_norm.trainable_add
            and g.gate_norm.add_norm.input_size == g.gate_norm.add_norm.skip_size)


def folded_weights(vsn, folded: list[str], x: dict, pieces: dict, context) -> torch.Tensor:
    """The selection weights' GRN on the concatenated embeddings without concatenating them: its two linear maps
    of that (rows, inputs x p) tensor (fc1 and the residual's resampling) are, for a folded input ``v w + b``,
    ``v (w A_i) + b A_i`` with A_i the input's block of rows, so the folded inputs take one (rows, V) @ (V, k)
    matmul; other inputs (embeddings) their block's matmul."""
    g = vsn.flattened_grn
    order = list(vsn.input_sizes)
    start = dict(zip(order, [sum(vsn.input_sizes[n] for n in order[:i]) for i in range(len(order))]))
    vs = torch.cat([x[n] for n in folded], dim=-1)                                          # (..., Vf)

    def linear(a: torch.Tensor) -> torch.Tensor:                                          # flat @ a, a (total, k)
        blocks = [a[start[n]:start[n] + vsn.input_sizes[n]] for n in folded]
        pres = [vsn.prescalers[n] for n in folded]
        out = vs @ torch.stack([p.weight[:, 0] @ blk for p, blk in zip(pres, blocks)])
        out = out + sum(p.bias @ blk for p, blk in zip(pres, blocks))
        for n in order:
            if n not in folded:
                out = out + pieces[n] @ a[start[n]:start[n] + vsn.input_sizes[n]]
        return out

    rn = g.resample_norm
    m = _matrix(rn.input_size, rn.output_size, vs.dtype, vs.device)
    if rn.trainable_add:
        m = m * (torch.sigmoid(rn.mask) * 2.0)
    res = F.layer_norm(linear(m), (rn.output_size,), rn.norm.weight, rn.norm.bias, rn.norm.eps)
    h = linear(g.fc1.weight.t()) + g.fc1.bias
    if context is not None:
        h = h + g.context(context)
    h = g.gate_norm.glu(g.fc2(F.elu(h)))
    return vsn.softmax(g.gate_norm.add_norm.norm(h + res))


def _stack(modules, attr: str) -> torch.Tensor:
    return torch.stack([getattr(m, attr) for m in modules])


def fused_grns(vsn, names: list[str], x: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """(prescaled inputs (..., V, p), GRN outputs (..., V, hidden)) of the inputs ``names``, stacked on axis -2."""
    pres = [vsn.prescalers[n] for n in names]
    grns = [vsn.single_variable_grns[n] for n in names]
    v = torch.cat([x[n] for n in names], dim=-1).unsqueeze(-1)                           # (..., V, 1)
    emb = v * _stack(pres, "weight").squeeze(-1) + _stack(pres, "bias")                   # (..., V, p)
    # residual: ResampleNorm(p -> hidden): interpolate, trainable gate, LayerNorm
    rn = [g.resample_norm for g in grns]
    hidden = grns[0].output_size
    w = _matrix(emb.shape[-1], hidden, emb.dtype, emb.device)
    res = (emb @ w) * (torch.sigmoid(_stack(rn, "mask")) * 2.0)
    res = _norm(res, [r.norm for r in rn])
    # fc1 -> ELU -> fc2 -> dropout -> GLU -> add residual -> LayerNorm
    h = torch.einsum("...vi,voi->...vo", emb, _stack([g.fc1 for g in grns], "weight")) + _stack([g.fc1 for g in grns], "bias")
    h = F.elu(h)
    h = torch.einsum("...vi,voi->...vo", h, _stack([g.fc2 for g in grns], "weight")) + _stack([g.fc2 for g in grns], "bias")
    glus = [g.gate_norm.glu for g in grns]
    if glus[0].dropout is not None:
        h = glus[0].dropout(h)
    h = torch.einsum("...vi,voi->...vo", h, _stack([u.fc for u in glus], "weight")) + _stack([u.fc for u in glus], "bias")
    h = F.glu(h, dim=-1)
    return emb, _norm(h + res, [g.gate_norm.add_norm.norm for g in grns])


def _norm(x: torch.Tensor, norms) -> torch.Tensor:
    """Per-variable LayerNorms over the last axis: one un-affine norm, then each variable's gain and bias."""
    y = F.layer_norm(x, x.shape[-1:], eps=norms[0].eps)
    return y * _stack(norms, "weight") + _stack(norms, "bias")


@lru_cache(maxsize=1)
def fused_selection_class():
    from pytorch_forecasting.models.temporal_fusion_transformer.sub_modules import VariableSelectionNetwork

    class FusedVariableSelection(VariableSelectionNetwork):
        fuse_inputs = False  # True: inputs stacked (set on a GPU, models/tft_fast.fuse_inputs); False: one by one
        fold_reals = True  # real inputs one by one with the scalar layers folded (affine_grn, folded_weights)

        def forward(self, x: dict, context: torch.Tensor = None):
            if self.num_inputs <= 1:
                return super().forward(x, context)
            fused = self.__dict__.get("_fused")
            if fused is None:
                names = _fusable(self)
                fused = self.__dict__["_fused"] = names if len(names) > 1 else []
            if not self.fuse_inputs:
                fused = []
            order = list(self.input_sizes)
            if fused == order:  # every input stacked: no per-variable path at all
                emb, var_outputs = fused_grns(self, fused, x)
                sparse_weights = self.softmax(self.flattened_grn(emb.flatten(-2), context)).unsqueeze(-2)
                return torch.matmul(sparse_weights, var_outputs).squeeze(-2), sparse_weights
            pieces, outputs = {}, {}
            if fused:
                emb, out = fused_grns(self, fused, x)
                for i, name in enumerate(fused):
                    pieces[name], outputs[name] = emb[..., i, :], out[..., i, :]
            folded = [] if (fused or not self.fold_reals) else self.__dict__.get("_folded")
            if folded is None:
                folded = [n for n in order if _affine_ok(self, n)] if _flat_ok(self) else []
                self.__dict__["_folded"] = folded
            for name in order:
                if name in pieces:
                    continue
                if name in folded:
                    outputs[name] = affine_grn(self.prescalers[name], self.single_variable_grns[name], x[name])
                else:
                    emb = self.prescalers[name](x[name]) if name in self.prescalers else x[name]
                    pieces[name], outputs[name] = emb, self.single_variable_grns[name](emb)
            var_outputs = torch.stack([outputs[n] for n in order], dim=-2)                   # (..., V, hidden)
            if folded:
                sparse_weights = folded_weights(self, folded, x, pieces, context).unsqueeze(-2)  # (..., 1, V)
            else:
                flat = torch.cat([pieces[n] for n in order], dim=-1)
                sparse_weights = self.softmax(self.flattened_grn(flat, context)).unsqueeze(-2)
            out = torch.matmul(sparse_weights, var_outputs).squeeze(-2)                      # (..., hidden)
            return out, sparse_weights

    return VariableSelectionNetwork, FusedVariableSelection
