"""`python -m dashboard ...`: sample data, ingest, datasets, history check (for scheduled refreshes)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dashboard.data.calendars import RegionCalendar, parse_custom_events
from dashboard.schema import MODELS


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboard", description="Promocast command line")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="write a synthetic store-level weekly dataset")
    s.add_argument("out_dir")
    s.add_argument("--scale", choices=["small", "reference"], default="small")
    s.add_argument("--seed", type=int, default=7)

    i = sub.add_parser("ingest", help="validate and store a sales file (+ promotions, weather)")
    i.add_argument("sales")
    i.add_argument("--promotions")
    i.add_argument("--weather")
    i.add_argument("--temperature-unit", default="auto", choices=["auto", "C", "F"],
                   help="the weather file's unit (auto: Fahrenheit when the values only make sense so)")
    i.add_argument("--map", default="", help="source=target column mapping, e.g. Date=week,Dept=sku")
    i.add_argument("--grain", default="region", choices=["region", "store"],
                   help="region: stores summed to SKU x region series (default); store: one series per SKU x store, "
                        "rolled up to regions in the app without training again")
    i.add_argument("--name")
    i.add_argument("--country", default="US", help="holiday country for every region (holidays package code)")
    i.add_argument("--subdiv", default=None, help="holiday subdivision, e.g. CA")
    i.add_argument("--events", help="custom events file: lines 'YYYY-MM-DD, name'")
    _db(i)

    _db(sub.add_parser("datasets", help="list stored datasets"))

    _db(sub.add_parser("check", help="history check per series (2-3 annual cycles needed)"), dataset=True)

    from dashboard.cli.refresh import add_parser
    add_parser(sub)
    from dashboard.cli.export import add_parser as add_export
    add_export(sub)

    t = sub.add_parser("train", help="train a model in a background process and score the hold-out")
    t.add_argument("--model", required=True, choices=list(MODELS))
    t.add_argument("--preset", default="standard", choices=["fast", "standard", "thorough"])
    t.add_argument("--holdout-weeks", type=int, default=13)
    t.add_argument("--max-epochs", type=int, help="override the preset's epoch limit")
    t.add_argument("--threads", type=int, help="torch threads (default: all cores; the app uses 1)")
    t.add_argument("--seeds", type=int, help="networks trained from different seeds and averaged (thorough: 3)")
    t.add_argument("--devices", type=int, help="TFT/LSTM: training processes on this machine, data-parallel through "
                   "torchrun (one per GPU; on CPUs one per core)")
    t.add_argument("--num-nodes", type=int, help="machines training together (each runs torchrun; see docs/scale.md)")
    t.add_argument("--master", help="HOST:PORT of the first machine, with --num-nodes > 1")
    t.add_argument("--ray", help="Holt-Winters, MSTL, seasonal naive: fit on Ray (local, auto or ray://HOST:10001)")
    _db(t, dataset=True)

    w = sub.add_parser("scenario", help="what-if: forecast a promotion plan change with a trained TFT/LSTM run")
    w.add_argument("--run", required=True, help="run id (python -m dashboard evaluate lists them)")
    w.add_argument("--promo", action="append", default=[],
                   help='"sku=S001,region=North,start=YYYY-MM-DD,weeks=2,discount=25[,type=tpr]" (category= instead of sku= for a whole category)')
    w.add_argument("--temperature-delta", type=float, default=0.0, help="degrees C added to the future weather")
    _db(w)

    _db(sub.add_parser("evaluate", help="the leaderboard of all runs on a dataset"), dataset=True)
    _db(sub.add_parser("recommend", help="choose the recommended forecast again from the newest runs "
                                         "(done after every run; on the validation weeks only)"), dataset=True)

    k = sub.add_parser("workspace", help="create, list or archive client workspaces (dashboard/store/workspaces.py)")
    k.add_argument("action", choices=["create", "list", "archive"])
    k.add_argument("name", nargs="?")
    k.add_argument("--all", action="store_true", help="list archived workspaces too")
    k.add_argument("--json", action="store_true")
    return p


def _db(p: argparse.ArgumentParser, dataset: bool = False) -> None:
    """The options every database command shares: [--dataset ID] --json --db PATH."""
    if dataset:
        p.add_argument("--dataset", help="dataset id (default: the newest)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--db", help="DuckDB file (default: $PROMOCAST_DB or the workspace's promocast.duckdb)")
    p.add_argument("--workspace", help="client workspace (python -m dashboard workspace list); default: default")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "workspace", None) and args.command != "workspace":
            from dashboard.store import workspaces
            workspaces.activate(args.workspace)
        return COMMANDS[args.command](args)
    except (KeyError, RuntimeError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


def problems(exc, what: str) -> int:
    """Every problem of a refused file on stderr; exit status 2 (nothing was stored)."""
    print(f"{what} failed: {len(exc.problems)} problem(s); nothing was stored", file=sys.stderr)
    for p in exc.problems:
        print(f"  {p}", file=sys.stderr)
    return 2


def cmd_workspace(args) -> int:
    from dashboard.store import workspaces

    if args.action == "list":
        items = workspaces.listing(args.all)
        print(json.dumps(items) if args.json else "\n".join(
            f"{w['name']}{' (archived)' if w['archived'] else ''}\t{w['path']}" for w in items))
        return 0
    if not args.name:
        raise ValueError(f"workspace {args.action} needs a NAME")
    done = {"create": lambda: str(workspaces.create(args.name)), "archive": lambda: workspaces.archive(args.name)}
    folder = done[args.action]()
    print(json.dumps({"name": args.name, "action": args.action, "path": folder}) if args.json
          else f"{args.action}d workspace {args.name}" + (f" at {folder}" if folder else ""))
    return 0


def cmd_sample(args) -> int:
    from sample_data.generator import write

    t = time.perf_counter()
    paths = write(args.out_dir, args.scale, args.seed)
    rows = sum(1 for _ in open(paths["sales"])) - 1
    print(f"wrote {rows:,} sales rows ({args.scale}) to {args.out_dir} in {time.perf_counter() - t:.1f}s: "
          + ", ".join(p.name for p in paths.values()))
    return 0


def cmd_ingest(args) -> int:
    from dashboard.data.ingest import parse_mapping, prepare
    from dashboard.schema import ValidationError
    from dashboard.store import Store

    t = time.perf_counter()
    try:
        events = parse_custom_events(Path(args.events).read_text()) if args.events else None
        prepared = prepare(Path(args.sales), args.promotions, args.weather, parse_mapping(args.map), args.name,
                           args.temperature_unit, args.grain)
    except ValidationError as exc:
        return problems(exc, "import")
    store = Store(args.db)
    regions = sorted(prepared.sales["area"].unique())  # the regions (a store's region at store grain)
    ds_id, created = store.save_dataset(prepared, [RegionCalendar(r, args.country, args.subdiv) for r in regions], events)
    info = store.dataset(ds_id)
    secs = time.perf_counter() - t
    if args.json:
        print(json.dumps({"dataset": ds_id, "created": created, "rows": info.rows, "source_rows": info.source_rows,
                          "series": info.series, "first_week": info.first_week, "last_week": info.last_week,
                          "notes": prepared.notes, "seconds": round(secs, 2)}))
    else:
        print(ds_id)
        state = "stored" if created else "already stored (same content): nothing changed"
        grain = info.extras.get("grain", "region")
        print(f"{state}: {info.name}: {info.source_rows:,} source rows -> {info.rows:,} SKU x {grain} x week rows, "
              f"{info.series} series, {info.first_week} .. {info.last_week} ({secs:.1f}s)", file=sys.stderr)
        for n in prepared.notes:
            print(f"note: {n}", file=sys.stderr)
    return 0


def cmd_datasets(args) -> int:
    from dashboard.store import Store

    frame = Store(args.db).datasets()
    cols = ["id", "name", "rows", "series", "first_week", "last_week", "content_hash"]
    frame = frame[cols].astype({"first_week": str, "last_week": str})
    if args.json:
        print(json.dumps(frame.to_dict(orient="records")))
    elif frame.empty:
        print("no datasets stored yet")
    else:
        print(frame.to_string(index=False))
    return 0


def cmd_check(args) -> int:
    from dashboard.data.history import history_check, history_rollup, summary_line
    from dashboard.store import Store

    store = Store(args.db)
    info = store.dataset(args.dataset)
    check = history_check(store.series_spans(info.id), info.last_week)
    named = check.rename(columns={"region": "store", "area": "region"}) if "area" in check else check  # store grain
    if args.json:
        out = named.assign(first_week=named["first_week"].astype(str))
        print(json.dumps({"dataset": info.id, "summary": summary_line(check),
                          "series": out.to_dict(orient="records"),
                          "by_category": history_rollup(check, "category").to_dict(orient="records"),
                          "by_region": history_rollup(check, "region").to_dict(orient="records")}))
        return 0
    print(f"{info.id} {info.name}: {summary_line(check)}")
    print(history_rollup(check, "category").to_string(index=False))
    print()
    print(history_rollup(check, "region").to_string(index=False))
    short = named[named["status"] != "ok"]
    if len(short):
        print()
        print(short.head(50).to_string(index=False))
    return 0


def cmd_train(args) -> int:
    import os

    from dashboard.forecasting import jobs, training
    from dashboard.store.runs import load_metrics
    from dashboard.schema import preset_config
    from dashboard.store import Store

    store = Store(args.db)
    info = store.dataset(args.dataset)
    config = preset_config(args.model, args.preset, holdout_weeks=args.holdout_weeks, max_epochs=args.max_epochs,
                           threads=args.threads or os.cpu_count() or 1, seeds=args.seeds, devices=args.devices,
                           num_nodes=args.num_nodes, master=args.master, ray=args.ray)
    config.horizon = max(config.horizon, config.holdout_weeks)
    t0 = time.perf_counter()
    job_id = training.submit(store, info.id, config)
    job_dir = training.job_dir(store, job_id)
    print(f"{job_id}: training {args.model} ({args.preset}) on {info.id}; progress below", file=sys.stderr)
    seen = 0
    try:
        while True:
            state = jobs.read_state(job_dir)
            training.refresh(store)  # after reading the state: a job that just finished has its run registered
            progress = jobs.read_progress(job_dir)
            for p in progress[seen:]:
                print(_progress_line(p), file=sys.stderr)
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
    from dashboard.forecasting.evaluation import overall_public

    out = {"run_id": run["id"], "model": run["model"], "dataset": info.id, "preset": run["preset"],
           "seconds": round(time.perf_counter() - t0, 1), "device": run["device"],
           "metrics": {"overall": overall_public(run),
                       "by_category": _records(load_metrics(run["run_dir"], "by_category")),
                       "by_region": _records(load_metrics(run["run_dir"], "by_region"))}}
    if run.get("seeds"):
        out["seeds"] = run["seeds"]  # several seeds averaged: each one's hold-out WAPE and the spread
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{out['run_id']}: " + ", ".join(f"{k.upper()} {v:.2f}" for k, v in out["metrics"]["overall"].items() if v is not None))
    return 0


def _progress_line(p: dict) -> str:
    parts = [f"epoch {p.get('epoch')}/{p.get('epochs', '?')}", f"step {p.get('step')}"]
    if p.get("members"):
        parts.insert(0, f"seed {p['member']}/{p['members']}")
    if p.get("loss") is not None:
        parts.append(f"loss {p['loss']:.4g}")
    if p.get("val_loss") is not None:
        parts.append(f"val_loss {p['val_loss']:.4g}")
    if p.get("eta_s") is not None:
        parts.append(f"ETA {p['eta_s']:.0f}s")
    return "  " + ", ".join(parts)


def _records(frame) -> list[dict]:
    keep = [c for c in frame.columns if c not in ("actual", "forecast")]
    return json.loads(frame[keep].round(3).to_json(orient="records"))


def cmd_evaluate(args) -> int:
    from dashboard.forecasting import training
    from dashboard.forecasting.evaluation import overall_public
    from dashboard.store import Store

    store = Store(args.db)
    info = store.dataset(args.dataset)
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


def cmd_recommend(args) -> int:
    from dashboard.forecasting import training
    from dashboard.store.runs import read_run
    from dashboard.store import Store

    store = Store(args.db)
    info = store.dataset(args.dataset)
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


def cmd_scenario(args) -> int:
    from dashboard.forecasting import training
    from dashboard.planning.scenarios import Scenario, deltas, edits_frame, parse_promo
    from dashboard.store import Store

    store = Store(args.db)
    edits = edits_frame([parse_promo(p) for p in args.promo])
    engine = training.what_if_engine(store, args.run)
    t = time.perf_counter()
    res = engine.run(Scenario("cli", edits, args.temperature_delta))
    per = deltas(res["base"], res["forecast"], engine.series, ["sku", "region"])
    per = per.merge(res["changed"][["sku", "region"]], on=["sku", "region"])
    out = {"run_id": args.run, "base_total": round(float(res["base"]["p50"].sum()), 2),
           "scenario_total": round(float(res["forecast"]["p50"].sum()), 2),
           "series": [{"sku": r.sku, "region": r.region, "base_p50": round(r.p50_base, 2), "scenario_p50": round(r.p50_scen, 2),
                       "delta": round(r.delta, 2)} for r in per.itertuples()],
           "warnings": res["warnings"], "seconds": round(time.perf_counter() - t, 2)}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"base {out['base_total']:,.0f} units, scenario {out['scenario_total']:,.0f} units "
              f"({out['scenario_total'] - out['base_total']:+,.0f}) over the next {engine.horizon} weeks")
        print(per[["sku", "region", "p50_base", "p50_scen", "delta", "delta_pct"]].round(1).to_string(index=False))
        for w in out["warnings"]:
            print(f"warning: {w}", file=sys.stderr)
    return 0


COMMANDS = {"scenario": cmd_scenario, "sample": cmd_sample, "ingest": cmd_ingest, "datasets": cmd_datasets, "check": cmd_check,
            "train": cmd_train, "evaluate": cmd_evaluate, "recommend": cmd_recommend, "workspace": cmd_workspace,
            "refresh": lambda args: __import__("dashboard.cli.refresh", fromlist=["run"]).run(args),
            "export-parquet": lambda args: __import__("dashboard.cli.export", fromlist=["run"]).run(args)}
