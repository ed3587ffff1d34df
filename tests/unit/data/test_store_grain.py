"""Store grain: one series per SKU x store, rolled up to regions; and the dataset as partitioned Parquet."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.data import partitioned
from dashboard.forecasting.forecasts import rollup_forecast, select
from dashboard.data.ingest import prepare
from dashboard.schema import ValidationError
from dashboard.store import Store
from dashboard.forecasting.training import model_frame

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_data"


@pytest.fixture
def stores(workspace):
    store = Store()
    ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv",
                                       grain="store"))
    return store, ds


def test_store_grain_keeps_every_store_and_its_region(stores):
    store, ds = stores
    info = store.dataset(ds)
    raw = pd.read_csv(SAMPLE / "sales.csv")
    assert info.extras["grain"] == "store"
    assert info.series == raw.groupby(["sku", "store"]).ngroups == 480
    series = store.series_list(ds)
    truth = raw[["store", "region"]].drop_duplicates().set_index("store")["region"]
    assert (series["area"].to_numpy() == truth.loc[series["region"]].to_numpy()).all()  # each store's own region
    assert sorted(c.region for c in store.calendars(ds)) == ["East", "North", "South", "West"]  # calendars per region
    # the stored units are the file's, store by store; the region roll-up is the region-grain dataset's
    one = raw[(raw["sku"] == "S001") & (raw["store"] == series["region"].iloc[0])]["units"].sum()
    assert store.history(ds, "S001", series["region"].iloc[0])["units"].sum() == pytest.approx(one)
    assert store.history(ds, area="North")["units"].sum() == pytest.approx(raw.loc[raw["region"] == "North", "units"].sum())


def test_store_frame_follows_the_region_for_holidays_weather_and_promotions(stores):
    store, ds = stores
    f = model_frame(store, ds)
    assert {"area", "region"} <= set(f.columns) and f["region"].nunique() == 12
    # holidays and temperature are the region's: every store of a region has the same ones
    per_store = f.groupby(["area", "week"])[["holiday", "temperature"]].nunique()
    assert (per_store.to_numpy() == 1).all()
    # a promotion of the calendar naming a region covers that region's stores in the future weeks
    promos = store.promotions(ds)
    regional = promos[promos["region"].notna() & promos["sku"].notna()]
    fut = f[f["units"].isna()]
    for p in regional.itertuples():
        hit = fut[(fut["sku"] == p.sku) & (fut["week"] >= p.start_week) & (fut["week"] <= p.end_week)]
        if len(hit):
            assert (hit.loc[hit["area"] == p.region, "promo"] == 1).all()
            break


def test_store_rollup_to_region_equals_the_sum_of_its_stores(stores):
    store, ds = stores
    f = model_frame(store, ds)
    hold = f[f["units"].notna()].tail(2000).assign(p50=lambda d: d["units"], p10=lambda d: d["units"] * 0.8,
                                                   p90=lambda d: d["units"] * 1.2)
    north = rollup_forecast(select(hold, "region", "North"))
    assert north["p50"].sum() == pytest.approx(hold.loc[hold["area"] == "North", "units"].sum())
    one_store = select(hold, "store", hold["region"].iloc[0])
    assert one_store["region"].nunique() == 1 and one_store["sku"].nunique() > 1


def test_store_grain_needs_a_store_column(workspace, write):
    path = write("regions.csv", "week,sku,region,units\n2024-01-01,A,North,3\n2024-01-08,A,North,4\n")
    with pytest.raises(ValidationError) as e:
        prepare(path, grain="store")
    p = e.value.problems[0]
    assert (p.file, p.column) == ("regions.csv", "store") and "store column" in p.rule


def test_a_store_in_two_regions_is_refused(workspace, write):
    path = write("two.csv", "week,sku,store,region,units\n2024-01-01,A,ST1,North,3\n2024-01-08,A,ST1,South,4\n"
                            "2024-01-01,B,ST2,South,1\n")
    with pytest.raises(ValidationError) as e:
        prepare(path, grain="store")
    p = e.value.problems[0]
    assert p.column == "store" and "more than one region" in p.rule and "ST1" in p.example


def test_missing_store_cells_are_named_by_row(workspace, write):
    path = write("gap.csv", "week,sku,store,region,units\n2024-01-01,A,ST1,North,3\n2024-01-08,A,,North,4\n")
    with pytest.raises(ValidationError) as e:
        prepare(path, grain="store")
    p = e.value.problems[0]
    assert p.column == "store" and p.rows == (3,)


def test_partitioned_parquet_round_trip(stores, tmp_path, monkeypatch):
    store, ds = stores
    out = partitioned.export(store, ds, tmp_path / "lake")
    assert out["grain"] == "store" and out["sales_files"] == 4 * 3  # 4 regions x 3 years
    assert (tmp_path / "lake" / "sales" / f"dataset={ds}" / "region=North" / "year=2024").is_dir()
    north = partitioned.read_sales(tmp_path / "lake", ds, regions=["North"], years=[2024])
    assert set(north["region"]) == {"North"} and set(pd.to_datetime(north["week"]).dt.year) == {2024}
    # DuckDB reads the folders back: the same model frame, through the command line
    ws2 = tmp_path / "ws2"
    env = {"PROMOCAST_WORKSPACE": str(ws2), "PROMOCAST_DB": str(ws2 / "p.duckdb"), "PATH": "/usr/bin:/bin"}
    lake = tmp_path / "lake"
    r = subprocess.run([sys.executable, "-m", "dashboard", "ingest", str(lake / out["sales"]), "--promotions",
                        str(lake / out["promotions"]), "--weather", str(lake / out["weather"]), "--grain", "store",
                        "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    back = Store(ws2 / "p.duckdb", workspace=ws2)
    a = model_frame(store, ds).reset_index(drop=True)
    b = model_frame(back, json.loads(r.stdout)["dataset"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
