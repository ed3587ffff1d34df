"""`python -m bench.lstm_variants [--frame PATH] [--batch 512] [--reps 10]`: the TFT's encoder LSTM, packed vs not.

pytorch-forecasting packs every batch whose encoder lengths differ; on a CPU the packed LSTM's backward is quadratic
in the sequence length (models/lstm_fast.py). This times forward + backward of the standard TFT's 2-layer encoder
LSTM on real batches of the reference frame (their encoder lengths: windows near a series' start are shorter),
three ways, alternating so that the machine's drift hits each alike: PF's packed LSTM, ``FastLSTM`` (a masked
step loop), and the plain unpacked LSTM over every step (the floor: wrong final states for short windows).
"""
from __future__ import annotations

import argparse
import json
import time

from .parts import OUT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.lstm_variants")
    ap.add_argument("--frame", default=str(OUT / "reference" / "ws" / "frame.parquet"))
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import torch
    from pytorch_forecasting.models.nn.rnn import LSTM

    from models import create
    from models.lstm_fast import fast_lstm_class
    from models.windows import WindowArrays

    from .training import _dataset

    cfg, ds = _dataset(args.frame, "tft", args.threads)
    lstm = create(cfg).build(ds, fast=False).lstm_encoder
    lstm.train()
    x, _ = WindowArrays(ds, "cpu").sample(args.batch, torch.Generator().manual_seed(0))
    lengths = x["encoder_lengths"]
    inp = torch.randn(args.batch, int(lengths.max()), lstm.input_size, requires_grad=True)
    hx = tuple(torch.randn(lstm.num_layers, args.batch, lstm.hidden_size, requires_grad=True) for _ in range(2))
    variants = {"pytorch-forecasting (packed)": LSTM, "Promocast (masked step loop)": fast_lstm_class(),
                "unpacked, every step (floor)": None}

    def step(cls) -> None:
        if cls is None:
            out, (h, c) = torch.nn.LSTM.forward(lstm, inp, hx)
        else:
            lstm.__class__ = cls
            out, (h, c) = lstm(inp, hx, lengths=lengths, enforce_sorted=False)
        (out.sum() + h.sum() + c.sum()).backward()

    times: dict[str, list[float]] = {k: [] for k in variants}
    for name, cls in variants.items():
        step(cls)  # warm-up
    for _ in range(args.reps):
        for name, cls in variants.items():
            t = time.perf_counter()
            step(cls)
            times[name].append(1000 * (time.perf_counter() - t))
    rows = [{"variant": k, "median_ms": round(sorted(v)[len(v) // 2], 1)} for k, v in times.items()]
    short = float((lengths < lengths.max()).float().mean())
    for r in rows:
        print(f"{r['variant']}: {r['median_ms']} ms forward + backward", flush=True)
    print(json.dumps({"batch": args.batch, "threads": args.threads, "encoder_weeks": int(lengths.max()),
                      "share_of_shorter_windows": round(short, 3), "layers": lstm.num_layers,
                      "hidden": lstm.hidden_size, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
