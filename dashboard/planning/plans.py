"""The published plan: one per dataset and planning cycle, the chosen forecast + a what-if scenario + the planners'
overrides, frozen when published, with the history warning of every series that has under two years of weeks.

A forecast used for annual planning without its seasonal blind spot said is the failure the reference case warns
about, so ``HISTORY_NOTE`` travels with each flagged series into the plan, its workbook and the meeting report.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.planning import overrides as ov
from dashboard.data.history import STATUS_OK

HISTORY_NOTE = ("under two annual cycles of history (104 weeks, or 24 months): seasonal peaks (holidays, summer) "
                "may be missed")
COLUMNS = ["sku", "region", "category", "week", "p10", "p50", "p90", "model_p50", "scenario_delta", "override_reason",
           "weeks_of_history", "history_flag", "history_note"]


def default_cycle(first_week) -> str:
    """'2026-Q1' for a plan whose first week falls in the first quarter of 2026."""
    w = pd.Timestamp(first_week)
    return f"{w.year}-Q{(w.month - 1) // 3 + 1}"


def scenario_delta(result: dict) -> pd.DataFrame:
    """sku, region, week, delta_p10/p50/p90: a what-if result's scenario minus its base (``WhatIf.run``)."""
    keys = ["sku", "region", "week"]
    j = result["forecast"][keys + ["p10", "p50", "p90"]].merge(result["base"][keys + ["p10", "p50", "p90"]], on=keys,
                                                               suffixes=("", "_base"))
    for q in ("p10", "p50", "p90"):
        j[f"delta_{q}"] = j[q] - j[f"{q}_base"]
    return j[keys + ["delta_p10", "delta_p50", "delta_p90"]]


def plan_forecast(future: pd.DataFrame, series: pd.DataFrame, check: pd.DataFrame, overrides: pd.DataFrame | None = None,
                  delta: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan per series and week: ``future`` (a run's stored forecast) + the scenario's ``delta`` + ``overrides``,
    with each series' weeks of history and, under two years, the flag and the sentence. ``model_p50`` is the value
    before the overrides (forecast + scenario), ``scenario_delta`` the scenario's part of it."""
    f = future[["sku", "region", "week", "time_idx", "p10", "p50", "p90"]].assign(week=lambda d: pd.to_datetime(d["week"]))
    f["scenario_delta"] = 0.0
    if delta is not None and len(delta):
        d = delta.assign(week=pd.to_datetime(delta["week"]))
        f = f.merge(d, on=["sku", "region", "week"], how="left")
        for q in ("p10", "p50", "p90"):
            f[q] = (f[q] + f[f"delta_{q}"].fillna(0.0)).clip(lower=0)
        f["scenario_delta"] = f["delta_p50"].fillna(0.0)
        f = f.drop(columns=["delta_p10", "delta_p50", "delta_p90"])
    f = ov.apply(f, overrides)
    f = f.merge(series[["sku", "region", "category"]].drop_duplicates(), on=["sku", "region"], how="left")
    check = _with_status(check)
    h = check[["sku", "region", "weeks_of_history", "status"]]
    f = f.merge(h, on=["sku", "region"], how="left")
    f["history_flag"] = f["status"].fillna("") != STATUS_OK
    f = f.drop(columns="status")
    f["history_note"] = np.where(f["history_flag"], HISTORY_NOTE, "")
    return f[COLUMNS].sort_values(["region", "category", "sku", "week"]).reset_index(drop=True)


def _with_status(check: pd.DataFrame) -> pd.DataFrame:
    """The history check's status; a check made by hand without one is weekly: under 104 weeks warns."""
    if "status" in check:
        return check
    return check.assign(status=np.where(check["weeks_of_history"] < 104, "warn", STATUS_OK))


def _short(check: pd.DataFrame) -> pd.DataFrame:
    check = _with_status(check)
    return check[check["status"] != STATUS_OK]


def history_sentence(rows: pd.DataFrame) -> str | None:
    """One sentence for a plan or an export: how many of its series carry the history flag, and what it means."""
    s = rows.drop_duplicates(["sku", "region"])
    n = int(s["history_flag"].sum())
    if not n:
        return None
    return f"{n} of {len(s)} series have {HISTORY_NOTE}; they are flagged in every sheet."


def workbook(meta: dict, rows: pd.DataFrame) -> bytes:
    """The plan as an Excel workbook to hand on: a sheet per region (SKUs x weeks, P50, a total row, the history
    flag), the series in long form with P10-P90 and reasons, the overrides, and the assumptions. A monthly plan's
    columns are months ('2026-07')."""
    buf = io.BytesIO()
    weeks = sorted(rows["week"].unique())
    monthly = periods.of_dates(pd.Series(weeks)) is periods.MONTH
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        assumptions = pd.DataFrame({"item": list(meta), "value": [str(v) for v in meta.values()]})
        sentence = history_sentence(rows)
        if sentence:
            assumptions.loc[len(assumptions)] = ["History warning", sentence]
        assumptions.to_excel(xl, sheet_name="Assumptions", index=False)
        for region, g in rows.groupby("region"):
            wide = g.pivot_table(index=["category", "sku"], columns="week", values="p50", aggfunc="sum").reindex(columns=weeks)
            wide.columns = [pd.Timestamp(c).strftime("%Y-%m") if monthly else str(pd.Timestamp(c).date())
                            for c in wide.columns]
            flags = g.drop_duplicates("sku").set_index(["category", "sku"])
            wide.insert(0, "history", np.where(flags.loc[wide.index, "history_flag"], "under 2 years", ""))
            wide = wide.reset_index()
            total = {"category": "Total", "sku": "", "history": "", **{c: wide[c].sum() for c in wide.columns[3:]}}
            pd.concat([wide, pd.DataFrame([total])], ignore_index=True).round(1).to_excel(xl, sheet_name=str(region)[:31], index=False)
        rows.assign(week=pd.to_datetime(rows["week"]).dt.date).round(2).to_excel(xl, sheet_name="Series (long)", index=False)
    return buf.getvalue()


def assemble(store, dataset_id: str, run_id: str, scenario: str | None = None, engine=None) -> tuple[pd.DataFrame, dict]:
    """(rows, meta) of the plan a planner is about to publish: ``run_id``'s stored forecast of the next weeks, the
    saved ``scenario``'s change as the what-if ``engine`` (a run that reads promotions) forecasts it, the run's overrides."""
    from pathlib import Path

    from dashboard.data.history import history_check
    from dashboard.planning.scenarios import Scenario
    from dashboard.store.runs import load_future

    run, info = store.run(run_id), store.dataset(dataset_id)
    future = load_future(Path(run["run_dir"]))
    if future is None or future.empty:
        raise ValueError(f"run {run_id} has no forecast of the weeks after the history: pick another run")
    delta, whatif = None, ""
    if scenario:
        if engine is None:
            raise ValueError("a scenario needs a TFT, LightGBM or LSTM run to forecast it")
        edits, temperature, _ = store.scenario(dataset_id, scenario)
        delta = scenario_delta(engine.run(Scenario(scenario, edits, temperature)))
        whatif = f"{scenario}, forecast by {engine.model_name} run {engine.run_id} and added to the forecast as a change"
    rows_ov = store.overrides(dataset_id, run_id)
    check = history_check(store.series_spans(dataset_id), info.last_week)
    rows = plan_forecast(future, store.series_list(dataset_id), check, rows_ov, delta)
    meta = {"Dataset": f"{info.name} ({dataset_id})", "Dataset content hash (SHA-256)": info.content_hash,
            "History": f"{info.first_week} to {info.last_week}, {info.series} series",
            "Forecast": f"{run['model']} run {run_id} (hold-out WAPE {run.get('wape') or float('nan'):.1f} %)",
            "Scenario": whatif or "none: the stored promotion plan",
            "Overrides": f"{rows_ov['id'].nunique() if len(rows_ov) else 0} ({len(rows_ov)} series-weeks)",
            periods.of(info.extras.get("freq")).plural.capitalize():
                f"{pd.Timestamp(rows['week'].min()).date()} to {pd.Timestamp(rows['week'].max()).date()}"}
    return rows, meta


def selection_note(check: pd.DataFrame, level: str, key) -> str:
    """The history warning for what the Forecast page shows: the series' own, or how many of a roll-up's series
    carry it (empty when none)."""
    short = _short(check)
    if level == "series":
        hit = short[(short["sku"] == key[0]) & (short["region"] == key[1])]
        unit = "months" if len(hit) and "months" in str(hit.get("message", pd.Series([""])).iloc[0]) else "weeks"
        return f"{key[0]} in {key[1]}: {int(hit['weeks_of_history'].iloc[0])} {unit} of history, {HISTORY_NOTE}." if len(hit) else ""
    if level in ("category", "region", "store"):
        col = "area" if level == "region" and "area" in check else ("region" if level == "store" else level)
        n, of = int((short[col] == key).sum()), int((check[col] == key).sum())
    else:
        n, of = len(short), len(check)
    return f"{n} of {of} series here have {HISTORY_NOTE}." if n else ""


def with_history_flag(frame: pd.DataFrame, check: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (rows per SKU, or per SKU x region) with a ``history_warning`` column: the sentence for a series
    under two years of history (for a SKU row: when any of its regions is), empty otherwise — for every export."""
    short = _short(check)
    sku_col = "sku" if "sku" in frame.columns else "SKU"
    if sku_col not in frame.columns:
        return frame
    region_col = next((c for c in ("region",) if c in frame.columns), None)
    if region_col:
        keys = set(zip(short["sku"].astype(str), short["region"].astype(str)))
        hit = [(str(s), str(r)) in keys for s, r in zip(frame[sku_col], frame[region_col])]
    else:
        skus = set(short["sku"].astype(str))
        hit = [str(s) in skus for s in frame[sku_col]]
    return frame.assign(history_warning=np.where(hit, HISTORY_NOTE, ""))
