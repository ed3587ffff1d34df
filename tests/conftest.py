import hashlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PROMOCAST_DEBUG", "1")  # pages raise (tests see every exception); servers started here inherit it


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(ws))
    monkeypatch.setenv("PROMOCAST_DB", str(ws / "promocast.duckdb"))
    return ws


OLD_WORKSPACE = ROOT / "tests" / "fixtures" / "workspace_v1"  # written before dashboard/ moved into packages


@pytest.fixture
def old_workspace(tmp_path, monkeypatch):
    """tests/fixtures/workspace_v1 copied to another folder, as a restored backup would be, and made current."""
    import shutil

    ws = tmp_path / "restored"
    shutil.copytree(OLD_WORKSPACE, ws)
    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(ws))
    monkeypatch.setenv("PROMOCAST_DB", str(ws / "promocast.duckdb"))
    return ws


@pytest.fixture
def write(tmp_path):
    """write('name.csv', text) -> path of a file holding text."""
    def _write(name: str, text: str | bytes) -> Path:
        p = tmp_path / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        return p
    return _write


def file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tiny_config(model: str):
    """Small enough to train in seconds, real enough to draw every chart."""
    from dashboard.schema import preset_config

    return preset_config(model, "fast", hidden_size=8, attention_heads=2, hidden_continuous_size=4, max_epochs=1,
                         limit_train_batches=4, batch_size=64, patience=1, threads=1, gbm_trees=50)


@pytest.fixture(scope="session")
def trained_workspace(tmp_path_factory):
    """A workspace with the bundled sample and one finished run of each model (tiny configs)."""
    import functools
    import os

    from dashboard.data.ingest import prepare
    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.forecasting.training import model_frame, register_run
    from dashboard.schema import MODELS
    from dashboard.store import Store

    ws = tmp_path_factory.mktemp("trained")
    old = {k: os.environ.get(k) for k in ("PROMOCAST_WORKSPACE", "PROMOCAST_DB")}
    os.environ["PROMOCAST_WORKSPACE"] = str(ws)
    os.environ["PROMOCAST_DB"] = str(ws / "promocast.duckdb")
    try:
        store = Store()
        ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv",
                                           name="sample (synthetic grocer)"))
        frame = model_frame(store, ds)
        info = store.dataset(ds)
        from dashboard.promotions import stored

        files, spec = stored.job_inputs(store, ds)  # as a job trains them: promotion runs keep their plan's split
        files[stored.CALENDAR].to_parquet(ws / stored.CALENDAR)
        meta = {"dataset_id": ds, "content_hash": info.content_hash, "frame_key": spec["frame_key"]}
        after = functools.partial(stored.after_training, job_dir=ws)
        after.reads_engine = True  # as a job's: the split reads the future's windows (sharded.future_engine)
        for model in MODELS:
            run_dir, _ = train_and_evaluate(frame, tiny_config(model), meta, after=after)
            register_run(store, run_dir)  # and the recommended forecast, rebuilt after each
        store.close()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return ws


@pytest.fixture
def use_trained(trained_workspace, monkeypatch):
    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(trained_workspace))
    monkeypatch.setenv("PROMOCAST_DB", str(trained_workspace / "promocast.duckdb"))
    return trained_workspace


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    """Streamlit caches are per process and tests switch workspaces: start each test from empty caches."""
    import streamlit as st

    from dashboard import ui

    def release():
        ui.release_stores()  # the next test (or a browser test's server process) may open the same file
        st.cache_data.clear()
        st.cache_resource.clear()

    release()
    yield
    release()


def ar1_frame(series=6, weeks=120, phi=0.7, seed=5, promo_lift=0.0):
    """A weekly model frame (``build_frame``): AR(1) around a level per series, with a promotion every 9th week
    lifting units by ``promo_lift`` (the LightGBM's and the validation windows' tests)."""
    import numpy as np
    import pandas as pd

    from dashboard.data.features import build_frame

    rng = np.random.default_rng(seed)
    rows = []
    weeks_idx = pd.date_range("2023-01-02", periods=weeks, freq="W-MON")
    for i in range(series):
        level, y = 40 + 10 * i, 40 + 10 * i
        for t, w in enumerate(weeks_idx):
            promo = 1.0 if t % 9 == 4 else 0.0
            y = level + phi * (y - level) + rng.normal(0, 3)
            rows.append({"sku": f"S{i}", "region": "North", "category": "dry" if i % 2 else "fresh", "week": w,
                         "units": max(0.0, y * (1 + promo_lift * promo)), "price": 2.0,
                         "promo": promo, "discount_pct": 20.0 * promo})
    return build_frame(pd.DataFrame(rows), [])
