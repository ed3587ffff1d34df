"""Training benchmarks: throughput against the bare pytorch-forecasting loop, where a step's time goes, one full pass.

Each function runs in its own process (bench/measure.py) and returns a dict of figures.
"""
from __future__ import annotations

import time


def _frame(frame_path: str):
    import pandas as pd

    f = pd.read_parquet(frame_path)
    return f[f["units"].notna()]


def _dataset(frame_path: str, model: str, threads: int, preset: str = "standard", **overrides):
    """The training dataset of the bench's frame (hold-out and validation weeks cut off), as fit() builds it."""
    import torch

    from dashboard.schema import preset_config
    from models.pf_common import prepare, training_dataset

    torch.set_num_threads(threads)
    f = _frame(frame_path)
    cfg = preset_config(model, preset, threads=threads, **overrides)
    start = int(f["time_idx"].max()) - 2 * cfg.horizon + 1
    return cfg, training_dataset(prepare(f[f["time_idx"] < start]), cfg)


def train_promocast(frame_path: str, model: str, batches: int, threads: int) -> dict:
    """Promocast's own path: PFForecaster.fit on the tensor path with the standard preset's batch, fixed batches."""
    from dashboard.schema import preset_config
    from models import create

    f = _frame(frame_path)
    cfg = preset_config(model, "standard", threads=threads, max_epochs=1, limit_train_batches=batches)
    m = create(cfg)
    t0 = time.perf_counter()
    seen = []
    m.fit(f[f["time_idx"] <= int(f["time_idx"].max()) - cfg.horizon], progress=lambda d: seen.append((time.perf_counter(), d)))
    total = time.perf_counter() - t0
    # samples/s over the training batches only: from the first to the last progress line of the epoch
    steps = [(t, d["step"]) for t, d in seen if "val_loss" not in d]
    if len(steps) >= 2:
        (t_a, s_a), (t_b, s_b) = steps[0], steps[-1]
        rate = (s_b - s_a) * cfg.batch_size / max(t_b - t_a, 1e-9)
    else:
        rate = batches * cfg.batch_size / total
    return {"samples_per_s": rate, "seconds": total, "batches": batches, "batch_size": cfg.batch_size,
            "device": m.device, "windows": m.training_log["windows"]}


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _sync(dev: str) -> None:
    import torch

    if dev == "cuda":
        torch.cuda.synchronize()


def _to(batch, dev: str):
    """A DataLoader batch (x dict, (target, weight)) moved to ``dev``, as Lightning would move it."""
    import torch

    x, (target, weight) = batch
    x = {k: v.to(dev) if torch.is_tensor(v) else v for k, v in x.items()}
    return x, (target.to(dev), None if weight is None else weight.to(dev))


def _promocast_net(cfg, ds, dev: str):
    """The network as PFForecaster.fit sets it up on ``dev``: faster layers, inputs stacked on a GPU."""
    from models import create

    m = create(cfg)
    m.device, m.net = dev, m.build(ds).to(dev)
    m.on_device()
    return m.net


def train_bare(frame_path: str, model: str, batches: int, threads: int) -> dict:
    """The bare reference: the same dataset and network (as pytorch-forecasting builds it), a plain optimiser loop
    over TimeSeriesDataSet's DataLoader at batch 128 (batches moved to the GPU when there is one)."""
    import torch

    dev = _device()
    cfg, ds = _dataset(frame_path, model, threads, batch_size=128)
    net = _bare_network(cfg, ds).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate)
    dl = ds.to_dataloader(train=True, batch_size=128, num_workers=0)
    net.train()
    it = iter(dl)
    x, y = _to(next(it), dev)  # warm-up step, not timed
    net.loss(net(x)["prediction"], y).backward()
    opt.step()
    _sync(dev)
    t = time.perf_counter()
    for _ in range(batches - 1):
        x, y = _to(next(it), dev)
        opt.zero_grad()
        loss = net.loss(net(x)["prediction"], y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.gradient_clip)
        opt.step()
    _sync(dev)
    secs = time.perf_counter() - t
    return {"samples_per_s": (batches - 1) * 128 / secs, "seconds": secs, "batches": batches, "batch_size": 128,
            "device": dev}


def _bare_network(cfg, ds):
    """pytorch-forecasting's network as it ships (no faster layers): what a plain user of the library trains."""
    from models import create

    return create(cfg).build(ds, fast=False)


def _time_steps(net, ds, cfg, batch: int, steps: int, warm: int = 3, fused: bool = False, device: str = "cpu",
                arrays=None, autocast: bool = False) -> dict:
    """Samples/s of ``steps`` training steps on the tensor path after ``warm`` untimed ones (``autocast``: bf16
    forward on a GPU, measured only: not used in training)."""
    import contextlib

    import torch

    from models.loop import training_step
    from models.windows import WindowArrays

    opt = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate, **({"fused": True} if fused else {}))
    arrays = arrays if arrays is not None else WindowArrays(ds, device)
    gen = torch.Generator(device=device).manual_seed(0)
    ctx = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if autocast else contextlib.nullcontext
    net.train()
    for _ in range(warm):
        with ctx():
            training_step(net, opt, *arrays.sample(batch, gen), cfg.gradient_clip)
    _sync(device)
    t = time.perf_counter()
    for _ in range(steps):
        with ctx():
            training_step(net, opt, *arrays.sample(batch, gen), cfg.gradient_clip)
    _sync(device)
    secs = time.perf_counter() - t
    return {"samples_per_s": steps * batch / secs, "step_ms": 1000 * secs / steps, "batch_size": batch, "seconds": secs}


# TFT blocks by the names of its top-level modules; the LSTM's (RecurrentNetwork) likewise.
BLOCKS = {
    "variable selection": ("input_embeddings", "prescalers", "static_variable_selection", "encoder_variable_selection",
                           "decoder_variable_selection", "shared_single_variable_grns"),
    "static context": ("static_context_variable_selection", "static_context_initial_hidden_lstm",
                       "static_context_initial_cell_lstm", "static_context_enrichment"),
    "LSTM encoder/decoder": ("lstm_encoder", "lstm_decoder", "post_lstm_gate_encoder", "post_lstm_gate_decoder",
                             "post_lstm_add_norm_encoder", "post_lstm_add_norm_decoder", "rnn"),
    "attention": ("static_enrichment", "multihead_attn", "post_attn_gate_norm", "pos_wise_ff"),
    "output": ("pre_output_gate_norm", "output_layer", "output_projector"),
    "embeddings": ("embeddings",),
}


def profile_step(frame_path: str, model: str, threads: int, batch_size: int = 512, steps: int = 8,
                 device: str = "auto") -> dict:
    """Where one training step's time goes: window assembly (TimeSeriesDataSet's DataLoader vs the tensor path's
    gather), forward by block (forward hooks on the network's top-level modules), loss, backward, optimiser.
    Milliseconds per step, the mean over ``steps`` steps after two warm-up steps; CUDA is synchronised at every mark."""
    import torch

    from models.windows import WindowArrays

    dev = _device() if device == "auto" else device
    cfg, ds = _dataset(frame_path, model, threads, batch_size=batch_size)
    net = _promocast_net(cfg, ds, dev)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate)
    arrays = WindowArrays(ds, dev)
    gen = torch.Generator(device=dev).manual_seed(0)

    def sync():
        if dev == "cuda":
            torch.cuda.synchronize()

    owner = {name: block for block, names in BLOCKS.items() for name in names}
    spent: dict[str, float] = {}
    marks: dict[str, float] = {}

    def pre(name):
        def hook(module, args):
            sync()
            marks[name] = time.perf_counter()
        return hook

    def post(name):
        def hook(module, args, out):
            sync()
            block = owner.get(name, "other modules")
            spent[block] = spent.get(block, 0.0) + time.perf_counter() - marks[name]
        return hook

    handles = []
    for name, module in net.named_children():
        if name in ("loss", "logging_metrics"):
            continue
        handles += [module.register_forward_pre_hook(pre(name)), module.register_forward_hook(post(name))]
    parts = {"window assembly (tensor path)": 0.0, "forward": 0.0, "loss": 0.0, "backward": 0.0, "optimiser": 0.0}
    net.train()
    for i in range(steps + 2):
        if i == 2:
            spent.clear()
            parts = dict.fromkeys(parts, 0.0)
        sync()
        t0 = time.perf_counter()
        x, y = arrays.sample(batch_size, gen)
        sync()
        t1 = time.perf_counter()
        out = net(x)
        sync()
        t2 = time.perf_counter()
        loss = net.loss(out["prediction"], y)
        sync()
        t3 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        sync()
        t4 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.gradient_clip)
        opt.step()
        sync()
        t5 = time.perf_counter()
        for k, a, b in (("window assembly (tensor path)", t0, t1), ("forward", t1, t2), ("loss", t2, t3),
                        ("backward", t3, t4), ("optimiser", t4, t5)):
            parts[k] += b - a
    for h in handles:
        h.remove()
    ms = {k: 1000 * v / steps for k, v in parts.items()}
    blocks = {k: 1000 * v / steps for k, v in spent.items()}
    blocks["glue (masks, concatenation, scaling)"] = ms["forward"] - sum(blocks.values())
    # the DataLoader's cost for the same batch size, for comparison (what the tensor path replaces)
    dl = iter(ds.to_dataloader(train=True, batch_size=batch_size, num_workers=0))
    next(dl)
    t = time.perf_counter()
    for _ in range(3):
        next(dl)
    loader_ms = 1000 * (time.perf_counter() - t) / 3
    step_ms = sum(ms.values())
    return {"model": model, "device": dev, "batch_size": batch_size, "threads": threads, "step_ms": step_ms,
            "parts_ms": ms, "forward_blocks_ms": blocks, "dataloader_ms": loader_ms,
            "samples_per_s": batch_size / step_ms * 1000}


def full_pass(frame_path: str, threads: int, batch_size: int = 2048) -> dict:
    """One pass over every training window of the standard TFT (GPU figure): seconds, windows, device."""
    import torch

    from models.loop import training_step
    from models.windows import WindowArrays

    dev = _device()
    cfg, ds = _dataset(frame_path, "tft", threads, batch_size=batch_size)
    net = _promocast_net(cfg, ds, dev).train()
    opt = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate)
    arrays = WindowArrays(ds, dev)
    perm = torch.randperm(len(arrays), device=dev)
    training_step(net, opt, *arrays.batch(perm[:batch_size]), cfg.gradient_clip)  # warm-up
    _sync(dev)
    t = time.perf_counter()
    for lo in range(0, len(arrays), batch_size):
        training_step(net, opt, *arrays.batch(perm[lo:lo + batch_size]), cfg.gradient_clip)
    _sync(dev)
    secs = time.perf_counter() - t
    return {"seconds": secs, "windows": len(arrays), "device": dev, "batch_size": batch_size,
            "gpu": torch.cuda.get_device_name(0) if dev == "cuda" else None}


def preset_rate(frame_path: str, model: str, preset: str, threads: int, steps: int = 12) -> dict:
    """Training samples/s of one preset's network and batch on the tensor path (for dashboard/forecasting/estimates.py)."""
    from models import create

    cfg, ds = _dataset(frame_path, model, threads, preset=preset)
    m = create(cfg)
    m.net = m.build(ds)
    m.on_device()
    return _time_steps(m.net, ds, cfg, cfg.batch_size, steps, warm=2)


def step_variant(frame_path: str, threads: int, steps: int, batch: int, interp: bool = False, vsn: bool = False,
                 dropout: bool = False, malloc: bool = False, stacked: bool = False, fused_adam: bool = False,
                 denormal: bool = False, compile: bool = False, fold: bool = True, lstm: bool = False,
                 warm: int = 3) -> dict:
    """Training samples/s of the standard TFT with a chosen set of the step changes (bench/step_variants.py)."""
    import torch

    from models import tft_fast
    from models.torch_process import keep_freed_memory

    if malloc:
        keep_freed_memory()
    if denormal:
        torch.set_flush_denormal(True)
    cfg, ds = _dataset(frame_path, "tft", threads, batch_size=batch)
    net = _bare_network(cfg, ds)
    tft_fast.use_fast_layers(net, interpolation=interp, selection=vsn)
    tft_fast.fuse_inputs(net, stacked)
    for module in net.modules():
        if hasattr(module, "fold_reals"):
            module.fold_reals = fold
    if dropout:
        tft_fast.use_fast_dropout(net)
    if lstm:
        from models.lstm_fast import use_fast_lstm

        use_fast_lstm(net)
    t = time.perf_counter()
    if compile:
        net.forward = torch.compile(net.forward, dynamic=False)
    r = _time_steps(net, ds, cfg, batch, steps, warm=warm, fused=fused_adam)
    return {**r, "batch": batch, "warm_and_compile_s": round(time.perf_counter() - t - r["seconds"], 1)}
