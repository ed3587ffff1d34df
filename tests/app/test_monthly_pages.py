"""Every page on a monthly dataset (the monthly distributor sample, one tiny run per model): it renders, and it
speaks months where it counts periods."""
import os

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT


@pytest.fixture(scope="module")
def monthly_workspace(tmp_path_factory):
    from dashboard.data.ingest import prepare
    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.forecasting.training import model_frame, register_run
    from dashboard.schema import MODELS, preset_config
    from dashboard.store import Store
    from sample_data import monthly

    ws = tmp_path_factory.mktemp("monthly")
    files = monthly.write(ws / "files")
    old = {k: os.environ.get(k) for k in ("PROMOCAST_WORKSPACE", "PROMOCAST_DB")}
    os.environ["PROMOCAST_WORKSPACE"], os.environ["PROMOCAST_DB"] = str(ws), str(ws / "promocast.duckdb")
    try:
        store = Store()
        ds, _ = store.save_dataset(prepare(files["sales"], files["promotions"], files["weather"], name="distributor"))
        frame = model_frame(store, ds)
        info = store.dataset(ds)
        for model in MODELS:
            config = preset_config(model, "fast", "month", hidden_size=8, attention_heads=2, hidden_continuous_size=4,
                                   max_epochs=1, limit_train_batches=4, batch_size=64, patience=1, threads=1,
                                   gbm_trees=50)
            run_dir, _ = train_and_evaluate(frame, config, {"dataset_id": ds, "content_hash": info.content_hash})
            register_run(store, run_dir)
        store.close()
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return ws


@pytest.fixture
def use_monthly(monthly_workspace, monkeypatch):
    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(monthly_workspace))
    monkeypatch.setenv("PROMOCAST_DB", str(monthly_workspace / "promocast.duckdb"))
    return monthly_workspace


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page(f"views/{name}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def words(at) -> str:
    return " ".join(str(e.value) for kind in ("caption", "markdown", "success", "warning", "info")
                    for e in getattr(at, kind))


@pytest.mark.parametrize("name", ["data", "train", "forecast", "accuracy", "explain", "scenarios", "promotions",
                                  "plan"])
def test_every_page_renders_a_monthly_dataset(use_monthly, name):
    at = page(name)
    text = words(at)
    if name == "data":
        assert "24 months" in text and any(m.label == "Months" for m in at.metric)
    if name == "train":
        assert at.number_input(key="train_holdout_month").value == 6
    if name == "explain":
        assert "each past month weighs" in text
    if name == "scenarios":
        assert "(6 months)" in text
    if name == "promotions":
        assert "the same months without it" in text
        assert any("start month" in d.value.columns for d in at.dataframe)


def test_the_app_starts_on_the_monthly_sample(workspace, monkeypatch):
    monkeypatch.setenv("PROMOCAST_SAMPLE", "month")
    at = page("data")
    assert any(m.label == "Months" for m in at.metric)
    assert "24 months" in words(at)
