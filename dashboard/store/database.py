"""The only module that talks to the stored DuckDB database.

DuckDB lets one process at a time open a file, so a Store opens it per operation and lets go after
(``linger`` seconds later: the app keeps it for 2 s between a page's queries; a command lets go at once), and
an operation that finds the file held by another process waits for it (``WAIT_S``) instead of failing: the
app, ``ingest``, ``train`` and ``scenario`` run side by side on one workspace. Writes go through ``_write``,
which holds a lock and a transaction, so a failed write leaves nothing half-written. Values are always passed
as SQL parameters.
"""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.data.calendars import RegionCalendar
from dashboard.data import grain as G
from dashboard.schema import DatasetInfo, default_db_path, workspace_dir
from dashboard.store.plan_tables import PlanTables

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS datasets (
        id VARCHAR PRIMARY KEY, name VARCHAR, content_hash VARCHAR UNIQUE, created_at TIMESTAMP,
        rows BIGINT, source_rows BIGINT, series INTEGER, weeks INTEGER, first_week DATE, last_week DATE,
        notes VARCHAR, mapping VARCHAR)""",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS parent_id VARCHAR",  # refresh: the version this one follows
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS version INTEGER",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS changes VARCHAR",  # what changed from the parent (JSON)
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS grain VARCHAR",  # 'store': one series per SKU x store (grain.py)
    """CREATE TABLE IF NOT EXISTS sales (
        dataset_id VARCHAR, week DATE, region VARCHAR, sku VARCHAR, category VARCHAR,
        units DOUBLE, price DOUBLE, promo DOUBLE, discount_pct DOUBLE, source_rows INTEGER)""",
    "ALTER TABLE sales ADD COLUMN IF NOT EXISTS store VARCHAR",  # store grain: the series' store (else NULL)
    """CREATE TABLE IF NOT EXISTS promotions (
        dataset_id VARCHAR, sku VARCHAR, category VARCHAR, region VARCHAR,
        start_week DATE, end_week DATE, promo_type VARCHAR, discount_pct DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS weather (
        dataset_id VARCHAR, week DATE, region VARCHAR, temperature DOUBLE, precipitation DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS holiday_calendars (
        dataset_id VARCHAR, region VARCHAR, country VARCHAR, subdiv VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS custom_events (dataset_id VARCHAR, event_date DATE, name VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR, model VARCHAR, preset VARCHAR, status VARCHAR,
        pid INTEGER, created_at TIMESTAMP, started_at TIMESTAMP, finished_at TIMESTAMP,
        job_dir VARCHAR, run_id VARCHAR, error VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS scenarios (
        dataset_id VARCHAR, name VARCHAR, author VARCHAR, created_at TIMESTAMP, edits VARCHAR,
        temperature_delta DOUBLE, PRIMARY KEY (dataset_id, name))""",
    """CREATE TABLE IF NOT EXISTS category_margins (
        category VARCHAR PRIMARY KEY, margin_pct DOUBLE, price DOUBLE, author VARCHAR, updated_at TIMESTAMP)""",
    "ALTER TABLE category_margins ADD COLUMN IF NOT EXISTS price DOUBLE",  # tables made before prices could be entered
    """CREATE TABLE IF NOT EXISTS plans (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR, cycle VARCHAR, run_id VARCHAR, scenario VARCHAR, author VARCHAR,
        published_at TIMESTAMP, meta VARCHAR, UNIQUE (dataset_id, cycle))""",
    """CREATE TABLE IF NOT EXISTS plan_rows (
        plan_id VARCHAR, sku VARCHAR, region VARCHAR, category VARCHAR, week DATE, p10 DOUBLE, p50 DOUBLE, p90 DOUBLE,
        model_p50 DOUBLE, scenario_delta DOUBLE, override_reason VARCHAR, weeks_of_history INTEGER,
        history_flag BOOLEAN, history_note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS overrides (
        id VARCHAR, dataset_id VARCHAR, run_id VARCHAR, sku VARCHAR, region VARCHAR, week DATE, before DOUBLE,
        value DOUBLE, scope VARCHAR, kind VARCHAR, amount DOUBLE, reason VARCHAR, note VARCHAR, author VARCHAR,
        created_at TIMESTAMP, active BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS runs (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR, content_hash VARCHAR, model VARCHAR, preset VARCHAR,
        created_at TIMESTAMP, seconds DOUBLE, device VARCHAR, run_dir VARCHAR, holdout_weeks INTEGER,
        mape DOUBLE, wape DOUBLE, smape DOUBLE, bias DOUBLE, mase DOUBLE, config VARCHAR)""",
]


WAIT_S = 60.0  # how long an operation waits for another process to let go of the file


def _connect(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while another process holds it (DuckDB's lock); a clear error after ``wait_s``."""
    deadline, pause = time.monotonic() + wait_s, 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET enable_progress_bar = false")  # never print on stdout (--json output)
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise RuntimeError(f"cannot open the database {path}: {str(exc).splitlines()[0]} (another process "
                                   f"held it for over {wait_s:.0f} s)") from exc
            time.sleep(pause)
            pause = min(pause * 1.5, 0.25)


class Store(PlanTables):
    def __init__(self, path: str | Path | None = None, read_only: bool = False, workspace: str | Path | None = None,
                 linger: float = 0.0, wait_s: float | None = None):
        """``workspace``: the folder of this database's jobs, runs and uploads (a client workspace's); by default
        the process's workspace (``schema.workspace_dir``). ``linger``: seconds the file stays open after an
        operation, for the next one (the app: 2); ``wait_s``: how long to wait for another process."""
        self.path = Path(path) if path else default_db_path()
        self.workspace = Path(workspace) if workspace else workspace_dir()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.read_only, self.linger = read_only, linger
        self.wait_s = WAIT_S if wait_s is None else wait_s
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users, self._timer = 0, None
        with self._open() as con:
            if not read_only:
                for ddl in SCHEMA:
                    con.execute(ddl)

    @contextmanager
    def _open(self):
        """The connection for one operation (the lock held: one operation at a time in this process)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is None:
                self._con = _connect(self.path, self.read_only, self.wait_s)
            self._users += 1
            try:
                yield self._con
            finally:
                self._users -= 1
                if self._users == 0:
                    if self.linger > 0:
                        self._timer = threading.Timer(self.linger, self._let_go)
                        self._timer.daemon = True
                        self._timer.start()
                    else:
                        self._let_go()

    @contextmanager
    def reading(self):
        """The connection for a read done elsewhere (the Parquet export, partitioned.py), under the same lock and
        lifetime as the store's own operations. Writes to the database go through Store's methods only."""
        with self._open() as con:
            yield con

    def _let_go(self) -> None:
        with self._lock:
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is not None:
                self._con.close()
                self._con = None

    @contextmanager
    def _write(self):
        with self._open() as con:
            cur = con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        with self._open() as con:
            cur = con.cursor()
            try:
                return cur.execute(sql, list(params)).df()
            finally:
                cur.close()

    # ---- datasets --------------------------------------------------------------------------
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
                           first_week, last_week, notes, mapping, grain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", [
                info.id, info.name, info.content_hash, datetime.now(timezone.utc).replace(tzinfo=None),
                info.rows, info.source_rows, info.series, info.weeks, info.first_week, info.last_week,
                "; ".join(prepared.notes), json.dumps(prepared.mapping), grain])
            cur.register("new_sales", G.stored(prepared.sales, grain))
            cur.execute("""INSERT INTO sales (dataset_id, week, region, sku, category, units, price, promo, discount_pct,
                           source_rows, store) SELECT ?, week, region, sku, category, units, price, promo,
                           discount_pct, source_rows, store FROM new_sales""", [info.id])
            cur.register("new_promos", prepared.promotions)
            cur.execute("""INSERT INTO promotions SELECT ?, sku, category, region, start_week, end_week,
                           promo_type, discount_pct FROM new_promos""", [info.id])
            cur.register("new_weather", prepared.weather)
            cur.execute("INSERT INTO weather SELECT ?, week, region, temperature, precipitation FROM new_weather", [info.id])
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
            for table in ("sales", "promotions", "weather", "holiday_calendars", "custom_events"):
                cur.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
            cur.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
        for f in (self.workspace / "frames").glob(f"{dataset_id}-h*.parquet"):  # its model frames (frame_cache.py)
            f.unlink(missing_ok=True)

    def datasets(self) -> pd.DataFrame:
        return self.query("""SELECT id, name, rows, series, first_week, last_week, content_hash, created_at,
                             source_rows, weeks, notes, coalesce(grain, 'region') AS grain FROM datasets
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
                           int(r["weeks"]), {"notes": r["notes"], "grain": r["grain"]})

    def sales(self, dataset_id: str) -> pd.DataFrame:
        """One row per series and week; ``region`` is the series' location (the store at store grain, grain.py),
        ``area`` its region."""
        return self.query(f"""SELECT week, {G.LOCATION_SQL} AS region, region AS area, sku, category, units, price, promo,
                             discount_pct FROM sales WHERE dataset_id = ? ORDER BY sku, 2, week""", [dataset_id])

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

    # ---- jobs and runs -----------------------------------------------------------------------
    def add_job(self, job_id: str, dataset_id: str, model: str, preset: str, job_dir: str) -> None:
        with self._write() as cur:
            cur.execute("INSERT INTO jobs (id, dataset_id, model, preset, status, created_at, job_dir) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                        [job_id, dataset_id, model, preset, datetime.now(timezone.utc).replace(tzinfo=None), job_dir])

    def update_job(self, job_id: str, state: dict) -> None:
        with self._write() as cur:
            cur.execute("""UPDATE jobs SET status = ?, pid = ?, started_at = ?, finished_at = ?, run_id = ?, error = ?
                           WHERE id = ?""",
                        [state.get("status"), state.get("pid"), _ts(state.get("started_at")), _ts(state.get("finished_at")),
                         state.get("run_id"), state.get("error"), job_id])

    def jobs(self, dataset_id: str | None = None, active_only: bool = False) -> pd.DataFrame:
        sql = "SELECT * FROM jobs WHERE (? IS NULL OR dataset_id = ?)"
        if active_only:
            sql += " AND status IN ('queued', 'running')"
        return self.query(sql + " ORDER BY created_at DESC", [dataset_id, dataset_id])

    def add_run(self, record: dict, run_dir: str) -> None:
        o = record.get("overall", {})
        with self._write() as cur:
            cur.execute("DELETE FROM runs WHERE id = ?", [record["run_id"]])
            cur.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                record["run_id"], record["dataset_id"], record.get("content_hash"), record["model"], record["preset"],
                _ts(record.get("created_at")) or datetime.now(timezone.utc).replace(tzinfo=None), record.get("seconds"),
                record.get("device"), run_dir, record.get("holdout_weeks"),
                o.get("mape"), o.get("wape"), o.get("smape"), o.get("bias"), o.get("mase"),
                json.dumps({"config": record.get("config"), "weights_sha256": record.get("weights_sha256"),
                            "made_of": (record.get("recommendation") or {}).get("made_of"),
                            "seeds": record.get("seeds")})])

    def delete_run(self, run_id: str) -> None:
        """Forget a run (its folder is the caller's): a superseded recommended forecast."""
        with self._write() as cur:
            cur.execute("DELETE FROM runs WHERE id = ?", [run_id])

    def runs(self, dataset_id: str | None = None) -> pd.DataFrame:
        return self.query("""SELECT id AS run_id, dataset_id, model, preset, created_at, seconds, device, holdout_weeks,
                                    mape, wape, smape, bias, mase, run_dir, config FROM runs
                             WHERE (? IS NULL OR dataset_id = ?) ORDER BY wape NULLS LAST""", [dataset_id, dataset_id])

    def run(self, run_id: str) -> dict:
        f = self.query("SELECT * FROM runs WHERE id = ?", [run_id])
        if f.empty:
            raise KeyError(f"no run {run_id!r}")
        r = f.iloc[0].to_dict()
        r.update(json.loads(r.pop("config")))
        return r

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


def _ts(value):
    if not value:
        return None
    return pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo is None else pd.Timestamp(value).tz_convert(None)
