"""`python -m dashboard refresh SALES --dataset NAME_OR_ID ...`: a cron-friendly refresh (exit 2 on bad data,
naming every problem; nothing stored then), then the chosen models trained on the new version."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> argparse.ArgumentParser:
    r = sub.add_parser("refresh", help="store an upload of new weeks (or the whole history) as the next version of a "
                                       "dataset, show what changed, carry scenarios over, retrain the chosen models")
    r.add_argument("sales")
    r.add_argument("--dataset", required=True, help="the dataset to refresh: its id or its name (the newest version)")
    r.add_argument("--promotions")
    r.add_argument("--weather")
    r.add_argument("--temperature-unit", default="auto", choices=["auto", "C", "F"])
    r.add_argument("--map", default="", help="source=target column mapping, e.g. Date=week,Dept=sku")
    r.add_argument("--models", default="", help="comma-separated models to train on the new version, e.g. tft,holt-winters")
    r.add_argument("--preset", default="standard", choices=["fast", "standard", "thorough"])
    r.add_argument("--json", action="store_true")
    r.add_argument("--db")
    r.add_argument("--workspace")
    return r


def run(args) -> int:
    from dashboard.cli import cmd_train, problems
    from dashboard.data.ingest import parse_mapping
    from dashboard.planning.refresh import refresh, summary
    from dashboard.schema import MODELS, ValidationError
    from dashboard.store import Store

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise ValueError(f"--models: unknown {', '.join(unknown)} (choose from {', '.join(MODELS)})")
    store = Store(args.db)
    try:
        result = refresh(store, args.dataset, Path(args.sales), args.promotions, args.weather, parse_mapping(args.map),
                         args.temperature_unit)
    except ValidationError as exc:
        return problems(exc, "refresh")
    log = sys.stderr if args.json else sys.stdout
    for line in summary(result):
        print(line, file=log)
    result["runs"] = {}
    for model in models if result["created"] else []:
        ns = argparse.Namespace(db=args.db, dataset=result["dataset"], model=model, preset=args.preset, holdout_weeks=13,
                                max_epochs=None, threads=None, seeds=None, json=False)
        if cmd_train(ns) != 0:
            print(f"training {model} on {result['dataset']} failed", file=sys.stderr)
            return 1
        runs = store.runs(result["dataset"])
        result["runs"][model] = runs[runs["model"] == model].sort_values("created_at")["run_id"].iloc[-1]
    if args.json:
        print(json.dumps(result, default=str))
    return 0
