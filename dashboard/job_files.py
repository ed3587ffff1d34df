"""What a background process and the app share: a job folder's files (state.json replaced atomically) and the
child processes the app started (reaped when asked whether they live). Training jobs (forecasting/jobs.py) and
imports (data/import_job.py) both run this way: a process of their own that reports through files."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

_children: dict[int, subprocess.Popen] = {}
ROOT_DIR = Path(__file__).resolve().parents[1]  # the repository: the processes run as python -m from there


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


def spawn(cmd: list[str], log_path: Path, cwd: Path = ROOT_DIR) -> subprocess.Popen:
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


def log_tail(job_dir: Path, lines: int = 8, name: str = "worker.log") -> str:
    """The last useful lines of a job's log (warnings and tips left out), on one line."""
    try:
        text = (job_dir / name).read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return "(no log)"
    useful = [t for t in text if "warn" not in t.lower() and "tip:" not in t.lower()]
    return " | ".join(useful[-lines:]) or "(empty log)"


def poll(job_dir: Path, died: str, log: str = "worker.log") -> dict:
    """The job's state; a running job whose process is gone without a word becomes failed, its error ``died``
    and the log's last lines."""
    state = read_state(job_dir)
    if state["status"] == "running" and not pid_alive(state.get("pid")):
        time.sleep(0.2)  # the process may be writing its final state right now
        state = read_state(job_dir)
        if state["status"] == "running":
            state = {**state, "status": "failed", "finished_at": now(),
                     "error": f"{died}: {log_tail(job_dir, name=log)}"}
            write_json(job_dir / "state.json", state)
    return state


def stop(pid: int | None, grace_s: float = 10.0) -> None:
    """SIGTERM the process group ``pid`` leads, SIGKILL after ``grace_s``; returns once it is gone (and reaped)."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        if not pid_alive(pid):
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.time() + wait_s
        while pid_alive(pid) and time.time() < deadline:
            time.sleep(0.1)
