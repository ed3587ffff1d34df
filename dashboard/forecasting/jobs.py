"""Background training jobs: submit, start, poll, cancel. Files are the truth, DuckDB mirrors them.

A job is a folder under workspace/jobs/<id>/: spec.json and frame.parquet (written by the app, the
only DuckDB owner), state.json (status, pid, error, run_dir; replaced atomically), progress.jsonl
(one line per update: epoch, step, loss, val_loss, ETA) and worker.log. One job trains at a time;
the next queued one is started by whoever notices first (the app, the CLI or the finishing worker),
under a file lock.
"""
from __future__ import annotations

import fcntl
import shutil
import json
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import pandas as pd

from dashboard import job_files
from dashboard.job_files import log_tail, now, pid_alive, read_state, spawn, write_json  # noqa: F401 - the jobs' vocabulary
from dashboard.schema import TrainConfig, workspace_dir

Status = Literal["queued", "running", "finished", "failed", "cancelled"]
TERMINAL = ("finished", "failed", "cancelled")


def jobs_root() -> Path:
    p = workspace_dir() / "jobs"
    p.mkdir(parents=True, exist_ok=True)
    return p


def read_progress(job_dir: Path) -> list[dict]:
    path = job_dir / "progress.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line being written right now
    return out


def create_job(frame: pd.DataFrame | Path, config: TrainConfig, dataset_id: str, content_hash: str,
               root: Path | None = None, files: dict[str, pd.DataFrame] | None = None, spec: dict | None = None) -> Path:
    """A queued job under ``root`` (a workspace's jobs folder; default: this process's workspace); ``files``: more
    frames the worker reads (the promotion calendar), ``spec``: more entries of its spec. Everything is written
    before the job is marked queued, so no worker starts it half made."""
    job_id = f"job-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    job_dir = (root or jobs_root()) / job_id
    job_dir.mkdir(parents=True)
    if isinstance(frame, Path):  # a kept frame's file (data/frame_cache.py)
        shutil.copyfile(frame, job_dir / "frame.parquet")
    else:
        frame.to_parquet(job_dir / "frame.parquet", index=False)
    for name, part in (files or {}).items():
        part.to_parquet(job_dir / name, index=False)
    write_json(job_dir / "spec.json", {**(spec or {}), "job_id": job_id, "dataset_id": dataset_id,
                                       "content_hash": content_hash, "config": config.to_dict(), "created_at": now()})
    write_json(job_dir / "state.json", {"status": "queued", "created_at": now()})
    return job_dir


class _Lock:
    def __init__(self, root: Path):
        self.path = root / ".lock"

    def __enter__(self):
        self.fh = open(self.path, "w")
        fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def worker_command(job_dir: Path) -> list[str]:
    """The training process: this worker, or torchrun starting one per device when a network trains on several
    devices or machines (models/distributed.py)."""
    config = json.loads((job_dir / "spec.json").read_text()).get("config", {})
    devices, nodes = int(config.get("devices") or 1), int(config.get("num_nodes") or 1)
    if config.get("model") in ("tft", "lstm") and (devices > 1 or nodes > 1):
        from models.distributed import launch_command

        return launch_command(sys.executable, str(job_dir), devices, nodes, 0, config.get("master"))
    return [sys.executable, "-m", "dashboard.forecasting.worker", str(job_dir)]


def start_next(root: Path | None = None) -> str | None:
    """Start the oldest queued job if none is running. Returns the started job id."""
    root = root or jobs_root()
    with _Lock(root):
        queued = []
        for job_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            state = read_state(job_dir)
            if state["status"] == "running" and pid_alive(state.get("pid")):
                return None
            if state["status"] == "queued":
                queued.append(job_dir)
        if not queued:
            return None
        job_dir = queued[0]
        proc = spawn(worker_command(job_dir), job_dir / "worker.log")
        write_json(job_dir / "state.json", {"status": "running", "pid": proc.pid, "started_at": now()})
        return job_dir.name


def poll(job_dir: Path) -> dict:
    """The job's state; a running job whose process is gone without a word becomes failed."""
    return job_files.poll(job_dir, "the training process died unexpectedly")


def cancel(job_dir: Path, grace_s: float = 10.0) -> dict:
    """Cancel a queued job, or SIGTERM a running one's process group (SIGKILL after ``grace_s``)."""
    with _Lock(job_dir.parent):
        state = read_state(job_dir)
        if state["status"] in TERMINAL:
            return state
        if state["status"] == "running":
            job_files.stop(state.get("pid"), grace_s)
        state = {**read_state(job_dir), "status": "cancelled", "finished_at": now()}
        write_json(job_dir / "state.json", state)
    start_next(job_dir.parent)
    return state
