"""`python -m dashboard train|evaluate|recommend`: train a model in a background process, read the leaderboard,
choose the recommended forecast again."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from dashboard.cli import options
from dashboard.cli.output import progress_line, records
from dashboard.schema import MODELS


def add_parsers(sub) -> None:
    t = sub.add_parser("train", parents=[options.TRAINING],
                       help="train a model in a background process and score the hold-out")
    t.add_argument("--model", required=True, choices=list(MODELS))
    options.database(t, dataset=True)
    t.set_defaults(handler=train)

    e = sub.add_parser("evaluate", help="the leaderboard of all runs on a dataset")
    options.database(e, dataset=True)
    e.set_defaults(handler=evaluate)
    r = sub.add_parser("recommend", help="choose the recommended forecast again from the newest runs "
                                         "(done after every run; on the validation weeks only)")
    options.database(r, dataset=True)
    r.set_defaults(handler=recommend)


def config_of(args, freq: str = "week"):
    """The TrainConfig the training options ask for (``options.TRAINING``), for ``args.model`` on a dataset of
    frequency ``freq``."""
    from dashboard.schema import preset_config

    config = preset_config(args.model, args.preset, freq, holdout_weeks=args.holdout_weeks, max_epochs=args.max_epochs,
                           threads=args.threads or os.cpu_count() or 1, seeds=args.seeds, devices=args.devices,
                           num_nodes=args.num_nodes, master=args.master, ray=args.ray,
                           validation_windows=args.validation_windows, network_windows=args.network_windows,
                           dropout=args.dropout, dropout_choices=None if args.dropout is None else ())
    config.horizon = max(config.horizon, config.holdout_weeks)
    return config


def train(args, out=None) -> int:
    """Queue the job, follow its progress on stderr, print its scores (JSON with --json) on ``out`` (stdout)."""
    from dashboard.forecasting import jobs, training
    from dashboard.forecasting.evaluation import overall_public
    from dashboard.promotions import stored
    from dashboard.store import Store
    from dashboard.store.runs import load_metrics, read_run

    store = Store(args.db)
    info = options.dataset_of(store, args.dataset)
    config = config_of(args, info.extras.get("freq", "week"))
    t0 = time.perf_counter()
    job_id = training.submit(store, info.id, config, extra=stored.job_inputs(store, info.id))  # + the plan's split
    job_dir = training.job_dir(store, job_id)
    print(f"{job_id}: training {args.model} ({args.preset}) on {info.id}; progress below", file=sys.stderr)
    seen = 0
    try:
        while True:
            state = jobs.read_state(job_dir)
            training.refresh(store)  # after reading the state: a job that just finished has its run registered
            progress = jobs.read_progress(job_dir)
            for p in progress[seen:]:
                print(progress_line(p), file=sys.stderr)
            seen = len(progress)
            if state["status"] in jobs.TERMINAL:
                break
            time.sleep(1.0)
    except KeyboardInterrupt:
        training.cancel(store, job_id)
        print(f"{job_id}: cancelled", file=sys.stderr)
        return 130
    if state["status"] != "finished":
        print(f"{job_id}: {state['status']}: {state.get('error', '')}", file=sys.stderr)
        return 1
    run = store.run(state["run_id"])
    result = {"run_id": run["id"], "model": run["model"], "dataset": info.id, "preset": run["preset"],
           "seconds": round(time.perf_counter() - t0, 1), "device": run["device"],
           "metrics": {"overall": overall_public(run),
                       "by_category": records(load_metrics(run["run_dir"], "by_category")),
                       "by_region": records(load_metrics(run["run_dir"], "by_region"))}}
    if run.get("seeds"):
        result["seeds"] = run["seeds"]  # several seeds averaged: each one's hold-out WAPE and the spread
    record = read_run(Path(run["run_dir"]))
    windows = record.get("validation_windows")
    dropout = (record.get("training") or {}).get("dropout")
    if dropout:
        result["dropout"] = dropout  # the TFT on a small panel: each dropout's validation WAPE and the one kept
    refit = (record.get("training") or {}).get("refit")
    if refit:
        result["refit"] = refit  # a network on a small panel: trained again on every training week (models/refit.py)
    if windows:
        result["validation_windows"] = windows  # WAPE on each window before the hold-out (what chose and calibrated)
    out = out or sys.stdout
    if args.json:
        print(json.dumps(result), file=out)
    else:
        print(f"{result['run_id']}: " + ", ".join(f"{k.upper()} {v:.2f}" for k, v in result["metrics"]["overall"].items()
                                                  if v is not None), file=out)
    return 0


def evaluate(args) -> int:
    from dashboard.forecasting import training
    from dashboard.forecasting.evaluation import overall_public
    from dashboard.store import Store

    store = Store(args.db)
    info = options.dataset_of(store, args.dataset)
    board = training.leaderboard(store, info.id)
    if args.json:
        rows = [{"run_id": r.run_id, "model": r.model, "preset": r.preset,
                 "metrics": {"overall": overall_public(r.to_dict())},
                 "seconds": r.seconds, "device": r.device, **_recommendation(store, r)} for _, r in board.iterrows()]
        print(json.dumps(rows, default=str))
    elif board.empty:
        print(f"no runs on {info.id} yet: python -m dashboard train --model tft")
    else:
        print(f"Leaderboard for {info.id} ({info.name}), hold-out errors in %, best WAPE first")
        print(board.round(2).to_string(index=False))
    return 0


def _recommendation(store, row) -> dict:
    """For the recommended row: what it is made of, per category, and the validation scores it was chosen on."""
    if row.model != "recommended":
        return {}
    from dashboard.store.runs import read_run

    rec = read_run(store.run(row.run_id)["run_dir"]).get("recommendation") or {}
    return {"made_of": rec.get("made_of"), "runs": rec.get("runs"),
            "components": {c: ch["weights"] for c, ch in (rec.get("categories") or {}).items()},
            "validation_wape": {c: ch["validation_wape"] for c, ch in (rec.get("categories") or {}).items()}}


def recommend(args) -> int:
    from dashboard.forecasting import training
    from dashboard.store import Store
    from dashboard.store.runs import read_run

    store = Store(args.db)
    info = options.dataset_of(store, args.dataset)
    run_id = training.rebuild_recommendation(store, info.id)
    if run_id is None:
        print(f"{info.id}: fewer than two models with a validation forecast yet; train more models", file=sys.stderr)
        return 1
    run = read_run(store.run(run_id)["run_dir"])
    out = {"run_id": run_id, "model": "recommended", "dataset": info.id, "overall": run["overall"],
           "made_of": run["recommendation"]["made_of"], "runs": run["recommendation"]["runs"],
           "components": {c: ch["weights"] for c, ch in run["recommendation"]["categories"].items()},
           "validation_wape": {c: ch["validation_wape"] for c, ch in run["recommendation"]["categories"].items()},
           "bands": run["bands"]}
    print(json.dumps(out, default=str) if args.json else
          f"{run_id}: hold-out WAPE {run['overall']['wape']:.2f} %, MAPE {run['overall']['mape']:.2f} %, "
          f"P10-P90 coverage {run['overall']['coverage_p10_p90']:.1f} %; made of {out['made_of']}")
    return 0
