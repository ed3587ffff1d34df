"""A process killed (SIGKILL) while it stores a dataset leaves the database whole: the dataset is entirely there
or not at all, every earlier dataset unchanged, and the next process opens the file and imports normally."""
import os
import signal
import subprocess
import sys
import time

from conftest import ROOT, SAMPLE
from dashboard.ingest import prepare
from dashboard.store import Store

WRITER = """
import sys, pandas as pd, numpy as np
sys.path.insert(0, {root!r})
from dashboard.ingest import prepare
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
