"""Shelf prices: the import's discount from the price paid and the regular price, the frame's regular price (read
outside promotions only), its index as a known input where prices move, the plan's price in future weeks, and the
What-if's edits by shelf price and by regular price change."""
import numpy as np
import pandas as pd
import pytest

from dashboard.data import prices
from dashboard.data.features import build_frame
from dashboard.data.ingest import prepare
from dashboard.planning.scenarios import edits_frame, expand_edits, guards, parse_promo
from dashboard.schema import ValidationError

RISE = 50  # the week A's regular price goes from 2.00 to 2.20


def _sales(weeks=80, rise=True, paid=True):
    """Two series with a promotion every 9th week at 20 %; A's regular price rises at week RISE. ``paid``: the
    file's price in a promoted week is the price paid (else the list price: files differ)."""
    w = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    rows = []
    for s in ("A", "B"):
        for i, d in enumerate(w):
            regular = 2.2 if (rise and s == "A" and i >= RISE) else 2.0
            on = i % 9 == 0
            rows.append({"week": d, "region": "R", "area": "R", "sku": s, "category": "c", "units": 10.0 + i % 5,
                         "price": round(regular * (0.8 if on and paid else 1.0), 2), "promo": float(on),
                         "discount_pct": 20.0 if on else 0.0})
    return pd.DataFrame(rows), w


@pytest.mark.parametrize("paid", [True, False])
def test_the_regular_price_is_read_outside_promotions_and_moves_with_a_price_change(paid):
    sales, w = _sales(paid=paid)
    future = pd.DataFrame({"sku": ["A"], "region": ["R"], "week": [w[-1] + pd.Timedelta(weeks=2)], "promo": [1.0],
                           "discount_pct": [25.0]})
    f = build_frame(sales, [], horizon=4, future=future)
    a = f[f["sku"] == "A"].reset_index(drop=True)
    assert np.allclose(a.loc[:RISE - 1, prices.REGULAR], 2.0)  # promoted weeks included, whatever their price says
    assert np.allclose(a.loc[RISE:, prices.REGULAR], 2.2)  # the rise, carried into the future
    assert prices.present(f) == [prices.INDEX]
    assert np.allclose(a.loc[RISE:, prices.INDEX], np.log(2.2 / a.loc[:79, prices.REGULAR].median()))
    fut = a[a["week"] > w[-1]]
    assert np.allclose(fut["price"], 2.2 * (1 - fut["discount_pct"] / 100))  # the plan's price: 25 % off in one week
    assert fut["price"].min() == pytest.approx(2.2 * 0.75)
    assert np.allclose(prices.shelf_price(a), a[prices.REGULAR] * (1 - a["discount_pct"] / 100))
    b = f[f["sku"] == "B"]
    assert np.allclose(b[prices.INDEX], 0.0)  # B's price never changed


def test_prices_that_never_move_or_are_missing_add_no_input():
    sales, _ = _sales(rise=False)
    assert prices.present(build_frame(sales, [], horizon=4)) == []  # the bundled sample's case: its inputs stay
    f = build_frame(sales.assign(price=np.nan), [], horizon=4)
    assert prices.REGULAR not in f and prices.present(f) == []
    assert prices.regular_now(f, int(f["time_idx"].max()))[prices.REGULAR].isna().all()


def test_the_import_reads_the_discount_from_the_regular_price(write):
    text = "week,region,sku,units,price,regular_price\n" + "\n".join(
        f"2024-01-{1 + 7 * i:02d},N,A,{10 + i},{p},2.50" for i, p in enumerate([2.5, 2.0, 2.5, 2.49, 2.75]))
    s = prepare(write("s.csv", text)).sales.sort_values("week")
    assert s["discount_pct"].tolist() == [0.0, 20.0, 0.0, 0.0, 0.0]  # 0.4 % is rounding; above regular is no cut
    assert s["promo"].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert (s["regular_price"] == 2.5).all()  # kept: the frame reads the file's own regular price
    f = build_frame(s.assign(area=s["region"]), [], horizon=2)
    assert np.allclose(f[prices.REGULAR], 2.5)  # not the 2.75 the last week was sold at
    bad = text.replace("2.0,2.50", "2.0,-2.50")
    with pytest.raises(ValidationError) as err:
        prepare(write("bad.csv", bad))
    p = err.value.problems[0]
    assert (p.file, p.column, p.rule, p.rows) == ("bad.csv", "regular_price", "negative regular price", (3,))


def test_a_file_s_own_discount_wins_over_its_regular_price(write):
    text = "week,region,sku,units,price,regular_price,discount_pct\n2024-01-01,N,A,10,2.0,2.5,10\n"
    s = prepare(write("s.csv", text)).sales
    assert s["discount_pct"].tolist() == [10.0]


SERIES = pd.DataFrame({"sku": ["A", "B"], "region": ["N", "N"], "category": ["x", "x"]})
WEEKS = pd.date_range("2026-01-05", periods=4, freq="W-MON")
REGULAR = pd.DataFrame({"sku": ["A", "B"], "region": ["N", "N"], prices.REGULAR: [2.0, 4.0]})


def test_a_what_if_by_shelf_price_and_by_regular_price_change():
    edits = edits_frame([{"category": "x", "region": "all", "start_week": "2026-01-05", "weeks": 1,
                          "promo_type": "bogo", "discount_pct": 20, "shelf_price": 1.5},
                         {"sku": "A", "region": "N", "start_week": "2026-01-05", "weeks": 3,
                          "promo_type": "price change", "shelf_price": 2.2}])
    plan = expand_edits(edits, SERIES, WEEKS, REGULAR).set_index(["sku", "week"]).sort_index()
    first = plan.loc[("A", WEEKS[0])]  # the promotion at the new regular price; its depth against the old one
    assert first["discount_pct"] == 25.0 and first["promo_type"] == "bogo" and first[prices.REGULAR] == 2.2
    assert plan.loc[("B", WEEKS[0]), "discount_pct"] == 62.5 and np.isnan(plan.loc[("B", WEEKS[0]), prices.REGULAR])
    later = plan.loc[("A", WEEKS[1])]  # the price change alone keeps the week's promotions as planned
    assert np.isnan(later["promo"]) and np.isnan(later["discount_pct"]) and later[prices.REGULAR] == 2.2
    with pytest.raises(ValueError, match="a shelf price of 2.5 is no cut for A N .regular price 2.00."):
        expand_edits(edits_frame([{"sku": "A", "start_week": "2026-01-05", "shelf_price": 2.5}]), SERIES, WEEKS,
                     REGULAR)
    with pytest.raises(ValueError, match="needs the new regular price"):
        expand_edits(edits_frame([{"sku": "A", "start_week": "2026-01-05", "promo_type": "price change"}]), SERIES,
                     WEEKS, REGULAR)
    with pytest.raises(ValueError, match="has no prices for these series"):
        expand_edits(edits_frame([{"sku": "A", "start_week": "2026-01-05", "shelf_price": 1.0}]), SERIES, WEEKS)
    row = parse_promo("sku=A,start=2026-01-05,type=price change,price=2.2")
    assert row["shelf_price"] == 2.2 and row["promo_type"] == "price change"
    warn = " | ".join(guards(plan.reset_index(), pd.DataFrame({"discount_pct": [30.0]}), set(), WEEKS,
                             reads_price=False))
    assert "this run does not read prices" in warn


def test_the_models_read_a_moving_regular_price(write):
    from conftest import tiny_config
    from dashboard.planning.scenarios import Scenario, WhatIf
    from models import create

    sales, w = _sales(weeks=90)
    frame = build_frame(sales, [], horizon=4)
    for name in ("tft", "lightgbm", "lstm"):
        cfg = tiny_config(name)
        m = create(type(cfg)(**{**cfg.to_dict(), "encoder_weeks": 20, "min_encoder_weeks": 8, "horizon": 4,
                                "quantiles": cfg.quantiles}))
        m.fit(frame[frame["units"].notna()])
        assert m.reads_price() == (name != "lstm"), name  # the LSTM lost accuracy with it on Stallion
        if name == "lstm":
            continue
        engine = WhatIf(m, frame, name)
        res = engine.run(Scenario("rise", edits_frame([{"sku": "A", "region": "R", "start_week": engine.future_weeks[0],
                                                         "weeks": 4, "promo_type": "price change",
                                                         "shelf_price": 3.0}])))
        assert not any("does not read prices" in x for x in res["warnings"]), name
        assert set(res["changed"]["sku"]) == {"A", "B"} and np.isfinite(res["forecast"]["p50"]).all(), name
