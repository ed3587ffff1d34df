"""What a background process and the app share: a job folder's files (state.json replaced atomically) and the
child processes the app started (reaped when asked whether they live). Training jobs (forecasting/jobs.py) and
imports (data/import_job.py) both run this way: a process of their own that reports through files."""
from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

_children: dict[int, subprocess.Popen] = {}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, default=str))
    os.replace(tmp, path)


def read_state(job_dir: Path) -> dict:
    try:
        return json.loads((job_dir / "state.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"status": "queued"}


def spawn(cmd: list[str], log_path: Path, cwd: Path) -> subprocess.Popen:
    """Start ``cmd`` in a session of its own (so it can be stopped with its children), output to ``log_path``."""
    log = open(log_path, "ab")
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    finally:
        log.close()
    _children[proc.pid] = proc
    return proc


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        with open(f"/proc/{pid}/stat") as fh:
            if fh.read().split(") ", 1)[1].split()[0] == "Z":
                return False
    except (FileNotFoundError, IndexError):
        return False
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
