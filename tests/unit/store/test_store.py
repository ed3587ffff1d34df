import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, SAMPLE, file_sha
from dashboard.data.calendars import RegionCalendar
from dashboard.data.ingest import prepare
from dashboard.store import Store


def dump(store: Store) -> dict:
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv() for t in
            ("datasets", "sales", "promotions", "weather", "holiday_calendars", "custom_events")}


@pytest.fixture(scope="module")
def sample():
    return prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv", name="sample")


def test_save_list_and_idempotent(tmp_path, sample):
    store = Store(tmp_path / "db.duckdb")
    ds, created = store.save_dataset(sample)
    assert created and ds.startswith("ds-")
    before = dump(store)
    assert store.save_dataset(sample) == (ds, False)
    assert dump(store) == before
    info = store.dataset(ds)
    assert info.series == 160 and info.weeks == 156 and info.rows == len(store.sales(ds))
    assert len(store.promotions(ds)) == len(sample.promotions)
    assert {c.region for c in store.calendars(ds)} == {"North", "South", "East", "West"}


def test_failed_write_rolls_back(tmp_path, sample):
    store = Store(tmp_path / "db.duckdb")
    broken = prepare(SAMPLE / "sales.csv", name="other")
    broken.info.content_hash = "x" * 64
    broken.info.id = "ds-broken"
    broken.weather = pd.DataFrame({"nonsense": [1]})  # the INSERT of weather fails mid-transaction
    store.save_dataset(sample)
    before = dump(store)
    with pytest.raises(Exception):
        store.save_dataset(broken)
    assert dump(store) == before


def test_calendars_and_events_round_trip(tmp_path, sample):
    store = Store(tmp_path / "db.duckdb")
    ds, _ = store.save_dataset(sample)
    events = pd.DataFrame({"date": [pd.Timestamp("2025-06-01")], "name": ["Store anniversary"]})
    store.set_calendars(ds, [RegionCalendar("North", "CA", "ON")], events)
    assert store.calendars(ds) == [RegionCalendar("North", "CA", "ON")]
    assert store.custom_events(ds)["name"].tolist() == ["Store anniversary"]


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True, text=True, env=env)


def test_cli_ingest_datasets_check_and_bad_input_leaves_db_unchanged(tmp_path, write):
    db = str(tmp_path / "cli.duckdb")
    ok = cli("ingest", str(SAMPLE / "sales.csv"), "--promotions", str(SAMPLE / "promotions.csv"),
             "--weather", str(SAMPLE / "weather.csv"), "--name", "sample", "--db", db, "--json")
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["created"] and out["series"] == 160 and out["source_rows"] == 65184
    listed = json.loads(cli("datasets", "--json", "--db", db).stdout)
    assert [d["id"] for d in listed] == [out["dataset"]]
    assert set(listed[0]) >= {"id", "name", "rows", "series", "first_week", "last_week", "content_hash"}
    check = json.loads(cli("check", "--json", "--db", db).stdout)
    assert check["dataset"] == out["dataset"] and len(check["series"]) == 160
    assert any(s["status"] == "too short" for s in check["series"])
    before = file_sha(db)
    bad = write("bad.csv", "week,sku,units\n2024-01-01,A,-1\nnot-a-date,B,2\n")
    res = cli("ingest", str(bad), "--db", db)
    assert res.returncode == 2
    assert "bad.csv: column 'units': negative units [1] rows 2" in res.stderr
    assert "bad.csv: column 'week': unparsable date" in res.stderr and "rows 3" in res.stderr
    bad_promo = write("promo.csv", "sku,region,start_week,end_week,discount_pct\nNOPE,North,2024-01-01,2024-01-08,10\n")
    res = cli("ingest", str(SAMPLE / "sales.csv"), "--promotions", str(bad_promo), "--db", db)
    assert res.returncode == 2 and "unknown SKU" in res.stderr
    assert file_sha(db) == before
    again = cli("ingest", str(SAMPLE / "sales.csv"), "--promotions", str(SAMPLE / "promotions.csv"),
                "--weather", str(SAMPLE / "weather.csv"), "--db", db, "--json")
    assert json.loads(again.stdout)["created"] is False


def test_cli_map_option(tmp_path, write):
    text = "Date,Dept,Sales\n" + "\n".join(f"{w.date()},D1,{i}" for i, w in enumerate(pd.date_range("2024-01-01", periods=4, freq="W-MON")))
    res = cli("ingest", str(write("w.csv", text)), "--map", "Date=week,Dept=sku,Sales=units", "--db", str(tmp_path / "m.duckdb"), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["series"] == 1


def test_cli_sample_writes_files(tmp_path):
    res = cli("sample", str(tmp_path / "out"), "--scale", "small", "--seed", "7")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "sales.csv").read_bytes() == (SAMPLE / "sales.csv").read_bytes()
