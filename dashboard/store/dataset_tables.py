"""The datasets and their versions: sales, promotions, weather, holiday calendars and custom events per dataset,
and the chain of versions a refresh makes (``Store`` inherits these; writes go through its ``_write``)."""
from __future__ import annotations

import json

import pandas as pd

from dashboard.data import grain as G
from dashboard.data.calendars import RegionCalendar
from dashboard.schema import DatasetInfo
from dashboard.store.connection import utc_now


class DatasetTables:
    def save_dataset(self, prepared, calendars: list[RegionCalendar] | None = None,
                     events: pd.DataFrame | None = None) -> tuple[str, bool]:
        """Store a validated dataset in one transaction. Returns (id, created); same content = no-op."""
        info = prepared.info
        existing = self.query("SELECT id FROM datasets WHERE content_hash = ?", [info.content_hash])
        if len(existing):
            return existing["id"].iloc[0], False
        grain = info.extras.get("grain", "region")
        regions = sorted(prepared.sales["area" if "area" in prepared.sales else "region"].unique())
        calendars = calendars or [RegionCalendar(r) for r in regions]
        with self._write() as cur:
            cur.execute("""INSERT INTO datasets (id, name, content_hash, created_at, rows, source_rows, series, weeks,
                           first_week, last_week, notes, mapping, grain, freq, inputs)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", [
                info.id, info.name, info.content_hash, utc_now(),
                info.rows, info.source_rows, info.series, info.weeks, info.first_week, info.last_week,
                "; ".join(prepared.notes), json.dumps(prepared.mapping), grain, info.extras.get("freq", "week"),
                json.dumps(info.extras.get("inputs") or {})])
            new = G.stored(prepared.sales, grain)
            cur.register("new_sales", new)
            regular = "regular_price" if "regular_price" in new else "CAST(NULL AS DOUBLE)"  # files without one
            cur.execute(f"""INSERT INTO sales (dataset_id, week, region, sku, category, units, price, promo, discount_pct,
                           regular_price, source_rows, store) SELECT ?, week, region, sku, category, units, price,
                           promo, discount_pct, {regular}, source_rows, store FROM new_sales""", [info.id])
            promos = prepared.promotions
            for c in ("funded_pct", "scan_allowance"):  # calendars without funding, and versions made before it
                if c not in promos:
                    promos = promos.assign(**{c: float("nan")})
            cur.register("new_promos", promos)
            cur.execute("""INSERT INTO promotions (dataset_id, sku, category, region, start_week, end_week, promo_type,
                           discount_pct, funded_pct, scan_allowance) SELECT ?, sku, category, region, start_week,
                           end_week, promo_type, discount_pct, funded_pct, scan_allowance FROM new_promos""", [info.id])
            cur.register("new_weather", prepared.weather)
            cur.execute("INSERT INTO weather SELECT ?, week, region, temperature, precipitation FROM new_weather", [info.id])
            past = getattr(prepared, "past", None)
            if past is not None and len(past):  # the location as the sales table's series: the store at store grain
                cur.register("new_past", past)
                cur.execute("INSERT INTO past_inputs SELECT ?, week, region, sku, name, value FROM new_past", [info.id])
            self._put_calendars(cur, info.id, calendars, events)
        return info.id, True

    def set_calendars(self, dataset_id: str, calendars: list[RegionCalendar], events: pd.DataFrame | None = None) -> None:
        with self._write() as cur:
            self._put_calendars(cur, dataset_id, calendars, events)

    @staticmethod
    def _put_calendars(cur, dataset_id, calendars, events) -> None:
        cur.execute("DELETE FROM holiday_calendars WHERE dataset_id = ?", [dataset_id])
        cur.execute("DELETE FROM custom_events WHERE dataset_id = ?", [dataset_id])
        for c in calendars:
            cur.execute("INSERT INTO holiday_calendars VALUES (?, ?, ?, ?)", [dataset_id, c.region, c.country, c.subdiv])
        for _, e in (events if events is not None else pd.DataFrame(columns=["date", "name"])).iterrows():
            cur.execute("INSERT INTO custom_events VALUES (?, ?, ?)", [dataset_id, pd.Timestamp(e["date"]).date(), str(e["name"])])

    def delete_dataset(self, dataset_id: str) -> None:
        with self._write() as cur:
            for table in ("sales", "promotions", "weather", "holiday_calendars", "custom_events", "past_inputs"):
                cur.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
            cur.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
        for f in (self.workspace / "frames").glob(f"{dataset_id}-h*.parquet"):  # its model frames (frame_cache.py)
            f.unlink(missing_ok=True)

    def datasets(self) -> pd.DataFrame:
        return self.query("""SELECT id, name, rows, series, first_week, last_week, content_hash, created_at,
                             source_rows, weeks, notes, coalesce(grain, 'region') AS grain,
                             coalesce(freq, 'week') AS freq, inputs FROM datasets
                             ORDER BY created_at DESC""")

    def dataset(self, dataset_id: str | None = None) -> DatasetInfo:
        """One dataset's record; the newest when no id is given. Raises KeyError naming the id."""
        frame = self.datasets()
        if dataset_id:
            frame = frame[frame["id"] == dataset_id]
        if frame.empty:
            raise KeyError(f"no dataset {dataset_id!r}" if dataset_id else "no datasets stored yet: run `python -m dashboard ingest` first")
        r = frame.iloc[0]
        return DatasetInfo(r["id"], r["name"], int(r["rows"]), int(r["series"]), str(r["first_week"])[:10],
                           str(r["last_week"])[:10], r["content_hash"], str(r["created_at"]), int(r["source_rows"]),
                           int(r["weeks"]), {"notes": r["notes"], "grain": r["grain"], "freq": r["freq"],
                                             "inputs": json.loads(r["inputs"]) if isinstance(r["inputs"], str) else {}})

    def sales(self, dataset_id: str) -> pd.DataFrame:
        """One row per series and week; ``region`` is the series' location (the store at store grain, grain.py),
        ``area`` its region."""
        return self.query(f"""SELECT week, {G.LOCATION_SQL} AS region, region AS area, sku, category, units, price, promo,
                             discount_pct, regular_price FROM sales WHERE dataset_id = ? ORDER BY sku, 2, week""",
                          [dataset_id])

    def preview(self, dataset_id: str, limit: int = 200) -> pd.DataFrame:
        return self.query("SELECT * EXCLUDE (dataset_id) FROM sales WHERE dataset_id = ? ORDER BY sku, region, week LIMIT ?",
                          [dataset_id, limit])

    def promotions(self, dataset_id: str) -> pd.DataFrame:
        return self.query("SELECT * EXCLUDE (dataset_id) FROM promotions WHERE dataset_id = ? ORDER BY start_week", [dataset_id])

    def weather(self, dataset_id: str) -> pd.DataFrame:
        return self.query("SELECT * EXCLUDE (dataset_id) FROM weather WHERE dataset_id = ? ORDER BY region, week", [dataset_id])

    def calendars(self, dataset_id: str) -> list[RegionCalendar]:
        f = self.query("SELECT region, country, subdiv FROM holiday_calendars WHERE dataset_id = ? ORDER BY region", [dataset_id])
        return [RegionCalendar(r.region, r.country, r.subdiv if isinstance(r.subdiv, str) else None) for r in f.itertuples()]

    def past_inputs(self, dataset_id: str) -> pd.DataFrame:
        """week, region (the series' location), sku, name, value: the sales file's past-only inputs (past_inputs.py)."""
        return self.query("""SELECT week, region, sku, name, value FROM past_inputs WHERE dataset_id = ?
                             ORDER BY name, sku, region, week""", [dataset_id])

    def custom_events(self, dataset_id: str) -> pd.DataFrame:
        return self.query("SELECT event_date AS date, name FROM custom_events WHERE dataset_id = ? ORDER BY 1", [dataset_id])

    def coverage(self, dataset_id: str) -> pd.DataFrame:
        """Units and active SKUs per category x region x week (a few thousand rows at any scale)."""
        return self.query("""SELECT category, region, week, sum(units) AS units, count(DISTINCT sku) AS skus
                             FROM sales WHERE dataset_id = ? GROUP BY ALL ORDER BY category, region, week""", [dataset_id])

    def series_spans(self, dataset_id: str) -> pd.DataFrame:
        """Per series (SKU x location): first and last week with a row, and how many weeks have rows."""
        return self.query(f"""SELECT sku, {G.LOCATION_SQL} AS region, min(region) AS area, min(category) AS category,
                                    min(week) AS first_week, max(week) AS last_week, count(*) AS weeks_present,
                                    sum(units) AS units
                             FROM sales WHERE dataset_id = ? GROUP BY 1, 2 ORDER BY 1, 2""", [dataset_id])

    def history(self, dataset_id: str, sku: str | None = None, region: str | None = None,
                category: str | None = None, area: str | None = None) -> pd.DataFrame:
        """Weekly units (summed) and promo share for one series or any roll-up; None = all. ``region``: a location
        (a store at store grain); ``area``: a region, whatever the grain."""
        return self.query(f"""SELECT week, sum(units) AS units, avg(promo) AS promo FROM sales
                             WHERE dataset_id = ? AND (? IS NULL OR sku = ?) AND (? IS NULL OR {G.LOCATION_SQL} = ?)
                               AND (? IS NULL OR category = ?) AND (? IS NULL OR region = ?)
                             GROUP BY week ORDER BY week""",
                          [dataset_id, sku, sku, region, region, category, category, area, area])

    def series_list(self, dataset_id: str) -> pd.DataFrame:
        """sku, region (the location), category, area (its region)."""
        return self.query(f"""SELECT DISTINCT sku, {G.LOCATION_SQL} AS region, category, region AS area FROM sales
                             WHERE dataset_id = ? ORDER BY category, sku, region""", [dataset_id])

    def link_version(self, dataset_id: str, parent_id: str, changes: dict) -> int:
        """Record ``dataset_id`` as the next version of ``parent_id`` with what changed; returns its version number."""
        with self._write() as cur:
            rows = cur.execute("SELECT coalesce(version, 1) FROM datasets WHERE id = ?", [parent_id]).fetchall()
            row = rows[0] if rows else None  # fetchall: DuckDB 2 keeps a fetchone() result open
            if row is None:
                raise KeyError(f"no dataset {parent_id!r}")
            cur.execute("UPDATE datasets SET parent_id = ?, version = ?, changes = ? WHERE id = ?",
                        [parent_id, int(row[0]) + 1, json.dumps(changes, default=str), dataset_id])
        return int(row[0]) + 1

    def versions(self, dataset_id: str) -> pd.DataFrame:
        """The chain of versions ending at ``dataset_id``, oldest first: id, name, version, last_week, changes."""
        chain, current = [], dataset_id
        while current:
            r = self.query("SELECT id, name, coalesce(version, 1) AS version, last_week, created_at, parent_id, changes "
                           "FROM datasets WHERE id = ?", [current])
            if r.empty or current in [c["id"] for c in chain]:
                break
            chain.append(r.iloc[0].to_dict())
            current = r["parent_id"].iloc[0]
        return pd.DataFrame(chain[::-1])
