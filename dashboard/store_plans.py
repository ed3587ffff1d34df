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
