"""Data-parallel training on shards: each process holds only its share of the series.

Under DDP (models/distributed.py) every process used to read the whole model frame and build pytorch-forecasting's
dataset of every series, so memory per process was the single-process figure: 17 GB at the reference case's
74,800 store series, and two processes did not fit a 24 GiB machine. Now series are dealt to processes by a
stable hash of ``sku|region`` (``rank_of``); a process reads only its rows (``read_shard``: Parquet batch by
batch, never the whole table) and cuts its windows from its own series. What must be the same everywhere is
made so before and after pytorch-forecasting encodes the shard:

- categorical codes: encoders fitted on the union of every process's classes (``global_encoders``);
- the real inputs' ``StandardScaler``: each process fits its shard, the statistics are pooled exactly
  (counts, means, variances) and each shard's encoded columns are moved onto the pooled scale (``harmonise``);
- the target's ``GroupNormalizer`` is per series, so a shard's fit is already the full fit of its series; the
  first process gathers every process's table, so the run it saves can forecast every series.

Window sampling stays uniform over every series' windows when the shards hold similar numbers of windows (the
hash deals them within a few per cent); the epoch length is counted over all shards (``models/loop.py``).
"""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from . import distributed


def rank_of(series: np.ndarray | pd.Series, size: int) -> np.ndarray:
    """The process each ``sku|region`` name belongs to: CRC-32 of its text modulo ``size`` (stable everywhere)."""
    names = np.asarray(series, dtype=object)
    return np.fromiter((zlib.crc32(str(s).encode()) % size for s in names), dtype=np.int64, count=len(names))


def series_names(frame: pd.DataFrame) -> pd.Series:
    return frame["sku"].astype(str) + "|" + frame["region"].astype(str)


def shard(frame: pd.DataFrame, world: distributed.World) -> pd.DataFrame:
    """This process's rows of ``frame`` (all of it on one process)."""
    if not world.distributed:
        return frame
    keys = frame[["sku", "region"]].drop_duplicates()
    mine = keys[rank_of(series_names(keys), world.size) == world.rank]
    return frame.merge(mine, on=["sku", "region"], how="inner") if len(mine) < len(keys) else frame


def read_shard(path, world: distributed.World, batch_rows: int = 1 << 20) -> pd.DataFrame:
    """This process's rows of a model frame written as Parquet, read batch by batch: the whole table never
    sits in memory, only this shard."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    if not world.distributed:
        frame = as_frame(pf.read())  # the table is gone once read
        return _released(frame)
    parts = []
    for batch in pf.iter_batches(batch_size=batch_rows):
        names = pc.binary_join_element_wise(pc.cast(batch.column("sku"), pa.string()),
                                            pc.cast(batch.column("region"), pa.string()), "|")
        coded = pc.dictionary_encode(names)
        keep = rank_of(coded.dictionary.to_numpy(zero_copy_only=False), world.size) == world.rank
        mask = keep[coded.indices.to_numpy(zero_copy_only=False)]
        if mask.any():
            parts.append(pa.Table.from_batches([batch]).filter(pa.array(mask)))
    table = pa.concat_tables(parts) if parts else pf.schema_arrow.empty_table()
    parts = batch = None
    frame = as_frame(table)
    table = None
    return _released(frame)


def _released(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, once Arrow's allocator has handed back what the read freed (it kept 1.4 GB per store-grain
    shard: the Parquet pages and the filtered batches)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    return frame


def as_frame(table) -> pd.DataFrame:
    """A model frame's table in pandas with its text columns (names, category, area, weather source) as Arrow
    strings (``string[pyarrow]``): one buffer per column instead of a Python object per cell. At the reference
    case's store grain a process's half of the frame took 3.3 GB in pandas, 2.3 GB of it those six columns, and
    1.5 GB with them as Arrow strings (docs/scale.md). They compare, group, merge and sort as object strings do."""
    import pyarrow as pa

    strings = pd.StringDtype("pyarrow")
    return table.to_pandas(types_mapper=lambda t: strings if t in (pa.string(), pa.large_string()) else None)


def global_encoders(frame: pd.DataFrame, encoders: dict, world: distributed.World) -> dict:
    """``encoders`` (unfitted, by column) fitted on every process's classes of their columns, so a category has
    the same code in every process. Group-id encoders (``__group_id__x``) take the classes of ``x``."""
    local = {name: sorted(set(frame[name.removeprefix("__group_id__")].astype(str).unique()))
             for name in encoders}
    merged = {name: set() for name in encoders}
    for part in distributed.gather(local, world):
        for name, classes in part.items():
            merged[name].update(classes)
    return {name: enc.fit(np.array(sorted(merged[name]), dtype=object)) for name, enc in encoders.items()}


def harmonise(ds, world: distributed.World) -> None:
    """Put a shard's encoded dataset on the pooled scale of every shard (in place): each real input's scaler
    becomes the one fitted on all training rows, and the first process's target normalizer knows every series."""
    if not world.distributed:
        return
    from sklearn.preprocessing import StandardScaler

    names = [n for n, s in ds._scalers.items() if isinstance(s, StandardScaler) and n in ds.reals]
    mine = {n: (float(ds._scalers[n].n_samples_seen_), float(ds._scalers[n].mean_[0]), float(ds._scalers[n].var_[0]))
            for n in names}
    parts = distributed.gather(mine, world)
    reals = ds.data["reals"]
    for n in names:
        stats = np.array([p[n] for p in parts], dtype=np.float64)
        count, mean, var = pooled(stats[:, 0], stats[:, 1], stats[:, 2])
        old = ds._scalers[n]
        new = _scaler(old, count, mean, var)
        col = ds.reals.index(n)
        # x_old = (v - m_old) / s_old  ->  x_new = (v - m_new) / s_new
        reals[:, col] = ((reals[:, col].double() * float(old.scale_[0]) + float(old.mean_[0]) - mean)
                         / float(new.scale_[0])).to(reals.dtype)
        ds._scalers[n] = new
    norm = distributed.gather(ds.target_normalizer.norm_, world)
    if world.main:
        table = pd.concat(norm).sort_index()
        ds.target_normalizer.norm_ = table[~table.index.duplicated()]
        ds.target_normalizer.missing_ = ds.target_normalizer.norm_.median().to_dict()


def pooled(counts: np.ndarray, means: np.ndarray, variances: np.ndarray) -> tuple[float, float, float]:
    """Count, mean and (population) variance of the union of groups from each group's own."""
    n = float(counts.sum())
    mean = float((counts * means).sum() / n)
    var = float((counts * (variances + means ** 2)).sum() / n - mean ** 2)
    return n, mean, max(var, 0.0)


def _scaler(like, count: float, mean: float, var: float):
    from sklearn.preprocessing import StandardScaler
    from sklearn.preprocessing._data import _handle_zeros_in_scale

    s = StandardScaler(with_mean=like.with_mean, with_std=like.with_std)
    s.n_features_in_, s.feature_names_in_ = like.n_features_in_, like.feature_names_in_
    s.n_samples_seen_, s.mean_, s.var_ = np.float64(count), np.array([mean]), np.array([var])
    s.scale_ = _handle_zeros_in_scale(np.sqrt(s.var_))
    return s
