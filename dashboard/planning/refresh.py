"""Refresh: a new upload (the new weeks, or the whole history again) stored as the next version of a dataset.

The new file is read and validated like any import (``ingest.prepare``); its rows replace the stored version's rows
of the same week, region and SKU and add the rest. What changed is recorded with the new version (new weeks, new
SKUs, restated weeks, series that stopped), the old version stays readable, and saved scenarios are copied over
where their SKUs, categories and weeks still exist (the others are listed with the reason).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import pandas as pd

KEY = ["week", "region", "sku"]
VALUES = ["units", "price", "promo", "discount_pct", "regular_price"]


def resolve(store, name_or_id: str) -> str:
    """The dataset named (its id, or its name: the newest version of it)."""
    d = store.datasets()
    if name_or_id in set(d["id"]):
        return name_or_id
    base = d["name"].str.replace(r" v\d+$", "", regex=True)
    hit = d[(d["name"] == name_or_id) | (base == name_or_id)]
    if hit.empty:
        raise KeyError(f"no dataset named or with id {name_or_id!r} (python -m dashboard datasets lists them)")
    return hit.sort_values("created_at").iloc[-1]["id"]


def changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """What the new upload changes: new weeks, new SKUs, restated weeks (a stored week's values changed), and the
    series that have no row in any of the new weeks although the upload brings new weeks (they stopped)."""
    o, n = old.assign(week=pd.to_datetime(old["week"])), new.assign(week=pd.to_datetime(new["week"]))
    old_weeks = set(o["week"])
    new_weeks = sorted(set(n["week"]) - old_weeks)
    both = o.merge(n, on=KEY, suffixes=("_old", "_new"))
    moved = pd.Series(False, index=both.index)
    for c in (c for c in VALUES if f"{c}_old" in both):  # versions stored before a column existed lack it
        a, b = both[f"{c}_old"], both[f"{c}_new"]
        moved |= ~((a == b) | (a.isna() & b.isna()) | ((a - b).abs() <= 1e-9 * b.abs().clip(lower=1)))
    restated = both[moved]
    dropped = []
    if new_weeks:
        alive = n[n["week"].isin(new_weeks)][["sku", "region"]].drop_duplicates()
        last = o[o["week"] == o["week"].max()][["sku", "region"]].drop_duplicates()
        gone = last.merge(alive, how="left", indicator=True)
        dropped = [f"{s}|{r}" for s, r in gone.loc[gone["_merge"] == "left_only", ["sku", "region"]].itertuples(index=False)]
    return {"new_weeks": [str(w.date()) for w in new_weeks],
            "new_skus": sorted(set(n["sku"]) - set(o["sku"])),
            "restated_weeks": sorted({str(w.date()) for w in restated["week"]}),
            "restated_rows": int(len(restated)),
            "dropped_series": dropped}


def merge(old: pd.DataFrame, new: pd.DataFrame, key: list[str] = KEY) -> pd.DataFrame:
    """The stored rows not in the new upload, then every new row (the upload wins where both have a week)."""
    o, n = old.assign(week=pd.to_datetime(old["week"])), new.assign(week=pd.to_datetime(new["week"]))
    keep = o.merge(n[key], on=key, how="left", indicator=True)
    keep = keep[keep["_merge"] == "left_only"].drop(columns="_merge")
    cols = [c for c in new.columns if c in keep.columns]
    return pd.concat([keep[cols], n[cols]], ignore_index=True).sort_values(key[::-1]).reset_index(drop=True)


def next_version(store, base_id: str, prepared) -> tuple[object, dict]:
    """(the merged dataset ready to store, what changed) for ``prepared`` (a validated upload) on top of ``base_id``."""
    base = store.dataset(base_id)
    old = store.sales(base_id)
    if "source_rows" not in old:
        old["source_rows"] = 1
    diff = changes(old, prepared.sales)
    sales = merge(old, prepared.sales)
    promos = store.promotions(base_id)
    if len(prepared.promotions):
        promos = pd.concat([promos, prepared.promotions], ignore_index=True).drop_duplicates()
    weather = store.weather(base_id)
    if len(prepared.weather):
        weather = merge(weather, prepared.weather, ["week", "region"])
    past = store.past_inputs(base_id)
    if len(prepared.past):  # the upload's periods replace the stored ones, input by input
        past = merge(past, prepared.past, ["week", "region", "sku", "name"])
    kept = {c.lower() for c in (prepared.info.extras.get("inputs") or {}).get("past_columns") or []}
    past = past[past["name"].str.lower().isin(kept)]  # an input the new version is not given ends with it (no stale values)
    h = hashlib.sha256(f"{base.content_hash}:{prepared.info.content_hash}".encode()).hexdigest()
    root = re.sub(r" v\d+$", "", base.name)
    version = int(store.versions(base_id)["version"].iloc[-1]) + 1
    info = replace(prepared.info, id="ds-" + h[:10], name=f"{root} v{version}", content_hash=h, rows=len(sales),
                   series=int(sales.groupby(["sku", "region"]).ngroups), weeks=int(sales["week"].nunique()),
                   first_week=str(pd.Timestamp(sales["week"].min()).date()), last_week=str(pd.Timestamp(sales["week"].max()).date()),
                   source_rows=int(base.source_rows) + int(prepared.info.source_rows))
    info.extras["inputs"] = prepared.info.extras.get("inputs") or base.extras.get("inputs") or {}
    merged = replace(prepared, info=info, sales=sales, promotions=promos, weather=weather, past=past,
                     notes=[f"version {version} of {root}: refreshed from {base_id}"] + list(prepared.notes))
    return merged, diff


def carry_scenarios(store, old_id: str, new_id: str) -> dict:
    """Copy the saved scenarios whose SKUs, categories and weeks still make sense on the new version."""
    series = store.series_list(new_id)
    last = pd.Timestamp(store.dataset(new_id).last_week)
    carried, left = [], {}
    for name in store.scenarios(old_id)["name"]:
        edits, temperature, author = store.scenario(old_id, name)
        why = []
        for col in ("sku", "category"):
            if col in edits:
                unknown = sorted({str(v) for v in edits[col].dropna() if str(v).strip() and str(v).lower() != "all"} - set(series[col]))
                why += [f"{col} {', '.join(unknown)} no longer in the data"] if unknown else []
        if len(edits) and (pd.to_datetime(edits["start_week"]) <= last).any():
            why.append(f"starts on or before {last.date()}, now history")
        if why:
            left[name] = "; ".join(why)
            continue
        store.save_scenario(new_id, name, edits, author, temperature, overwrite=True)
        carried.append(name)
    return {"carried": carried, "not_carried": left}


def refresh(store, name_or_id: str, sales, promotions=None, weather=None, mapping: dict | None = None,
            temperature_unit: str = "auto", event_columns: list[str] | None = None,
            past_columns: list[str] | None = None) -> dict:
    """Validate the upload, store it as the next version of the dataset, carry the scenarios over. Raises
    ValidationError (every problem of the files, nothing stored) or KeyError (no such dataset). The event flag and
    past-only input columns default to the ones the dataset was imported with (``columns_of``)."""
    from dashboard.data.ingest import prepare

    base_id = resolve(store, name_or_id)
    extras = store.dataset(base_id).extras  # a version keeps its dataset's grain and frequency
    events, past = columns_of(extras, event_columns, past_columns)
    return store_version(store, base_id, prepare(sales, promotions, weather, mapping, None, temperature_unit,
                                                 extras.get("grain", "region"), extras.get("freq", "week"),
                                                 events, past))


def columns_of(extras: dict, event_columns: list[str] | None, past_columns: list[str] | None
               ) -> tuple[list[str], list[str]]:
    """The event flag and past-only input columns of a new version: the ones given, else its dataset's."""
    inputs = extras.get("inputs") or {}
    return (list(inputs.get("event_columns") or []) if event_columns is None else event_columns,
            list(inputs.get("past_columns") or []) if past_columns is None else past_columns)


def store_version(store, base_id: str, prepared) -> dict:
    """Store a validated upload as the next version of ``base_id`` (the Data page's upload and ``refresh``)."""
    merged, diff = next_version(store, base_id, prepared)
    events = store.custom_events(base_id)
    if len(prepared.events):  # the upload's own event flags beside the dataset's events
        events = pd.concat([events, prepared.events], ignore_index=True)
        events["date"] = pd.to_datetime(events["date"])
        events = events.drop_duplicates().sort_values(["date", "name"]).reset_index(drop=True)
    new_id, created = store.save_dataset(merged, store.calendars(base_id), events)
    out = {"dataset": new_id, "previous": base_id, "created": created, "changes": diff, "notes": merged.notes}
    if not created:
        return {**out, "version": None, "scenarios": {"carried": [], "not_carried": {}}}
    out["version"] = store.link_version(new_id, base_id, diff)
    out["scenarios"] = carry_scenarios(store, base_id, new_id)
    return out


def changes_summary(changes: dict | str) -> list[str]:
    """What a version changed, in a few phrases (``changes`` as ``changes()`` gives it, or as stored: JSON)."""
    import json

    c = json.loads(changes) if isinstance(changes, str) else changes
    return [f"new weeks: {len(c['new_weeks'])}" + (f" ({c['new_weeks'][0]} .. {c['new_weeks'][-1]})" if c["new_weeks"] else ""),
             f"new SKUs: {len(c['new_skus'])}" + (f" ({', '.join(c['new_skus'][:10])})" if c["new_skus"] else ""),
             f"restated: {c['restated_rows']} rows in {len(c['restated_weeks'])} weeks",
             f"series without rows in the new weeks: {len(c['dropped_series'])}" + (
                 f" ({', '.join(c['dropped_series'][:10])})" if c["dropped_series"] else "")]


def summary(result: dict) -> list[str]:
    """The refresh in a few lines for a planner (and a cron log)."""
    lines = [f"{result['dataset']}: version {result['version']} of {result['previous']}" if result["created"] else
             f"{result['dataset']}: already stored (same content): nothing changed", *changes_summary(result["changes"])]
    sc = result.get("scenarios") or {}
    if sc.get("carried"):
        lines.append(f"scenarios carried over: {', '.join(sc['carried'])}")
    for name, why in (sc.get("not_carried") or {}).items():
        lines.append(f"scenario '{name}' not carried over: {why}")
    return lines
