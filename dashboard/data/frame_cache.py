"""The model frame of a dataset, built once and kept as Parquet beside the runs.

Building it (complete weekly grids, the calendar's promotions, holidays, weather, last year's units) takes 2.4 s
at the reference scale; every what-if, promotions view and training job needs it. A stored dataset never
changes, so the frame is keyed by the dataset's content hash, the horizon, and what can change after the import
(the region calendars and custom events): a change there is a new key, and the old file is dropped. ``LAYOUT``
names the frame's columns' version: a frame kept before a new column (the regular price, prices.py) is rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

LAYOUT = 2  # 2: regular_price and price_index (dashboard/data/prices.py)


def key(store, dataset_id: str, horizon: int) -> str:
    cals = sorted((c.region, c.country, c.subdiv or "") for c in store.calendars(dataset_id))
    events = store.custom_events(dataset_id)
    events = events.astype(str).sort_values(list(events.columns)).values.tolist() if len(events) else []
    text = json.dumps([store.dataset(dataset_id).content_hash, int(horizon), cals, events, LAYOUT], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _path(store, dataset_id: str, horizon: int) -> Path:
    return Path(store.workspace) / "frames" / f"{dataset_id}-h{int(horizon)}-{key(store, dataset_id, horizon)}.parquet"


def kept(store, dataset_id: str, horizon: int) -> Path | None:
    """The kept frame's file for this dataset, horizon and calendar, when one was written (None: not yet)."""
    path = _path(store, dataset_id, horizon)
    return path if path.exists() else None


def cached(store, dataset_id: str, horizon: int, build) -> pd.DataFrame:
    """``build()``'s frame, read from the workspace when this dataset, horizon and calendar made it before."""
    path = _path(store, dataset_id, horizon)
    folder = path.parent
    if path.exists():
        try:
            return pd.read_parquet(path)
        except Exception:  # noqa: BLE001 - a damaged file is rebuilt, never trusted
            path.unlink(missing_ok=True)
    frame = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{dataset_id}-h{int(horizon)}-*.parquet"):
            old.unlink(missing_ok=True)  # made under another calendar
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except OSError:  # a full or read-only disk: the frame is still good, only not kept
        pass
    return frame
