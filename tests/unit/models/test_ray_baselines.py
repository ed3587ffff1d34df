"""Holt-Winters on a local 2-CPU Ray: the same forecasts as the local process pool."""
import pandas as pd
import pytest

from dashboard.data.ingest import prepare
from dashboard.schema import preset_config
from dashboard.store import Store
from dashboard.forecasting.training import model_frame
from models import create

pytest.importorskip("ray")
pytestmark = pytest.mark.slow
from conftest import SAMPLE  # noqa: E402


def test_holt_winters_on_ray_matches_the_local_pool(workspace):
    import ray

    store = Store()
    ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv"))
    frame = model_frame(store, ds)
    hist = frame[frame["units"].notna()]
    start = int(hist["time_idx"].max()) - 12
    train = hist[hist["time_idx"] < start]
    local = create(preset_config("holt-winters", "standard"))
    local.fit(train)
    on_ray = create(preset_config("holt-winters", "standard", ray="local"))
    root = str(SAMPLE.parent)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": root}})
    try:
        on_ray.fit(train)  # joins the 2-CPU Ray started above: one partition per CPU
    finally:
        ray.shutdown()
    assert sum(k.startswith("seasonal-") for k in on_ray.fitted) == 2
    a, b = local.predict(hist, start), on_ray.predict(hist, start)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
