"""Data-parallel training over several processes: PyTorch's DistributedDataParallel, launched by ``torchrun``.

The training worker (``dashboard/forecasting/jobs.py``) starts ``python -m torch.distributed.run`` instead of itself when a
network is asked to train on more than one device or node; torchrun sets RANK, WORLD_SIZE and LOCAL_RANK in each
process and rendezvouses them. Every process holds only its shard of the series (models/shards.py) and cuts its
windows from them (a different random stream per rank), computes the gradient of its share of the batch, and DDP
averages the gradients, so all processes hold the same weights after every step. The global batch is the preset's: with N processes each
computes batch / N windows, and an epoch takes as many steps as on one process, so a run on N processes follows
the same schedule and only the time per step changes. Rank 0 alone reports progress; after training each process
forecasts its own series (dashboard/forecasting/sharded.py) and rank 0 joins them and writes the run.

GPUs: one process per GPU (NCCL); CPUs: one process per core (gloo), each with one torch thread.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def from_env() -> World:
    """The process's place in the job, from torchrun's environment (one process when unset)."""
    return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                 int(os.environ.get("LOCAL_RANK", 0)))


def init(world: World) -> str:
    """Join the process group (once); returns this process's device: cuda:LOCAL_RANK on GPUs, else cpu."""
    import torch
    import torch.distributed as dist

    cuda = torch.cuda.is_available()
    device = f"cuda:{world.local_rank}" if cuda else "cpu"
    if cuda:
        torch.cuda.set_device(world.local_rank)
    if world.distributed and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    return device


def wrap(net, world: World):
    """The network as DDP sees it (the module itself on one process). Unused parameters are allowed: an input
    that is constant in a dataset leaves parts of pytorch-forecasting's variable selection without a gradient."""
    if not world.distributed:
        return net
    from torch.nn.parallel import DistributedDataParallel

    ids = [world.local_rank] if str(next(net.parameters()).device).startswith("cuda") else None
    return DistributedDataParallel(net, device_ids=ids, find_unused_parameters=True)


def mean(value: float, world: World, device) -> float:
    """The mean of a number over every process (the same on all of them: early stopping agrees)."""
    if not world.distributed:
        return value
    import torch
    import torch.distributed as dist

    t = torch.tensor([float(value)], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t) / world.size


def total(values: list[float], world: World, device) -> list[float]:
    """Each number summed over every process (the numbers themselves on one process)."""
    if not world.distributed:
        return [float(v) for v in values]
    import torch
    import torch.distributed as dist

    t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def gather(obj, world: World) -> list:
    """Every process's ``obj`` (picklable), in rank order, on every process (``[obj]`` on one process)."""
    if not world.distributed:
        return [obj]
    import torch.distributed as dist

    out = [None] * world.size
    dist.all_gather_object(out, obj)
    return out


def peak_memory_mb() -> int | None:
    """This process's peak resident memory so far (Linux VmHWM), in MB; None elsewhere."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return None


def barrier(world: World) -> None:
    if world.distributed:
        import torch.distributed as dist

        dist.barrier()


def finish(world: World) -> None:
    import torch.distributed as dist

    if world.distributed and dist.is_initialized():
        dist.barrier()  # no process leaves while another is still in a collective (gloo aborts then)
        dist.destroy_process_group()


def leave(code: int) -> None:
    """End a finished helper process now, its output flushed, without the interpreter's teardown. Once the
    process group is destroyed nothing is left to do, and the teardown of torch's C++ objects (gloo's and the
    store's threads) can abort the process ("terminate called without an active exception", SIGABRT): torchrun
    then counts the job as failed and stops the first process while it joins the forecasts."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def launch_command(python: str, job_dir: str, devices: int, nodes: int = 1, node_rank: int = 0,
                   master: str | None = None) -> list[str]:
    """The torchrun command line that starts ``devices`` training processes on this machine (``nodes`` machines
    in all; the others run the same command with their ``node_rank``, all pointing at ``master`` HOST:PORT)."""
    cmd = [python, "-m", "torch.distributed.run", f"--nproc-per-node={devices}", f"--nnodes={nodes}"]
    if nodes > 1:
        host, _, port = (master or "").partition(":")
        if not host:
            raise ValueError("several nodes need --master HOST:PORT (the first node's address, reachable from all)")
        cmd += [f"--node-rank={node_rank}", f"--master-addr={host}", f"--master-port={port or 29500}"]
    else:
        cmd += ["--standalone"]
    return cmd + ["-m", "dashboard.forecasting.worker", job_dir]
