"""Promotion effectiveness: counterfactual forecasts, the split of a promotion, money by hand, the stored margins."""
import numpy as np
import pandas as pd
import pytest

from dashboard.promotions import decompose as dc
from dashboard.promotions import tables
from dashboard.promotions.money import event_effects, regular_prices, with_prices

WEEKS = pd.date_range("2026-01-05", periods=4, freq="W-MON")


def planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """SKU A on 20 % promotion in weeks 0-1; B its sibling in the same category and region, never promoted."""
    def fc(values_a, values_b):
        return pd.DataFrame({"sku": ["A"] * 4 + ["B"] * 4, "region": "R", "week": list(WEEKS) * 2,
                             "time_idx": list(range(100, 104)) * 2, "p10": np.r_[values_a, values_b] * 0.8,
                             "p50": np.r_[values_a, values_b], "p90": np.r_[values_a, values_b] * 1.25})
    forecasts = {"forecast": fc([16, 15, 8, 10], [18, 19, 20, 20]),
                 "without_own": fc([10, 10, 10, 10], [18, 19, 20, 20]),
                 "baseline": fc([10, 10, 10, 10], [20, 20, 20, 20])}
    plan = pd.DataFrame({"sku": ["A"] * 4 + ["B"] * 4, "region": "R", "time_idx": list(range(100, 104)) * 2,
                         "category": "c", "promo": [1, 1, 0, 0, 0, 0, 0, 0], "discount_pct": [20, 20, 0, 0, 0, 0, 0, 0],
                         "promo_type": ["tpr", "tpr", None, None, None, None, None, None]})
    return dc.weekly(forecasts, plan), pd.DataFrame({"sku": ["A", "B"], "region": "R", "regular_price": [10.0, 5.0]})


def test_money_by_hand_on_a_planted_promotion():
    w, prices = planted()
    ev = dc.events(w)
    assert len(ev) == 1 and ev.loc[0, "weeks"] == 2 and ev.loc[0, "discount_pct"] == 20
    assert list(w["dip_of"]) == [-1, -1, 0, 0, -1, -1, -1, -1]  # the two weeks after it
    out = event_effects(with_prices(w, prices, {"c": 30.0}), ev).iloc[0]
    # units: uplift 6 + 5, cannibalization B's -2 - 1, dip -2 + 0
    assert out["baseline_units_p50"] == 20 and out["uplift_units_p50"] == 11
    assert out["cannibalization_units_p50"] == pytest.approx(-3) and out["dip_units_p50"] == pytest.approx(-2)
    assert out["net_units_p50"] == pytest.approx(6) and out["uplift_pct"] == pytest.approx(55)
    # margin: A costs 7 (30 % of 10), sells at 8 on promotion; B costs 3.5, sells at 5
    assert out["discount_margin_p50"] == pytest.approx(-40)   # 20 baseline units x 10 x 20 %
    assert out["uplift_margin_p50"] == pytest.approx(11)      # 11 x (8 - 7)
    assert out["cannibalization_margin_p50"] == pytest.approx(-4.5)  # -3 x 1.5
    assert out["dip_margin_p50"] == pytest.approx(-6)         # -2 x 3
    assert out["net_margin_p50"] == pytest.approx(-39.5)
    # the same by brute force: both SKUs' margin with the plan minus with no promotion at all
    with_plan = (16 + 15) * 1 + (8 + 10) * 3 + (18 + 19 + 20 + 20) * 1.5
    without = 40 * 3 + 80 * 1.5
    assert out["net_margin_p50"] == pytest.approx(with_plan - without)
    assert out["net_revenue_p50"] == pytest.approx(-40 + 88 - 15 - 20)
    assert out["net_margin_p10"] <= out["net_margin_p50"] <= out["net_margin_p90"]


def test_supplier_funding_by_hand_and_by_brute_force():
    w, prices = planted()
    ev = dc.events(w)
    funded = with_prices(w, prices, {"c": 30.0}, funding={"c": {"funded_pct": 50.0, "scan_allowance": 0.3}})
    out = event_effects(funded, ev).iloc[0]
    # A sells 16 + 15 units on promotion; the supplier pays half the 2.00 discount (1.00) and 0.30 a unit on each
    assert out["funding_margin_p50"] == pytest.approx(31 * 1.3)
    assert out["net_margin_p50"] == pytest.approx(-39.5 + 40.3)  # the retailer's: unfunded -39.5, plus the funding
    # brute force: the retailer's margin with the plan (a promoted unit earns 1.00 + 1.30 funding) minus without any
    with_plan = (16 + 15) * (1 + 1.3) + (8 + 10) * 3 + (18 + 19 + 20 + 20) * 1.5
    without = 40 * 3 + 80 * 1.5
    assert out["net_margin_p50"] == pytest.approx(with_plan - without)
    assert out["net_revenue_p50"] == pytest.approx(-40 + 88 - 15 - 20)  # shoppers pay the same: revenue unchanged
    table = tables.planned(event_effects(funded, ev).assign(promo_type="tpr"))
    assert table.loc[0, "supplier funding"] == pytest.approx(40.3) and table.loc[0, "supplier's cost"] == pytest.approx(-40.3)
    # the supplier's side: its margin is 20 % of its price to the retailer (A's cost, 7.00): 1.40 a unit on A's own
    # 11 uplift and -2 dip units; it pays the 40.30 funding. Brute force: A sells 16+15+8+10 = 49 units, 40 without
    theirs = with_prices(w, prices, {"c": 30.0}, funding={"c": {"funded_pct": 50.0, "scan_allowance": 0.3,
                                                                 "supplier_margin_pct": 20.0}})
    sup = event_effects(theirs, ev).iloc[0]
    assert sup["supplier_margin_p50"] == pytest.approx((49 - 40) * 1.4 - 40.3)
    assert sup["net_margin_p50"] == pytest.approx(out["net_margin_p50"])  # the retailer's stays as it was
    row = tables.planned(event_effects(theirs, ev).assign(promo_type="tpr")).iloc[0]
    assert row["supplier's margin"] == pytest.approx(-27.7)
    assert tables.by_mechanic(event_effects(theirs, ev).assign(promo_type="tpr")).iloc[0]["supplier's margin"] == \
        pytest.approx(-27.7)
    other = with_prices(w, prices, {"c": 30.0}, funding={"d": {"funded_pct": 50.0, "scan_allowance": 0.3}})
    assert event_effects(other, ev).iloc[0]["net_margin_p50"] == pytest.approx(-39.5)  # another category's funding


def test_sibling_effect_shared_between_promotions_of_the_same_week():
    w, _ = planted()
    w.loc[(w["sku"] == "B") & (w["time_idx"] == 100), ["promo", "discount_pct"]] = [1, 10]
    w.loc[(w["sku"] == "B") & (w["time_idx"] == 100), "own_p50"] = 2.0
    dc.events(w)
    share = dc.sibling_shares(w)
    week0 = w["time_idx"] == 100
    assert share[week0].sum() == pytest.approx(1.0)
    assert share[week0 & (w["sku"] == "A")].iloc[0] == pytest.approx(6 / 8)  # in proportion to the uplift
    assert (share[~(w["event"] >= 0)] == 0).all()


def test_regular_price_ignores_promoted_weeks():
    f = pd.DataFrame({"sku": "A", "region": "R", "time_idx": range(6), "units": 1.0,
                      "price": [10, 8, 10, 10.5, 7, 99], "promo": [0, 1, 0, 0, 1, 0]})
    p = regular_prices(f, start_idx=5)
    assert p["regular_price"].iloc[0] == pytest.approx(10.0)  # median of 10, 10, 10.5; week 5 is not history


def test_tables_rank_and_warn():
    w, prices = planted()
    events = dc.events(w)
    ev = event_effects(with_prices(w, prices, {"c": 30.0}), events)
    t = tables.planned(ev, max_discount_seen=15)
    assert "loses money" in t.loc[0, "warnings"] and "deeper than any past discount" in t.loc[0, "warnings"]
    cmp = tables.compare({"base": ev, "deeper": ev.assign(net_margin_p50=ev["net_margin_p50"] + 10)})
    assert list(cmp["incremental_margin vs base"]) == [0, 10]


def test_calendar_expansion_names_series_by_sku_category_region_or_all():
    from dashboard.data.features import calendar_plan

    series = pd.DataFrame({"sku": ["A", "A", "B", "C"], "region": ["N", "S", "N", "S"], "category": ["x", "x", "y", "x"]})
    promos = pd.DataFrame({
        "sku": ["A", None, "all", "B"], "category": [None, "x", None, "y"], "region": [None, "S", "N", "N"],
        "start_week": pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-05", "2026-01-05"]),
        "end_week": pd.to_datetime(["2026-01-19", "2026-01-26", "2026-01-05", "2026-01-12"]),
        "promo_type": ["tpr", None, "bogo", "tpr"], "discount_pct": [20, 30, 10, None]})
    p = calendar_plan(promos, series, pd.date_range("2026-01-05", periods=6, freq="W-MON")).set_index(["sku", "region", "week"])
    assert p.loc[("A", "S", pd.Timestamp("2026-01-12")), "discount_pct"] == 30  # category x in S, deeper than A's 20
    assert p.loc[("A", "S", pd.Timestamp("2026-01-12")), "promo_type"] == "promo"  # no type given
    assert p.loc[("A", "N", pd.Timestamp("2026-01-05")), "discount_pct"] == 20  # 'all' in N at 10 % loses to 20 %
    assert p.loc[("B", "N", pd.Timestamp("2026-01-05")), "promo_type"] == "bogo"  # a missing discount counts as 0
    assert ("C", "S", pd.Timestamp("2026-01-05")) not in p.index and len(p.loc["C"]) == 3
    assert (p["promo"] == 1).all() and p.index.is_unique


def test_margins_are_stored_and_checked(workspace):
    from dashboard.store import Store

    s = Store()
    assert s.margins() == {}
    s.set_margins({"snacks": 35, "dairy": 22.5}, "ana")
    s.set_margins({"snacks": 40})
    assert s.margins() == {"dairy": 22.5, "snacks": 40.0}
    with pytest.raises(ValueError, match="margin snacks: 140"):
        s.set_margins({"snacks": 140, "dairy": 10})
    assert s.margins()["dairy"] == 22.5  # a refused write changes nothing
    s.set_margins({}, prices={"snacks": 3.5})
    assert s.entered_prices() == {"snacks": 3.5} and s.margins()["snacks"] == 40.0  # a price keeps the margin
    with pytest.raises(ValueError, match="price dairy: 0"):
        s.set_margins({}, prices={"dairy": 0})
    s.set_margins({}, funding={"snacks": (50, 0.25)})
    assert s.funding() == {"snacks": {"funded_pct": 50.0, "scan_allowance": 0.25, "supplier_margin_pct": 0.0}}
    assert s.margins()["snacks"] == 40.0
    with pytest.raises(ValueError, match="supplier-funded % dairy: 120.*scan allowance snacks: -1"):
        s.set_margins({}, funding={"dairy": (120, 0), "snacks": (10, -1)})
    assert s.funding()["snacks"]["funded_pct"] == 50.0  # refused: nothing changed
    s.set_margins({"snacks": 35})
    assert s.funding()["snacks"]["scan_allowance"] == 0.25  # a new margin keeps the funding
    s.set_margins({}, funding={"snacks": (50, 0.25, 18)})
    s.set_margins({}, funding={"snacks": (40, 0.25)})  # funding alone keeps the supplier's margin
    assert s.funding()["snacks"] == {"funded_pct": 40.0, "scan_allowance": 0.25, "supplier_margin_pct": 18.0}
    with pytest.raises(ValueError, match="supplier's margin % snacks: 101"):
        s.set_margins({}, funding={"snacks": (40, 0.25, 101)})


def test_an_entered_price_fills_data_without_prices():
    w, prices = planted()
    dc.events(w)
    out = with_prices(w, prices.assign(regular_price=[np.nan, 5.0]), {"c": 30.0}, {"c": 10.0})
    assert out.loc[out["sku"] == "A", "regular_price"].eq(10.0).all()
    assert out.loc[out["sku"] == "B", "regular_price"].eq(5.0).all()  # the data's own price first


@pytest.fixture(scope="module")
def analysis(trained_workspace):
    import os

    from dashboard.promotions.analysis import load
    from dashboard.store import Store

    old = {k: os.environ.get(k) for k in ("PROMOCAST_WORKSPACE", "PROMOCAST_DB")}
    os.environ["PROMOCAST_WORKSPACE"] = str(trained_workspace)
    os.environ["PROMOCAST_DB"] = str(trained_workspace / "promocast.duckdb")
    try:
        store = Store()
        runs = store.runs()
        yield load(store, runs.loc[runs["model"] == "tft", "run_id"].iloc[0])
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def test_counterfactuals_reproduce_predict(analysis):
    a = analysis
    frame = a.frame[a.frame["time_idx"] < a.start + a.horizon]
    direct = a.model.predict(frame, a.start)
    same = a.cf.forecast(a.cf.inputs(frame, dc.PROMO_INPUTS))
    assert len(direct) == len(same) > 0
    np.testing.assert_allclose(direct[["p10", "p50", "p90"]].to_numpy(), same[["p10", "p50", "p90"]].to_numpy(), rtol=1e-6)


def test_removing_a_promotion_that_does_not_exist_changes_nothing(analysis):
    from dashboard.planning.scenarios import expand_edits

    a = analysis
    w0, ev0 = a.decompose()
    fut = a.plan_rows()
    quiet = fut[fut["promo"] <= 0].iloc[0]
    edit = pd.DataFrame([{"sku": quiet["sku"], "category": None, "region": quiet["region"], "start_week": quiet["week"],
                          "weeks": 1, "promo_type": "none", "discount_pct": 0}])
    w1, ev1 = a.decompose(a.with_edits(expand_edits(edit, a.series, pd.DatetimeIndex([]))))
    np.testing.assert_allclose(w0["forecast_p50"], w1["forecast_p50"])
    pd.testing.assert_frame_equal(ev0, ev1)
    # and the plan's promotions add up: every unit the plan adds is in an event, a dip or a sibling
    assert ev0["net_units_p50"].sum() == pytest.approx((w0["forecast_p50"] - w0["baseline_p50"]).sum()
                                                      - w0.loc[(w0["event"] < 0) & (w0["dip_of"] < 0), "own_p50"].sum()
                                                      - w0.loc[w0.groupby(["category", "region", "time_idx"])["event"]
                                                               .transform("max") < 0, "sibling_p50"].sum(), abs=1e-6)


def test_a_plan_without_promotions_has_no_uplift(analysis):
    a = analysis
    fut = a.plan_rows().assign(promo=0.0, discount_pct=0.0, cat_promo_share=0.0, cat_mean_discount=0.0)
    w, ev = a.decompose(fut)
    assert ev.empty
    assert np.abs(w[["own_p50", "sibling_p50"]].to_numpy()).max() == 0


def test_a_calendar_s_own_funding_is_imported_checked_and_wins_over_its_category(write, workspace):
    from dashboard.data.features import calendar_plan
    from dashboard.data.ingest import prepare
    from dashboard.schema import ValidationError
    from dashboard.store import Store

    sales = "week,sku,category,region,units\n" + "".join(
        f"{w.date()},{s},c,R,{10 + i % 3}\n" for i, w in enumerate(pd.date_range("2024-01-01", periods=60, freq="W-MON"))
        for s in ("A", "B"))
    cal = ("sku,region,start_week,end_week,promo_type,discount_pct,supplier_funded_pct,scan_allowance\n"
           "A,R,2025-03-03,2025-03-10,tpr,20,50,0.3\nB,R,2025-03-03,2025-03-03,tpr,10,,\n")
    p = prepare(write("s.csv", sales), write("cal.csv", cal))
    assert p.promotions["funded_pct"].tolist()[0] == 50 and np.isnan(p.promotions["scan_allowance"].tolist()[1])
    store = Store()
    ds, _ = store.save_dataset(p)
    stored = store.promotions(ds).set_index("sku")
    assert stored.loc["A", "scan_allowance"] == 0.3 and np.isnan(stored.loc["B", "funded_pct"])
    store.close()
    bad = ("sku,region,start_week,end_week,discount_pct,funded_pct,scan_allowance\n"
           "A,R,2025-03-03,2025-03-10,20,120,0\nB,R,2025-03-03,2025-03-03,10,10,-2\n")
    with pytest.raises(ValidationError) as err:
        prepare(write("s.csv", sales), write("bad.csv", bad))
    found = {(x.file, x.column, x.rule, x.rows) for x in err.value.problems}
    assert ("bad.csv", "funded_pct", "supplier-funded share outside 0-100 %", (2,)) in found
    assert ("bad.csv", "scan_allowance", "negative scan allowance", (3,)) in found
    weeks = pd.date_range("2025-03-03", periods=2, freq="W-MON")
    plan = calendar_plan(stored.reset_index(), pd.DataFrame({"sku": ["A", "B"], "region": "R", "category": "c"}), weeks)
    assert plan.set_index("sku").loc["A", "funded_pct"].tolist() == [50.0, 50.0]
    w, prices = planted()
    w["funded_pct"] = np.where(w["promo"] > 0, 25.0, np.nan)  # this promotion's own 25 % beats its category's 50 %
    ev = dc.events(w)
    out = event_effects(with_prices(w, prices, {"c": 30.0}, funding={"c": {"funded_pct": 50.0}}), ev).iloc[0]
    assert out["funding_margin_p50"] == pytest.approx(31 * 0.25 * 10 * 0.2)


def test_promotions_known_only_as_a_flag_are_read_and_priced_by_the_flag():
    """An 84-store panel's calendar said only "on promotion": the uplift curve by depth drew 0 % everywhere. A category
    without depth gets the flag's uplift (at 0 %), and its promotions are never priced as a discount unsaid."""
    from conftest import tiny_config
    from dashboard.data.features import build_frame
    from dashboard.planning.scenarios import guards
    from dashboard.promotions.analysis import PromotionAnalysis
    from models import create

    rng = np.random.default_rng(3)
    weeks = pd.date_range("2023-01-02", periods=120, freq="W-MON")
    rows = []
    for s in ("A", "B", "C", "D"):
        on = rng.random(len(weeks)) < 0.2
        units = rng.poisson(20 * np.where(on, 1.5, 1.0))  # a promotion lifts 50 %, and has no depth
        rows += [{"week": w, "region": "R", "area": "R", "sku": s, "category": "flagged", "units": float(u),
                  "price": 2.0, "promo": float(o), "discount_pct": 0.0} for w, u, o in zip(weeks, units, on)]
    frame = build_frame(pd.DataFrame(rows), [], horizon=13)
    cfg = tiny_config("lightgbm")
    model = create(type(cfg)(**{**cfg.to_dict(), "gbm_trees": 200}))
    model.fit(frame[frame["units"].notna()])
    a = PromotionAnalysis(model, frame)
    assert a.flag_only() == ["flagged"]
    r = a.response()
    assert r["discount_pct"].tolist() == [0.0] and r["flag_only"].all()
    assert 20 < r["uplift_pct"].iloc[0] < 90  # the flag's uplift, about the planted 50 %, not 0
    hist = frame[frame["units"].notna()]
    plan = pd.DataFrame({"sku": ["A"], "region": ["R"], "week": [weeks[-1] + pd.Timedelta(weeks=2)], "promo": [1.0],
                         "discount_pct": [20.0], "promo_type": ["tpr"]})
    assert any("no discount depth" in w for w in guards(plan, hist, {"promo"}, pd.DatetimeIndex([])))
    w, prices = planted()
    ev = dc.events(w)
    ev["discount_pct"] = 0.0
    out = event_effects(with_prices(w, prices, {"c": 30.0}), ev)
    assert "no discount depth" in tables.planned(out).loc[0, "warnings"]


def test_the_plan_by_mechanic_sums_its_promotions():
    events = pd.DataFrame({"promo_type": ["tpr", "bogo", "tpr"], "net_units_p50": [10.0, 30.0, 5.0],
                           "net_margin_p50": [-4.0, 12.0, 2.0], "funding_margin_p50": [1.0, 3.0, 0.0]})
    t = tables.by_mechanic(events).set_index("type")
    assert list(t.index) == ["bogo", "tpr"]  # the best margin first
    assert t.loc["tpr", "promotions"] == 2 and t.loc["tpr", "incremental units"] == 15
    assert t.loc["tpr", "incremental margin"] == -2 and t.loc["tpr", "losing money"] == 1
    assert t.loc["bogo", "supplier funding"] == 3
