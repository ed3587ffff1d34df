"""The statistical baselines on a Ray cluster: Ray tasks over partitions of the series.

Each series' Holt-Winters, MSTL or seasonal-naive fit depends on that series alone, so the series are cut into
one partition per CPU the cluster offers, each partition is fitted by one Ray task (statsforecast in one
process there), and the fitted partitions come back to the training worker, which forecasts them as it
forecasts a local fit: the forecasts are the local path's, only where the fitting ran changes.

``address``: ``local`` starts a Ray on this machine (its cores), ``auto`` joins the cluster this machine
belongs to (``ray start --head`` / ``ray start --address``), ``ray://HOST:10001`` connects as a Ray client.
Workers import this project: on a cluster it is shipped with the job (``runtime_env`` working_dir).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["dashboard", "models"]  # what a remote worker imports (the fitted objects' classes live here)


def connect(address: str):
    """Join (or start) the Ray cluster; returns the ray module."""
    import ray

    if ray.is_initialized():
        return ray
    common = {"ignore_reinit_error": True, "include_dashboard": False, "log_to_driver": False}
    if address == "local":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        ray.init(num_cpus=cores, runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}}, **common)
    else:
        ray.init(address=address, runtime_env={"working_dir": str(ROOT), "excludes": _excludes()}, **common)
    return ray


def _excludes() -> list[str]:
    return [".venv", ".git", "workspace", "bench/out", "tests", "*.duckdb", "*.parquet", "sample_data/*.csv"]


def _fit_partition(model, df: pd.DataFrame, freq: str = "W-MON"):
    from .sf_spawn import SpawningStatsForecast

    return SpawningStatsForecast(models=[model], freq=freq, n_jobs=1).fit(df)


def fit(address: str, model, df: pd.DataFrame, freq: str = "W-MON") -> list:
    """Fitted statsforecast objects, one per partition of ``df``'s series (unique_id, ds, y)."""
    ray = connect(address)
    ids = df["unique_id"].unique()
    parts = max(1, min(len(ids), int(ray.cluster_resources().get("CPU", 1))))
    remote = ray.remote(num_cpus=1)(_fit_partition)
    futures = []
    for chunk in np.array_split(ids, parts):
        futures.append(remote.remote(model, df[df["unique_id"].isin(set(chunk))], freq))
    return ray.get(futures)
