"""The Store's planning tables: saved what-if scenarios and the margin % per category (``Store`` inherits these;
every write goes through its ``_write`` transaction, every value is an SQL parameter)."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pandas as pd

MAX_SCENARIO_NAME = 100


class PlanTables:
    # ---- scenarios ---------------------------------------------------------------------------
    def save_scenario(self, dataset_id: str, name: str, edits: pd.DataFrame, author: str = "",
                      temperature_delta: float = 0.0, overwrite: bool = False) -> None:
        """Save a named scenario. 'base' is the stored plan and cannot be overwritten; a name already taken (case
        and surrounding spaces ignored) is refused unless ``overwrite``, so nobody's scenario is replaced unseen."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a scenario needs a name")
        if len(name) > MAX_SCENARIO_NAME:
            raise ValueError(f"a scenario name has at most {MAX_SCENARIO_NAME} characters ({len(name)} given)")
        if name.lower() == "base":
            raise ValueError("'base' is the stored promotion plan; save your edits under another name")
        payload = edits.assign(start_week=pd.to_datetime(edits["start_week"]).dt.strftime("%Y-%m-%d")).to_json(orient="records")
        with self._write() as cur:
            taken = cur.execute("SELECT name, author, created_at FROM scenarios WHERE dataset_id = ? AND lower(name) = ?",
                                [dataset_id, name.lower()]).fetchall()
            if taken and not overwrite:
                old, who, when = taken[0]
                raise ValueError(f"a scenario named '{old}' already exists (saved by {who or 'someone'} on "
                                 f"{str(when)[:16]}): choose another name, or replace it")
            cur.execute("DELETE FROM scenarios WHERE dataset_id = ? AND lower(name) = ?", [dataset_id, name.lower()])
            cur.execute("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?)",
                        [dataset_id, name, author, datetime.now(timezone.utc).replace(tzinfo=None), payload, float(temperature_delta)])

    def scenarios(self, dataset_id: str) -> pd.DataFrame:
        return self.query("""SELECT name, author, created_at, edits, temperature_delta FROM scenarios
                             WHERE dataset_id = ? ORDER BY created_at""", [dataset_id])

    def scenario(self, dataset_id: str, name: str) -> tuple[pd.DataFrame, float, str]:
        """(edits, temperature_delta, author) of a saved scenario; KeyError naming it when absent."""
        f = self.query("SELECT edits, temperature_delta, author FROM scenarios WHERE dataset_id = ? AND name = ?", [dataset_id, name])
        if f.empty:
            raise KeyError(f"no scenario {name!r} on {dataset_id}")
        edits = pd.read_json(io.StringIO(f["edits"].iloc[0]), orient="records")
        return edits, float(f["temperature_delta"].iloc[0]), f["author"].iloc[0]

    def delete_scenario(self, dataset_id: str, name: str) -> None:
        if name.lower() == "base":
            raise ValueError("the base scenario cannot be deleted")
        with self._write() as cur:
            cur.execute("DELETE FROM scenarios WHERE dataset_id = ? AND name = ?", [dataset_id, name])

    # ---- margins ------------------------------------------------------------------------------
    def margins(self) -> dict[str, float]:
        """Margin % of the regular price per category, as entered for this workspace."""
        f = self.query("SELECT category, margin_pct FROM category_margins WHERE margin_pct IS NOT NULL ORDER BY category")
        return dict(zip(f["category"], f["margin_pct"].astype(float)))

    def entered_prices(self) -> dict[str, float]:
        """Regular price per category entered for data without prices (the data's own prices come first)."""
        f = self.query("SELECT category, price FROM category_margins WHERE price IS NOT NULL ORDER BY category")
        return dict(zip(f["category"], f["price"].astype(float)))

    def set_margins(self, margins: dict[str, float], author: str = "", prices: dict[str, float | None] | None = None) -> None:
        """Store the margin % of each category named (0-100) and, optionally, a regular price for categories whose
        data has none (> 0, or None to clear); a bad value is refused, naming the category, and nothing changes."""
        bad = [f"margin {c}: {v}" for c, v in margins.items() if v is None or not 0 <= float(v) <= 100]
        bad += [f"price {c}: {v}" for c, v in (prices or {}).items() if v is not None and not float(v) > 0]
        if bad:
            raise ValueError(f"margin % must be between 0 and 100 and a price above 0 ({'; '.join(bad)})")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        with self._write() as cur:
            for c in sorted(set(margins) | set(prices or {})):
                old = cur.execute("SELECT margin_pct, price FROM category_margins WHERE category = ?", [str(c)]).fetchall()
                margin = float(margins[c]) if c in margins else (old[0][0] if old else None)
                price = (None if (prices or {}).get(c) is None else float(prices[c])) if c in (prices or {}) else (
                    old[0][1] if old else None)
                cur.execute("DELETE FROM category_margins WHERE category = ?", [str(c)])
                cur.execute("INSERT INTO category_margins (category, margin_pct, price, author, updated_at) VALUES (?, ?, ?, ?, ?)",
                            [str(c), margin, price, author, now])

    # ---- planner overrides --------------------------------------------------------------------
    def add_override(self, dataset_id: str, run_id: str, rows: pd.DataFrame, scope: str, kind: str, amount: float,
                     reason: str, note: str = "", author: str = "") -> str:
        """Store one override (``rows``: sku, region, week, before, value per series-week, from ``overrides.spread``);
        returns its id."""
        import secrets

        oid = f"ov-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        now = datetime.now(timezone.utc).replace(tzinfo=None)
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

    # ---- published plans ----------------------------------------------------------------------
    def publish_plan(self, dataset_id: str, cycle: str, run_id: str, scenario: str, rows: pd.DataFrame, meta: dict,
                     author: str = "") -> str:
        """Freeze a plan (``plans.plan_forecast`` rows) for a dataset and cycle. A published plan never changes:
        publishing the same cycle again is refused, naming who published it and when."""
        import json
        import secrets

        cycle = " ".join((cycle or "").split())
        if not cycle:
            raise ValueError("a plan needs a cycle name (for example 2026-Q1)")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
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
        import json

        p = self.query("SELECT * FROM plans WHERE id = ?", [plan_id])
        if p.empty:
            raise KeyError(f"no plan {plan_id!r}")
        rows = self.query("SELECT * EXCLUDE (plan_id) FROM plan_rows WHERE plan_id = ? ORDER BY region, category, sku, week",
                          [plan_id])
        return {**json.loads(p["meta"].iloc[0]), "plan_id": plan_id, "cycle": p["cycle"].iloc[0],
                "run_id": p["run_id"].iloc[0]}, rows

    # ---- dataset versions (dashboard/planning/refresh.py) ----------------------------------------------
    def link_version(self, dataset_id: str, parent_id: str, changes: dict) -> int:
        """Record ``dataset_id`` as the next version of ``parent_id`` with what changed; returns its version number."""
        import json

        with self._write() as cur:
            rows = cur.execute("SELECT coalesce(version, 1) FROM datasets WHERE id = ?", [parent_id]).fetchall()
            row = rows[0] if rows else None  # fetchall: DuckDB 2 keeps a fetchone() result open
            if row is None:
                raise KeyError(f"no dataset {parent_id!r}")
            cur.execute("UPDATE datasets SET parent_id = ?, version = ?, changes = ? WHERE id = ?",
                        [parent_id, int(row[0]) + 1, json.dumps(changes, default=str), dataset_id])
        return int(row[0]) + 1

    def versions(self, dataset_id: str) -> pd.DataFrame:
        """The chain of versions ending at ``dataset_id``, oldest first: id, name, version, last_week, changes."""
        chain, current = [], dataset_id
        while current:
            r = self.query("SELECT id, name, coalesce(version, 1) AS version, last_week, created_at, parent_id, changes "
                           "FROM datasets WHERE id = ?", [current])
            if r.empty or current in [c["id"] for c in chain]:
                break
            chain.append(r.iloc[0].to_dict())
            current = r["parent_id"].iloc[0]
        return pd.DataFrame(chain[::-1])
