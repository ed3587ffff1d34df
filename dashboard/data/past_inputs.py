"""Past-only inputs: numeric columns of the sales file known for the weeks gone by but not ahead (Stallion's
`industry_volume` and `soda_volume`, a market total, a competitor's sales). The import keeps them per series and
period (the mean of the rows a period and location roll up: a market total repeats on every row); the model frame
carries them as ``past_<name>`` columns, which the TFT reads in its encoder only (models/pf_common.py). The future
periods hold the last value seen, never read by a model (pytorch-forecasting needs a number there).

A column the file lacks, or one holding text, is a problem naming the file, column and rows; nothing is imported."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dashboard import schema as S
from dashboard.data.validation import date_sql, first_rows, named_column, quote, text_col
from dashboard.schema import Problem

PREFIX = "past_"
COLUMNS = ["week", "region", "sku", "name", "value"]


def parse(text: str | None) -> list[str]:
    """'industry_volume, soda_volume' -> ['industry_volume', 'soda_volume']."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def column(name: str) -> str:
    """The model frame's column for an input: 'Industry Volume' -> 'past_industry_volume'."""
    return PREFIX + (re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "input")


def columns_of(frame: pd.DataFrame) -> list[str]:
    """The past-only input columns a model frame holds."""
    return [c for c in frame.columns if c.startswith(PREFIX)]


def words(col: str) -> str:
    """'past_industry_volume' -> 'industry volume (past only)' for the Explain page."""
    return f"{col[len(PREFIX):].replace('_', ' ')} (past only)"


def read(con, view: str, cols: dict, names: list[str], fname: str, us: bool, grain: str, unit: str
         ) -> tuple[pd.DataFrame, list[Problem]]:
    """(week, region, sku, name, value; problems) from the raw sales ``view``: ``region`` is the series' location
    (the store at store grain), ``week`` the period start (date_trunc ``unit``, as the sales roll-up)."""
    used = {v.lower() for v in cols.values()}
    problems, parts = [], []
    loc = text_col(cols, "store", None) if grain == "store" else text_col(cols, "region", S.DEFAULT_REGION)
    for name in names:
        src, missing = named_column(con, view, name, fname, "past-only input")
        if missing:
            problems.append(missing)
            continue
        if src.lower() in used:
            problems.append(Problem(fname, src, "past-only input column is already mapped to a sales field", 1))
            continue
        q = quote(src)
        bad = f"{q} IS NOT NULL AND trim(CAST({q} AS VARCHAR)) <> '' AND TRY_CAST({q} AS DOUBLE) IS NULL"
        n = con.execute(f"SELECT count(*) FROM {view} WHERE {bad}").fetchall()[0][0]
        if n:
            rows, example = first_rows(con, view, bad, q)
            problems.append(Problem(fname, src, "past-only input is not a number", int(n), rows, example))
            continue
        parts.append(con.execute(f"""
            SELECT CAST(date_trunc('{unit}', {date_sql(quote(cols['week']), us)}) AS DATE) AS week,
                   {loc} AS region, {text_col(cols, 'sku', None)} AS sku, avg(TRY_CAST({q} AS DOUBLE)) AS value
            FROM {view} GROUP BY ALL HAVING week IS NOT NULL AND sku IS NOT NULL""").df().assign(name=src))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out["week"] = pd.to_datetime(out["week"])
    return out[COLUMNS], problems


def note(fname: str, long: pd.DataFrame, names: list[str]) -> str:
    missing = int(long["value"].isna().sum())
    gaps = f"; {missing:,} empty cell(s) carry the series' previous value" if missing else ""
    return (f"{fname}: {len(names)} past-only input(s) ({', '.join(names)}): read by the TFT for the periods before "
            f"each forecast, never assumed known ahead{gaps}")


def add_to_frame(f: pd.DataFrame, long: pd.DataFrame | None) -> pd.DataFrame:
    """``past_<name>`` columns on the model frame: log1p of the value for inputs that are never negative (market
    volumes span orders of magnitude), the series' previous value carried into gaps and into the future periods
    (which a model never reads: they are unknown there), then the series' first value back to its start."""
    if long is None or long.empty:
        return f
    w = long.assign(week=pd.to_datetime(long["week"]), name=long["name"].map(column)).pivot_table(
        index=["sku", "region", "week"], columns="name", values="value", aggfunc="mean").reset_index()
    w.columns.name = None
    names = [c for c in w.columns if c.startswith(PREFIX)]
    for c in names:
        v = w[c].astype(float)
        w[c] = np.log1p(v) if (v.dropna() >= 0).all() else v
    f = f.drop(columns=[c for c in names if c in f]).merge(w, on=["sku", "region", "week"], how="left")
    f = f.sort_values(["sku", "region", "week"])
    g = f.groupby(["sku", "region"], sort=False)[names]
    f[names] = g.ffill()
    f[names] = f.groupby(["sku", "region"], sort=False)[names].bfill()
    f[names] = f[names].fillna(0.0).astype(float)
    return f
