"""The stored plan's split kept by the training job (dashboard/promotions/stored.py): the same figures as the analysis
makes on the page, read only for the frame it was made on, and never a cause of a failed run."""
from pathlib import Path

import pandas as pd
import pytest

from dashboard.promotions import stored

MARGINS = {"dairy": 25.0, "snacks": 40.0}
FUNDING = {"dairy": {"funded_pct": 50.0, "scan_allowance": 0.1, "supplier_margin_pct": 10.0}}


@pytest.fixture
def store(use_trained):
    from dashboard.store import Store

    s = Store()
    yield s
    s.close()


def _run(store, model: str) -> dict:
    runs = store.runs()
    return runs.loc[runs["model"] == model].iloc[0].to_dict()


def _key(store) -> str:
    from dashboard.data.frame_cache import key

    return key(store, store.dataset().id, 13)


@pytest.mark.parametrize("model", ["tft", "lightgbm"])
def test_the_kept_split_is_the_analysis_split_in_money(store, model):
    from dashboard.promotions.analysis import load

    run = _run(store, model)
    kept = stored.read(Path(run["run_dir"]), _key(store))
    assert kept is not None and kept.context["promotions"] > 0
    a = load(store, run["run_id"])
    w1, e1 = kept.decompose(None, MARGINS, {}, FUNDING)
    w2, e2 = a.decompose(None, MARGINS, {}, FUNDING)
    pd.testing.assert_frame_equal(e1.reset_index(drop=True), e2.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(w1, w2, check_dtype=False, check_categorical=False)
    assert e1["funding_margin_p50"].abs().sum() > 0  # the money is recomputed from the units, funding included
    assert kept.max_discount_seen() == a.max_discount_seen() and kept.flag_only() == a.flag_only()
    pd.testing.assert_frame_equal(kept.series, a.series, check_dtype=False, check_categorical=False)
    with pytest.raises(ValueError, match="scenario"):
        kept.decompose(a.plan_rows())


def test_models_that_do_not_read_promotions_keep_no_split(store):
    assert not (Path(_run(store, "holt-winters")["run_dir"]) / stored.CONTEXT).exists()


def test_a_split_made_on_another_frame_is_not_read(store, tmp_path):
    import shutil

    run_dir = Path(_run(store, "tft")["run_dir"])
    assert stored.read(run_dir, "another-calendar") is None  # a region's holidays changed since: a new frame key
    assert stored.read(run_dir, None) is None
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / stored.CONTEXT).write_text("{not json")
    assert stored.read(copy, _key(store)) is None  # a damaged file: the page splits the plan itself


def test_the_page_reads_the_kept_split_and_falls_back_without_it(use_trained, monkeypatch):
    from dashboard.promotions.analysis import PromotionAnalysis
    from dashboard.promotions.stored import StoredPlan
    from dashboard.ui import get_store, kept_split
    from dashboard.ui.promotions import cached_split

    runs = get_store().runs()
    run_id = runs.loc[runs["model"] == "tft", "run_id"].iloc[0]
    assert isinstance(cached_split(run_id), StoredPlan)
    kept_split.clear()
    monkeypatch.setattr("dashboard.data.frame_cache.key", lambda *a, **k: "changed")
    assert isinstance(cached_split(run_id), PromotionAnalysis)


def test_a_failing_step_never_fails_the_run(capsys, tmp_path):
    from dashboard.forecasting.sharded import after_steps
    from dashboard.schema import preset_config

    class Broken:
        config = preset_config("tft", "fast")

    frame = pd.DataFrame({"sku": ["A"], "region": ["R"], "time_idx": [0], "units": [1.0]})
    step = lambda *a: stored.after_training(*a, job_dir=tmp_path)  # noqa: E731 - no calendar, a model that is no model
    assert after_steps(step, Broken(), frame, None, preset_config("tft", "fast"), {}) == {}
    assert "Traceback" in capsys.readouterr().err
    assert stored.after_training(Broken(), frame, None, preset_config("mstl", "fast"), {}, tmp_path) == {}


def test_the_worker_runs_the_steps_its_spec_names(tmp_path):
    from dashboard.forecasting.worker import _after

    assert _after([], tmp_path) is None
    after = _after([stored.JOB_STEP], tmp_path)
    assert after.reads_engine  # the split forecasts the future's windows the run's future forecast was made with
    from dashboard.schema import preset_config

    assert after(None, None, None, preset_config("holt-winters", "fast"), {}) == {}  # not a promotion model: nothing


def test_a_job_carries_the_calendar_and_the_frame_key(workspace, monkeypatch):
    import json

    from dashboard.data.ingest import prepare
    from dashboard.forecasting import jobs, training
    from dashboard.schema import preset_config
    from dashboard.store import Store

    sample = Path(__file__).resolve().parents[3] / "sample_data"
    s = Store()
    ds, _ = s.save_dataset(prepare(sample / "sales.csv", sample / "promotions.csv", sample / "weather.csv", name="s"))
    monkeypatch.setattr(jobs, "start_next", lambda root: None)  # queued only: the test reads what the worker would
    job_id = training.submit(s, ds, preset_config("tft", "fast"), extra=stored.job_inputs(s, ds))
    job_dir = training.job_dir(s, job_id)
    spec = json.loads((job_dir / "spec.json").read_text())
    assert spec["frame_key"] == _dataset_key(s, ds) and spec["after"] == [stored.JOB_STEP]
    assert len(pd.read_parquet(job_dir / "promotions.parquet")) == len(s.promotions(ds)) > 0
    s.close()


def _dataset_key(store, ds: str) -> str:
    from dashboard.data.frame_cache import key

    return key(store, ds, 13)


def test_no_shared_windows_without_a_full_horizon_after_the_history():
    """A frame that ends with its history (or a few planned weeks short of the horizon) gets no future forecast
    (``forecast_future``: None), and the job cuts no future windows for it either."""
    from types import SimpleNamespace

    from dashboard.forecasting.sharded import forecast_future, future_engine

    def reads(*a, **k):
        return {}
    reads.reads_engine = True
    net = SimpleNamespace(net=object(), config=SimpleNamespace(horizon=4))
    frame = pd.DataFrame({"sku": "A", "region": "R", "time_idx": range(10),
                          "units": [1.0] * 8 + [float("nan")] * 2})  # two planned weeks, four wanted
    assert future_engine(net, frame, reads) is None and forecast_future(net, frame, 4) is None
    assert future_engine(net, frame, None) is None
