"""The Promotions page on a workspace with one tiny run per model: the plan's promotions in units and money, a
scenario compared in money, margins that move the money, past promotions, the report section, What-if's money."""
import pandas as pd
from test_pages import ok, open_page  # the same AppTest helpers as the other pages


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_promotions_page_plan_scenario_margins_past(use_trained):
    from dashboard.ui import get_store

    store = get_store()
    ds = store.dataset().id
    at = ok(open_page("promotions"))
    assert at.title[0].value == "Promotions"
    assert int(metric(at, "Planned promotions")) > 0
    frames = [d.value for d in at.dataframe]
    planned = next(f for f in frames if "incremental margin" in f.columns)
    assert list(planned["incremental margin"]) == sorted(planned["incremental margin"], reverse=True)  # ranked
    assert {"uplift units", "cannibalization units", "dip units", "incremental margin P10", "warnings"} <= set(planned.columns)
    assert len(at.get("plotly_chart")) >= 3  # two waterfalls and the uplift curve
    past = next(f for f in frames if "realized uplift %" in f.columns)
    assert len(past) > 0 and {"forecast uplift %", "lost money"} <= set(past.columns)
    margin_before = metric(at, "Incremental margin")

    categories = store.series_list(ds)["category"].unique()
    try:
        store.set_margins({c: 60.0 for c in categories})  # fatter margins: promotions pay more
        at = ok(open_page("promotions"))
        assert metric(at, "Incremental margin") != margin_before
        fat = float(metric(at, "Incremental margin").replace(",", ""))
        store.set_margins({}, funding={c: (50.0, 0.0) for c in categories})  # the supplier pays half of every discount
        at = ok(open_page("promotions"))
        funded = next(d.value for d in at.dataframe if "supplier funding" in d.value.columns)
        assert (funded["supplier funding"] > 0).all() and (funded["supplier's cost"] == -funded["supplier funding"]).all()
        assert float(metric(at, "Incremental margin").replace(",", "")) > fat  # the retailer's margin rises by it
        store.set_margins({}, funding={c: (50.0, 0.0, 20.0) for c in categories})  # and earns 20 % on its units
        at = ok(open_page("promotions"))
        theirs = next(d.value for d in at.dataframe if "supplier's margin" in d.value.columns)
        assert (theirs["supplier's margin"] != theirs["supplier's cost"]).any()  # its margin on the extra units
        store.set_margins({}, funding={c: (None, None, None) for c in categories})

        first = store.series_list(ds).iloc[0]
        weeks = pd.date_range(pd.Timestamp(store.dataset(ds).last_week) + pd.Timedelta(weeks=1), periods=3, freq="W-MON")
        store.save_scenario(ds, "deep", pd.DataFrame([{"sku": first["sku"], "category": None, "region": first["region"],
                                                       "start_week": weeks[1], "weeks": 2, "promo_type": "tpr",
                                                       "discount_pct": 40}]))
        at = ok(open_page("promotions"))
        at.selectbox(key="pr_plan").set_value("deep").run()
        ok(at)
        compare = next(d.value for d in at.dataframe if "plan" in d.value.columns)
        assert list(compare["plan"]) == ["base", "deep"] and compare["incremental_margin vs base"].iloc[0] == 0
    finally:  # the trained workspace is shared by the session's tests
        store.set_margins({c: 30.0 for c in categories}, funding={c: (None, None) for c in categories})
        if "deep" in store.scenarios(ds)["name"].tolist():
            store.delete_scenario(ds, "deep")


def test_whatif_by_shelf_price_and_mechanic(use_trained):
    """A saved scenario that turns a promotion into a BOGO given by its shelf price, opened on the What-if page: it
    forecasts (the shelf price read against the series' regular price), and a shelf price that cuts nothing is
    said in words, not as a crash."""
    from dashboard.ui import get_store

    store = get_store()
    ds = store.dataset().id
    first = store.series_list(ds).iloc[0]
    week = pd.Timestamp(store.dataset(ds).last_week) + pd.Timedelta(weeks=2)
    edit = {"sku": first["sku"], "category": None, "region": first["region"], "start_week": week, "weeks": 1,
            "promo_type": "bogo", "discount_pct": None}
    try:
        store.save_scenario(ds, "bogo by price", pd.DataFrame([{**edit, "shelf_price": 0.5}]))
        store.save_scenario(ds, "no cut", pd.DataFrame([{**edit, "shelf_price": 999.0}]))
        at = ok(open_page("scenarios"))
        at.selectbox(key="sc_load").set_value("bogo by price").run()
        ok(at)
        assert int(metric(at, "Series re-forecast")) > 0  # the edit applied: the SKU and its category siblings
        at.selectbox(key="sc_load").set_value("no cut").run()
        ok(at)
        assert any("is no cut for" in e.value for e in at.error)
        at = ok(open_page("promotions"))  # the saved scenarios in money: the one that cannot be read is left out
        assert any("'no cut' is left out" in w.value for w in at.warning)
    finally:
        for name in ("bogo by price", "no cut"):
            if name in store.scenarios(ds)["name"].tolist():
                store.delete_scenario(ds, name)


def test_whatif_money_and_report_section(use_trained):
    from dashboard.promotions.analysis import load
    from dashboard.reports.report import build_report
    from dashboard.ui import get_store

    at = ok(open_page("scenarios"))
    at.toggle(key="sc_money").set_value(True).run()
    ok(at)
    assert any(m.label == "Promotions' incremental margin (P50)" for m in at.metric)

    store = get_store()
    runs = store.runs()
    run_id = runs.loc[runs["model"] == "tft", "run_id"].iloc[0]
    a = load(store, run_id)
    _, events = a.decompose()
    html = build_report(store, store.dataset().id, run_id, promotions={"plan": "base", "events": events, "past": a.past()})
    assert "Planned promotions (base), best incremental margin first" in html and "Past promotions by category" in html
    assert "Planned promotions (base) by mechanic" in html and "bogo" in html  # the sample plans BOGOs
    assert f"{len(events)} planned" in html
