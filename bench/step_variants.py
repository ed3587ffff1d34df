"""`python -m bench.step_variants [--frame PATH] [--steps 20]`: the TFT step, change by change.

Each variant adds one change to the one before (cumulative), measured in its own process on the reference
frame with the standard preset's network, windows from the tensor path, 2 threads: this is the evidence that
each change is kept only where it pays (and that stacking the inputs does not, on CPU).
"""
from __future__ import annotations

import argparse
import json

from .measure import run_task
from .parts import OUT

VARIANTS = [
    ("pytorch-forecasting as shipped, batch 128", dict(batch=128)),
    ("batch 512", dict(batch=512)),
    ("+ interpolation as a matmul", dict(batch=512, interp=True)),
    ("+ variable-selection sum as a matmul", dict(batch=512, interp=True, vsn=True, fold=False)),
    ("+ dropout masks from 16-bit draws", dict(batch=512, interp=True, vsn=True, dropout=True, fold=False)),
    ("+ freed memory kept (glibc mallopt)", dict(batch=512, interp=True, vsn=True, dropout=True, malloc=True, fold=False)),
    ("+ scalar layers folded", dict(batch=512, interp=True, vsn=True, dropout=True, malloc=True)),
    ("+ LSTM without PackedSequence = Promocast", dict(batch=512, interp=True, vsn=True, dropout=True, malloc=True,
                                                       lstm=True)),
    ("+ inputs stacked (the GPU setting)", dict(batch=512, interp=True, vsn=True, dropout=True, malloc=True, lstm=True,
                                                stacked=True)),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.step_variants")
    ap.add_argument("--frame", default=str(OUT / "reference" / "ws" / "frame.parquet"))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    rows = []
    for label, kw in VARIANTS:
        r = run_task("step_variant", frame_path=args.frame, threads=args.threads, steps=args.steps, **kw)
        rows.append({"variant": label, **r})
        print(f"{label}: {r['samples_per_s']:.0f} samples/s ({r['step_ms']:.0f} ms/step)", flush=True)
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
