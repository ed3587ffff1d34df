"""`python -m dashboard export-parquet ROOT [--dataset ID]`: a stored dataset as hive-partitioned Parquet
(dataset / region / year) that workers on other machines, Ray or Spark read (dashboard/data/partitioned.py)."""
from __future__ import annotations

import json
import sys
import time

from dashboard.cli import options


def add_parsers(sub) -> None:
    p = sub.add_parser("export-parquet", help="write a dataset as hive-partitioned Parquet (dataset/region/year) "
                                              "for workers on other machines")
    p.add_argument("root", help="the folder to write under (a shared or object-store mount for a cluster)")
    p.add_argument("--dataset", help="dataset id or name (default: the newest)")
    options.database(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    from dashboard.data.partitioned import export
    from dashboard.store import Store

    store = Store(args.db, read_only=True)
    t = time.perf_counter()
    dataset_id = options.dataset_of(store, args.dataset).id
    out = export(store, dataset_id, args.root)
    out["seconds"] = round(time.perf_counter() - t, 2)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{dataset_id}: {out['rows']:,} rows in {out['sales_files']} files ({out['bytes'] / 2**20:,.1f} MB) "
              f"under {out['root']}/{out['sales']} in {out['seconds']} s", file=sys.stderr)
        print(f"read it back: python -m dashboard ingest {out['root']}/{out['sales']} --promotions "
              f"{out['root']}/{out['promotions']} --weather {out['root']}/{out['weather']} --grain {out['grain']}",
              file=sys.stderr)
    return 0
