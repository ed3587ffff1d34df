"""The job machinery with a fake model: submit, progress, finish, fail, crash, cancel, queue."""
import time
from pathlib import Path

import pandas as pd
import pytest

from dashboard.forecasting import jobs, training
from dashboard.data.ingest import prepare
from dashboard.schema import preset_config
from dashboard.store import Store


@pytest.fixture
def env(workspace, write):
    text = "week,sku,units\n" + "\n".join(f"{w.date()},A,{i}" for i, w in enumerate(pd.date_range("2024-01-01", periods=8, freq="W-MON")))
    store = Store()
    ds, _ = store.save_dataset(prepare(write("s.csv", text)))
    frame = pd.DataFrame({"sku": ["A"], "region": ["all"], "units": [1.0], "time_idx": [0]})
    return store, ds, frame


def wait_for(store, job_id, statuses, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        table = training.refresh(store).set_index("id")
        if table.loc[job_id, "status"] in statuses:
            return table.loc[job_id]
        time.sleep(0.1)
    raise AssertionError(f"{job_id} never reached {statuses}: {table.loc[job_id].to_dict()}")


def submit(env, **fake):
    store, ds, frame = env
    return training.submit(store, ds, preset_config("seasonal-naive", "fast"), frame=frame, fake=fake)


def test_submit_progress_finish(env):
    store = env[0]
    job = submit(env, steps=3, sleep=0.05)
    row = wait_for(store, job, ("finished",))
    progress = jobs.read_progress(Path(row["job_dir"]))
    assert [p["step"] for p in progress] == [1, 2, 3] and progress[-1]["loss"] == pytest.approx(1 / 3)
    assert training.job_summary("finished", progress)["fraction"] == 1.0


def test_failure_is_reported_with_its_error(env):
    row = wait_for(env[0], submit(env, steps=3, sleep=0.05, fail="boom: bad data"), ("failed",))
    assert "boom: bad data" in row["error"]
    assert training.job_summary("failed", [], row["error"])["label"].startswith("failed: RuntimeError: boom")


def test_crashed_worker_becomes_failed(env):
    row = wait_for(env[0], submit(env, steps=3, sleep=0.05, crash=True), ("failed",))
    assert "died unexpectedly" in row["error"]


def test_cancel_kills_the_process(env):
    store = env[0]
    job = submit(env, steps=500, sleep=0.05)
    row = wait_for(store, job, ("running",))
    job_dir = Path(row["job_dir"])
    deadline = time.time() + 30
    while not jobs.read_progress(job_dir) and time.time() < deadline:
        time.sleep(0.1)
    pid = jobs.read_state(job_dir)["pid"]
    assert jobs.pid_alive(pid)
    state = training.cancel(store, job)
    assert state["status"] == "cancelled"
    assert not jobs.pid_alive(pid)
    assert store.jobs().set_index("id").loc[job, "status"] == "cancelled"
    n = len(jobs.read_progress(job_dir))
    time.sleep(0.3)
    assert len(jobs.read_progress(job_dir)) == n  # nothing trains any more


def test_one_job_at_a_time_and_the_queue_moves_on(env):
    store = env[0]
    first = submit(env, steps=10, sleep=0.1)
    second = submit(env, steps=1, sleep=0.01)
    assert store.jobs().set_index("id").loc[second, "status"] == "queued"
    assert training.job_summary("queued", [])["label"].startswith("waiting")
    wait_for(store, first, ("finished",))
    wait_for(store, second, ("finished",))


def test_cancel_a_queued_job(env):
    store = env[0]
    first = submit(env, steps=20, sleep=0.1)
    second = submit(env, steps=1)
    assert training.cancel(store, second)["status"] == "cancelled"
    training.cancel(store, first)
    assert set(store.jobs()["status"]) == {"cancelled"}
