"""The torch side of a process that trains a network: threads and seeds, the configuration on its device, which
devices trained, and glibc's handling of freed memory while training (models/pf_common.py trains with them)."""
from __future__ import annotations

from dashboard.schema import TrainConfig


def setup_torch(config: TrainConfig, seed: int | None = None) -> str:
    """Threads and seeds; returns the device to train on ("cuda" when a GPU is present, chosen at run time)."""
    import lightning.pytorch as pl
    import torch

    torch.set_num_threads(max(1, int(config.threads)))
    pl.seed_everything(config.seed if seed is None else seed, workers=True, verbose=False)
    return "cuda" if torch.cuda.is_available() else "cpu"


def device_config(config: TrainConfig, device: str) -> TrainConfig:
    """The configuration a network trains with on ``device``. On a GPU a step costs nearly the same at 2,048 windows
    as at 512 (`python -m bench.gpu` on an H100: 94 vs 72 ms, stacked inputs), so the preset's batch is scaled by
    ``gpu_batch_scale`` and an epoch takes that many times fewer batches: each epoch still sees the same windows,
    and the learning rate grows with the square root of the batch (as the presets do from 128 to 512 on a CPU).
    The returned config has ``gpu_batch_scale`` 1, so applying it twice changes nothing."""
    import math
    from dataclasses import replace

    k = int(getattr(config, "gpu_batch_scale", 1) or 1)
    if not str(device).startswith("cuda") or k <= 1:
        return config
    limit = config.limit_train_batches
    return replace(config, batch_size=config.batch_size * k, learning_rate=config.learning_rate * math.sqrt(k),
                   limit_train_batches=None if limit is None else max(1, math.ceil(limit / k)), gpu_batch_scale=1)


def process_devices(world, device: str) -> list[str]:
    """What trained the network: one entry per process (``cuda:0``, ``cuda:1``, ... or ``cpu`` per process)."""
    import os

    nodes = max(1, int(os.environ.get("GROUP_WORLD_SIZE", 1) or 1))  # torchrun: machines in the job
    per_node = max(1, world.size // nodes)
    if str(device).startswith("cuda"):
        return [f"node{n}:cuda:{i}" if nodes > 1 else f"cuda:{i}" for n in range(nodes) for i in range(per_node)]
    return [f"node{n}:cpu" if nodes > 1 else "cpu" for n in range(nodes) for _ in range(per_node)]


def keep_freed_memory() -> None:
    """Training only: keep freed blocks in the process (glibc) instead of returning them to the OS after every step.

    A step allocates and frees the same large activations each time; with glibc's defaults they are unmapped
    and page-faulted back in on the next step (seen as ``aten::fill_``/``zero_`` time in the profile). Blocks
    up to 32 MB then stay on the heap and up to 1 GB of free heap is kept. On 2 CPU cores the gain is within the
    machine's run-to-run noise (`python -m bench.step_variants`); it costs nothing in a training process.
    Not called in the app's process."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)   # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def release_freed_memory() -> None:
    """After training: glibc's defaults again, and the free heap handed back to the OS (``malloc_trim``).

    ``keep_freed_memory`` kept up to 1 GB of free heap and blocks up to 32 MB on it. Forecasting a store-grain
    shard then grew on a fragmented heap the training had left: the first process peaked at 8.7 GB against the
    forecasts' own 7.5 GB (docs/scale.md). Large blocks are mapped and unmapped again from here on."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 << 10)  # M_MMAP_THRESHOLD, glibc's default
        libc.mallopt(-1, 128 << 10)  # M_TRIM_THRESHOLD, glibc's default
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass
