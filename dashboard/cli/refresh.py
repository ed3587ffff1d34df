"""`python -m dashboard refresh SALES --dataset NAME_OR_ID [--models ...] [train's options]`: a cron-friendly
refresh (exit 2 on bad data, naming every problem; nothing stored then), then the chosen models trained on the new
version with the same options, parser and defaults as ``train`` (``options.TRAINING``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard.cli import options
from dashboard.cli.output import problems


def add_parsers(sub) -> None:
    r = sub.add_parser("refresh", parents=[options.TRAINING],
                       help="store an upload of new weeks (or the whole history) as the next version of a dataset, "
                            "show what changed, carry scenarios over, retrain the chosen models")
    r.add_argument("sales")
    r.add_argument("--dataset", required=True, help="the dataset to refresh: its id or its name (the newest version)")
    options.source_files(r)
    r.add_argument("--models", default="", help="comma-separated models to train on the new version, e.g. "
                                                "tft,holt-winters; trained as `train` would with the options below")
    options.database(r)
    r.set_defaults(handler=run)


def models_of(text: str) -> list[str]:
    from dashboard.schema import MODELS

    models = [m.strip() for m in text.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise ValueError(f"--models: unknown {', '.join(unknown)} (choose from {', '.join(MODELS)})")
    return models


def train_args(args: argparse.Namespace, model: str, dataset: str) -> argparse.Namespace:
    """``train``'s arguments for one model: every training option as ``refresh`` parsed it (the same definition)."""
    return argparse.Namespace(**{d: getattr(args, d) for d in options.training_dests()}, model=model, dataset=dataset,
                              db=args.db, workspace=args.workspace, json=False)


def run(args) -> int:
    from dashboard.cli.training import train
    from dashboard.data.ingest import parse_mapping
    from dashboard.planning.refresh import refresh, summary
    from dashboard.schema import ValidationError
    from dashboard.store import Store

    models = models_of(args.models)
    store = Store(args.db)
    try:
        result = refresh(store, args.dataset, Path(args.sales), args.promotions, args.weather, parse_mapping(args.map),
                         args.temperature_unit, options.column_list(args.event_columns),
                         options.column_list(args.past_columns))
    except ValidationError as exc:
        return problems(exc, "refresh")
    log = sys.stderr if args.json else sys.stdout  # with --json, stdout holds the JSON alone
    for line in summary(result):
        print(line, file=log)
    result["runs"] = {}
    for model in models if result["created"] else []:
        if train(train_args(args, model, result["dataset"]), out=log) != 0:
            print(f"training {model} on {result['dataset']} failed", file=sys.stderr)
            return 1
        runs = store.runs(result["dataset"])
        result["runs"][model] = runs[runs["model"] == model].sort_values("created_at")["run_id"].iloc[-1]
    if args.json:
        print(json.dumps(result, default=str))
    return 0
