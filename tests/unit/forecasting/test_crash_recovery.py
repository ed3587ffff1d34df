"""A process killed (SIGKILL) while it stores a dataset leaves the database whole: the dataset is entirely there
or not at all, every earlier dataset unchanged, and the next process opens the file and imports normally. A full
disk while a run is saved leaves no half-written run folder and nothing registered."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from dashboard.data.ingest import prepare
from dashboard.store import Store

WRITER = """
import sys, pandas as pd, numpy as np
sys.path.insert(0, {root!r})
from dashboard.data.ingest import prepare
from dashboard.store import Store
p = prepare({sales!r}, name="big")
n = 30  # the sample's weeks repeated as many SKUs: a write long enough to be killed inside
p.sales = pd.concat([p.sales.assign(sku=p.sales["sku"] + f"-{{i}}") for i in range(n)], ignore_index=True)
p.info.rows, p.info.content_hash, p.info.id = len(p.sales), "k" * 64, "ds-killed"
store = Store({db!r})
print("writing", flush=True)
store.save_dataset(p)
print("saved", flush=True)
"""


def test_sigkill_during_an_import_leaves_all_or_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    store = Store(db)
    first, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", name="kept"))
    kept = store.query("SELECT count(*) AS n, sum(units) AS u FROM sales WHERE dataset_id = ?", [first]).iloc[0].tolist()
    store.close()
    outcomes = set()
    for delay in (0.05, 0.2, 0.5, 1.0, 3.0):
        proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), sales=str(SAMPLE / "sales.csv"),
                                                                     db=str(db))],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = Store(db)  # opens cleanly after the kill
        try:
            ids = set(store.datasets()["id"])
            n = int(store.query("SELECT count(*) AS n FROM sales WHERE dataset_id = 'ds-killed'")["n"].iloc[0])
            if "ds-killed" in ids:
                assert n == store.dataset("ds-killed").rows  # entirely there
                outcomes.add("all")
                store.delete_dataset("ds-killed")
            else:
                assert n == 0  # or not at all
                outcomes.add("nothing")
            assert first in ids
            now = store.query("SELECT count(*) AS n, sum(units) AS u FROM sales WHERE dataset_id = ?", [first]).iloc[0].tolist()
            assert now == kept
        finally:
            store.close()
    assert "nothing" in outcomes  # at least one kill landed inside the write
    store = Store(db)
    again, created = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", name="after"))
    assert created and store.dataset(again).rows > 0


def test_a_full_disk_during_a_run_save_leaves_no_half_written_run(use_trained, monkeypatch):
    """The disk fills up while a run is written (the third parquet file): the error reaches the caller, no run
    folder and no .tmp folder stay behind, nothing new is registered, and the next save works."""
    import errno

    import pandas as pd

    from dashboard.store import runs
    from dashboard.store import Store

    store = Store()
    before = set(store.runs()["run_id"])
    run_dir = Path(store.run(sorted(before)[0])["run_dir"])
    rec, holdout = runs.read_run(run_dir), runs.load_holdout(run_dir)
    store.close()
    root = run_dir.parent
    listing = set(p.name for p in root.iterdir())
    real, calls = pd.DataFrame.to_parquet, []

    def full_disk(self, *a, **k):
        calls.append(a)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    evaluation = {"overall": rec["overall"], "by_category": pd.DataFrame({"category": ["x"], "wape": [1.0]}),
                  "by_region": pd.DataFrame({"region": ["x"], "wape": [1.0]})}
    with pytest.raises(OSError, match="No space left"):
        runs.write_run("full-disk-run", None, {"model": "recommended"}, evaluation, holdout, root,
                       future=holdout, validation=holdout)
    assert set(p.name for p in root.iterdir()) == listing  # no full-disk-run, no full-disk-run.tmp
    assert set(Store().runs()["run_id"]) == before
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    assert (runs.write_run("after-the-disk", None, {"model": "recommended"}, evaluation, holdout, root) / "run.json").exists()


def test_sigkill_of_a_real_training_worker_mid_epoch(use_trained):
    """A real TFT job is killed (SIGKILL) once its first epoch is under way: the job shows failed with a reason,
    the database opens cleanly, its runs are unchanged, and the next job runs to the end."""
    from conftest import tiny_config
    from dashboard.forecasting import jobs, training

    store = Store()
    ds = store.datasets()["id"].iloc[0]
    runs_before = set(store.runs()["run_id"])
    cfg = tiny_config("tft")
    long = type(cfg)(**{**cfg.to_dict(), "max_epochs": 50, "limit_train_batches": 200, "quantiles": cfg.quantiles})
    job = training.submit(store, ds, long)
    job_dir = training.job_dir(store, job)
    deadline = time.time() + 180
    while not any(p.get("step") for p in jobs.read_progress(job_dir)):  # training steps are being taken
        assert time.time() < deadline, jobs.log_tail(job_dir)
        time.sleep(0.2)
    os.kill(jobs.read_state(job_dir)["pid"], signal.SIGKILL)
    deadline = time.time() + 30
    while (row := training.refresh(store).set_index("id").loc[job])["status"] != "failed":
        assert time.time() < deadline, row.to_dict()
        time.sleep(0.2)
    assert "died unexpectedly" in row["error"]
    store.close()
    store = Store()  # opens cleanly
    assert set(store.runs()["run_id"]) == runs_before
    again = training.submit(store, ds, tiny_config("seasonal-naive"))
    deadline = time.time() + 180
    while (row := training.refresh(store).set_index("id").loc[again])["status"] != "finished":
        assert row["status"] in ("queued", "running") and time.time() < deadline, row.to_dict()
        time.sleep(0.3)
    store.close()
