"""The grain a dataset keeps: SKU x region (stores summed, the default) or SKU x store.

At store grain each store is its own series. Everywhere after the import a series is named by SKU and its
*location*, kept in the ``region`` column of frames (so the models, what-if, promotions and plans work on
stores unchanged), and the region the store lies in rides along as ``area``: holidays, weather and
region-wide promotions follow the area, and forecasts roll up to it without training again. In the
database the sales rows keep both: ``region`` (the true region) and ``store``.
"""
from __future__ import annotations

import pandas as pd

from dashboard.data.validation import first_rows
from dashboard.schema import Problem

GRAINS = ("region", "store")
LOCATION_SQL = "coalesce(store, region)"  # the series' location in the sales table (store at store grain)


def check(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"unknown grain '{grain}' (choose from {', '.join(GRAINS)})")
    return grain


def store_problems(con, cols: dict, fname: str) -> list[Problem]:
    """Store grain needs a store on every row."""
    if "store" not in cols:
        return [Problem(fname, "store", "keeping stores needs a store column; this file has none (import it summed "
                        "to regions instead)", 1)]
    pred = "store IS NULL OR trim(store) = ''"
    n = con.execute(f"SELECT count(*) FROM sales_t WHERE {pred}").fetchall()[0][0]
    if not n:
        return []
    rows, _ = first_rows(con, "sales_t", pred, "sku")
    return [Problem(fname, "store", "missing value: every row needs its store to keep stores", int(n), rows)]


def to_locations(roll: pd.DataFrame, fname: str, grain: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The roll-up keyed by location: ``area`` = the region; ``region`` = the store at store grain. In place (at
    store grain the roll-up is 10.9 M rows: each copy of it was 1-2 GB of the import's peak)."""
    if grain != "store":
        roll["area"] = roll["region"]
        return roll, []
    regions = roll.groupby("store")["region"].agg(["nunique", "min", "max"])
    split = regions[regions["nunique"] > 1]
    if len(split):
        ex = ", ".join(f"{s} ({r.min} and {r.max})" for s, r in split.head(5).iterrows())
        return roll, [Problem(fname, "store", "store listed under more than one region", len(split), example=ex)]
    roll["area"] = roll["region"]
    roll["region"] = roll.pop("store")
    return roll, []


def stored(sales: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Rows as the sales table keeps them: the true region, and the store at store grain (else NULL)."""
    if grain != "store":
        return sales.assign(store=None)
    return sales.assign(store=sales["region"], region=sales["area"])

