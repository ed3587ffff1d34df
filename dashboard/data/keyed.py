"""Values of a small keyed table (a calendar's series-weeks, a what-if's plan) at the rows of the model frame,
without merging the whole frame: a left merge of the frame itself copied every one of its columns (at store grain
11.9 M rows x ~30 columns, 5 GB a copy: the frame build's peak, docs/scale.md)."""
from __future__ import annotations

import pandas as pd

KEYS = ["sku", "region", "week"]


def at_rows(f: pd.DataFrame, table: pd.DataFrame, cols: list[str], keys: list[str] = KEYS) -> pd.DataFrame:
    """``table``'s ``cols`` at each row of ``f`` (matched on ``keys``, one row of ``table`` per key), NaN where it
    has none; indexed like ``f``. Only the keys and ``cols`` are merged."""
    got = f[keys].merge(table[keys + cols], on=keys, how="left")
    got.index = f.index
    return got[cols]
