"""`python -m bench.windows_check [--models lightgbm,mstl,seasonal-naive,lstm,tft] [--json OUT]`: would several
validation windows choose better on pasta? Each model is trained once on the weeks before the earliest of three
13-week windows before the hold-out, then forecasts each window and the hold-out from the actuals before it without
retraining (mlforecast's ``refit=False`` cross-validation): every window is out of sample for every model.
Printed: WAPE % per window (w3 earliest, w1 the 13 weeks before the hold-out) and on the hold-out, fit seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.windows_check")
    ap.add_argument("--models", default="lightgbm,mstl,seasonal-naive,lstm,tft")
    ap.add_argument("--windows", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    import numpy as np

    from bench.leaderboard import imported
    from dashboard.forecasting.pipeline import holdout_start
    from dashboard.forecasting.training import model_frame
    from dashboard.schema import preset_config
    from models import create

    store, ds = imported("pasta", "windows-check")
    frame = model_frame(store, ds)
    store.close()
    hist = frame[frame["units"].notna()]
    h = 13
    start = holdout_start(frame, h)

    def wape(p):
        j = p.merge(hist[["sku", "region", "time_idx", "units"]], on=["sku", "region", "time_idx"])
        return float((j["p50"] - j["units"]).abs().sum() / j["units"].abs().sum() * 100)

    out = {}
    for name in args.models.split(","):
        model = create(preset_config(name, "standard", threads=args.threads))
        t = time.perf_counter()
        model.fit(hist[hist["time_idx"] < start - args.windows * h])
        row = {"fit_s": round(time.perf_counter() - t, 1)}
        for k in [*range(args.windows, 0, -1), 0]:
            origin = start - k * h
            visible = frame[frame["time_idx"] < origin + h].copy()
            visible.loc[visible["time_idx"] >= origin, "units"] = np.nan
            p = model.predict(visible, origin)
            row[f"w{k}" if k else "holdout"] = round(wape(p[p["time_idx"] < origin + h]), 2)
        row["windows_mean"] = round(sum(row[f"w{k}"] for k in range(1, args.windows + 1)) / args.windows, 2)
        out[name] = row
        print(name, row, file=sys.stderr, flush=True)
    heads = "".join(f"{f'w{k}':>8}" for k in range(args.windows, 0, -1))
    print(f"{'model':<16}{heads}{'mean':>8}{'hold-out':>10}{'fit s':>8}")
    for name, r in out.items():
        print(f"{name:<16}" + "".join(f"{r[f'w{k}']:8.2f}" for k in range(args.windows, 0, -1))
              + f"{r['windows_mean']:8.2f}{r['holdout']:10.2f}{r['fit_s']:8.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": "pasta", "windows": args.windows, "threads": args.threads,
                                               "models": out}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
