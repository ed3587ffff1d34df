"""The Forecast page on a dataset kept at store grain: pick a store, roll its stores up to a region."""
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

SAMPLE = ROOT / "sample_data"


@pytest.fixture
def store_run(workspace):
    from dashboard.data.ingest import prepare
    from dashboard.schema import preset_config
    from dashboard.store import Store
    from dashboard.forecasting.training import model_frame, register_run
    from dashboard.forecasting.pipeline import train_and_evaluate

    store = Store()
    ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv",
                                       grain="store"))
    run_dir, _ = train_and_evaluate(model_frame(store, ds), preset_config("seasonal-naive", "standard"),
                                    {"dataset_id": ds, "content_hash": store.dataset(ds).content_hash})
    register_run(store, run_dir)
    return store, ds, run_dir


def test_forecast_page_picks_a_store_and_rolls_stores_up_to_regions(store_run):
    store, ds, run_dir = store_run
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("views/forecast.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="fc_level").options == ["SKU x store", "category", "region (its stores summed)",
                                                    "store (all its SKUs)", "total"]
    assert at.selectbox(key="fc_region").label == "Store" and at.selectbox(key="fc_region").value.startswith("ST")
    at.selectbox(key="fc_level").set_value("region").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="fc_region_only").options == ["East", "North", "South", "West"]
    shown = next(d.value for d in at.dataframe if "part" in d.value.columns)
    hold = pd.read_parquet(run_dir / "holdout.parquet")
    chosen = at.selectbox(key="fc_region_only").value
    north = hold[hold["area"] == chosen].groupby("week")["p50"].sum()
    got = shown[shown["part"] == "hold-out"].set_index("week")["p50"]
    assert got.sum() == pytest.approx(north.round(1).sum(), rel=1e-3)  # the region is the sum of its stores
    at.selectbox(key="fc_level").set_value("store").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="fc_store_only").value.startswith("ST")
