"""Planner overrides and published plans (``Store`` inherits these). A published plan never changes."""
from __future__ import annotations

import json
import secrets

import pandas as pd

from dashboard.store.connection import utc_now


class PlanTables:
    def add_override(self, dataset_id: str, run_id: str, rows: pd.DataFrame, scope: str, kind: str, amount: float,
                     reason: str, note: str = "", author: str = "") -> str:
        """Store one override (``rows``: sku, region, week, before, value per series-week, from ``overrides.spread``);
        returns its id."""
        oid = f"ov-{utc_now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        now = utc_now()
        with self._write() as cur:
            for r in rows.itertuples(index=False):
                cur.execute("INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [oid, dataset_id, run_id, str(r.sku), str(r.region), pd.Timestamp(r.week).date(), float(r.before),
                             float(r.value), scope, kind, float(amount), reason, note or "", author or "", now, True])
        return oid

    def overrides(self, dataset_id: str, run_id: str | None = None, active_only: bool = True) -> pd.DataFrame:
        """Series-week rows of the overrides of a dataset (and run), oldest first."""
        sql = "SELECT * FROM overrides WHERE dataset_id = ?" + (" AND run_id = ?" if run_id else "") + (
            " AND active" if active_only else "") + " ORDER BY created_at, sku, region, week"
        return self.query(sql, [dataset_id, run_id] if run_id else [dataset_id])

    def undo_override(self, override_id: str) -> None:
        """Take an override back (kept, marked inactive, so the history of judgement stays readable)."""
        with self._write() as cur:
            cur.execute("UPDATE overrides SET active = false WHERE id = ?", [override_id])

    def publish_plan(self, dataset_id: str, cycle: str, run_id: str, scenario: str, rows: pd.DataFrame, meta: dict,
                     author: str = "") -> str:
        """Freeze a plan (``plans.plan_forecast`` rows) for a dataset and cycle. A published plan never changes:
        publishing the same cycle again is refused, naming who published it and when."""
        cycle = " ".join((cycle or "").split())
        if not cycle:
            raise ValueError("a plan needs a cycle name (for example 2026-Q1)")
        now = utc_now()
        pid = f"plan-{now.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
        cols = ["sku", "region", "category", "week", "p10", "p50", "p90", "model_p50", "scenario_delta", "override_reason",
                "weeks_of_history", "history_flag", "history_note"]
        data = rows[cols].assign(plan_id=pid, week=pd.to_datetime(rows["week"]).dt.date)[["plan_id", *cols]]
        with self._write() as cur:
            taken = cur.execute("SELECT author, published_at FROM plans WHERE dataset_id = ? AND lower(cycle) = ?",
                                [dataset_id, cycle.lower()]).fetchall()
            if taken:
                who, when = taken[0]
                raise ValueError(f"the {cycle} plan of this dataset was published by {who or 'someone'} on {str(when)[:16]} "
                                 "and cannot change: publish under another cycle name")
            cur.execute("INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [pid, dataset_id, cycle, run_id, scenario or "", author or "", now, json.dumps(meta, default=str)])
            cur.register("plan_data", data)
            cur.execute("INSERT INTO plan_rows SELECT * FROM plan_data")
            cur.unregister("plan_data")
        return pid

    def plans(self, dataset_id: str | None = None) -> pd.DataFrame:
        sql = "SELECT id, dataset_id, cycle, run_id, scenario, author, published_at FROM plans"
        return self.query(sql + (" WHERE dataset_id = ?" if dataset_id else "") + " ORDER BY published_at DESC",
                          [dataset_id] if dataset_id else [])

    def plan(self, plan_id: str) -> tuple[dict, pd.DataFrame]:
        """(meta, rows) of a published plan; KeyError naming it when absent."""
        p = self.query("SELECT * FROM plans WHERE id = ?", [plan_id])
        if p.empty:
            raise KeyError(f"no plan {plan_id!r}")
        rows = self.query("SELECT * EXCLUDE (plan_id) FROM plan_rows WHERE plan_id = ? ORDER BY region, category, sku, week",
                          [plan_id])
        return {**json.loads(p["meta"].iloc[0]), "plan_id": plan_id, "cycle": p["cycle"].iloc[0],
                "run_id": p["run_id"].iloc[0]}, rows

