"""`python -m dashboard ...`: sample data, ingest, datasets, history check (for scheduled refreshes)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .calendars import RegionCalendar, parse_custom_events


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
    i.add_argument("--map", default="", help="source=target column mapping, e.g. Date=week,Dept=sku")
    i.add_argument("--name")
    i.add_argument("--country", default="US", help="holiday country for every region (holidays package code)")
    i.add_argument("--subdiv", default=None, help="holiday subdivision, e.g. CA")
    i.add_argument("--events", help="custom events file: lines 'YYYY-MM-DD, name'")
    i.add_argument("--json", action="store_true")
    _db(i)

    d = sub.add_parser("datasets", help="list stored datasets")
    d.add_argument("--json", action="store_true")
    _db(d)

    c = sub.add_parser("check", help="history check per series (2-3 annual cycles needed)")
    c.add_argument("--dataset")
    c.add_argument("--json", action="store_true")
    _db(c)
    return p


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="DuckDB file (default: $PROMOCAST_DB or workspace/promocast.duckdb)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (KeyError, RuntimeError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


def cmd_sample(args) -> int:
    from sample_data.generator import write

    t = time.perf_counter()
    paths = write(args.out_dir, args.scale, args.seed)
    rows = sum(1 for _ in open(paths["sales"])) - 1
    print(f"wrote {rows:,} sales rows ({args.scale}) to {args.out_dir} in {time.perf_counter() - t:.1f}s: "
          + ", ".join(p.name for p in paths.values()))
    return 0


def cmd_ingest(args) -> int:
    from .ingest import parse_mapping, prepare
    from .schema import ValidationError
    from .store import Store

    t = time.perf_counter()
    try:
        events = parse_custom_events(Path(args.events).read_text()) if args.events else None
        prepared = prepare(Path(args.sales), args.promotions, args.weather, parse_mapping(args.map), args.name)
    except ValidationError as exc:
        print(f"import failed: {len(exc.problems)} problem(s); nothing was stored", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    store = Store(args.db)
    regions = sorted(prepared.sales["region"].unique())
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
        print(f"{state}: {info.name}: {info.source_rows:,} source rows -> {info.rows:,} SKU x region x week rows, "
              f"{info.series} series, {info.first_week} .. {info.last_week} ({secs:.1f}s)", file=sys.stderr)
        for n in prepared.notes:
            print(f"note: {n}", file=sys.stderr)
    return 0


def cmd_datasets(args) -> int:
    from .store import Store

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
    from .history import history_check, history_rollup, summary_line
    from .store import Store

    store = Store(args.db)
    info = store.dataset(args.dataset)
    check = history_check(store.series_spans(info.id), info.last_week)
    if args.json:
        out = check.assign(first_week=check["first_week"].astype(str))
        print(json.dumps({"dataset": info.id, "summary": summary_line(check),
                          "series": out.to_dict(orient="records"),
                          "by_category": history_rollup(check, "category").to_dict(orient="records"),
                          "by_region": history_rollup(check, "region").to_dict(orient="records")}))
        return 0
    print(f"{info.id} {info.name}: {summary_line(check)}")
    print(history_rollup(check, "category").to_string(index=False))
    print()
    print(history_rollup(check, "region").to_string(index=False))
    short = check[check["status"] != "ok"]
    if len(short):
        print()
        print(short.head(50).to_string(index=False))
    return 0


COMMANDS = {"sample": cmd_sample, "ingest": cmd_ingest, "datasets": cmd_datasets, "check": cmd_check}
