"""Refresh: new weeks as the next version of a dataset, what changed, the old version kept, scenarios carried over,
and the command line (exit 2 on bad data, nothing stored)."""
import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, SAMPLE


@pytest.fixture
def split_sample(tmp_path):
    """The sample's first 143 weeks, and an upload of weeks 140-150 with week 141 of one SKU restated and a new SKU."""
    sales = pd.read_csv(SAMPLE / "sales.csv", parse_dates=["week"])
    weeks = sorted(sales["week"].unique())
    first = sales[sales["week"] <= weeks[142]]
    later = sales[(sales["week"] >= weeks[139]) & (sales["week"] <= weeks[149])].copy()
    hit = (later["week"] == weeks[140]) & (later["sku"] == "S001")
    later.loc[hit, "units"] = later.loc[hit, "units"] + 5
    extra = later[(later["sku"] == "S002") & (later["week"] >= weeks[145])].assign(sku="S099")
    later = pd.concat([later, extra], ignore_index=True)
    later = later[~((later["sku"] == "S003") & (later["week"] > weeks[142]))]  # S003 stops selling
    a, b = tmp_path / "v1.csv", tmp_path / "v2.csv"
    first.to_csv(a, index=False)
    later.to_csv(b, index=False)
    return a, b, weeks


def test_refresh_adds_weeks_keeps_the_old_version_and_carries_scenarios(workspace, split_sample):
    from dashboard.data.ingest import prepare
    from dashboard.planning.refresh import refresh
    from dashboard.store import Store

    a, b, weeks = split_sample
    store = Store()
    v1, _ = store.save_dataset(prepare(a, SAMPLE / "promotions.csv", SAMPLE / "weather.csv", name="grocer"))
    future = weeks[143]
    store.save_scenario(v1, "keeps", pd.DataFrame([{"sku": "S004", "category": None, "region": "North", "start_week": weeks[152],
                                                    "weeks": 2, "promo_type": "tpr", "discount_pct": 20}]))
    store.save_scenario(v1, "now history", pd.DataFrame([{"sku": "S004", "category": None, "region": "North",
                                                          "start_week": future, "weeks": 1, "promo_type": "tpr", "discount_pct": 20}]))
    out = refresh(store, "grocer", b)
    v2 = out["dataset"]
    c = out["changes"]
    assert out["created"] and out["version"] == 2 and out["previous"] == v1
    assert c["new_weeks"][0] == str(pd.Timestamp(weeks[143]).date()) and len(c["new_weeks"]) == 7
    assert c["new_skus"] == ["S099"]
    assert c["restated_weeks"] == [str(pd.Timestamp(weeks[140]).date())] and c["restated_rows"] == 4  # 4 regions
    assert sorted({s.split("|")[0] for s in c["dropped_series"]}) == ["S003"]
    assert out["scenarios"]["carried"] == ["keeps"] and "now history" in out["scenarios"]["not_carried"]
    new, old = store.dataset(v2), store.dataset(v1)
    assert new.name == "grocer v2" and new.last_week == str(pd.Timestamp(weeks[149]).date())
    assert old.last_week == str(pd.Timestamp(weeks[142]).date())  # the old version stays readable, unchanged
    s2 = store.sales(v2)
    s1 = store.sales(v1)
    row = lambda s: s[(pd.to_datetime(s["week"]) == weeks[140]) & (s["sku"] == "S001")]["units"].sum()  # noqa: E731
    assert row(s2) == row(s1) + 5 * 12  # the restated week wins (5 more units in each of 12 stores)
    assert list(store.versions(v2)["id"]) == [v1, v2]
    again = refresh(store, v1, b)  # the same upload on the same version: nothing new
    assert not again["created"] and again["dataset"] == v2


def test_refresh_command_line_bad_data_and_json(workspace, split_sample, tmp_path):
    a, b, _ = split_sample
    env = {"PROMOCAST_WORKSPACE": str(workspace), "PROMOCAST_DB": str(workspace / "promocast.duckdb"), "PATH": "/usr/bin:/bin"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    assert run("ingest", str(a), "--name", "grocer").returncode == 0
    bad = tmp_path / "bad.csv"
    pd.read_csv(b).assign(units="lots").to_csv(bad, index=False)
    r = run("refresh", str(bad), "--dataset", "grocer")
    assert r.returncode == 2 and "nothing was stored" in r.stderr and "units" in r.stderr
    r = run("refresh", str(b), "--dataset", "nosuch")
    assert r.returncode == 2 and "no dataset named" in r.stderr
    r = run("refresh", str(b), "--dataset", "grocer", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["version"] == 2 and len(out["changes"]["new_weeks"]) == 7 and out["runs"] == {}
