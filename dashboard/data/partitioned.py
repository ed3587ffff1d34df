"""A dataset as hive-partitioned Parquet, for workers on other machines and for engines beside DuckDB.

Layout under ROOT (one folder tree per table, so a glob over one never picks up another):

    ROOT/sales/dataset=ID/region=R/year=Y/data_0.parquet   week, store, sku, category, units, price, promo, discount_pct
    ROOT/promotions/dataset=ID/data_0.parquet
    ROOT/weather/dataset=ID/data_0.parquet
    ROOT/datasets/ID.json                                  name, grain, weeks, rows, content hash, holiday calendars

``region`` and ``year`` live in the folder names (hive partitioning), so a reader that wants one region or one
year opens only those files. DuckDB stays the app's database; it reads the same files
(``read_parquet('ROOT/sales/dataset=ID/**/*.parquet', hive_partitioning = true)``), and so does
``python -m dashboard ingest ROOT/sales/dataset=ID --promotions ROOT/promotions/dataset=ID ...``.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd

SALES_COLUMNS = "week, store, sku, category, units, price, promo, discount_pct"


def export(store, dataset_id: str, root: str | Path) -> dict:
    """Write one stored dataset under ``root`` (its earlier export is replaced). Returns what was written."""
    root = Path(root)
    info = store.dataset(dataset_id)
    part = f"dataset={dataset_id}"
    for table in ("sales", "promotions", "weather"):  # this dataset's folders only: other datasets' exports stay
        shutil.rmtree(root / table / part, ignore_errors=True)
        (root / table / part).mkdir(parents=True)
    with store.reading() as con:  # a read: the store's one connection, SQL parameters throughout
        sales = con.sql(f"SELECT region, year(week) AS year, {SALES_COLUMNS} FROM sales WHERE dataset_id = $1",
                        params=[dataset_id])
        sales.write_parquet(str(root / "sales" / part), partition_by=["region", "year"], overwrite=True)
        for table in ("promotions", "weather"):
            rel = con.sql(f"SELECT * EXCLUDE (dataset_id) FROM {table} WHERE dataset_id = $1", params=[dataset_id])
            rel.write_parquet(str(root / table / part / "data_0.parquet"))
    files = sorted((root / "sales" / f"dataset={dataset_id}").rglob("*.parquet"))
    calendars = [{"region": c.region, "country": c.country, "subdiv": c.subdiv} for c in store.calendars(dataset_id)]
    manifest = {"id": info.id, "name": info.name, "grain": info.extras.get("grain", "region"), "rows": info.rows,
                "series": info.series, "first_week": info.first_week, "last_week": info.last_week,
                "content_hash": info.content_hash, "calendars": calendars,
                "sales": f"sales/dataset={dataset_id}", "promotions": f"promotions/dataset={dataset_id}",
                "weather": f"weather/dataset={dataset_id}", "sales_files": len(files)}
    (root / "datasets").mkdir(parents=True, exist_ok=True)
    (root / "datasets" / f"{dataset_id}.json").write_text(json.dumps(manifest, indent=1))
    return {**manifest, "root": str(root), "bytes": sum(f.stat().st_size for f in files)}


def read_sales(root: str | Path, dataset_id: str, regions: list[str] | None = None,
               years: list[int] | None = None) -> pd.DataFrame:
    """Sales rows of an exported dataset as the store keeps them; only the partitions asked for are opened."""
    glob = str(Path(root) / "sales" / f"dataset={dataset_id}" / "**" / "*.parquet")
    con = duckdb.connect()
    try:
        rel = con.read_parquet(glob, hive_partitioning=True)
        where, params = ["true"], []
        if regions:
            where.append(f"region IN ({', '.join('?' for _ in regions)})")
            params += list(regions)
        if years:
            where.append(f"year IN ({', '.join('?' for _ in years)})")
            params += [int(y) for y in years]
        rel.create_view("exported")
        return con.execute(f"SELECT region, {SALES_COLUMNS} FROM exported WHERE {' AND '.join(where)} "
                           "ORDER BY sku, region, store, week", params).df()
    finally:
        con.close()
