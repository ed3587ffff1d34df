"""A busy planning meeting: 8 browser sessions at once on a real server, in two workspaces, importing files, reading
pages and saving scenarios while a training job runs (bench/meeting.py). No error shown, no write lost."""
import asyncio
import shutil

import pytest
from conftest import tiny_config
from server import streamlit_server

pytestmark = pytest.mark.e2e


def test_eight_sessions_two_workspaces_and_a_training_job(trained_workspace, tmp_path, monkeypatch):
    from bench.meeting import meeting, meeting_files
    from dashboard.store import workspaces
    from dashboard.store import Store
    from dashboard.forecasting.training import submit

    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(trained_workspace / "promocast.duckdb", root / "promocast.duckdb")
    for k, v in {"PROMOCAST_ROOT": root, "PROMOCAST_WORKSPACE": root, "PROMOCAST_DB": root / "promocast.duckdb"}.items():
        monkeypatch.setenv(k, str(v))
    b = workspaces.create("client-b")
    shutil.copy(trained_workspace / "promocast.duckdb", b / "promocast.duckdb")
    store = Store()
    dataset_id = store.datasets()["id"].iloc[0]
    cfg = tiny_config("tft")
    job = submit(store, dataset_id, type(cfg)(**{**cfg.to_dict(), "max_epochs": 6, "limit_train_batches": 40,
                                                  "quantiles": cfg.quantiles}))
    store.close()
    files = meeting_files(tmp_path)

    with streamlit_server(root, env={"PROMOCAST_ROOT": str(root)}) as url:
        out = asyncio.run(meeting(url, files, sessions=8))
        (tmp_path / "meeting.txt").write_text(repr(out))
        print(f"\n8 sessions in {out['seconds']:.0f} s; page latency under that load (pytest -s shows this):")
        for page, s in out["latency"].items():
            print(f"  {page}: {s['visits']} visits, median {s['median_s']:.1f} s, p95 {s['p95_s']:.1f} s, max {s['max_s']:.1f} s")
        assert not out["errors"], out["errors"]
        assert len(out["saved"]) == 3
        assert all(v["visits"] for v in out["latency"].values())
        for ws, db in (("default", root / "promocast.duckdb"), ("client-b", b / "promocast.duckdb")):
            s = Store(db)
            names = set(s.scenarios(dataset_id)["name"])
            assert {x["scenario"] for x in out["saved"] if x["workspace"] == ws} <= names, ws
            assert len(s.datasets()) == 2, ws  # the good upload landed beside the trained dataset
            s.close()
    s = Store(root / "promocast.duckdb")
    state = s.jobs().set_index("id").loc[job, "status"]
    s.close()
    assert state in ("running", "finished", "queued"), state  # the job ran beside the meeting, not failed
