"""`python -m bench.gbm_scale [--copies 55] [--preset standard] [--json OUT]`: the LightGBM at store grain, on one
machine: the reference case's model frame (a previous `python -m bench --scale reference --keep` leaves it in
bench/out/reference/ws/frame.parquet) copied once per store of each region — 1,360 series x 55 = 74,800 SKU x
store series, each copy's units scaled by its own noise (lognormal, sd 0.1) — then one LightGBM fitted and
forecast as a run does (3 target candidates, the final fit, the hold-out forecast), holding what a training job
holds: the training weeks alone while the model trains, the frame read again for the forecasts. Printed: rows,
seconds, and this process's peak memory (ru_maxrss) through the fit and overall, against the frame alone.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_frame(path: Path, copies: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    base = pd.read_parquet(path)
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(copies):
        f = base.copy()
        f["area"] = f["region"]
        f["region"] = f["region"].astype(str) + f"-s{k:03d}"  # a store of the region: the series' location
        f["units"] = f["units"] * rng.lognormal(0, 0.1, len(f))
        parts.append(f)
    out = pd.concat(parts, ignore_index=True)
    for c in ("sku", "region", "category", "area"):
        out[c] = out[c].astype("category")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gbm_scale")
    ap.add_argument("--frame", default=str(ROOT / "bench" / "out" / "reference" / "ws" / "frame.parquet"))
    ap.add_argument("--copies", type=int, default=55, help="stores per region (55: the reference case's 220 stores)")
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    from dashboard.forecasting.pipeline import holdout_start
    from dashboard.schema import preset_config
    from models import create

    t0 = time.perf_counter()
    frame = store_frame(Path(args.frame), args.copies)
    frame_mb = float(frame.memory_usage(deep=True).sum() / 2**20)
    series = int(frame[["sku", "region"]].drop_duplicates().shape[0])
    print(f"{series:,} series, {len(frame):,} rows, frame {frame_mb:,.0f} MB, RSS {rss_mb():,.0f} MB", file=sys.stderr)
    start = holdout_start(frame, 13)
    train = frame[frame["units"].notna() & (frame["time_idx"] < start)]
    del frame  # as a training job holds it (dashboard/forecasting/pipeline.py): the training weeks alone
    fit_base_mb = rss_mb()
    model = create(preset_config("lightgbm", args.preset, threads=args.threads))
    t = time.perf_counter()
    model.fit(train, lambda p: print(p.get("note") or "", file=sys.stderr, flush=True) if p.get("note") else None)
    fit_s = time.perf_counter() - t
    fit_peak_mb = rss_mb()
    print(f"fit {fit_s:.0f} s, peak RSS {fit_peak_mb:,.0f} MB", file=sys.stderr, flush=True)
    del train
    frame = store_frame(Path(args.frame), args.copies)  # read again for the forecasts, as the job does
    hist = frame[frame["units"].notna()]
    visible = frame.copy()
    visible.loc[visible["time_idx"] >= start, "units"] = float("nan")
    t = time.perf_counter()
    pred = model.predict(visible, start)
    predict_s = time.perf_counter() - t
    j = pred.merge(hist[["sku", "region", "time_idx", "units"]].astype({"sku": str, "region": str}),
                   on=["sku", "region", "time_idx"])
    wape = float((j["p50"] - j["units"]).abs().sum() / j["units"].abs().sum() * 100)
    out = {"series": series, "rows": int(len(frame)), "preset": args.preset, "threads": args.threads,
           "frame_mb": round(frame_mb), "fit_s": round(fit_s, 1), "predict_s": round(predict_s, 1),
           "total_s": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(rss_mb()),
           "rss_before_fit_mb": round(fit_base_mb), "peak_rss_through_fit_mb": round(fit_peak_mb),
           "target": model.training_log.get("target"), "holdout_wape": round(wape, 2)}
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
