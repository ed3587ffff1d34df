"""`python -m bench.gpu [--frame PATH] [--steps 20] [--json OUT]`: the TFT step on a GPU, setting by setting.

One process, one dataset, windows cut on the GPU (models/windows.py); each row a fresh network of the standard
preset: pytorch-forecasting as shipped (its interpolation, per-input variable selection), Promocast's layers with
the inputs one by one (the CPU setting) and stacked (the GPU setting, models/tft_fast.fuse_inputs), at several
batch sizes, and bf16 autocast (measured only: training runs in float32). Without a GPU it says so and stops.
The whole GPU check, with the training and accuracy parts of the bench, is `bench/gpu.sh`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from .parts import OUT

VARIANTS = [  # label, settings, batch sizes
    ("pytorch-forecasting as shipped", dict(shipped=True), (128, 1024)),
    ("Promocast layers, inputs one by one (CPU setting)", dict(stacked=False), (512, 2048)),
    ("Promocast layers, inputs stacked (GPU setting)", dict(stacked=True), (512, 2048, 8192)),
    ("Promocast layers, inputs stacked, bf16 autocast", dict(stacked=True, autocast=True), (2048,)),
]


def gpu_variants(frame_path: str, steps: int = 20, threads: int = 4, device: str = "cuda") -> dict:
    """Each row of VARIANTS timed on ``device`` ("cpu" only to check this code without a GPU)."""
    import torch

    from models import tft_fast
    from models.windows import WindowArrays

    from .training import _bare_network, _dataset, _promocast_net, _time_steps

    cuda = device == "cuda"
    if cuda and not torch.cuda.is_available():
        return {"gpu": None, "rows": []}
    cfg, ds = _dataset(frame_path, "tft", threads)
    arrays = WindowArrays(ds, device)
    rows = []
    for label, kw, batches in VARIANTS:
        for batch in batches:
            t = time.perf_counter()
            if kw.get("shipped"):
                net = _bare_network(cfg, ds).to(device)
            else:
                net = _promocast_net(cfg, ds, device)
                tft_fast.fuse_inputs(net, kw["stacked"])
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            r = _time_steps(net, ds, cfg, batch, steps, warm=3, device=device, arrays=arrays,
                            autocast=cuda and kw.get("autocast", False))
            rows.append({"variant": label, "batch": batch, "samples_per_s": r["samples_per_s"], "step_ms": r["step_ms"],
                         "gpu_peak_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
                         "warm_s": round(time.perf_counter() - t - r["seconds"], 1)})
            print(f"{label}, batch {batch}: {r['samples_per_s']:.0f} samples/s ({r['step_ms']:.1f} ms/step)",
                  file=sys.stderr, flush=True)
            del net
            if cuda:
                torch.cuda.empty_cache()
    return {"gpu": torch.cuda.get_device_name(0) if cuda else "cpu", "windows": len(arrays), "rows": rows}


def main(argv=None) -> int:
    import torch

    from .measure import run_task

    ap = argparse.ArgumentParser(prog="python -m bench.gpu")
    ap.add_argument("--frame", default=str(OUT / "reference" / "ws" / "frame.parquet"))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--parts", default="variants,full-pass", help="variants (the step, setting by setting), "
                    "full-pass (one pass over every training window at batch 2048)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench.gpu: no GPU on this machine")
        return 1
    parts, out = set(args.parts.split(",")), {}
    if "full-pass" in parts:
        for bs in (2048,):  # the batch a preset trains with on a GPU (models/torch_process.device_config)
            fp = out[f"full_pass_{bs}"] = run_task("full_pass", frame_path=args.frame, threads=4, batch_size=bs)
            print(f"one pass over all {fp['windows']:,} training windows at batch {bs}: {fp['seconds']:.1f} s "
                  f"({fp['windows'] / fp['seconds']:,.0f} samples/s) on {fp['gpu']}", flush=True)
    if "variants" in parts:
        out["variants"] = _variants(run_task("gpu_variants", frame_path=args.frame, steps=args.steps), args.steps)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


def _variants(r: dict, steps: int) -> dict:
    print(f"TFT step on {r['gpu']}, {r['windows']:,} training windows, standard preset, {steps} steps per row")
    print("| setting | batch | samples/s | ms/step | GPU peak MB |\n|---|---|---|---|---|")
    for row in r["rows"]:
        print(f"| {row['variant']} | {row['batch']} | {row['samples_per_s']:,.0f} | {row['step_ms']:.1f} | "
              f"{row['gpu_peak_mb']:,.0f} |", flush=True)
    return r


if __name__ == "__main__":
    raise SystemExit(main())
