"""An import in its own process: `python -m dashboard.data.import_job JOB_DIR`. It reads, validates and rolls up
the uploaded files (``ingest.prepare``) and writes the result to files; the app, the store's only writer, stores it.

The Data page's import used to run in the app's process: at store grain (10.9 M rows) that process went past
6 GB, and the page was busy for the minute the import took. Now the app holds only what it stores (the rolled-up
rows, read back with Arrow strings: 1.1 GB at store grain instead of 3.2 GB as Python strings).

A job is a folder under workspace/imports/<id>/: spec.json (the files and the planner's choices) and state.json
(running, then prepared, refused with the problems, or failed with its error; "stored" once the app has stored
it). A prepared job also holds prepared.json (the dataset's description and notes) and one Parquet file per
table; they are removed once stored.
"""
from __future__ import annotations

import json
import secrets
import sys
import time
import traceback
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from dashboard import job_files
from dashboard.job_files import now, pid_alive, read_state, spawn, write_json


TABLES = ("sales", "promotions", "weather", "events", "past")


def start(workspace: Path, sales: Path, promotions: Path | None = None, weather: Path | None = None,
          mapping: dict | None = None, name: str | None = None, temperature_unit: str = "auto",
          grain: str = "region", freq: str = "auto", event_columns: list[str] | None = None,
          past_columns: list[str] | None = None, version_of: str | None = None) -> Path:
    """Start the import of these files (``ingest.prepare``'s arguments) in a process of its own; returns its
    folder. ``version_of``: the dataset this upload is the next version of (the app stores it as one)."""
    job_id = f"import-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    sweep(Path(workspace) / "imports")
    job = Path(workspace) / "imports" / job_id
    job.mkdir(parents=True)
    write_json(job / "spec.json", {
        "sales": str(sales), "promotions": str(promotions) if promotions else None,
        "weather": str(weather) if weather else None, "mapping": dict(mapping or {}), "name": name,
        "temperature_unit": temperature_unit, "grain": grain, "freq": freq,
        "event_columns": list(event_columns or []), "past_columns": list(past_columns or []),
        "version_of": version_of, "created_at": now()})
    proc = spawn([sys.executable, "-m", "dashboard.data.import_job", str(job)], job / "import.log")
    write_json(job / "state.json", {"status": "running", "pid": proc.pid, "started_at": now()})
    return job


def spec(job: Path) -> dict:
    return json.loads((Path(job) / "spec.json").read_text())


def poll(job: Path) -> dict:
    """The job's state; a running job whose process is gone without a word has failed."""
    return job_files.poll(Path(job), "the import's process ended without a result", "import.log")


def cancel(job: Path) -> dict:
    """Stop a running import; nothing was stored, the uploaded files stay."""
    state = read_state(Path(job))
    if state["status"] == "running":
        job_files.stop(state.get("pid"))
    state = {**read_state(Path(job)), "status": "cancelled", "finished_at": now()}
    write_json(Path(job) / "state.json", state)
    _remove_tables(Path(job))
    return state


def load(job: Path):
    """The prepared dataset, as ``ingest.prepare`` returned it in the job's process (text as Arrow strings)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dashboard.data.ingest import Prepared
    from dashboard.schema import DatasetInfo

    job = Path(job)
    meta = json.loads((job / "prepared.json").read_text())
    text = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    frames = {t: pq.read_table(job / f"{t}.parquet").to_pandas(types_mapper=text.get) for t in TABLES}
    return Prepared(info=DatasetInfo(**meta["info"]), notes=meta["notes"], mapping=meta["mapping"], **frames)


def stored(job: Path, dataset_id: str, created: bool, message: str, notes: list[str]) -> dict:
    """Mark the job stored (by the app) and remove its tables: what the page shows comes from the state."""
    state = {**read_state(Path(job)), "status": "stored", "dataset": dataset_id, "created": created,
             "message": message, "notes": notes, "stored_at": now()}
    write_json(Path(job) / "state.json", state)
    _remove_tables(Path(job))
    return state


def sweep(root: Path, said_h: float = 1.0, unclaimed_h: float = 24.0) -> list[str]:
    """Remove the folders of imports that are over: said and done ``said_h`` hours ago, or prepared and never
    stored for ``unclaimed_h`` hours (the planner closed the browser before a page stored it). A running import
    and a fresh one stay. Returns the removed job ids."""
    import shutil

    removed = []
    for job in sorted(p for p in Path(root).glob("import-*") if p.is_dir()):
        state = read_state(job)
        if state["status"] == "running" and pid_alive(state.get("pid")):
            continue
        ended = state.get("stored_at") or state.get("finished_at") or state.get("started_at")
        age_h = (time.time() - datetime.fromisoformat(ended).timestamp()) / 3600 if ended else float("inf")
        if age_h >= (unclaimed_h if state["status"] in ("prepared", "running") else said_h):
            shutil.rmtree(job, ignore_errors=True)
            removed.append(job.name)
    return removed


def _remove_tables(job: Path) -> None:
    for t in TABLES:
        (job / f"{t}.parquet").unlink(missing_ok=True)


def _write(job: Path, prepared) -> None:
    """The prepared dataset's tables and description; the state says prepared only once all are written."""
    for t in TABLES:
        getattr(prepared, t).to_parquet(job / f"{t}.parquet", index=False)
    write_json(job / "prepared.json", {"info": asdict(prepared.info), "notes": list(prepared.notes),
                                       "mapping": dict(prepared.mapping)})


def main(job_dir: str) -> int:
    from dashboard.data.ingest import prepare
    from dashboard.schema import ValidationError

    job = Path(job_dir)
    state = read_state(job)
    s = spec(job)
    try:
        prepared = prepare(s["sales"], s["promotions"], s["weather"], s["mapping"], s["name"], s["temperature_unit"],
                           s["grain"], s["freq"], s["event_columns"] or None, s["past_columns"] or None)
        _write(job, prepared)
        write_json(job / "state.json", {**state, "status": "prepared", "finished_at": now()})
        return 0
    except ValidationError as exc:
        write_json(job / "state.json", {**state, "status": "refused", "finished_at": now(),
                                        "problems": [asdict(p) for p in exc.problems]})
        return 0
    except Exception as exc:  # noqa: BLE001 - any failure is the job's outcome, with its message
        traceback.print_exc()
        write_json(job / "state.json", {**state, "status": "failed", "finished_at": now(),
                                        "error": f"{type(exc).__name__}: {exc}"})
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
