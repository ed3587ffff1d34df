"""`python -m bench.estimate_rates [--frame PATH]`: training samples/s per model, preset and torch thread count.

Prints the RATES table that dashboard/forecasting/estimates.py quotes on the Train page. Needs the reference frame
(`python -m bench --scale reference --only import,frame` writes it). Each figure runs in its own process.
"""
from __future__ import annotations

import argparse
import json

from .measure import run_task
from .parts import OUT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.estimate_rates")
    ap.add_argument("--frame", default=str(OUT / "reference" / "ws" / "frame.parquet"))
    ap.add_argument("--steps", type=int, default=12)
    args = ap.parse_args(argv)
    rates = {}
    for model in ("tft", "lstm"):
        for preset in ("fast", "standard", "thorough"):
            for threads in (1, 2):
                r = run_task("preset_rate", frame_path=args.frame, model=model, preset=preset, threads=threads,
                             steps=args.steps)
                rates.setdefault(f"{model}/{preset}", {})[threads] = round(r["samples_per_s"])
                print(f"{model} {preset} {threads} thread(s): {r['samples_per_s']:.0f} samples/s "
                      f"(batch {r['batch_size']})", flush=True)
    print(json.dumps(rates, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
