"""Each measurement runs in a fresh Python process, which reports its seconds and peak memory as JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_task(task: str, **kwargs) -> dict:
    """Run bench.tasks.<task>(**kwargs) in a child process; returns its dict + peak_mb of that process."""
    code = ("import json, resource, sys, time; sys.path.insert(0, %r); from bench import tasks; "
            "kw = json.loads(sys.argv[1]); t = time.perf_counter(); out = getattr(tasks, %r)(**kw) or {}; "
            "out.setdefault('seconds', time.perf_counter() - t); "
            "out['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
            "print('BENCH-RESULT ' + json.dumps(out, default=str))") % (str(ROOT), task)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs, default=str)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if "BENCH-RESULT " in line:  # a library's progress bar may share the line
            return json.loads(line.split("BENCH-RESULT ", 1)[1])
    raise RuntimeError(f"bench task {task} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
