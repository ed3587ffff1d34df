"""`python -m dashboard sample|ingest|datasets|check`: data in, and what is stored."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dashboard.cli import options
from dashboard.cli.output import problems


def add_parsers(sub) -> None:
    s = sub.add_parser("sample", help="write a synthetic store-level weekly dataset")
    s.add_argument("out_dir")
    s.add_argument("--scale", choices=["small", "reference"], default="small")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--freq", choices=["week", "month"], default="week",
                   help="week: the weekly grocer (--scale); month: a monthly distributor, 6 territories x 30 SKUs x 60 "
                        "months (sample_data/monthly.py)")
    s.set_defaults(handler=sample)

    i = sub.add_parser("ingest", help="validate and store a sales file (+ promotions, weather)")
    i.add_argument("sales")
    options.source_files(i)
    i.add_argument("--grain", default="region", choices=["region", "store"],
                   help="region: stores summed to SKU x region series (default); store: one series per SKU x store, "
                        "rolled up to regions in the app without training again")
    i.add_argument("--freq", default="auto", choices=["auto", "week", "month"],
                   help="forecast frequency: auto (the file's own: daily and weekly files by week, monthly by month), "
                        "week, or month (daily and weekly files summed into calendar months)")
    i.add_argument("--name")
    i.add_argument("--country", default="US", help="holiday country for every region (holidays package code)")
    i.add_argument("--subdiv", default=None, help="holiday subdivision, e.g. CA")
    i.add_argument("--events", help="custom events file: lines 'YYYY-MM-DD, name'")
    options.database(i)
    i.set_defaults(handler=ingest)

    d = sub.add_parser("datasets", help="list stored datasets")
    options.database(d)
    d.set_defaults(handler=datasets)

    c = sub.add_parser("check", help="history check per series (2-3 annual cycles needed)")
    options.database(c, dataset=True)
    c.set_defaults(handler=check)


def sample(args) -> int:
    from sample_data import generator, monthly

    t = time.perf_counter()
    if args.freq == "month":
        if args.scale != "small":
            print("--scale applies to the weekly sample only", file=sys.stderr)
            return 2
        paths = monthly.write(args.out_dir, args.seed)
    else:
        paths = generator.write(args.out_dir, args.scale, args.seed)
    rows = sum(1 for _ in open(paths["sales"])) - 1
    print(f"wrote {rows:,} sales rows ({args.scale if args.freq == 'week' else 'monthly'}) to {args.out_dir} in {time.perf_counter() - t:.1f}s: "
          + ", ".join(p.name for p in paths.values()))
    return 0


def ingest(args) -> int:
    import pandas as pd

    from dashboard.cli.options import column_list
    from dashboard.data.calendars import RegionCalendar, parse_custom_events
    from dashboard.data.ingest import parse_mapping, prepare
    from dashboard.schema import ValidationError
    from dashboard.store import Store

    t = time.perf_counter()
    try:
        events = parse_custom_events(Path(args.events).read_text()) if args.events else None
        prepared = prepare(Path(args.sales), args.promotions, args.weather, parse_mapping(args.map), args.name,
                           args.temperature_unit, args.grain, args.freq, column_list(args.event_columns),
                           column_list(args.past_columns))
        if len(prepared.events):
            events = pd.concat([e for e in (events, prepared.events) if e is not None], ignore_index=True)
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
                          "freq": info.extras.get("freq", "week"),
                          "notes": prepared.notes, "seconds": round(secs, 2)}))
    else:
        print(ds_id)
        state = "stored" if created else "already stored (same content): nothing changed"
        grain = info.extras.get("grain", "region")
        print(f"{state}: {info.name}: {info.source_rows:,} source rows -> {info.rows:,} SKU x {grain} x "
              f"{info.extras.get('freq', 'week')} rows, "
              f"{info.series} series, {info.first_week} .. {info.last_week} ({secs:.1f}s)", file=sys.stderr)
        for n in prepared.notes:
            print(f"note: {n}", file=sys.stderr)
    return 0


def datasets(args) -> int:
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


def check(args) -> int:
    from dashboard import periods
    from dashboard.data.history import history_check, history_rollup, summary_line
    from dashboard.store import Store

    store = Store(args.db)
    info = options.dataset_of(store, args.dataset)
    freq = periods.of(info.extras.get("freq"))
    check = history_check(store.series_spans(info.id), info.last_week, freq)
    named = check.rename(columns={"region": "store", "area": "region"}) if "area" in check else check  # store grain
    if args.json:
        out = named.assign(first_week=named["first_week"].astype(str))
        print(json.dumps({"dataset": info.id, "freq": freq.name, "summary": summary_line(check, freq),
                          "series": out.to_dict(orient="records"),
                          "by_category": history_rollup(check, "category", freq).to_dict(orient="records"),
                          "by_region": history_rollup(check, "region", freq).to_dict(orient="records")}))
        return 0
    print(f"{info.id} {info.name}: {summary_line(check, freq)}")
    print(history_rollup(check, "category", freq).to_string(index=False))
    print()
    print(history_rollup(check, "region", freq).to_string(index=False))
    short = named[named["status"] != "ok"]
    if len(short):
        print()
        print(short.head(50).to_string(index=False))
    return 0
