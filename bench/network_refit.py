"""`python -m bench.network_refit [stallion|pasta|sample] [--model tft] [--seeds 42,52,62] [--json OUT]`: does a network
retrained on every training period forecast the hold-out better than the early-stopped one the product keeps?

A network's training stops early on the last ``horizon`` training periods, which it never learns from (its
validation forecast, the one the recommendation is chosen on, stays out of sample). For each seed: the standard
preset as it is (``early``), then a fresh network of the same configuration trained on every training period for
the epochs early stopping chose (``refit``) and for one more (``refit+1``), each forecasting the same hold-out as
`python -m bench.leaderboard`. MAE per series-period and WAPE %, with each fit's seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path


def refit(model, train, epochs: int, seed: int) -> float:
    """``model``'s network trained again from ``seed`` on every row of ``train`` for ``epochs`` epochs (its last
    ``horizon`` periods serve the loop's validation pass only); the model then forecasts with it. Seconds."""
    from dashboard.data import mechanics, past_inputs, prices
    from models.loop import fit_network
    from models.pf_common import decoder_dataset, model_columns, prepare, training_dataset
    from models.torch_process import setup_torch
    from models.windows import WindowArrays

    cfg = model.config
    past = past_inputs.columns_of(train) if model.reads_past else []
    mech = mechanics.present(train) + (prices.present(train) if model.reads_prices else [])
    data = prepare(train[model_columns(past + mech)])
    start = int(data["time_idx"].max()) - cfg.horizon + 1
    ds = training_dataset(data, cfg, None, past, mech)
    val = decoder_dataset(ds.get_parameters(), data[data["time_idx"] >= start - int(cfg.encoder_weeks)], start,
                          cfg.horizon, with_target=True)
    setup_torch(cfg, seed)
    net = model.build(ds).to(model.device)
    t = time.perf_counter()
    fit_network(net, WindowArrays(ds, model.device), WindowArrays(val, model.device),
                replace(cfg, max_epochs=epochs, patience=epochs + 1, seed=seed), None)
    model.net, model.members, model.params = net, [net], ds.get_parameters()
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.network_refit")
    ap.add_argument("dataset", choices=["sample", "pasta", "stallion"], nargs="?", default="stallion")
    ap.add_argument("--model", default="tft", choices=["tft", "lstm"])
    ap.add_argument("--seeds", default="42,52,62")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    from bench.leaderboard import held_out, imported
    from dashboard import periods
    from dashboard.forecasting.evaluation import evaluate
    from dashboard.forecasting.training import model_frame
    from dashboard.schema import preset_config
    from models import create

    store, ds = imported(args.dataset, f"network-refit-{args.dataset}")
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
        model = create(preset_config(args.model, "standard", period.name, threads=args.threads, seed=seed))
        t = time.perf_counter()
        model.fit(train.copy())
        row = {"seed": seed, "best_epoch": int(model.best_epoch), "dropout": model.config.dropout,
               "early": {**scored(model), "seconds": round(time.perf_counter() - t, 1)}}
        for name, epochs in (("refit", row["best_epoch"]), ("refit+1", row["best_epoch"] + 1)):
            seconds = refit(model, train, epochs, seed)
            row[name] = {**scored(model), "seconds": round(seconds, 1)}
        rows.append(row)
        print(f"seed {seed}: " + ", ".join(f"{k} MAE {row[k]['mae']:.1f}" for k in ("early", "refit", "refit+1")) +
              f" (best epoch {row['best_epoch']})", file=sys.stderr)
    summary = {k: {"mean_mae": round(statistics.mean(r[k]["mae"] for r in rows), 1),
                   "mean_wape": round(statistics.mean(r[k]["wape"] for r in rows), 2),
                   "mae_spread": round(max(r[k]["mae"] for r in rows) - min(r[k]["mae"] for r in rows), 1)}
               for k in ("early", "refit", "refit+1")}
    for k, v in summary.items():
        print(f"{k:<9} mean MAE {v['mean_mae']:7.1f}  WAPE {v['mean_wape']:6.2f}  MAE spread {v['mae_spread']:5.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": args.dataset, "model": args.model, "threads": args.threads,
                                               "summary": summary, "runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
