"""What-if: edits, guards, saved scenarios, the CLI, and cannibalization learned from the synthetic truth."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, SAMPLE
from dashboard.data.features import add_category_promo
from dashboard.planning.scenarios import Scenario, WhatIf, deltas, edits_frame, expand_edits, guards, parse_promo
from dashboard.schema import TrainConfig
from dashboard.store import Store

SERIES = pd.DataFrame({"sku": ["A", "B", "C"], "region": ["N", "N", "N"], "category": ["x", "x", "y"]})
WEEKS = pd.date_range("2026-01-05", periods=4, freq="W-MON")


def test_parse_promo_and_errors():
    row = parse_promo("sku=S001,region=North,start=2026-01-05,weeks=2,discount=25")
    assert row["sku"] == "S001" and row["weeks"] == 2 and row["discount_pct"] == 25.0 and row["promo_type"] == "tpr"
    with pytest.raises(ValueError, match="unknown key 'disc'"):
        parse_promo("sku=S001,start=2026-01-05,disc=25")
    with pytest.raises(ValueError, match="needs sku= or category="):
        parse_promo("start=2026-01-05")


def test_expand_edits_category_all_regions_and_removal():
    edits = edits_frame([{"sku": None, "category": "x", "region": "all", "start_week": "2026-01-07", "weeks": 2,
                          "promo_type": "tpr", "discount_pct": 20},
                         {"sku": "B", "category": None, "region": "N", "start_week": "2026-01-12", "weeks": 1,
                          "promo_type": "none", "discount_pct": 0}])
    plan = expand_edits(edits, SERIES, WEEKS).set_index(["sku", "week"])
    assert set(plan.index.get_level_values("sku")) == {"A", "B"}  # category x, not C
    assert plan.loc[("A", pd.Timestamp("2026-01-05")), "discount_pct"] == 20  # start snapped to Monday
    assert plan.loc[("B", pd.Timestamp("2026-01-12")), "promo"] == 0  # later edit removes it
    with pytest.raises(ValueError, match="unknown sku 'Z'"):
        expand_edits(edits_frame([{"sku": "Z", "start_week": "2026-01-05", "weeks": 1, "discount_pct": 5}]), SERIES, WEEKS)


def test_guards_name_how_far_outside():
    hist = pd.DataFrame({"discount_pct": [0, 10, 40]})
    plan = pd.DataFrame({"sku": ["A", "A"], "region": ["N", "N"], "week": [WEEKS[0], WEEKS[-1] + pd.Timedelta(weeks=3)],
                         "promo": [1.0, 1.0], "discount_pct": [70.0, 10.0], "promo_type": ["mega", "tpr"]})
    w = " | ".join(guards(plan, hist, {"tpr", "feature"}, WEEKS))
    assert "70 % discount" in w and "max 40 %" in w and "30 points outside" in w
    assert "promo type 'mega': mega is no mechanic Promocast knows" in w
    assert "outside the forecast horizon" in w
    bogo = plan.assign(promo_type=["bogo", "tpr+feature"])
    blind = " | ".join(guards(bogo, hist, {"tpr", "bogo"}, WEEKS))  # a run that reads the discount only
    assert "cannot tell its bogo from a price cut" in blind and "reads promotions by their discount only" in blind
    reads = " | ".join(guards(bogo, hist, {"tpr", "bogo"}, WEEKS, ["mech_bogo"]))
    assert "its bogo" not in reads  # the run reads the BOGO: no warning for it
    assert "cannot tell its feature" in reads and "has no feature" in reads  # but never saw a feature


def test_saved_scenarios_crud_and_base_protected(tmp_path):
    from dashboard.data.ingest import prepare

    store = Store(tmp_path / "s.duckdb")
    ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv"))
    e = edits_frame([parse_promo("sku=S001,region=North,start=2026-01-05,weeks=2,discount=25")])
    store.save_scenario(ds, "soda push", e, "ana", 1.5)
    with pytest.raises(ValueError, match="already exists"):  # a taken name is never replaced unseen
        store.save_scenario(ds, " Soda  PUSH ", e.assign(discount_pct=30.0), "bo")
    store.save_scenario(ds, "soda push", e.assign(discount_pct=30.0), "ana", overwrite=True)  # replace
    got, temp, author = store.scenario(ds, "soda push")
    assert got["discount_pct"].iloc[0] == 30 and temp == 0 and author == "ana"
    assert store.scenarios(ds)["name"].tolist() == ["soda push"]
    with pytest.raises(ValueError, match="cannot be deleted"):
        store.delete_scenario(ds, "base")
    with pytest.raises(ValueError, match="'base' is the stored promotion plan"):
        store.save_scenario(ds, "base", e)
    store.delete_scenario(ds, "soda push")
    assert store.scenarios(ds).empty


def test_cli_scenario_json_and_warning(use_trained):
    store = Store()
    run = store.runs().query("model == 'tft'")["run_id"].iloc[0]
    engine_weeks = store.dataset().last_week
    store.close()
    start = (pd.Timestamp(engine_weeks) + pd.Timedelta(weeks=2)).date()
    res = subprocess.run([sys.executable, "-m", "dashboard", "scenario", "--run", run, "--promo",
                          f"sku=S001,region=North,start={start},weeks=2,discount=70", "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) >= {"base_total", "scenario_total", "series", "warnings"}
    assert {"sku", "region", "base_p50", "scenario_p50", "delta"} <= set(out["series"][0])
    s001 = [s for s in out["series"] if s["sku"] == "S001" and s["region"] == "North"][0]
    assert s001["scenario_p50"] != s001["base_p50"]
    assert any("70 % discount" in w and "deeper than any discount" in w for w in out["warnings"])
    bad = subprocess.run([sys.executable, "-m", "dashboard", "scenario", "--run", run, "--promo",
                          f"sku=NOPE,start={start},weeks=1,discount=10"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown sku 'NOPE'" in bad.stderr
    # by shelf price, as a planner types it: S001's regular price in the sample is under 12, so 0.50 is a deep cut
    shelf = subprocess.run([sys.executable, "-m", "dashboard", "scenario", "--run", run, "--promo",
                            f"sku=S001,region=North,start={start},weeks=2,price=0.5", "--json"],
                           cwd=ROOT, capture_output=True, text=True)
    assert shelf.returncode == 0, shelf.stderr
    assert json.loads(shelf.stdout)["scenario_total"] != json.loads(shelf.stdout)["base_total"]
    change = subprocess.run([sys.executable, "-m", "dashboard", "scenario", "--run", run, "--promo",
                             f"sku=S001,start={start},weeks=2,type=price change,price=99", "--json"],
                            cwd=ROOT, capture_output=True, text=True)
    assert change.returncode == 0, change.stderr  # the sample's prices never move: the run says it reads none
    assert any("does not read prices" in w for w in json.loads(change.stdout)["warnings"])
    above = subprocess.run([sys.executable, "-m", "dashboard", "scenario", "--run", run, "--promo",
                            f"sku=S001,region=North,start={start},weeks=1,price=99"], cwd=ROOT, capture_output=True,
                           text=True)
    assert above.returncode == 2 and "is no cut for S001 North" in above.stderr


@pytest.fixture(scope="module")
def snacks_model():
    """A small TFT trained on two categories of the sample: snacks (strong promo and cannibalization
    ground truth) and dairy (a bystander)."""
    from dashboard.data.calendars import RegionCalendar
    from dashboard.data.features import build_frame
    from dashboard.data.ingest import prepare
    from models import create

    p = prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv")
    sales = p.sales[p.sales["category"].isin(["snacks", "dairy"])]
    frame = build_frame(sales, [RegionCalendar(r) for r in sales["region"].unique()], weather=p.weather, horizon=8)
    cfg = TrainConfig(model="tft", horizon=8, holdout_weeks=8, encoder_weeks=26, min_encoder_weeks=8, hidden_size=16,
                      attention_heads=2, hidden_continuous_size=8, max_epochs=8, patience=8, limit_train_batches=20,
                      batch_size=64, learning_rate=0.01, threads=1, seed=3)
    model = create(cfg)
    model.fit(frame[frame["units"].notna()])
    return model, frame


def test_promo_raises_sku_and_cannibalizes_siblings(snacks_model):
    model, frame = snacks_model
    engine = WhatIf(model, frame, "tft", {"tpr"})
    snack = engine.series.query("category == 'snacks' and region == 'North'")
    target = snack["sku"].iloc[0]
    edit = edits_frame([{"sku": target, "region": "North", "start_week": engine.future_weeks[1], "weeks": 3,
                         "promo_type": "tpr", "discount_pct": 30}])
    res = engine.run(Scenario("push", edit))
    weeks = engine.future_weeks[1:4]
    d = deltas(res["base"][res["base"]["week"].isin(weeks)], res["forecast"][res["forecast"]["week"].isin(weeks)],
               engine.series, ["sku", "region", "category"]).set_index(["sku", "region"])
    assert d.loc[(target, "North"), "delta_pct"] > 20  # the promoted SKU sells more
    siblings = d.query("category == 'snacks' and region == 'North'").drop(index=(target, "North"))
    assert (siblings["delta"] < 0).any(), siblings  # at least one sibling loses
    assert siblings["delta"].sum() < 0  # and the siblings lose in total (cannibalization)
    # every other series' forecast is unchanged: predict everything with the edited inputs
    edited = frame.copy()
    rows = (edited["sku"] == target) & (edited["region"] == "North") & edited["week"].isin(weeks)
    edited.loc[rows, ["promo", "discount_pct"]] = [1.0, 30.0]
    fut = edited["time_idx"] >= engine.start
    edited.loc[fut, ["cat_promo_share", "cat_mean_discount"]] = add_category_promo(edited.loc[fut].copy())[
        ["cat_promo_share", "cat_mean_discount"]].to_numpy()
    full = model.predict(edited[edited["time_idx"] < engine.start + engine.horizon], engine.start)
    other = full.merge(engine.series, on=["sku", "region"]).query("category == 'dairy'")
    base_other = engine.base().merge(engine.series, on=["sku", "region"]).query("category == 'dairy'")
    assert np.allclose(other["p50"].to_numpy(), base_other["p50"].to_numpy(), rtol=1e-5)


def test_what_if_base_is_the_runs_stored_future_with_its_calibrated_band(use_trained):
    """The what-if's base case is the forecast the run stored (the same calibrated P10-P90), so the scenario and
    the Forecast page never disagree about the base."""
    from pathlib import Path

    from dashboard.store.runs import load_future
    from dashboard.planning.scenarios import what_if_engine

    store = Store()
    run = store.runs().query("model == 'tft'").iloc[0]
    engine = what_if_engine(store, run["run_id"])
    stored = load_future(Path(run["run_dir"]))
    store.close()
    assert engine.bands is not None and len(engine.bands) == engine.horizon
    base = engine.base()  # read, not re-forecast: the What-if page's first visit no longer forecasts every series
    assert np.array_equal(base["p50"].to_numpy(), stored.sort_values(["sku", "region", "time_idx"])["p50"].to_numpy())
    got = engine._predict(engine.frame).merge(stored, on=["sku", "region", "time_idx"], suffixes=("", "_stored"))
    assert len(got) == len(stored)  # and a fresh forecast under the stored plan gives the same
    for q in ("p10", "p50", "p90"):
        assert np.allclose(got[q], got[f"{q}_stored"], rtol=1e-4, atol=1e-3), q


def test_lightgbm_what_if_raises_the_edited_series_and_no_promotion_gives_back_the_base():
    """The gradient-boosted model re-forecasts a what-if (the frame's inputs overwritten, one predict): the promoted
    SKU rises; removing promotions from weeks that had none reproduces the base exactly."""
    from dashboard.data.calendars import RegionCalendar
    from dashboard.data.features import build_frame
    from dashboard.data.ingest import prepare
    from dashboard.schema import preset_config
    from models import create

    p = prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv")
    sales = p.sales[p.sales["category"].isin(["snacks", "dairy"])]
    frame = build_frame(sales, [RegionCalendar(r) for r in sales["region"].unique()], weather=p.weather, horizon=8)
    model = create(preset_config("lightgbm", "fast", horizon=8, holdout_weeks=8, gbm_trees=120, threads=1))
    model.fit(frame[frame["units"].notna()])
    engine = WhatIf(model, frame, "lightgbm", {"tpr"})
    snack = engine.series.query("category == 'snacks' and region == 'North'")
    target = snack["sku"].iloc[0]
    weeks = engine.future_weeks[1:4]
    unplanned = frame[(frame["sku"] == target) & (frame["region"] == "North") & frame["week"].isin(weeks)]
    assert (unplanned["promo"] == 0).all()  # no promotion planned there: the edit below adds one
    edit = edits_frame([{"sku": target, "region": "North", "start_week": weeks[0], "weeks": 3,
                         "promo_type": "tpr", "discount_pct": 30}])
    res = engine.run(Scenario("push", edit))
    d = deltas(res["base"][res["base"]["week"].isin(weeks)], res["forecast"][res["forecast"]["week"].isin(weeks)],
               engine.series, ["sku", "region"]).set_index(["sku", "region"])
    assert d.loc[(target, "North"), "delta_pct"] > 10, d.loc[(target, "North")]
    none = edits_frame([{"sku": target, "region": "North", "start_week": weeks[0], "weeks": 3, "promo_type": "none",
                         "discount_pct": 0}])
    same = engine.run(Scenario("nothing", none))
    assert np.allclose(same["forecast"]["p50"].to_numpy(), engine.base()["p50"].to_numpy(), rtol=1e-6)
