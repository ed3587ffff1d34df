"""Read sales, promotion and weather files, map columns, validate everything in one pass, roll up.

A scratch in-memory DuckDB is the compute engine here; nothing touches the stored database until
``store.save_dataset`` receives a fully validated ``Prepared`` dataset.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import schema as S
from .schema import DatasetInfo, Problem, ValidationError
from . import sales_scan as scan
from .validation import (DATE_SQL, Rule, counters, date_rules, find_problems, numeric_rules, quote, raw_col,
                         text_col)

@dataclass
class Prepared:
    """A validated dataset, rolled up to SKU x region x week, ready to store."""
    info: DatasetInfo
    sales: pd.DataFrame
    promotions: pd.DataFrame
    weather: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)


def parse_mapping(text: str | None) -> dict[str, str]:
    """'Date=week,Dept=sku' -> {'date': 'week', 'dept': 'sku'} (source names are matched case-insensitively)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"--map: '{part}' is not SOURCE=TARGET")
        src, dst = (p.strip() for p in part.split("=", 1))
        known = set(S.SALES_COLUMNS) | set(S.PROMO_REQUIRED) | set(S.PROMO_OPTIONAL) | set(S.WEATHER_REQUIRED) | set(S.WEATHER_OPTIONAL)
        if dst not in known:
            raise ValueError(f"--map: unknown target column '{dst}' (known: {', '.join(sorted(known))})")
        out[src.lower()] = dst
    return out


def file_hash(paths: list[Path | None], mapping: dict) -> str:
    h = hashlib.sha256(json.dumps(mapping, sort_keys=True).encode())
    for p in paths:
        h.update(b"|")
        if p is None:
            continue
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 22):
                h.update(chunk)
    return h.hexdigest()


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> list[Problem]:
    """Expose a CSV / Parquet / Excel file as a view of text columns. Returns file-level problems."""
    name = path.name
    if not path.exists():
        return [Problem(name, "(file)", "file not found", 1)]
    if path.stat().st_size == 0:
        return [Problem(name, "(file)", "empty file: no header and no rows", 1)]
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            rel = con.read_parquet(str(path))
            rel = rel.select(", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in rel.columns))
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(path, dtype=str)
            con.register(f"{view}_xl", frame)
            rel = con.table(f"{view}_xl")
        else:
            rel = con.read_csv(str(path), all_varchar=True, header=True, sample_size=-1 if path.stat().st_size < 1 << 20 else 20480)
        rel.create_view(view)
        if suffix not in (".csv", ".txt", ".tsv", ""):
            con.execute(f"SELECT count(*) FROM {view}").fetchone()
    except duckdb.Error as exc:
        return [read_problem(name, suffix, exc)]
    except Exception as exc:  # openpyxl / pandas errors for bad Excel files
        return [Problem(name, "(file)", f"cannot be read as {suffix}", 1, example=str(exc)[:200])]
    return []


def read_problem(name: str, suffix: str, exc: Exception) -> Problem:
    msg = str(exc)
    if "unicode" in msg.lower() or "utf" in msg.lower() or "encoding" in msg.lower():
        return Problem(name, "(file)", "not valid UTF-8 text: save it as UTF-8 (Excel: 'CSV UTF-8')", 1,
                       example=msg.splitlines()[0][:160])
    return Problem(name, "(file)", f"cannot be read as {suffix or 'CSV'}", 1, example=msg.splitlines()[0][:200])


def map_columns(columns: list[str], mapping: dict[str, str], required, optional) -> tuple[dict[str, str], list[str]]:
    """canonical -> source column, and the missing required canonical names."""
    found: dict[str, str] = {}
    for src in columns:
        key = src.strip().lower()
        dst = mapping.get(key) or (key if key in (*required, *optional) else S.ALIASES.get(key))
        if dst and dst not in found and dst in (*required, *optional):
            found[dst] = src
    missing = [c for c in required if c not in found]
    return found, missing


def prepare(sales: Path, promotions: Path | None = None, weather: Path | None = None,
            mapping: dict[str, str] | None = None, name: str | None = None) -> Prepared:
    """Read, validate and roll up. Raises ValidationError listing every problem found."""
    sales, mapping = Path(sales), dict(mapping or {})
    promotions = Path(promotions) if promotions else None
    weather = Path(weather) if weather else None
    digest: dict[str, str] = {}
    hasher = threading.Thread(target=lambda: digest.setdefault("h", file_hash([sales, promotions, weather], mapping)))
    hasher.start()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # a bar on stdout would corrupt --json output
    try:
        roll, notes, has_promo = _sales(con, sales, mapping)
        promo_frame = _promotions(con, promotions, mapping, roll) if promotions else _empty_promotions()
        weather_frame = _weather(con, weather, mapping, roll) if weather else pd.DataFrame(columns=["week", "region", "temperature", "precipitation"])
        roll = _apply_calendar(con, roll, promo_frame, has_promo)
    finally:
        con.close()
        hasher.join()
    h = digest["h"]
    series = roll.groupby(["sku", "region"]).ngroups
    info = DatasetInfo(
        id="ds-" + h[:10], name=name or sales.stem, rows=len(roll), series=series,
        first_week=str(roll["week"].min().date()), last_week=str(roll["week"].max().date()),
        content_hash=h, source_rows=int(notes.pop(0)), weeks=roll["week"].nunique(),
    )
    return Prepared(info, roll, promo_frame, weather_frame, notes, mapping)


def _sales(con, path: Path, mapping: dict) -> tuple[pd.DataFrame, list, bool]:
    fname = path.name
    cols = _open(con, path, "raw_sales", mapping, S.SALES_REQUIRED, S.SALES_OPTIONAL)
    roll = None
    if scan.typed_source(con, path, cols):
        scan.sales_view(con, cols, "raw_sales_typed", typed=True)
        rules = scan.sales_rules(typed=True)
        try:
            roll = scan.rollup(con, scan.indicators())
            problems = find_problems(con, "sales_t", rules, fname) if scan.dirty(roll) else []
        except duckdb.Error:
            roll = None  # a cell the reader could not parse past its sample: text mode finds and names it
    if roll is None:
        scan.sales_view(con, cols, "raw_sales", typed=False)
        rules = scan.sales_rules(typed=False)
        try:
            roll = scan.rollup(con, counters(rules))
        except duckdb.Error as exc:
            raise ValidationError([read_problem(fname, ".csv", exc)]) from None
        problems = find_problems(con, "sales_t", rules, fname, [int(roll[f"bad_{i}"].sum()) for i in range(len(rules))])
    if problems:
        raise ValidationError(problems)
    roll = roll.dropna(subset=["week"])
    problems, notes = scan.structure(con, roll, fname, "store" in cols)
    if problems:
        raise ValidationError(problems)
    source_rows = int(roll["n_rows"].sum())
    roll, dropped = scan.drop_partial_edges(roll)
    if dropped:
        notes.append(dropped)
    roll["week"] = pd.to_datetime(roll["week"])
    roll = roll.rename(columns={"n_rows": "source_rows"})
    keep = ["week", "region", "sku", "category", "units", "price", "promo", "discount_pct", "source_rows"]
    return roll[keep].reset_index(drop=True), [source_rows, *notes], "promo" in cols or "discount_pct" in cols


def _open(con, path: Path, view: str, mapping: dict, required, optional) -> dict[str, str]:
    """Load a file as ``view`` and map its columns; raises ValidationError for unreadable files or missing columns."""
    problems = load_raw(con, path, view)
    if problems:
        raise ValidationError(problems)
    columns = [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]
    cols, missing = map_columns(columns, mapping, required, optional)
    if missing:
        raise ValidationError([Problem(path.name, c, f"required column missing (columns found: {', '.join(columns)})", 1)
                               for c in missing])
    return cols


def _empty_promotions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in [("sku", "object"), ("category", "object"), ("region", "object"),
                         ("start_week", "datetime64[ns]"), ("end_week", "datetime64[ns]"), ("promo_type", "object"), ("discount_pct", "float64")]})


def _promotions(con, path: Path, mapping: dict, roll: pd.DataFrame) -> pd.DataFrame:
    cols = _open(con, path, "raw_promo", mapping, S.PROMO_REQUIRED, S.PROMO_OPTIONAL)
    none = "NULL"
    con.execute(f"""CREATE TEMP VIEW promo_t AS SELECT
        {raw_col(cols, 'start_week')} AS c_start_week, {DATE_SQL.format(c=raw_col(cols, 'start_week'))} AS start_week,
        {raw_col(cols, 'end_week')} AS c_end_week, {DATE_SQL.format(c=raw_col(cols, 'end_week'))} AS end_week,
        CASE WHEN lower(trim({raw_col(cols, 'sku', none)})) IN ('all', '*', '') THEN NULL ELSE trim({raw_col(cols, 'sku', none)}) END AS sku,
        CASE WHEN lower(trim({raw_col(cols, 'category', none)})) IN ('all', '*', '') THEN NULL ELSE trim({raw_col(cols, 'category', none)}) END AS category,
        CASE WHEN lower(trim({raw_col(cols, 'region', none)})) IN ('all', '*', '') THEN NULL ELSE trim({raw_col(cols, 'region', none)}) END AS region,
        COALESCE(NULLIF(trim({raw_col(cols, 'promo_type', none)}), ''), 'promo') AS promo_type,
        {raw_col(cols, 'discount_pct')} AS c_discount_pct, TRY_CAST({raw_col(cols, 'discount_pct', "'0'")} AS DOUBLE) AS discount_pct
        FROM raw_promo""")
    rules = []
    for c in ("start_week", "end_week"):
        rules += date_rules(c)
    rules.append(Rule("end_week", "promotion ends before it starts", "end_week < start_week", "c_start_week || ' > ' || c_end_week"))
    rules += numeric_rules("discount_pct", required=False, lo=0, hi=100, what="discount outside 0-100")
    rules.append(Rule("sku", "unknown SKU (not in the sales file)", "sku IS NOT NULL AND sku NOT IN (SELECT sku FROM known_skus)", "sku"))
    rules.append(Rule("region", "unknown region (not in the sales file)", "region IS NOT NULL AND region NOT IN (SELECT region FROM known_regions)", "region"))
    rules.append(Rule("category", "unknown category (not in the sales file)", "category IS NOT NULL AND category NOT IN (SELECT category FROM known_categories)", "category"))
    _known(con, roll)
    problems = find_problems(con, "promo_t", rules, path.name)
    if problems:
        raise ValidationError(problems)
    out = con.execute("""SELECT sku, category, region, CAST(date_trunc('week', start_week) AS DATE) AS start_week,
        CAST(date_trunc('week', end_week) AS DATE) AS end_week, promo_type, discount_pct FROM promo_t""").df()
    out["start_week"] = pd.to_datetime(out["start_week"])
    out["end_week"] = pd.to_datetime(out["end_week"])
    return out


def _known(con, roll: pd.DataFrame) -> None:
    """Small tables of the SKUs, regions and categories in the (already rolled-up) sales."""
    for col, table in (("sku", "known_skus"), ("region", "known_regions"), ("category", "known_categories")):
        con.register(table, pd.DataFrame({col: roll[col].unique()}))


def _weather(con, path: Path, mapping: dict, roll: pd.DataFrame) -> pd.DataFrame:
    cols = _open(con, path, "raw_weather", mapping, S.WEATHER_REQUIRED, S.WEATHER_OPTIONAL)
    con.execute(f"""CREATE TEMP VIEW weather_t AS SELECT
        {raw_col(cols, 'week')} AS c_week, {DATE_SQL.format(c=raw_col(cols, 'week'))} AS week,
        {text_col(cols, 'region', S.DEFAULT_REGION)} AS region,
        {raw_col(cols, 'temperature')} AS c_temperature, TRY_CAST({raw_col(cols, 'temperature')} AS DOUBLE) AS temperature,
        {raw_col(cols, 'precipitation')} AS c_precipitation, TRY_CAST({raw_col(cols, 'precipitation')} AS DOUBLE) AS precipitation,
        count(*) OVER (PARTITION BY date_trunc('week', {DATE_SQL.format(c=raw_col(cols, 'week'))}), {text_col(cols, 'region', S.DEFAULT_REGION)}) AS n_same
        FROM raw_weather""")
    rules = date_rules("week") + numeric_rules("temperature", required=True, lo=-60, hi=60, what="temperature outside -60..60 C")
    rules += numeric_rules("precipitation", required=False, lo=0, what="negative precipitation")
    rules.append(Rule("region", "unknown region (not in the sales file)", "region NOT IN (SELECT region FROM known_regions)", "region"))
    rules.append(Rule("week+region", "duplicate week and region", "week IS NOT NULL AND n_same > 1", "c_week || ' ' || region"))
    _known(con, roll)
    problems = find_problems(con, "weather_t", rules, path.name)
    if problems:
        raise ValidationError(problems)
    out = con.execute("""SELECT CAST(date_trunc('week', week) AS DATE) AS week, region, temperature, precipitation
                         FROM weather_t ORDER BY region, week""").df()
    out["week"] = pd.to_datetime(out["week"])
    return out


def _apply_calendar(con, roll: pd.DataFrame, promos: pd.DataFrame, has_promo_cols: bool) -> pd.DataFrame:
    """Weeks covered by the promotion calendar are promo weeks with its discount."""
    if promos.empty:
        return roll
    con.register("roll_df", roll)
    con.register("promo_df", promos)
    # Promotions expanded to their weeks, then equality joins: on (sku, week) for SKU promotions, on week
    # for the few category/region-wide ones. A range join with OR conditions cost 1.5 s at the reference scale.
    cal = con.execute("""WITH pw AS (
            SELECT sku, category, region, discount_pct,
                   CAST(unnest(generate_series(start_week, end_week, INTERVAL 7 DAY)) AS DATE) AS week FROM promo_df),
        r AS (SELECT CAST(week AS DATE) AS week, region, sku, category FROM roll_df),
        hits AS (
            SELECT r.week, r.region, r.sku, p.discount_pct FROM r JOIN pw p ON p.sku = r.sku AND p.week = r.week
             WHERE (p.category IS NULL OR p.category = r.category) AND (p.region IS NULL OR p.region = r.region)
            UNION ALL
            SELECT r.week, r.region, r.sku, p.discount_pct FROM r JOIN (SELECT * FROM pw WHERE sku IS NULL) p ON p.week = r.week
             WHERE (p.category IS NULL OR p.category = r.category) AND (p.region IS NULL OR p.region = r.region))
        SELECT week, region, sku, max(discount_pct) AS cal_discount FROM hits GROUP BY ALL""").df()
    cal["week"] = pd.to_datetime(cal["week"])
    con.unregister("roll_df")
    con.unregister("promo_df")
    out = roll.merge(cal, on=["week", "region", "sku"], how="left")
    on_cal = out["cal_discount"].notna()
    if has_promo_cols:
        out["promo"] = out["promo"].where(~on_cal, out["promo"].clip(lower=1.0))
        out["discount_pct"] = out[["discount_pct", "cal_discount"]].max(axis=1)
    else:
        out["promo"] = on_cal.astype(float)
        out["discount_pct"] = out["cal_discount"].fillna(0.0)
    return out.drop(columns="cal_discount")
