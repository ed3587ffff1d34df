"""Read sales, promotion and weather files, map columns, validate everything in one pass, roll up.

A scratch in-memory DuckDB is the compute engine here; nothing touches the stored database until
``store.save_dataset`` receives a fully validated ``Prepared`` dataset.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import periods
from dashboard import schema as S
from dashboard.data import grain as G
from dashboard.data import event_flags, month_calendar, past_inputs, source_frequency
from dashboard.data import sales_scan as scan
from dashboard.data.file_reader import load_raw, read_problem  # noqa: F401 (load_raw: bench/tasks.py reads files through it)
from dashboard.data.validation import (FLAG_SQL, Rule, comma_note, counters, date_rules, date_sql, decimal_comma_columns,
                                       find_problems, month_first, number_sql, numeric_rules, quote, raw_col)
from dashboard.data.weather_file import read_weather
from dashboard.schema import DatasetInfo, Problem, ValidationError


@dataclass
class Prepared:
    """A validated dataset, rolled up to SKU x region x week, ready to store."""
    info: DatasetInfo
    sales: pd.DataFrame
    promotions: pd.DataFrame
    weather: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "name"]))  # event_flags.py
    past: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=past_inputs.COLUMNS))  # past_inputs.py


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
        for f in sorted(Path(p).rglob("*.parquet")) if Path(p).is_dir() else [p]:  # a folder: every Parquet file
            h.update(str(Path(f).relative_to(p)).encode() if f != p else b"")
            with open(f, "rb") as fh:
                while chunk := fh.read(1 << 22):
                    h.update(chunk)
    return h.hexdigest()


def map_columns(columns: list[str], mapping: dict[str, str], required, optional) -> tuple[dict[str, str], list[str]]:
    """canonical -> source column, and the missing required canonical names."""
    found: dict[str, str] = {}
    keys = {src: src.strip().lstrip("\ufeff").strip().lower() for src in columns}  # a byte-order mark on the first
    for explicit in (True, False):  # the planner's mapping first: it wins over a header's own name or alias
        for src, key in keys.items():
            if explicit:
                dst = mapping.get(key)
            elif key in mapping:
                continue
            else:
                dst = key if key in (*required, *optional) else S.ALIASES.get(key)
            if dst and dst not in found and dst in (*required, *optional):
                found[dst] = src
    missing = [c for c in required if c not in found]
    return found, missing


SCAN_MEMORY = "2GB"  # DuckDB's share of an import: beyond it the roll-up spills to disk (docs/scale.md)


def _connection() -> tuple[duckdb.DuckDBPyConnection, str]:
    """The import's in-memory DuckDB, held to ``SCAN_MEMORY`` and spilling to a folder of its own (removed after)."""
    spill = tempfile.mkdtemp(prefix="promocast-import-")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # a bar on stdout would corrupt --json output
    con.execute(f"SET memory_limit = '{SCAN_MEMORY}'")
    con.execute("SET temp_directory = ?", [spill])
    return con, spill


def prepare(sales: Path, promotions: Path | None = None, weather: Path | None = None,
            mapping: dict[str, str] | None = None, name: str | None = None, temperature_unit: str = "auto",
            grain: str = "region", freq: str = "auto", event_columns: list[str] | None = None,
            past_columns: list[str] | None = None) -> Prepared:
    """Read, validate and roll up. Raises ValidationError listing every problem found. ``temperature_unit``:
    the weather file's unit, "C", "F" or "auto" (dashboard/data/weather_file.py); ``grain``: "region" sums stores,
    "store" keeps each store's series (dashboard/data/grain.py); ``freq``: the forecast frequency, "auto" (the file's own:
    daily and weekly files by week, monthly by month), "week" or "month" (dashboard/data/source_frequency.py);
    ``event_columns``: 0/1 columns of the sales file read as custom events (dashboard/data/event_flags.py);
    ``past_columns``: numeric columns of the sales file known only for the past (dashboard/data/past_inputs.py)."""
    grain = G.check(grain)
    sales, mapping = Path(sales), dict(mapping or {})
    promotions = Path(promotions) if promotions else None
    weather = Path(weather) if weather else None
    digest: dict[str, str] = {}
    hashed = mapping if temperature_unit == "auto" else {**mapping, "(temperature unit)": temperature_unit}
    hashed = hashed if grain == "region" else {**hashed, "(grain)": grain}  # the same file kept at store grain differs
    hashed = {**hashed, "(event columns)": ",".join(event_columns)} if event_columns else hashed
    hashed = {**hashed, "(past columns)": ",".join(past_columns)} if past_columns else hashed
    hasher = threading.Thread(target=lambda: digest.setdefault("h", file_hash([sales, promotions, weather], hashed)))
    hasher.start()
    con, spill = _connection()
    try:
        file_notes: list[str] = []  # what reading the files assumed: sheet, encoding, decimal commas
        roll, notes, has_promo, period, source, cols, us = _sales(con, sales, mapping, file_notes, grain, freq)
        events = _event_flags(con, sales.name, cols, us, event_columns, file_notes) if event_columns else None
        past = _past_inputs(con, sales.name, cols, us, past_columns, grain, period, file_notes) if past_columns else None
        promo_frame = _promotions(con, promotions, mapping, roll, file_notes, period) if promotions else _empty_promotions()
        weather_frame = pd.DataFrame(columns=["week", "region", "temperature", "precipitation"])
        if weather:
            weather_frame, weather_notes = read_weather(
                con, weather, lambda c, p, v, req, opt: _open(c, p, v, mapping, req, opt, file_notes), roll, _known,
                temperature_unit, period)
            notes += weather_notes
        notes += file_notes
        roll, overlap_note = _apply_calendar(con, roll, promo_frame, has_promo, period)
        notes += [overlap_note] if overlap_note else []
        promo_frame = promo_frame.drop(columns=["first_day", "last_day"], errors="ignore")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        hasher.join()
    h = digest["h"]
    if period is periods.MONTH and source.kind != "month":  # a daily or weekly file kept by month is another dataset
        h = hashlib.sha256(f"{h}|month".encode()).hexdigest()
    series = roll.groupby(["sku", "region"]).ngroups
    info = DatasetInfo(
        id="ds-" + h[:10], name=name or sales.stem, rows=len(roll), series=series,
        first_week=str(roll["week"].min().date()), last_week=str(roll["week"].max().date()),
        content_hash=h, source_rows=int(notes.pop(0)), weeks=roll["week"].nunique(),
    )
    info.extras["grain"] = grain
    info.extras["freq"] = period.name
    info.extras["inputs"] = {"event_columns": list(event_columns or []), "past_columns": list(past_columns or [])}
    prepared = Prepared(info, roll, promo_frame, weather_frame, notes, mapping)
    if events is not None:
        prepared.events = events
    if past is not None:
        prepared.past = past
    return prepared


def _event_flags(con, fname: str, cols: dict, us: bool, columns: list[str], file_notes: list[str]) -> pd.DataFrame:
    events, problems = event_flags.read(con, "raw_sales", cols["week"], columns, fname, us)
    if problems:
        raise ValidationError(problems)
    file_notes.append(f"{fname}: {len(events)} event date(s) from {len(columns)} flag column(s) "
                      f"({', '.join(columns)}), for every region")
    return events


def _past_inputs(con, fname: str, cols: dict, us: bool, columns: list[str], grain: str, period, file_notes: list[str]
                 ) -> pd.DataFrame:
    past, problems = past_inputs.read(con, "raw_sales", cols, columns, fname, us, grain, period.duckdb_unit)
    if problems:
        raise ValidationError(problems)
    file_notes.append(past_inputs.note(fname, past, columns))
    return past


def _sales(con, path: Path, mapping: dict, file_notes: list[str], grain: str = "region", freq: str = "auto"
           ) -> tuple[pd.DataFrame, list, bool, periods.Frequency, source_frequency.SourceFrequency, dict, bool]:
    fname = path.name
    cols = _open(con, path, "raw_sales", mapping, S.SALES_REQUIRED, S.SALES_OPTIONAL, file_notes)
    if grain == "store" and "store" not in cols:
        raise ValidationError(G.store_problems(con, cols, fname))
    us = month_first(con, "raw_sales", cols.get("week"))
    if us:
        file_notes.append(f"{fname}: dates read month first (US: 09/16/2024)")
    typed = scan.typed_source(con, path, cols)
    scan.sales_view(con, cols, "raw_sales_typed" if typed else "raw_sales", typed=typed, us=us)
    scanned = False
    if typed:
        try:  # the file's one scan (sales_scan.by_date); the frequency and the roll-up are read from it
            if not (grain == "region" and scan.by_date_keyed(con, cols, us)):
                scan.by_date(con, scan.indicators(), grain)
            scanned = True
        except duckdb.Error:
            pass  # a cell the reader could not parse past its sample: text mode finds and names it
    if not scanned:
        comma = decimal_comma_columns(con, "raw_sales", [cols.get(c) for c in ("units", "price", "discount_pct", "regular_price")])
        file_notes += comma_note(fname, comma)
        scan.sales_view(con, cols, "raw_sales", typed=False, comma=comma, us=us)
        rules = scan.sales_rules(typed=False)
        try:
            scan.by_date(con, counters(rules), grain)
        except duckdb.Error as exc:
            raise ValidationError([read_problem(fname, ".csv", exc)]) from None
    period, source = _frequency(con, fname, freq, file_notes)
    roll, checks = scan.rollup(con, grain, period.duckdb_unit)
    if scanned:
        problems = find_problems(con, "sales_t", scan.sales_rules(typed=True), fname) if scan.dirty(checks) else []
    else:
        problems = find_problems(con, "sales_t", rules, fname, [int(checks[f"bad_{i}"].sum()) for i in range(len(rules))])
    if problems:
        raise ValidationError(problems)
    if roll["week"].isna().any():  # rows without a date (refused above unless none were read): no copy otherwise
        roll = roll.dropna(subset=["week"])
    problems = G.store_problems(con, cols, fname) if grain == "store" else []
    roll, split = G.to_locations(roll, fname, grain)
    if problems or split:
        raise ValidationError(problems + split)
    problems, notes = scan.structure(con, roll, fname, "store" in cols, source.kind, period,
                                     int(checks["duplicates"].iloc[0]))
    problems += scan.outliers(con, roll, fname, "store" if grain == "store" else "region", period.duckdb_unit)
    if problems:
        raise ValidationError(problems)
    source_rows = int(roll["n_rows"].sum())
    roll, dropped = scan.drop_partial_edges(roll, period)
    notes += [n for n in (dropped, source_frequency.gaps_note(roll, period, fname)) if n]
    roll["week"] = pd.to_datetime(roll["week"])
    roll.rename(columns={"n_rows": "source_rows"}, inplace=True)
    keep = ["week", "region", "area", "sku", "category", "units", "price", "promo", "discount_pct",
            *(["regular_price"] if "regular_price" in cols else []), "source_rows"]  # a file's own regular price
    for c in [c for c in roll.columns if c not in keep]:
        del roll[c]  # in place: roll[keep] was a copy of 10.9 M rows at store grain
    roll.reset_index(drop=True, inplace=True)
    promo_cols = "promo" in cols or "discount_pct" in cols or scan.derives_promotion(cols)
    return roll, [source_rows, *notes], promo_cols, period, source, cols, us


def detect_frequency(sales: Path, mapping: dict | None = None) -> source_frequency.SourceFrequency | None:
    """The sales file's own frequency, for the upload form to show before the import (None: the file cannot be read
    or mapped yet; the import then names the problem)."""
    con = duckdb.connect()
    try:
        cols = _open(con, Path(sales), "raw_sales", dict(mapping or {}), S.SALES_REQUIRED, S.SALES_OPTIONAL)
        week = quote(cols["week"])  # each distinct date as written, parsed once (not every row's)
        con.execute(f"""CREATE TEMP VIEW dates_t AS SELECT {date_sql(week, month_first(con, "raw_sales", cols["week"]))}
            AS d FROM (SELECT DISTINCT {week} FROM raw_sales)""")
        return source_frequency.detect(con, "dates_t")[0]
    except (ValidationError, duckdb.Error):
        return None
    finally:
        con.close()


def _frequency(con, fname: str, freq: str, file_notes: list[str]):
    """The forecast frequency for this file (``freq``: auto, week or month) and the file's own; raises
    ValidationError when the file cannot be read at the frequency asked for."""
    source, dates = source_frequency.detect(con, "days_t")
    period, problems, notes = source_frequency.choose(con, fname, source, dates, freq)
    if problems:
        raise ValidationError(problems)
    file_notes += notes
    return period, source


def _open(con, path: Path, view: str, mapping: dict, required, optional, notes: list[str] | None = None) -> dict[str, str]:
    """Load a file as ``view`` and map its columns; raises ValidationError for unreadable files or missing columns."""
    problems = load_raw(con, path, view, lambda columns: not map_columns(columns, mapping, required, optional)[1], notes)
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
                         ("start_week", "datetime64[ns]"), ("end_week", "datetime64[ns]"), ("promo_type", "object"), ("discount_pct", "float64"),
                         (S.FUNDED, "float64"), (S.ALLOWANCE, "float64")]})


FLAGS = (S.FEATURE, S.DISPLAY)  # a calendar's 0/1 mechanic columns


def _promotions(con, path: Path, mapping: dict, roll: pd.DataFrame, file_notes: list[str],
                period: periods.Frequency = periods.WEEK) -> pd.DataFrame:
    cols = _open(con, path, "raw_promo", mapping, S.PROMO_REQUIRED, S.PROMO_OPTIONAL, file_notes)
    none = "NULL"
    comma = decimal_comma_columns(con, "raw_promo", [cols.get(c) for c in ("discount_pct", S.FUNDED, S.ALLOWANCE)])
    file_notes += comma_note(path.name, comma)
    us = month_first(con, "raw_promo", cols.get("start_week"))
    # feature and display columns hold with the promotion's own type: 'tpr' with feature 1 is 'tpr+feature'
    flag_types = "".join(f" || CASE WHEN {FLAG_SQL.format(c=raw_col(cols, c))} > 0 THEN '+{c}' ELSE '' END"
                         for c in FLAGS if c in cols)
    zero = "'0'"
    flag_cols = ", ".join(f"{raw_col(cols, c)} AS c_{c}, {FLAG_SQL.format(c=raw_col(cols, c, zero))} AS {c}" for c in FLAGS)
    con.execute(f"""CREATE TEMP VIEW promo_t AS SELECT
        {raw_col(cols, 'start_week')} AS c_start_week, {date_sql(raw_col(cols, 'start_week'), us)} AS start_week,
        {raw_col(cols, 'end_week')} AS c_end_week, {date_sql(raw_col(cols, 'end_week'), us)} AS end_week,
        CASE WHEN lower(trim({raw_col(cols, 'sku', none)})) IN ('all', '*', '') THEN NULL ELSE trim({raw_col(cols, 'sku', none)}) END AS sku,
        CASE WHEN lower(trim({raw_col(cols, 'category', none)})) IN ('all', '*', '') THEN NULL ELSE trim({raw_col(cols, 'category', none)}) END AS category,
        CASE WHEN lower(trim({raw_col(cols, 'region', none)})) IN ('all', '*', '') THEN NULL ELSE trim({raw_col(cols, 'region', none)}) END AS region,
        COALESCE(NULLIF(trim({raw_col(cols, 'promo_type', none)}), ''), 'promo'){flag_types} AS promo_type,
        {flag_cols},
        {raw_col(cols, 'discount_pct')} AS c_discount_pct, {number_sql(raw_col(cols, 'discount_pct', "'0'"), bool(comma))} AS discount_pct,
        {", ".join(f"{raw_col(cols, c)} AS c_{c}, {number_sql(raw_col(cols, c), cols.get(c) in comma)} AS {c}"
                   for c in (S.FUNDED, S.ALLOWANCE))}
        FROM raw_promo""")
    rules = []
    for c in ("start_week", "end_week"):
        rules += date_rules(c)
    rules.append(Rule("end_week", "promotion ends before it starts", "end_week < start_week", "c_start_week || ' > ' || c_end_week"))
    rules += numeric_rules("discount_pct", required=False, lo=0, hi=100, what="discount outside 0-100")
    for c in FLAGS:
        rules += numeric_rules(c, required=False, lo=0, hi=1, what=f"{c} flag not 0/1")
    rules += numeric_rules(S.FUNDED, required=False, lo=0, hi=100, what="supplier-funded share outside 0-100 %")
    rules += numeric_rules(S.ALLOWANCE, required=False, lo=0, what="negative scan allowance")
    rules.append(Rule("sku", "unknown SKU (not in the sales file)", "sku IS NOT NULL AND sku NOT IN (SELECT sku FROM known_skus)", "sku"))
    rules.append(Rule("region", "unknown region (not in the sales file)", "region IS NOT NULL AND region NOT IN (SELECT region FROM known_regions)", "region"))
    rules.append(Rule("category", "unknown category (not in the sales file)", "category IS NOT NULL AND category NOT IN (SELECT category FROM known_categories)", "category"))
    _known(con, roll)
    problems = find_problems(con, "promo_t", rules, path.name)
    if problems:
        raise ValidationError(problems)
    # by week, a promotion covers whole weeks; by month it keeps its days (a month's promo is the share covered)
    lo, hi = ("date_trunc('week', start_week)", "date_trunc('week', end_week)") if period is periods.WEEK \
        else ("start_week", "end_week")
    out = con.execute(f"""SELECT sku, category, region, CAST({lo} AS DATE) AS start_week,
        CAST({hi} AS DATE) AS end_week, promo_type, discount_pct, {S.FUNDED}, {S.ALLOWANCE},
        CAST(start_week AS DATE) AS first_day, CAST(end_week AS DATE) AS last_day FROM promo_t""").df()
    out["start_week"] = pd.to_datetime(out["start_week"])
    out["end_week"] = pd.to_datetime(out["end_week"])
    return out


def _known(con, roll: pd.DataFrame) -> None:
    """Small tables of the SKUs, regions and categories in the (already rolled-up) sales."""
    for col, table, source in (("sku", "known_skus", "sku"), ("region", "known_regions", "area"),
                               ("category", "known_categories", "category")):
        con.register(table, pd.DataFrame({col: roll[source].unique()}))  # regions: the stores' regions at store grain


def _apply_calendar(con, roll: pd.DataFrame, promos: pd.DataFrame, has_promo_cols: bool,
                    period: periods.Frequency = periods.WEEK) -> tuple[pd.DataFrame, str]:
    """Weeks covered by the promotion calendar are promo weeks with its discount; and a note on overlaps. By month,
    a month's promo is the share of its days a promotion covers (dashboard/data/month_calendar.py)."""
    if promos.empty:
        return roll, ""
    if period is periods.MONTH:
        return month_calendar.apply(con, roll, promos, has_promo_cols)
    promos = promos.drop(columns=["first_day", "last_day"], errors="ignore")
    con.register("roll_df", roll)
    con.register("promo_df", promos)
    # Promotions expanded to their weeks, then equality joins: on (sku, week) for SKU promotions, on week
    # for the few category/region-wide ones. A range join with OR conditions cost 1.5 s at the reference scale.
    cal = con.execute("""WITH pw AS (
            SELECT sku, category, region, discount_pct,
                   CAST(unnest(generate_series(start_week, end_week, INTERVAL 7 DAY)) AS DATE) AS week FROM promo_df),
        r AS (SELECT CAST(week AS DATE) AS week, region, area, sku, category FROM roll_df),
        hits AS (
            SELECT r.week, r.region, r.sku, p.discount_pct FROM r JOIN pw p ON p.sku = r.sku AND p.week = r.week
             WHERE (p.category IS NULL OR p.category = r.category) AND (p.region IS NULL OR p.region = r.area)
            UNION ALL
            SELECT r.week, r.region, r.sku, p.discount_pct FROM r JOIN (SELECT * FROM pw WHERE sku IS NULL) p ON p.week = r.week
             WHERE (p.category IS NULL OR p.category = r.category) AND (p.region IS NULL OR p.region = r.area))
        SELECT week, region, sku, max(discount_pct) AS cal_discount, count(*) AS n_promos FROM hits GROUP BY ALL""").df()
    cal["week"] = pd.to_datetime(cal["week"])
    con.unregister("roll_df")
    con.unregister("promo_df")
    overlaps = int((cal["n_promos"] > 1).sum())
    note = (f"{overlaps:,} SKU-weeks are covered by more than one promotion of the calendar: the deepest discount "
            "counts there") if overlaps else ""
    out = roll.merge(cal.drop(columns="n_promos"), on=["week", "region", "sku"], how="left")
    on_cal = out["cal_discount"].notna()
    if has_promo_cols:
        out["promo"] = out["promo"].where(~on_cal, out["promo"].clip(lower=1.0))
        out["discount_pct"] = out[["discount_pct", "cal_discount"]].max(axis=1)
    else:
        out["promo"] = on_cal.astype(float)
        out["discount_pct"] = out["cal_discount"].fillna(0.0)
    return out.drop(columns="cal_discount"), note
