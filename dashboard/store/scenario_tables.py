"""Saved what-if scenarios per dataset (``Store`` inherits these; names unique per dataset, case and spaces
ignored; 'base' is the stored plan)."""
from __future__ import annotations

import io

import pandas as pd

from dashboard.store.connection import utc_now

MAX_SCENARIO_NAME = 100


class ScenarioTables:
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
                        [dataset_id, name, author, utc_now(), payload, float(temperature_delta)])

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

