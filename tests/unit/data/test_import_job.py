"""The import in its own process: what it prepares is what ``prepare`` gives in the app's process, stored the same;
a refused file comes back with the same problems; a stopped or vanished process says so and stores nothing."""
import time

import pandas as pd
import pytest

from conftest import SAMPLE
from dashboard.data import import_job
from dashboard.data.ingest import prepare
from dashboard.job_files import pid_alive, write_json
from dashboard.schema import ValidationError
from dashboard.store import Store


def _wait(job, timeout=120):
    deadline = time.time() + timeout
    while (state := import_job.poll(job))["status"] == "running":
        assert time.time() < deadline, "the import's process did not finish"
        time.sleep(0.2)
    return state


@pytest.mark.parametrize("grain", ["region", "store"])
def test_a_prepared_job_stores_what_the_apps_own_import_stores(workspace, tmp_path, grain):
    files = (SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv")
    job = import_job.start(workspace, *files, name="sample", grain=grain)
    assert _wait(job)["status"] == "prepared"
    loaded = import_job.load(job)
    direct = prepare(*files, name="sample", grain=grain)
    assert loaded.info == direct.info and loaded.notes == direct.notes and loaded.mapping == direct.mapping
    assert loaded.sales["sku"].dtype == pd.StringDtype("pyarrow")  # text comes back as Arrow strings, not objects
    pd.testing.assert_frame_equal(loaded.sales, direct.sales, check_dtype=False)
    a, b = Store(str(tmp_path / "a.duckdb")), Store(str(tmp_path / "b.duckdb"))
    id_a, _ = a.save_dataset(loaded)
    id_b, _ = b.save_dataset(direct)
    assert id_a == id_b == direct.info.id
    for table in ("sales", "promotions", "weather"):
        sql = f"SELECT * EXCLUDE (dataset_id) FROM {table} ORDER BY ALL"
        pd.testing.assert_frame_equal(a.query(sql), b.query(sql))
    state = import_job.stored(job, id_a, True, "Imported", loaded.notes)
    assert state["status"] == "stored" and not list(job.glob("*.parquet"))


def test_a_refused_file_comes_back_with_the_problems_prepare_raises(workspace, tmp_path):
    bad = tmp_path / "bad_sales.csv"
    bad.write_text("week,sku,units\n2024-01-01,A,-3\n2024-01-08,A,abc\n")
    state = _wait(import_job.start(workspace, bad))
    with pytest.raises(ValidationError) as raised:
        prepare(bad)
    assert state["status"] == "refused"
    assert [p["rule"] for p in state["problems"]] == [p.rule for p in raised.value.problems]
    assert [tuple(p["rows"]) for p in state["problems"]] == [p.rows for p in raised.value.problems]
    assert not list((workspace / "imports").glob("*/*.parquet"))


def test_a_stopped_import_stores_nothing(workspace):
    job = import_job.start(workspace, SAMPLE / "sales.csv")
    state = import_job.cancel(job)
    assert state["status"] == "cancelled" and not pid_alive(state["pid"])
    assert import_job.poll(job)["status"] == "cancelled" and not list(job.glob("*.parquet"))


def test_a_process_gone_without_a_word_is_a_failed_import(workspace, tmp_path):
    job = import_job.start(workspace, tmp_path / "missing.csv")
    state = _wait(job)
    assert state["status"] in ("failed", "refused")  # whatever it said, it said it
    write_json(job / "state.json", {"status": "running", "pid": 999_999_999})  # a process that is no more
    state = import_job.poll(job)
    assert state["status"] == "failed" and "ended without a result" in state["error"]


def test_imports_that_are_over_are_swept_and_a_fresh_or_unclaimed_one_stays(workspace):
    from datetime import datetime, timedelta, timezone

    root = workspace / "imports"
    ago = lambda h: (datetime.now(timezone.utc) - timedelta(hours=h)).isoformat(timespec="seconds")  # noqa: E731
    cases = {"import-a-stored-old": {"status": "stored", "stored_at": ago(2)},
             "import-b-refused-new": {"status": "refused", "finished_at": ago(0.1)},
             "import-c-prepared-day": {"status": "prepared", "finished_at": ago(5)},
             "import-d-prepared-old": {"status": "prepared", "finished_at": ago(30)},
             "import-e-died-old": {"status": "running", "pid": 999_999_999, "started_at": ago(30)}}
    for name, state in cases.items():
        (root / name).mkdir(parents=True)
        write_json(root / name / "state.json", state)
    assert import_job.sweep(root) == ["import-a-stored-old", "import-d-prepared-old", "import-e-died-old"]
    assert sorted(p.name for p in root.iterdir()) == ["import-b-refused-new", "import-c-prepared-day"]
