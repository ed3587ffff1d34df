"""The `fast` TFT preset at the reference scale with more training: hold-out WAPE, bias and capped series.

    python -m bench.fast_preset [--batches 150] [--epochs 4]

Needs the model frame a reference benchmark left behind (`python -m bench --scale reference --keep`).
Prints the series whose forecasts hit the runaway cap (models.base.cap_runaway) and the largest errors.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

FRAME = Path(__file__).resolve().parent / "out" / "reference" / "ws" / "frame.parquet"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=150, help="training batches per epoch")
    ap.add_argument("--epochs", type=int, default=4)
    args = ap.parse_args(argv)
    if not FRAME.exists():
        ap.error(f"{FRAME} is missing: run `python -m bench --scale reference --keep` first")

    import pandas as pd

    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.schema import preset_config

    frame = pd.read_parquet(FRAME)
    cfg = preset_config("tft", "fast", threads=2, limit_train_batches=args.batches, max_epochs=args.epochs)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir, rec = train_and_evaluate(frame, cfg, {"dataset_id": "bench", "content_hash": ""}, run_root=Path(tmp))
        hold = pd.read_parquet(run_dir / "holdout.parquet")
    o = rec["overall"]
    print(f"fast, {args.epochs} epochs x {args.batches} batches: WAPE {o['wape']:.1f} %, bias {o['bias']:.1f} %, "
          f"MASE {o['mase']:.2f}, {time.time() - t0:.0f} s; capped series: {rec['capped_count']} "
          f"{rec['capped_series'][:5]}")
    top = hold.assign(err=(hold["p50"] - hold["actual"]).abs()).groupby(["sku", "region"])[["err", "actual", "p50"]].sum()
    print("largest errors:\n" + top.sort_values("err", ascending=False).head(5).round(0).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
