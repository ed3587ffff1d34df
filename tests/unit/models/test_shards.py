"""Sharded data-parallel training: each process holds only its series, and what it encodes is exactly what the
single-process dataset holds for those series (codes, scaled inputs, target scales); the first process's saved
parameters know every series."""
import os
import pickle
import socket

import numpy as np
import pandas as pd
import pytest
import torch

from dashboard.data.calendars import RegionCalendar
from dashboard.data.features import build_frame
from dashboard.schema import TrainConfig
from models import distributed, shards
from models.pf_common import decoder_dataset, prepare, training_dataset
from models.windows import WindowArrays
from sample_data.generator import Scale, generate

H, ENC = 4, 16


def _frame() -> pd.DataFrame:
    g = generate(Scale(stores=2, skus=8, weeks=60), seed=5)
    s = g["sales"].astype({"sku": str, "region": str, "category": str, "store": str})
    sales = s.groupby(["week", "region", "sku", "category"], as_index=False).agg(
        units=("units", "sum"), price=("price", "mean"), promo=("promo", "mean"), discount_pct=("discount_pct", "mean"))
    return build_frame(sales, [RegionCalendar(r) for r in sales["region"].unique()], weather=g["weather"])


def _config() -> TrainConfig:
    return TrainConfig(model="tft", preset="fast", horizon=H, holdout_weeks=H, encoder_weeks=ENC, min_encoder_weeks=4,
                       hidden_size=8, attention_heads=2, hidden_continuous_size=4, batch_size=16, threads=1)


def _rank(rank: int, size: int, port: int, path: str, out: str) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(size), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    world = distributed.from_env()
    distributed.init(world)
    part = shards.read_shard(path, world)
    ds = training_dataset(prepare(part), _config(), world)
    with open(f"{out}/rank{rank}.pkl", "wb") as fh:
        pickle.dump({"series": sorted(set(shards.series_names(part))), "reals": ds.data["reals"],
                     "cats": ds.data["categoricals"], "groups": ds.data["groups"], "time": ds.data["time"],
                     "target": ds.data["target"][0], "params": ds.get_parameters()}, fh)
    distributed.finish(world)
    distributed.leave(0)  # as a training job's helper process leaves (dashboard/forecasting/worker.py)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_read_shard_deals_every_series_to_one_process(tmp_path):
    frame = _frame()
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path, index=False)
    parts = [shards.read_shard(path, distributed.World(r, 3), batch_rows=500) for r in range(3)]
    names = [set(shards.series_names(p)) for p in parts]
    assert sum(len(n) for n in names) == frame[["sku", "region"]].drop_duplicates().shape[0]
    assert not (names[0] & names[1]) and not (names[1] & names[2]) and not (names[0] & names[2])
    assert sum(len(p) for p in parts) == len(frame) and all(len(p) for p in parts)
    for r, p in enumerate(parts):  # the in-memory deal is the same as the file's
        mem = shards.shard(frame, distributed.World(r, 3))
        assert set(shards.series_names(mem)) == names[r]
        pd.testing.assert_frame_equal(p.sort_values(["sku", "region", "time_idx"]).reset_index(drop=True),
                                      mem.sort_values(["sku", "region", "time_idx"]).reset_index(drop=True),
                                      check_dtype=False)


def test_pooled_statistics_are_the_union():
    rng = np.random.default_rng(0)
    a, b = rng.normal(3, 2, 1000), rng.normal(-1, 5, 300)
    n, mean, var = shards.pooled(np.array([1000, 300]), np.array([a.mean(), b.mean()]), np.array([a.var(), b.var()]))
    both = np.concatenate([a, b])
    assert n == 1300 and mean == pytest.approx(both.mean(), abs=1e-12) and var == pytest.approx(both.var(), rel=1e-12)


def test_two_shards_encode_what_one_dataset_holds(tmp_path):
    frame = _frame()
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path, index=False)
    torch.multiprocessing.spawn(_rank, args=(2, _free_port(), str(path), str(tmp_path)), nprocs=2, join=True)
    got = [pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes()) for r in range(2)]
    full = training_dataset(prepare(frame), _config())
    assert got[0]["series"] and got[1]["series"] and not set(got[0]["series"]) & set(got[1]["series"])
    fg, ft = full.data["groups"], full.data["time"]
    full_key = {(tuple(g.tolist()), int(t)): i for i, (g, t) in enumerate(zip(fg, ft))}
    rows = 0
    for part in got:
        idx = torch.tensor([full_key[(tuple(g.tolist()), int(t))] for g, t in zip(part["groups"], part["time"])])
        rows += len(idx)
        assert torch.equal(part["cats"], full.data["categoricals"][idx])  # the same codes everywhere
        torch.testing.assert_close(part["target"], full.data["target"][0][idx], rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(part["reals"], full.data["reals"][idx], rtol=1e-5, atol=1e-5)
    assert rows == len(fg)
    # the first process's parameters forecast every series as the single-process ones do
    main, one = got[0]["params"], full.get_parameters()
    pd.testing.assert_frame_equal(main["target_normalizer"].norm_, one["target_normalizer"].norm_, rtol=1e-6)
    start = int(frame["time_idx"].max()) - H + 1
    a = WindowArrays(decoder_dataset(main, frame, start, H)).batch(torch.arange(8))[0]
    b = WindowArrays(decoder_dataset(one, frame, start, H)).batch(torch.arange(8))[0]
    for k in ("encoder_cont", "decoder_cont", "target_scale", "encoder_cat"):
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-5)


def test_forecast_windows_read_only_the_weeks_they_need():
    frame = prepare(_frame())
    ds = training_dataset(frame, _config())
    start = int(frame["time_idx"].max()) - H + 1
    trimmed = WindowArrays(decoder_dataset(ds.get_parameters(), frame, start, H))
    # the same windows built from the whole history (the trim is in decoder_dataset: undo it by hand)
    from pytorch_forecasting import TimeSeriesDataSet

    f = frame[frame["time_idx"] < start + H].copy()
    f.loc[f["time_idx"] >= start, "units"] = 0.0
    whole = WindowArrays(TimeSeriesDataSet.from_parameters(ds.get_parameters(), f, predict=True, stop_randomization=True))
    assert len(trimmed) == len(whole) == frame[["sku", "region"]].drop_duplicates().shape[0]
    ids = torch.arange(len(whole))
    a, b = trimmed.batch(ids)[0], whole.batch(ids)[0]
    for k in a:
        torch.testing.assert_close(a[k], b[k])


def test_a_read_frame_keeps_its_text_as_arrow_strings_and_encodes_as_object_text_does(tmp_path):
    frame = _frame()
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path, index=False)
    read = shards.read_shard(path, distributed.World())
    text = [c for c in frame.columns if frame[c].dtype == object]
    assert {"sku", "region", "category"} <= set(text)
    assert all(isinstance(read[c].dtype, pd.StringDtype) and read[c].dtype.storage == "pyarrow" for c in text)
    assert read[text].memory_usage(deep=True).sum() < frame[text].memory_usage(deep=True).sum() / 3
    a, b = training_dataset(prepare(read), _config()), training_dataset(prepare(frame), _config())
    for k in ("reals", "categoricals", "groups", "time"):
        assert torch.equal(a.data[k], b.data[k]), k
    assert torch.equal(a.data["target"][0], b.data["target"][0])
    pd.testing.assert_frame_equal(a.get_parameters()["target_normalizer"].norm_,
                                  b.get_parameters()["target_normalizer"].norm_)
