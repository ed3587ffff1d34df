"""The devices this machine offers for training, found without importing torch (the app stays light)."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess


@functools.lru_cache(maxsize=1)
def gpu_count() -> int:
    """NVIDIA GPUs visible to this process (``nvidia-smi -L``; CUDA_VISIBLE_DEVICES narrows it), 0 without."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return 0
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    n = sum(1 for line in out.splitlines() if line.startswith("GPU "))
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        n = min(n, len([v for v in visible.split(",") if v.strip()]))
    return n


def choices() -> dict[int, str]:
    """Training processes a network can use here -> what each means: one per GPU, or one per CPU core."""
    gpus = gpu_count()
    if gpus:
        return {n: f"{n} GPU" + ("s, data-parallel" if n > 1 else "") for n in range(1, gpus + 1)}
    cores = os.cpu_count() or 1
    return {n: "1 process (CPU)" if n == 1 else f"{n} CPU processes, data-parallel" for n in range(1, cores + 1)}
