"""Training jobs and finished runs (``Store`` inherits these). A run's folder is recorded with its path; a
workspace moved, copied or restored to another folder finds its runs under its own ``runs/`` (``run_folder``)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from dashboard.store.connection import timestamp, utc_now


class RunTables:
    def add_job(self, job_id: str, dataset_id: str, model: str, preset: str, job_dir: str) -> None:
        with self._write() as cur:
            cur.execute("INSERT INTO jobs (id, dataset_id, model, preset, status, created_at, job_dir) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                        [job_id, dataset_id, model, preset, utc_now(), job_dir])

    def update_job(self, job_id: str, state: dict) -> None:
        with self._write() as cur:
            cur.execute("""UPDATE jobs SET status = ?, pid = ?, started_at = ?, finished_at = ?, run_id = ?, error = ?
                           WHERE id = ?""",
                        [state.get("status"), state.get("pid"), timestamp(state.get("started_at")), timestamp(state.get("finished_at")),
                         state.get("run_id"), state.get("error"), job_id])

    def jobs(self, dataset_id: str | None = None, active_only: bool = False) -> pd.DataFrame:
        sql = "SELECT * FROM jobs WHERE (? IS NULL OR dataset_id = ?)"
        if active_only:
            sql += " AND status IN ('queued', 'running')"
        return self.query(sql + " ORDER BY created_at DESC", [dataset_id, dataset_id])

    def add_run(self, record: dict, run_dir: str) -> None:
        o = record.get("overall", {})
        with self._write() as cur:
            cur.execute("DELETE FROM runs WHERE id = ?", [record["run_id"]])
            cur.execute("""INSERT INTO runs (id, dataset_id, content_hash, model, preset, created_at, seconds, device,
                           run_dir, holdout_weeks, mape, wape, smape, bias, mase, config, mae)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", [
                record["run_id"], record["dataset_id"], record.get("content_hash"), record["model"], record["preset"],
                timestamp(record.get("created_at")) or utc_now(), record.get("seconds"),
                record.get("device"), run_dir, record.get("holdout_weeks"),
                o.get("mape"), o.get("wape"), o.get("smape"), o.get("bias"), o.get("mase"),
                json.dumps({"config": record.get("config"), "weights_sha256": record.get("weights_sha256"),
                            "made_of": (record.get("recommendation") or {}).get("made_of"),
                            "seeds": record.get("seeds")}), o.get("mae")])

    def delete_run(self, run_id: str) -> None:
        """Forget a run (its folder is the caller's): a superseded recommended forecast."""
        with self._write() as cur:
            cur.execute("DELETE FROM runs WHERE id = ?", [run_id])

    def runs(self, dataset_id: str | None = None) -> pd.DataFrame:
        f = self.query("""SELECT id AS run_id, dataset_id, model, preset, created_at, seconds, device, holdout_weeks,
                                 mape, wape, smape, bias, mase, mae, run_dir, config FROM runs
                          WHERE (? IS NULL OR dataset_id = ?) ORDER BY wape NULLS LAST""", [dataset_id, dataset_id])
        f["run_dir"] = [self.run_folder(d) for d in f["run_dir"]]
        return f

    def run(self, run_id: str) -> dict:
        f = self.query("SELECT * FROM runs WHERE id = ?", [run_id])
        if f.empty:
            raise KeyError(f"no run {run_id!r}")
        r = f.iloc[0].to_dict()
        r.update(json.loads(r.pop("config")))
        r["run_dir"] = self.run_folder(r["run_dir"])
        return r

    def run_folder(self, recorded: str) -> str:
        """The folder of a run: this workspace's ``runs/`` folder of that name when there is one (the workspace may
        have been moved, copied or restored from a backup since the run was recorded), else the recorded path."""
        if not recorded:
            return recorded
        here = self.workspace / "runs" / Path(recorded).name
        return str(here) if here.is_dir() else recorded
