"""`python -m bench.network_refit [stallion|pasta|sample] [--model tft] [--seeds 42,52,62] [--freq month]
[--json OUT]`: does the
network the final refit trained on every training period (models/refit.py) forecast the hold-out better than the
early-stopped one it replaced?

For each seed the standard preset trains as the product does (early stopping, then the refit where the panel is
small); both networks then forecast the same hold-out as `python -m bench.leaderboard`: the refit (``refit``, what
the product keeps) and the early-stopped one (``early``, what it kept before). MAE per series-period and WAPE %,
with the seconds of each training.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


def early_only(model):
    """``model`` forecasting with its early-stopped networks at every origin (what it was before the refit)."""
    model.members, model.net, model.refit_from = model.early_members, model.early_members[0], None
    model.early_members = []
    return model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.network_refit")
    ap.add_argument("dataset", choices=["sample", "pasta", "stallion"], nargs="?", default="stallion")
    ap.add_argument("--model", default="tft", choices=["tft", "lstm"])
    ap.add_argument("--seeds", default="42,52,62")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--freq", choices=["auto", "month"], default="auto",
                    help="pasta: its daily file summed into months instead of weeks (6 months held out)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    from bench.leaderboard import held_out, imported
    from dashboard import periods
    from dashboard.forecasting.evaluation import evaluate
    from dashboard.forecasting.training import model_frame
    from dashboard.schema import preset_config
    from models import create

    store, ds = imported(args.dataset, f"network-refit-{args.dataset}", freq=args.freq)
    frame = model_frame(store, ds)
    store.close()
    period = periods.of_dates(frame["week"])
    h = period.horizon
    hist, start, visible = held_out(frame, h)
    train = hist[hist["time_idx"] < start]
    rows = []

    def scored(model) -> dict:
        pred = model.predict(visible, start)
        s = evaluate(pred[pred["time_idx"] < start + h], hist, start)["overall"]
        return {"mae": round(s["mae"], 2), "wape": round(s["wape"], 3)}

    for seed in [int(s) for s in args.seeds.split(",")]:
        model = create(preset_config(args.model, "standard", period.name, threads=args.threads, seed=seed,
                                     refit_networks="any"))  # weekly data too, where the product does not
        t = time.perf_counter()
        model.fit(train.copy())
        seconds = time.perf_counter() - t
        log = model.training_log
        if "refit" not in log:
            raise SystemExit(f"{args.dataset}: the {args.model} did not refit (more series than the refit's limit?)")
        refit_s = log["refit"]["seconds"]
        row = {"seed": seed, "best_epoch": int(model.best_epoch), "dropout": model.config.dropout,
               "refit": {**scored(model), "seconds": round(refit_s, 1), "epochs": log["refit"]["epochs"]},
               "early": {**scored(early_only(model)), "seconds": round(seconds - refit_s, 1)}}
        rows.append(row)
        print(f"seed {seed}: " + ", ".join(f"{k} MAE {row[k]['mae']:.1f}" for k in ("early", "refit")) +
              f" (best epoch {row['best_epoch']})", file=sys.stderr)
    summary = {k: {"mean_mae": round(statistics.mean(r[k]["mae"] for r in rows), 1),
                   "mean_wape": round(statistics.mean(r[k]["wape"] for r in rows), 2),
                   "mae_spread": round(max(r[k]["mae"] for r in rows) - min(r[k]["mae"] for r in rows), 1)}
               for k in ("early", "refit")}
    for k, v in summary.items():
        print(f"{k:<9} mean MAE {v['mean_mae']:7.1f}  WAPE {v['mean_wape']:6.2f}  MAE spread {v['mae_spread']:5.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": args.dataset, "freq": period.name, "model": args.model,
                                               "threads": args.threads,
                                               "summary": summary, "runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
