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
        for model in MODELS:
            run_dir, _ = train_and_evaluate(frame, tiny_config(model), {"dataset_id": ds, "content_hash": info.content_hash})
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
