"""The sales file's one scan: a canonical view over the raw file, then the roll-up to SKU x region x week
with the validation counted inside the same GROUP BY, and the structural checks made on the roll-up.

Clean CSV files take a typed path (the reader parses the numbers; a per-group min/max/non-null check stands
in for the rules); anything else, or a typed scan that hits a bad cell, takes the text path, where every
rule is counted exactly and the first offending lines are named.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dashboard import periods
from dashboard import schema as S
from dashboard.data.validation import (FLAG_SQL, Rule, date_rules, date_sql, first_rows, number_sql, numeric_rules,
                                       raw_col, text_col, text_rules)
from dashboard.schema import Problem

NUMERIC = ("units", "price", "promo", "discount_pct", "regular_price")
NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "BOOLEAN")


def sales_view(con, cols: dict, source: str, typed: bool, comma: set[str] = frozenset(), us: bool = False) -> None:
    """``sales_t``: canonical columns over the raw file. Text mode casts every value itself (TRY_CAST, so a
    bad cell becomes a rule hit with its line number); typed mode takes the numbers the CSV reader parsed.
    ``comma``: source columns written with decimal commas (validation.decimal_comma_columns); ``us``: dates
    written month first (validation.month_first)."""
    if typed:
        num = typed_numbers(cols)
        raw = {c: f"CAST({raw_col(cols, c)} AS VARCHAR)" for c in NUMERIC}  # only read for examples of bad rows
    else:
        zero = "'0'"
        num = {"units": number_sql(raw_col(cols, "units"), cols.get("units") in comma),
               "price": number_sql(raw_col(cols, "price"), cols.get("price") in comma),
               "promo": FLAG_SQL.format(c=raw_col(cols, "promo", zero)),
               "discount_pct": number_sql(raw_col(cols, "discount_pct", zero), cols.get("discount_pct") in comma),
               "regular_price": number_sql(raw_col(cols, "regular_price"), cols.get("regular_price") in comma)}
        raw = {c: raw_col(cols, c) for c in NUMERIC}
        num.update(derived_promotion(cols, num))
    con.execute(f"""CREATE OR REPLACE TEMP VIEW sales_t AS SELECT
        {raw_col(cols, 'week')} AS c_week, {date_sql(raw_col(cols, 'week'), us)} AS d,
        {text_col(cols, 'store', None)} AS store, {text_col(cols, 'region', S.DEFAULT_REGION)} AS region,
        {text_col(cols, 'sku', None)} AS sku, {text_col(cols, 'category', S.DEFAULT_CATEGORY)} AS category,
        {", ".join(f"{raw[c]} AS c_{c}, {num[c]} AS {c}" for c in NUMERIC)}
        FROM {source}""")


def typed_numbers(cols: dict) -> dict[str, str]:
    """SQL for the numbers of a file the reader parsed (typed mode), the derived promotion included."""
    num = {c: f"CAST({raw_col(cols, c, d)} AS DOUBLE)" for c, d in zip(NUMERIC, ("NULL", "NULL", "0", "0", "NULL"))}
    return {**num, **derived_promotion(cols, num)}


def derives_promotion(cols: dict) -> bool:
    """Whether the file's promotions are read from its prices (``derived_promotion``)."""
    return "discount_pct" not in cols and "price" in cols and "regular_price" in cols


def derived_promotion(cols: dict, num: dict) -> dict:
    """A file with the price paid and the regular price but no discount column: the discount is the price's cut
    below the regular price (%), and, without a promo column, a row is on promotion when its price is cut by more
    than rounding (0.5 %). A price above its regular price is no promotion (discount 0)."""
    if not derives_promotion(cols):
        return {}
    p, r = num["price"], num["regular_price"]
    cut = f"({r} > 0 AND {p} >= 0 AND {p} < 0.995 * {r})"
    out = {"discount_pct": f"CASE WHEN {cut} THEN round(100 * (1 - {p} / {r}), 2) ELSE 0 END"}
    if "promo" not in cols:
        out["promo"] = f"CASE WHEN {cut} THEN 1.0 ELSE 0.0 END"
    return out


def typed_source(con, path: Path, cols: dict) -> bool:
    """Fast path for clean CSV files: let the reader parse the numbers (text columns and the date stay text,
    so SKU codes keep leading zeros and dates are parsed by our rules). True when every mapped numeric column
    came out as a number; a cell that is not a number makes the reader (or this check) fall back to text mode."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv", ""):
        return False
    text = {src: "VARCHAR" for canon, src in cols.items() if canon not in NUMERIC}
    try:
        con.read_csv(str(path), header=True, dtype=text).create_view("raw_sales_typed")
        types = dict((r[0], r[1]) for r in con.execute("DESCRIBE raw_sales_typed").fetchall())
    except duckdb.Error:
        return False
    return all(types.get(cols[c], "").split("(")[0] in NUMBER_TYPES for c in NUMERIC if c in cols)


MAX_NAME = 200  # characters in a SKU, store, region or category name


def sales_rules(typed: bool) -> list[Rule]:
    rules = date_rules("week", parsed="d") + text_rules("sku")
    rules += [Rule(c, f"longer than {MAX_NAME} characters", f"length({c}) > {MAX_NAME}", f"left({c}, 40) || '...'")
              for c in ("sku", "store", "region", "category")]
    rules += numeric_rules("units", required=True, lo=0, what="negative units", typed=typed)
    rules += numeric_rules("price", required=False, lo=0, what="negative price", typed=typed)
    rules += numeric_rules("regular_price", required=False, lo=0, what="negative regular price", typed=typed)
    rules += numeric_rules("promo", required=False, lo=0, hi=1, what="promo flag not 0/1", typed=typed)
    rules += numeric_rules("discount_pct", required=False, lo=0, hi=100, what="discount outside 0-100", typed=typed)
    return rules


LIMITS = {"units": (0, None), "price": (0, None), "promo": (0, 1), "discount_pct": (0, 100), "regular_price": (0, None)}


MEANS = ("price", "promo", "discount_pct", "regular_price")  # averaged over the rows: a sum and a count per date
_MEAN_PARTS = ", ".join(f"sum({c}) AS {c}_sum, count({c}) AS {c}_count" for c in MEANS)


def by_date(con, checks: str, grain: str = "region") -> None:
    """The file's one scan: ``days_t``, its rows grouped by their own date and SKU x region (x store at store grain),
    with aggregates a period can combine and the validation aggregates ``checks``. The file's frequency is read
    from its distinct dates (source_frequency.detect(con, "days_t")) and the roll-up to weeks or months is made
    from it (``rollup``): the file is read once, whatever its frequency (detecting it was a second scan).

    Duplicate keys: rows sharing a date, store, region and SKU fall in one group; at region grain a group counts
    its distinct stores as len(list_distinct(list(...))) (count(DISTINCT) cost 3.5 s more at the reference scale),
    at store grain a group is one key and its rows beyond the first repeat it."""
    store = ", store" if grain == "store" else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE days_t AS
        SELECT d, region, sku{store}, min(category) AS category, max(category) AS max_category, sum(units) AS units,
               {_MEAN_PARTS}, count(*) AS n_rows,
               {"1" if grain == "store" else "len(list_distinct(list(hash(store))))"} AS n_keys, {checks}
        FROM sales_t t GROUP BY ALL""")


def by_date_keyed(con, cols: dict, us: bool = False) -> bool:
    """``by_date`` for a clean file the reader parsed, at region grain, in less work per row: its rows are grouped
    by the text of their keys as written (date, region, SKU, category), and the dates are parsed, the names trimmed
    and the checks made once per group (216 k groups for 10.9 M rows at the reference scale) rather than once per
    row. Store codes are trimmed per row: the duplicate-key count reads them. Returns False, with no ``days_t``,
    where a key is written in more than one way (a date in two formats, a name padded with spaces, an empty name,
    a SKU under two categories): ``by_date`` then reads the file row by row, as exactly as ever."""
    num = typed_numbers(cols)
    canon = {"region": text_col({"region": "r_region"}, "region", S.DEFAULT_REGION),
             "sku": text_col({"sku": "r_sku"}, "sku", None),
             "category": text_col({"category": "r_category"}, "category", S.DEFAULT_CATEGORY)}
    con.execute(f"""CREATE OR REPLACE TEMP TABLE keyed_t AS
        SELECT c_week, r_region, r_sku, r_category, sum(units) AS units, {_MEAN_PARTS}, count(*) AS n_rows,
               len(list_distinct(list(hash(NULLIF(trim(r_store), ''))))) AS n_keys, count(units) AS units_count,
               {", ".join(f"min({c}) AS {c}_min, max({c}) AS {c}_max" for c in NUMERIC)},
               max(length(r_store)) AS store_len
        FROM (SELECT {raw_col(cols, 'week')} AS c_week, {raw_col(cols, 'store')} AS r_store,
                     {raw_col(cols, 'region')} AS r_region, {raw_col(cols, 'sku')} AS r_sku,
                     {raw_col(cols, 'category')} AS r_category, {", ".join(f"{num[c]} AS {c}" for c in NUMERIC)}
              FROM raw_sales_typed) GROUP BY ALL""")
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE days_t AS
            SELECT d, region, sku, min(category) AS category, max(category) AS max_category, sum(units) AS units,
                   {", ".join(f"sum({c}_sum) AS {c}_sum, sum({c}_count) AS {c}_count" for c in MEANS)},
                   CAST(sum(n_rows) AS BIGINT) AS n_rows, CAST(sum(n_keys) AS BIGINT) AS n_keys, count(*) AS n_parts,
                   CASE WHEN d IS NULL THEN sum(n_rows) ELSE 0 END AS bad_date,
                   CASE WHEN sku IS NULL THEN sum(n_rows) ELSE 0 END AS bad_sku,
                   sum(n_rows - units_count) AS bad_units_n,
                   {", ".join(f"min({c}_min) AS {c}_min, max({c}_max) AS {c}_max" for c in NUMERIC)},
                   greatest(max(length(sku)), max(store_len), max(length(region)), max(length(category))) AS name_len,
                   {nonfinite("min({c}_min)", "max({c}_max)")}
            FROM (SELECT {date_sql('c_week', us)} AS d, {canon['region']} AS region, {canon['sku']} AS sku,
                         {canon['category']} AS category, * EXCLUDE (c_week) FROM keyed_t)
            GROUP BY d, region, sku""")
        plain = con.execute("""SELECT coalesce(max(n_parts), 1) = 1 AND count(*) FILTER (WHERE bad_date > 0 OR bad_sku > 0) = 0
            FROM days_t""").fetchall()[0][0]
    finally:
        con.execute("DROP TABLE IF EXISTS keyed_t")
    if not plain:
        con.execute("DROP TABLE days_t")
    return bool(plain)


_OWN = {"d", "week", "region", "sku", "store", "category", "max_category", "units", "n_rows", "n_keys", "n_parts",
        *(f"{c}_{k}" for c in MEANS for k in ("sum", "count"))}


def _combine(names: list[str]) -> list[str]:
    """The checks' aggregates over several groups: minimums, maximums, and counts summed."""
    return [f"{'min' if c.endswith('_min') else 'max' if c.endswith('_max') or c == 'name_len' else 'sum'}({c}) AS {c}"
            for c in names if c not in _OWN]


def rollup(con, grain: str = "region", unit: str = "week") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roll-up of ``days_t`` (``by_date``) to SKU x region x period (x store at store grain). ``unit``:
    date_trunc's "week" or "month" (dashboard/periods.py). Returns (the roll-up's ``ROLL_KEEP`` columns, one row of
    the checks summed over its groups: ``dirty`` and the rules' counts read it).

    Where every period holds one of the file's dates (weekly data by week, monthly by month) the roll-up is
    ``days_t`` itself, each date named for its period, with no second GROUP BY (at store grain it has 10.9 M
    rows). Only what the import keeps comes back, through Arrow: its strings come back once per distinct value
    (pyarrow deduplicates them), where ``.df()`` made one Python string per cell (docs/scale.md)."""
    store = ", store" if grain == "store" else ""
    assert unit in ("week", "month")
    week = f"CAST(date_trunc('{unit}', d) AS DATE)"
    try:
        names = [r[0] for r in con.execute("DESCRIBE days_t").fetchall()]
        aggs = _combine(names)
        summary = con.execute(f"SELECT {', '.join(aggs)} FROM days_t").df() if aggs else pd.DataFrame(index=[0])
        summary["duplicates"] = con.execute(
            f"SELECT coalesce(sum(n_rows - n_keys), 0) FROM days_t{' WHERE d IS NOT NULL' if store else ''}"
        ).fetchall()[0][0]
        one_each = con.execute(f"SELECT count(DISTINCT d) = count(DISTINCT {week}) FROM days_t").fetchall()[0][0]
        mean = "{c}_sum / NULLIF({c}_count, 0)" if one_each else "sum({c}_sum) / NULLIF(sum({c}_count), 0)"
        cols = ("category, max_category, units, n_rows, d AS d_min, d AS d_max" if one_each else
                "min(category) AS category, max(max_category) AS max_category, sum(units) AS units, "
                "CAST(sum(n_rows) AS BIGINT) AS n_rows, min(d) AS d_min, max(d) AS d_max")
        source = (f"SELECT {week} AS week, region, sku{store}, {cols}, "
                  f"{', '.join(mean.format(c=c) + f' AS {c}' for c in MEANS)} FROM days_t"
                  + ("" if one_each else " GROUP BY ALL"))
        # calendar facts from each group's first and last date (a week group with several dates has 2+ weekdays);
        # weekdays: 1 << ISO weekday (Monday = 1) of both, a missing date's bit 1 masked off
        table = con.sql(f"""SELECT week, region, sku{store}, category, category <> max_category AS multi_category,
                   units, price, promo, discount_pct, regular_price, n_rows,
                   coalesce(datediff('day', d_min, d_max), 0) + 1 AS n_dates,
                   ((coalesce(1 << isodow(d_min), 1) | coalesce(1 << isodow(d_max), 1)) & 254) AS weekdays
            FROM ({source}) ORDER BY sku, region{store}, week""").to_arrow_table()
        # each Arrow column is freed once converted (self_destruct): the table and the frame never both whole
        roll = table.to_pandas(date_as_object=False, self_destruct=True, split_blocks=True)
        del table
    finally:
        con.execute("DROP TABLE IF EXISTS days_t")
    roll["week"] = roll["week"].astype("datetime64[us]")  # as .df() gave it
    roll["n_dates"] = roll["n_dates"].astype(int)
    roll["weekdays"] = roll["weekdays"].astype(np.int64)
    roll["multi_category"] = roll["multi_category"].fillna(False).astype(bool)
    return roll, summary


# what the import keeps of the roll-up: at store grain it has 10.9 M rows, ~90 MB per number column
ROLL_KEEP = ["week", "region", "sku", "store", "category", "multi_category", "units", "price", "promo", "discount_pct",
             "regular_price", "n_rows", "n_dates", "weekdays"]


def indicators() -> str:
    """Typed mode: per group, aggregates that are clean exactly when no rule fires (min/max against the limits,
    non-null counts, extremes that are not finite); the exact per-rule counts are made only for a file that is not clean."""
    parts = ["count(*) - count(d) AS bad_date", "count(*) - count(sku) AS bad_sku", "count(*) - count(units) AS bad_units_n"]
    parts += [f"min({c}) AS {c}_min, max({c}) AS {c}_max" for c in NUMERIC]
    parts.append("greatest(max(length(sku)), max(length(store)), max(length(region)), max(length(category))) AS name_len")
    parts.append(nonfinite("min({c})", "max({c})"))
    return ", ".join(parts)


def nonfinite(lo: str, hi: str) -> str:
    """1 where a group holds a NaN or an infinity, read from its extremes (NaN sorts above every number; pandas
    would read a NaN maximum as missing): no test per row. ``lo`` and ``hi``: SQL for a column ``{c}``'s extremes."""
    tests = " OR ".join(f"NOT isfinite({lo.format(c=c)}) OR NOT isfinite({hi.format(c=c)})" for c in NUMERIC)
    return f"CAST(coalesce({tests}, false) AS INTEGER) AS bad_nonfinite"


def dirty(roll: pd.DataFrame) -> bool:
    if (roll[["bad_date", "bad_sku", "bad_units_n", "bad_nonfinite"]].to_numpy() > 0).any() or (roll["name_len"].fillna(0) > MAX_NAME).any():
        return True
    for c, (lo, hi) in LIMITS.items():
        mn, mx = roll[f"{c}_min"].astype(float), roll[f"{c}_max"].astype(float)
        if (mn < lo).any() or not np.isfinite(mx.dropna()).all() or (hi is not None and (mx > hi).any()):
            return True
    return False


def structure(con, roll: pd.DataFrame, fname: str, has_store: bool, source: str = "week",
              period: periods.Frequency = periods.WEEK, duplicates: int = 0) -> tuple[list[Problem], list[str]]:
    """Duplicate keys, conflicting categories, mixed frequencies or weekdays (from the roll-up). ``source``: the
    file's own frequency (day, week or month: source_frequency.py); ``period``: the one it is rolled up to;
    ``duplicates``: the rows repeating another's date, store, region and SKU (``rollup``'s summary)."""
    problems, notes = [], []
    if len(roll) == 0:
        return [Problem(fname, "(file)", "header only: the file has no data rows", 1)], notes
    dups = int(duplicates)
    if dups:
        pred = "count(*) OVER (PARTITION BY d, store, region, sku) > 1"
        rows = con.execute(f"""SELECT _line, CAST(d AS VARCHAR) || ' ' || coalesce(store, region) || ' ' || sku FROM
            (SELECT row_number() OVER () + 1 AS _line, *, {pred} AS dup FROM sales_t) WHERE dup ORDER BY _line LIMIT 5""").fetchall()
        problems.append(Problem(fname, "week+store+sku" if has_store else "week+region+sku",
                                "duplicate key: the same week, store/region and SKU appear more than once",
                                dups, tuple(r[0] for r in rows), rows[0][1] if rows else ""))
    multi = roll.loc[roll["multi_category"], "sku"].unique()
    if len(multi):
        problems.append(Problem(fname, "category", "SKU listed under more than one category", len(multi),
                                example=", ".join(map(str, multi[:5]))))
    if source == "month" or (source == "week" and period is periods.MONTH):
        return problems, notes  # month starts fall on any weekday; source_frequency checked the dates
    daily_groups = (roll["n_dates"] > 1).mean()
    weekdays = int(np.bitwise_or.reduce(roll["weekdays"].to_numpy(dtype=np.int64)))
    n_weekdays = bin(weekdays).count("1")
    if daily_groups >= 0.25:
        per_series = roll.groupby(["sku", "region"]).agg(mx=("n_dates", "max"), wd=("weekdays", lambda s: bin(int(np.bitwise_or.reduce(s.to_numpy(dtype=np.int64)))).count("1")), n=("week", "size"))
        weekly_like = per_series[(per_series["mx"] == 1) & (per_series["wd"] == 1) & (per_series["n"] >= 8)]
        if len(weekly_like):
            ex = ", ".join(f"{s}/{r}" for s, r in weekly_like.index[:5])
            problems.append(Problem(fname, "week", "mixed frequencies: most series are daily but these have one date per week", len(weekly_like), example=ex))
        else:
            notes.append("daily data aggregated to weeks (Monday to Sunday)" if period is periods.WEEK
                         else "daily data aggregated to calendar months")
    elif n_weekdays > 1 and period is periods.WEEK:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        present = [names[i - 1] for i in range(1, 8) if weekdays >> i & 1]
        first = con.execute("SELECT isodow(d) AS wd, count(*) AS n FROM sales_t WHERE d IS NOT NULL GROUP BY 1 ORDER BY n DESC").fetchall()
        main = first[0][0]
        rows, ex = first_rows(con, "sales_t", f"isodow(d) <> {main}", "c_week")
        problems.append(Problem(fname, "week", f"mixed weekdays in weekly data ({', '.join(present)}); "
                                f"most rows fall on {names[main - 1]}", sum(n for wd, n in first[1:]), rows, ex))
    return problems, notes


ABSURD_UNITS = 1e9      # no SKU sells a billion units a week in one region
OUTLIER_RATIO = 100.0   # a week this many times the series' next-largest week ...
OUTLIER_FLOOR = 10_000  # ... and at least this many units (a slow seller's 1 -> 150 promotion week is real)


def outliers(con, roll: pd.DataFrame, fname: str, location: str = "region", unit: str = "week") -> list[Problem]:
    """Weeks far outside their series' range (a stray 1e30, a value typed in cents or with extra zeros): they would
    wreck training, so the import refuses them, naming the lines. A promotion lifts a week a few times (the
    synthetic truth's deepest: ~7x), far below 100x the next-largest week."""
    # in DuckDB over the roll-up as it is (a sort of its copy in pandas was the import's peak at store grain)
    con.register("roll_units", roll[["sku", "region", "week", "units"]])
    try:
        bad = con.execute(f"""SELECT sku, region, week, units FROM (
                SELECT sku, region, week, units, nth_value(units, 2) OVER (PARTITION BY sku, region ORDER BY units DESC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS next_largest FROM roll_units)
            WHERE units > {ABSURD_UNITS} OR (units > {OUTLIER_FLOOR} AND next_largest IS NOT NULL
                                             AND units > {OUTLIER_RATIO} * greatest(next_largest, 1))
            ORDER BY sku, region, week""").df()
    finally:
        con.unregister("roll_units")
    if bad.empty:
        return []
    con.register("outlier_weeks", bad[["sku", "region", "week"]].assign(week=pd.to_datetime(bad["week"]).dt.date))
    try:  # the line with the largest units of each flagged region-week (its other stores' rows are fine)
        got = con.execute(f"""SELECT _line, CAST(c_units AS VARCHAR) || ' (' || sku || ', ' || {location} || ', ' || c_week || ')'
            FROM (SELECT row_number() OVER () + 1 AS _line, * FROM sales_t) t
            WHERE EXISTS (SELECT 1 FROM outlier_weeks o WHERE o.sku = t.sku AND o.region = t.{location}
                          AND o.week = CAST(date_trunc('{unit}', t.d) AS DATE))
            QUALIFY row_number() OVER (PARTITION BY sku, {location}, date_trunc('{unit}', d) ORDER BY units DESC) = 1
            ORDER BY _line LIMIT 5""").fetchall()
        rows, example = tuple(int(r[0]) for r in got), (got[0][1] if got else "")
    finally:
        con.unregister("outlier_weeks")
    first = bad.iloc[0]
    return [Problem(fname, "units", f"far outside the series' range (over {OUTLIER_RATIO:g}x its next-largest week, "
                    f"or over {ABSURD_UNITS:g}): check the value", len(bad), rows,
                    example or f"{first['units']:g} ({first['sku']}, {first['region']}, {first['week']})")]


def drop_partial_edges(roll: pd.DataFrame, period: periods.Frequency = periods.WEEK) -> tuple[pd.DataFrame, str]:
    """Daily (or, by month, weekly) data: drop a first or last period covering fewer days than a typical one (it
    would look like a collapse)."""
    per_week = roll.groupby("week")["n_dates"].max().sort_index()
    if per_week.max() <= 1 or len(per_week) < 3:
        return roll, ""
    typical = per_week.iloc[1:-1].median()
    cut = typical if period is periods.WEEK else 0.75 * typical  # a full February is a full month
    drop = [w for w in (per_week.index[0], per_week.index[-1]) if per_week[w] < cut]
    if not drop:
        return roll, ""
    return roll[~roll["week"].isin(drop)], (f"dropped partial {period.name}(s) "
                                            f"{', '.join(str(pd.Timestamp(w).date()) for w in drop)} "
                                            f"(fewer days than a full {period.name})")
